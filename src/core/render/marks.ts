/**
 * The host's check of a marks report (where a render's data marks were drawn, issue 12): data from
 * a sandbox, checked at every boundary it crosses (harness reply, Pyodide worker, panel protocol).
 * Browser-safe: no Node imports, no harness.py text.
 */
import type { DrawnArtist, DrawnAxes } from '../types';

/**
 * The harness's report of where the data marks were drawn, checked on the host (data from the
 * sandbox): anything malformed drops the report (the critic then falls back to pixels), never the render.
 */
export function parseMarks(v: unknown): DrawnAxes[] | undefined {
  if (!Array.isArray(v) || v.length > 8) return undefined;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const str = (x: unknown, n = 200): string => (typeof x === 'string' ? x.slice(0, n) : '');
  const pair = (x: unknown): [number, number] | undefined => (Array.isArray(x) && x.length === 2 && finite(x[0]) && finite(x[1]) ? [x[0], x[1]] : undefined);
  const ticks = (x: unknown): [number, string][] => (Array.isArray(x) ? x.slice(0, 200).filter((t) => Array.isArray(t) && finite(t[0])).map((t) => [t[0] as number, str(t[1], 100)]) : []);
  const WIDTH = { bar: 8, line: 4, points: 4, slice: 3 } as const;
  let total = 0;
  let texts = 0;
  const out: DrawnAxes[] = [];
  for (const a of v) {
    if (typeof a !== 'object' || a === null) return undefined;
    const o = a as Record<string, unknown>;
    const box = Array.isArray(o.box) && o.box.length === 4 && o.box.every(finite) ? (o.box.slice() as [number, number, number, number]) : undefined;
    const xlim = pair(o.xlim), ylim = pair(o.ylim);
    if (!box || !xlim || !ylim || !Array.isArray(o.artists)) return undefined;
    const artists: DrawnArtist[] = [];
    for (const t of o.artists.slice(0, 200)) {
      if (typeof t !== 'object' || t === null) continue;
      const d = t as Record<string, unknown>;
      const kind = d.kind;
      if (kind !== 'bar' && kind !== 'line' && kind !== 'points' && kind !== 'slice') continue;
      if (!Array.isArray(d.items)) continue;
      if (d.items.length > 20_000) return undefined;
      // rows with a non-finite value (NaN gaps in a line) are left out, not the artist; rows are copied
      const items = d.items.filter((r): r is number[] => Array.isArray(r) && r.length === WIDTH[kind] && r.every(finite)).map((r) => r.slice());
      total += items.length;
      if (total > 20_000) return undefined;
      const labels = Array.isArray(d.labels) ? d.labels.slice(0, 2000).map((l) => str(l)) : undefined;
      texts += labels?.length ?? 0;
      if (texts > 20_000) return undefined;
      const colour = Array.isArray(d.color) && d.color.length === 3 && d.color.every(finite) ? (d.color.map((c) => Math.max(0, Math.min(255, Math.round(c)))) as [number, number, number]) : undefined;
      artists.push({
        kind,
        orientation: d.orientation === 'horizontal' ? 'horizontal' : kind === 'bar' ? 'vertical' : undefined,
        label: str(d.label),
        labels,
        color: colour,
        marker: typeof d.marker === 'string' ? d.marker.slice(0, 20) : undefined,
        items,
      });
    }
    out.push({ box, xscale: str(o.xscale, 20), yscale: str(o.yscale, 20), xlim, ylim, xticks: ticks(o.xticks), yticks: ticks(o.yticks), artists });
  }
  return out;
}
