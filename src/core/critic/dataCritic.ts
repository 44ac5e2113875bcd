/**
 * The critic's data part (issue 12): what a candidate draws — the marks the render harness reports,
 * with their data values — against what the chart reader read on the original, per series and per
 * category. Each candidate value is placed on the original's value axis through the reader's axis
 * map and compared there, as a share of that axis's range: the same for a candidate in any style,
 * with any margins or axis limits. Pure: no rendering, no image work.
 */
import type { DrawnArtist, DrawnAxes } from '../types';
import type { Reading } from '../reader/types';

export interface DataScore {
  /** 1 − the mean error (values as a share of the original's axis range; a value not drawn counts 1), minus the chart-type penalty. */
  score: number;
  /** Values the reader read on the original. */
  values: number;
  /** …of which the candidate drew within 2 % of the axis range. */
  within2: number;
  /** The candidate's chart type differs from the reading's. */
  typeMismatch: boolean;
}

/** Cost of a chart of another kind (bars for a line…), on top of the value errors. */
const TYPE_PENALTY = 0.25;
/** Bars stacked for grouped ones (or the reverse), or a line for a scatter (or the reverse). */
const NEAR_TYPE_PENALTY = 0.1;
/**
 * Differences under this share of the axis range cost nothing: the reading itself is only this
 * exact, so a candidate within it is as right as the reader's own program (written from the reading).
 */
const READ_TOLERANCE = 0.01;
/** A drawn value the original does not have counts this much of a missing one. */
const EXTRA_WEIGHT = 0.5;

type Family = 'vbar' | 'hbar' | 'line' | 'points' | 'slice';

/** One candidate series in the reading's shape: values along the category (or x) axis, in order. */
interface DrawnSeries {
  family: Family;
  stacked: boolean;
  points: { key: string; x: number; y: number; pos: number }[];
}

/** The data part, or undefined when the render reported no axes to compare (the caller falls back to pixels). */
export function scoreData(reading: Reading, drawn: DrawnAxes[]): DataScore | undefined {
  const axes = [...drawn].sort((a, b) => count(b) - count(a))[0];
  if (!axes) return undefined;
  const want = readingFamily(reading);
  const series = drawnSeries(axes);
  const values = reading.series.reduce((n, s) => n + s.points.length, 0);
  if (values === 0) return undefined;
  if (series.length === 0) return { score: 0, values, within2: 0, typeMismatch: true };
  const fam = dominant(series);
  const typeMismatch = fam.family !== want.family;
  const near = !typeMismatch && fam.stacked !== want.stacked;
  const lineLike = (f: Family) => f === 'line' || f === 'points';
  const penalty = typeMismatch ? (lineLike(fam.family) && lineLike(want.family) ? NEAR_TYPE_PENALTY : TYPE_PENALTY) : near ? NEAR_TYPE_PENALTY : 0;

  const map = valueMaps(reading, want.family);
  // every pair (reading series, drawn series): its errors; then a greedy assignment, cheapest first
  const pairs: { i: number; j: number; errs: number[]; extra: number; cost: number }[] = [];
  reading.series.forEach((rs, i) => {
    series.forEach((ds, j) => {
      const { errs, extra } = compareSeries(rs.points, ds, want.family, map);
      const cost = (errs.reduce((a, b) => a + b, 0) + EXTRA_WEIGHT * extra) / (errs.length + EXTRA_WEIGHT * extra || 1);
      pairs.push({ i, j, errs, extra, cost });
    });
  });
  pairs.sort((a, b) => a.cost - b.cost);
  const usedR = new Set<number>(), usedD = new Set<number>();
  let sum = 0, n = 0, within2 = 0;
  for (const p of pairs) {
    if (usedR.has(p.i) || usedD.has(p.j)) continue;
    usedR.add(p.i);
    usedD.add(p.j);
    for (const e of p.errs) {
      sum += e;
      n++;
      if (e <= 0.02 - READ_TOLERANCE) within2++;
    }
    sum += EXTRA_WEIGHT * p.extra;
    n += EXTRA_WEIGHT * p.extra;
  }
  reading.series.forEach((rs, i) => {
    if (!usedR.has(i)) {
      sum += rs.points.length;
      n += rs.points.length;
    }
  });
  series.forEach((ds, j) => {
    if (!usedD.has(j)) {
      sum += EXTRA_WEIGHT * ds.points.length;
      n += EXTRA_WEIGHT * ds.points.length;
    }
  });
  const err = n > 0 ? sum / n : 1;
  return { score: clamp01(1 - err - penalty), values, within2, typeMismatch: typeMismatch || near };
}

// ---- the reading's side ------------------------------------------------------------------------

