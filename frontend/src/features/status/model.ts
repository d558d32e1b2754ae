// The status page form: its state, the moves it offers, and the API input it
// becomes. The server validates again; these checks only spare a round trip.
import type { StatusPageInput } from '../../gql/graphql';

export interface FormMonitor {
  monitorId: string;
  displayName: string;
}

export interface FormGroup {
  name: string;
  monitors: FormMonitor[];
}

export interface FormState {
  slug: string;
  title: string;
  description: string;
  showLatency: boolean;
  groups: FormGroup[];
}

export const EMPTY_FORM: FormState = { slug: '', title: '', description: '', showLatency: false, groups: [{ name: 'Services', monitors: [] }] };

const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The server's slug rule: 3–64 lowercase letters, digits and single inner dashes. */
export function slugProblem(slug: string): string | null {
  if (slug.length < 3 || slug.length > 64) return 'A slug is 3 to 64 characters long.';
  if (!SLUG_RE.test(slug)) return 'Use lowercase letters, digits and single dashes between them, e.g. acme-api.';
  return null;
}

/** A slug suggested from a title: "Acme API — EU" → "acme-api-eu". */
export function slugFrom(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
}

/** Moves item i of list by delta (−1 up, +1 down); out-of-range moves change nothing. */
export function move<T>(list: T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return list;
  const out = list.slice();
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** Sets a group's monitors to the chosen ids, keeping the display names of those that stay. */
export function chooseMonitors(group: FormGroup, ids: string[]): FormGroup {
  const names = new Map(group.monitors.map((m) => [m.monitorId, m.displayName]));
  return { ...group, monitors: ids.map((id) => ({ monitorId: id, displayName: names.get(id) ?? '' })) };
}

/** The monitors already placed in another group, which a group's picker leaves out. */
export function takenElsewhere(groups: FormGroup[], gi: number): Set<string> {
  return new Set(groups.flatMap((g, i) => (i === gi ? [] : g.monitors.map((m) => m.monitorId))));
}

export function toInput(f: FormState): StatusPageInput {
  return {
    slug: f.slug.trim(),
    title: f.title.trim(),
    description: f.description.trim(),
    showLatency: f.showLatency,
    groups: f.groups.map((g) => ({
      name: g.name.trim(),
      monitors: g.monitors.map((m) => ({ monitorId: m.monitorId, displayName: m.displayName.trim() })),
    })),
  };
}

/** The Markdown a README embeds for a badge at path, linking to the status page or Catena. */
export function badgeMarkdown(origin: string, path: string, kind: 'status' | 'uptime' | 'latency', window?: string): string {
  const q = kind === 'status' ? '' : `?kind=${kind}${window ? `&window=${window}` : ''}`;
  const alt = kind === 'status' ? 'status' : `${kind}${window ? ` ${window}` : ''}`;
  return `![${alt}](${origin}${path}${q})`;
}
