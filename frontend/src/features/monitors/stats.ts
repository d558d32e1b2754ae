import type { MonitorWindowStatsQuery } from '../../gql/graphql';

export type WindowStats = NonNullable<MonitorWindowStatsQuery['monitorStats']>;

/** One bar per step: its mean phases, and the rest of its p95 as "other". */
export interface StepPhaseRow {
  step: string;
  dns: number;
  connect: number;
  tls: number;
  firstByte: number;
}

export function stepPhaseRows(steps: WindowStats['steps']): StepPhaseRow[] {
  const round = (n: number) => Math.round(n * 10) / 10;
  return steps.map((s) => ({
    step: s.name,
    dns: round(s.dnsMs),
    connect: round(s.connectMs),
    tls: round(s.tlsMs),
    firstByte: round(s.firstByteMs),
  }));
}

/** Error budget left as a person reads it: "62% left", "spent", "overspent ×3.0". */
export function budgetLabel(left: number | null | undefined): string {
  if (left === null || left === undefined) return 'no runs';
  if (left >= 0) return `${Math.round(left * 100)}% left`;
  if (left > -0.005) return 'spent';
  return `overspent ×${(1 - left).toFixed(1)}`;
}

/** Points of the series as chart rows: uptime and Apdex in percent, null gaps kept. */
export function seriesRows(points: WindowStats['series']['points']) {
  return points.map((p) => ({
    at: p.at,
    uptime: p.uptime === null ? null : Math.round(p.uptime * 1000) / 10,
    apdex: p.apdex === null ? null : Math.round(p.apdex * 1000) / 1000,
    runs: p.runs,
  }));
}