function readingFamily(r: Reading): { family: Family; stacked: boolean } {
  switch (r.chart_type) {
    case 'horizontal bar': return { family: 'hbar', stacked: false };
    case 'line': return { family: 'line', stacked: false };
    case 'scatter': return { family: 'points', stacked: false };
    case 'pie': return { family: 'slice', stacked: false };
    case 'stacked bar': return { family: 'vbar', stacked: true };
    default: return { family: 'vbar', stacked: false };
  }
}

interface ValueMaps {
  /** A value on the original's value axis as a share of its range (0 at its min). */
  y: (v: number) => number;
  /** The same for x (scatters and lines with a numeric x axis). */
  x: (v: number) => number;
}

/** The reader's axis maps, as shares of each axis's range (log axes in decades). */
function valueMaps(r: Reading, family: Family): ValueMaps {
  const values = r.series.flatMap((s) => s.points.map((p) => p.y));
  const share = (axis: Reading['x_axis'] | undefined, fallback: number[]) => {
    const log = axis?.scale === 'log';
    const f = (v: number) => (log ? Math.log10(Math.max(v, 1e-300)) : v);
    let lo = axis?.min, hi = axis?.max;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi! > lo!)) {
      const fs = fallback.filter(Number.isFinite);
      lo = Math.min(0, ...fs);
      hi = Math.max(...fs, lo + 1e-9);
    }
    const a = f(lo!), b = f(hi!);
    return (v: number) => (f(v) - a) / (b - a || 1);
  };
  if (family === 'slice') return { y: (v) => v, x: (v) => v };
  const valueAxis = family === 'hbar' ? r.x_axis : r.y_axis;
  const xs = r.series.flatMap((s) => s.points.map((p) => (typeof p.x === 'number' ? p.x : NaN)));
  return { y: share(valueAxis, values), x: share(r.x_axis, xs) };
}

// ---- the candidate's side ----------------------------------------------------------------------

const count = (a: DrawnAxes) => a.artists.reduce((n, t) => n + t.items.length, 0);

function dominant(series: DrawnSeries[]): { family: Family; stacked: boolean } {
  const by = new Map<Family, number>();
  for (const s of series) by.set(s.family, (by.get(s.family) ?? 0) + s.points.length);
  const family = [...by.entries()].sort((a, b) => b[1] - a[1])[0][0];
  return { family, stacked: series.some((s) => s.family === family && s.stacked) };
}

/** The label of the tick nearest to `v` (within half a tick step), or '' when the ticks are numbers. */
function tickLabel(ticks: [number, string][], v: number): string {
  if (ticks.length === 0 || ticks.every(([, t]) => t === '' || Number.isFinite(Number(t.replace(/[−\u2212]/g, '-').replace(/,/g, ''))))) return '';
  const step = ticks.length > 1 ? Math.min(...ticks.slice(1).map(([t], i) => Math.abs(t - ticks[i][0])).filter((d) => d > 0)) : Infinity;
  let best = ticks[0];
  for (const t of ticks) if (Math.abs(t[0] - v) < Math.abs(best[0] - v)) best = t;
  return Math.abs(best[0] - v) <= step / 2 + 1e-9 ? best[1] : '';
}

function drawnSeries(ax: DrawnAxes): DrawnSeries[] {
  const out: DrawnSeries[] = [];
  for (const a of ax.artists) {
    const s = artistSeries(ax, a);
    if (s && s.points.length) out.push(s);
  }
  return out;
}

function artistSeries(ax: DrawnAxes, a: DrawnArtist): DrawnSeries | undefined {
  if (a.kind === 'bar') {
    const h = a.orientation === 'horizontal';
    const points = a.items.map(([x, y, w, hh, px, py, pw, ph]) => {
      const at = h ? y + hh / 2 : x + w / 2;
      return { key: tickLabel(h ? ax.yticks : ax.xticks, at), x: at, y: h ? w : hh, pos: h ? py + ph / 2 : px + pw / 2 };
    });
    const base = a.items.map(([x, y]) => (h ? x : y));
    const span = Math.max(1e-12, ...points.map((p) => Math.abs(p.y)));
    return { family: h ? 'hbar' : 'vbar', stacked: base.some((b) => Math.abs(b) > 1e-6 * span), points: points.sort((p, q) => p.pos - q.pos) };
  }
  if (a.kind === 'slice') {
    return { family: 'slice', stacked: false, points: a.items.map(([share], i) => ({ key: a.labels?.[i] ?? '', x: i, y: share, pos: i })) };
  }
  const points = a.items.map(([x, y, px]) => ({ key: tickLabel(ax.xticks, x), x, y, pos: px }));
  return { family: a.kind === 'line' ? 'line' : 'points', stacked: false, points: points.sort((p, q) => p.pos - q.pos) };
}

// ---- comparing one series with one ---------------------------------------------------------------

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9.]/g, '');

