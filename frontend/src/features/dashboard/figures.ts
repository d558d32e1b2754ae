// The figures a monitor card shows, as label and text.
import type { MonitorCardFragment } from '../../gql/graphql';
import { formatMs, formatPercent } from '../../lib/format';
import { budgetLabel } from '../monitors/stats';

export interface CardFigure {
  label: string;
  value: string;
}

/** Uptime and p95 over 24 h and 7 d, then Apdex and the error budget left over 7 d. */
export function cardFigures(s: MonitorCardFragment['stats']): CardFigure[] {
  return [
    { label: 'Uptime 24 h', value: formatPercent(s.uptime24h) },
    { label: 'Uptime 7 d', value: formatPercent(s.uptime7d) },
    { label: 'p95 24 h', value: formatMs(s.p95LatencyMs24h) },
    { label: 'p95 7 d', value: formatMs(s.p95LatencyMs7d) },
    { label: 'Apdex 7 d', value: s.apdex7d == null ? '—' : s.apdex7d.toFixed(2) },
    { label: 'Budget 7 d', value: s.errorBudgetLeft7d == null ? '—' : budgetLabel(s.errorBudgetLeft7d) },
  ];
}
