// Bands on a monitor's stats charts where its maintenance windows were open.
import { ReferenceArea } from 'recharts';
import { useQuery } from 'urql';
import { MonitorOpeningsDocument } from './api';
import { bands, type Band } from './bands';

/** The bands of the monitor's windows over the series' buckets. */
export function useMaintenanceBands(monitorId: string, points: ReadonlyArray<{ at: string }>, stepSeconds: number): Band[] {
  const from = points[0]?.at ?? '';
  const last = points.at(-1)?.at ?? '';
  const to = last ? new Date(Date.parse(last) + stepSeconds * 1000).toISOString() : '';
  const [res] = useQuery({ query: MonitorOpeningsDocument, variables: { id: monitorId, from, to }, pause: !from });
  const openings = res.data?.monitor?.maintenanceWindows.flatMap((w) => w.openings) ?? [];
  return bands(points, stepSeconds, openings);
}

/** recharts areas for the bands (children of a Mantine chart). */
export function bandAreas(bs: ReadonlyArray<Band>) {
  return bs.map((b) => <ReferenceArea key={`${b.x1}-${b.x2}`} x1={b.x1} x2={b.x2} fill="var(--mantine-color-grape-4)" fillOpacity={0.25} ifOverflow="extendDomain" label={{ value: 'maintenance', position: 'insideTop', fontSize: 10 }} />);
}