/** 2: labels equal after normalising; 1: one inside the other, or one OCR slip apart (4+ characters); 0: different. */
function labelMatch(a: string, b: string): number {
  const x = norm(a), y = norm(b);
  if (!x || !y) return 0;
  if (x === y) return 2;
  if (Math.min(x.length, y.length) >= 3 && (x.includes(y) || y.includes(x))) return 1;
  if (Math.abs(x.length - y.length) > 1 || Math.min(x.length, y.length) < 4) return 0;
  let diff = 0;
  for (let i = 0, j = 0; i < x.length && j < y.length; i++, j++) {
    if (x[i] === y[j]) continue;
    if (++diff > 1) return 0;
    if (x.length > y.length) j--;
    else if (y.length > x.length) i--;
  }
  return 1;
}

/**
 * Which drawn point each read point is (-1: none): labels first (exact, then near), one to one;
 * the rest in order along the axis when as many are left on both sides.
 */
function matchCategories(read: { x: string | number }[], keys: string[]): number[] {
  const match = new Array<number>(read.length).fill(-1);
  const used = new Set<number>();
  for (const q of [2, 1]) {
    read.forEach((p, i) => {
      if (match[i] >= 0) return;
      const j = keys.findIndex((k, jj) => !used.has(jj) && labelMatch(String(p.x), k) === q);
      if (j >= 0) {
        match[i] = j;
        used.add(j);
      }
    });
  }
  const restR = read.map((_, i) => i).filter((i) => match[i] < 0);
  const restD = keys.map((_, j) => j).filter((j) => !used.has(j));
  if (restR.length === restD.length) restR.forEach((i, k) => (match[i] = restD[k]));
  return match;
}

function compareSeries(read: { x: string | number; y: number }[], ds: DrawnSeries, family: Family, map: ValueMaps): { errs: number[]; extra: number } {
  const e = (a: number, b: number) => Math.min(1, Math.max(0, Math.abs(map.y(a) - map.y(b)) - READ_TOLERANCE));
  const numericRead = read.every((p) => typeof p.x === 'number');
  const polyline = ds.family === 'line' && (family === 'line' || family === 'points') && numericRead && ds.points.every((q) => !q.key);
  if (!polyline && (family === 'points' || (family === 'line' && ds.family === 'points'))) {
    // nearest unused point in the plot's shares of range, closest pairs first
    const cand: { i: number; j: number; d: number }[] = [];
    read.forEach((p, i) => {
      if (typeof p.x !== 'number') return;
      ds.points.forEach((q, j) => cand.push({ i, j, d: Math.hypot(map.x(q.x) - map.x(p.x as number), map.y(q.y) - map.y(p.y)) }));
    });
    cand.sort((a, b) => a.d - b.d);
    const errs = new Array<number>(read.length).fill(1);
    const ui = new Set<number>(), uj = new Set<number>();
    for (const c of cand) {
      if (ui.has(c.i) || uj.has(c.j)) continue;
      ui.add(c.i);
      uj.add(c.j);
      errs[c.i] = Math.min(1, Math.max(0, c.d - READ_TOLERANCE));
    }
    return { errs, extra: Math.max(0, ds.points.length - read.length) };
  }
  if (polyline) {
    // the drawn polyline at each read x (the reader samples lines at its own x)
    const pts = [...ds.points].sort((a, b) => a.x - b.x);
    const lo = pts[0].x, hi = pts[pts.length - 1].x;
    const tol = (hi - lo) * 0.02;
    const errs = read.map((p) => {
      const x = p.x as number;
      if (x < lo - tol || x > hi + tol) return 1;
      let k = 1;
      while (k < pts.length - 1 && pts[k].x < x) k++;
      const a = pts[Math.max(0, k - 1)], b = pts[k] ?? a;
      const t = b.x === a.x ? 0 : Math.min(1, Math.max(0, (x - a.x) / (b.x - a.x)));
      return e(a.y + t * (b.y - a.y), p.y);
    });
    return { errs, extra: 0 };
  }
  // categories: by label where the labels agree, the rest in order along the axis
  let match = matchCategories(read, ds.points.map((q) => q.key));
  if (family === 'slice' && match.some((j) => j < 0)) {
    // pies of another slice count: the largest with the largest
    const rOrder = read.map((p, i) => i).sort((a, b) => read[b].y - read[a].y);
    const dOrder = ds.points.map((q, j) => j).sort((a, b) => ds.points[b].y - ds.points[a].y);
    match = new Array<number>(read.length).fill(-1);
    rOrder.forEach((i, k) => (match[i] = k < dOrder.length ? dOrder[k] : -1));
  }
  const used = new Set(match.filter((j) => j >= 0));
  const errs = read.map((p, i) => (match[i] >= 0 ? e(ds.points[match[i]].y, p.y) : 1));
  return { errs, extra: ds.points.length - used.size };
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
