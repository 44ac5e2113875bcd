/**
 * The axis map: pixel → data from tick label positions and values, by a robust fit (linear or
 * log), with dropped decimal points repaired from the even spacing of ticks; rejected with the
 * reason when the ticks disagree.
 */
import { parseNumber } from './numbers';

export interface TickSample { px: number; value: number; label: string }

export interface AxisMap {
  scale: 'linear' | 'log';
  /** value (or log10 value) = a + b * px */
  a: number;
  b: number;
  ticks: TickSample[];
  repaired: string[];
  dropped: string[];
  percent: boolean;
}

export const toData = (m: AxisMap, px: number) => (m.scale === 'log' ? 10 ** (m.a + m.b * px) : m.a + m.b * px);
export const toPx = (m: AxisMap, v: number) => ((m.scale === 'log' ? Math.log10(v) : v) - m.a) / m.b;

function fitLine(pts: { p: number; v: number }[]): { a: number; b: number } {
  const n = pts.length;
  const mp = pts.reduce((s, q) => s + q.p, 0) / n, mv = pts.reduce((s, q) => s + q.v, 0) / n;
  let sxy = 0, sxx = 0;
  for (const q of pts) { sxy += (q.p - mp) * (q.v - mv); sxx += (q.p - mp) ** 2; }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: mv - b * mp, b };
}

function robust(samples: TickSample[], scale: 'linear' | 'log') {
  const pts = samples
    .map((s, i) => ({ i, p: s.px, v: scale === 'log' ? (s.value > 0 ? Math.log10(s.value) : NaN) : s.value }))
    .filter((q) => Number.isFinite(q.v));
  if (pts.length < 2) return undefined;
  const spacing = medianGap(pts.map((q) => q.p));
  const tolPx = Math.max(2, 0.15 * spacing);
  let best: { inl: number[]; a: number; b: number; err: number } | undefined;
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      if (Math.abs(pts[i].p - pts[j].p) < 3 || pts[i].v === pts[j].v) continue;
      const b = (pts[j].v - pts[i].v) / (pts[j].p - pts[i].p), a = pts[i].v - b * pts[i].p;
      const inl: number[] = [];
      let err = 0;
      for (const q of pts) {
        const e = Math.abs((q.v - a) / b - q.p);
        if (e <= tolPx) { inl.push(q.i); err += e; }
      }
      if (!best || inl.length > best.inl.length || (inl.length === best.inl.length && err < best.err)) best = { inl, a, b, err };
    }
  }
  if (!best || best.inl.length < 2) return undefined;
  const f = fitLine(pts.filter((q) => best!.inl.includes(q.i)));
  return { inliers: best.inl, a: f.a, b: f.b };
}

function medianGap(ps: number[]): number {
  const s = [...ps].sort((a, b) => a - b);
  const g = s.slice(1).map((p, i) => p - s[i]).filter((d) => d > 1).sort((a, b) => a - b);
  return g.length ? g[Math.floor(g.length / 2)] : 50;
}

/**
 * Fits an axis from (position, label) pairs. Returns the map, or a reason when the labels are
 * not numbers or disagree.
 */
export function fitAxis(labels: { px: number; label: string }[]): AxisMap | { reason: string } {
  const parsed: TickSample[] = [];
  let percent = 0;
  for (const l of labels) {
    const n = parseNumber(l.label);
    if (n) { parsed.push({ px: l.px, value: n.value, label: l.label }); if (n.percent) percent++; }
  }
  if (parsed.length < 2) return { reason: `only ${parsed.length} tick label${parsed.length === 1 ? '' : 's'} could be read as numbers` };
  const lin = robust(parsed, 'linear');
  const log = parsed.every((s) => s.value > 0) ? robust(parsed, 'log') : undefined;
  // log only when it explains more ticks than linear and the values span a factor ≥ 100
  const span = Math.max(...parsed.map((s) => s.value)) / Math.max(1e-300, Math.min(...parsed.map((s) => Math.abs(s.value) || Infinity)));
  let fit = lin, scale: 'linear' | 'log' = 'linear';
  if (log && (!lin || log.inliers.length > lin.inliers.length) && span >= 50) { fit = log; scale = 'log'; }
  if (!fit) return { reason: 'the tick labels do not line up with their positions' };
  const need = parsed.length >= 4 ? Math.ceil(parsed.length * 0.6) : Math.min(parsed.length, 2);
  if (fit.inliers.length < need || (parsed.length >= 3 && fit.inliers.length < 3)) {
    return { reason: `the tick labels disagree: only ${fit.inliers.length} of ${parsed.length} (${parsed.map((p) => p.label).join(', ')}) fit one ${scale} scale` };
  }
  const map: AxisMap = { scale, a: fit.a, b: fit.b, ticks: [], repaired: [], dropped: [], percent: percent > parsed.length / 2 };
  // the spacing of tick values (in data units, or decades on a log axis)
  const inl = fit.inliers.map((i) => parsed[i].value).sort((p, q) => p - q);
  const gaps = inl.slice(1).map((v, i) => v - inl[i]).filter((d) => d > 0).sort((p, q) => p - q);
  const step = gaps.length ? gaps[Math.floor(gaps.length / 2)] : Math.abs(inl[inl.length - 1] - inl[0]);
  for (let i = 0; i < parsed.length; i++) {
    const s = parsed[i];
    if (fit.inliers.includes(i)) { map.ticks.push(s); continue; }
    // a slip of the decimal point: the value the position says, off by a power of ten
    const want = toData(map, s.px);
    const ratio = s.value / want;
    const k = Math.round(Math.log10(Math.abs(ratio)));
    const fixed = s.value / 10 ** k;
    const close = scale === 'log' ? Math.abs(Math.log10(fixed / want)) < 0.02 : Math.abs(fixed - want) <= 0.2 * step;
    if (k !== 0 && ratio > 0 && close) {
      map.ticks.push({ ...s, value: s.value / 10 ** k });
      map.repaired.push(`${s.label} → ${s.value / 10 ** k}`);
    } else map.dropped.push(s.label);
  }
  map.ticks.sort((p, q) => p.px - q.px);
  // refit on every kept tick
  const f = fitLine(map.ticks.map((t) => ({ p: t.px, v: scale === 'log' ? Math.log10(t.value) : t.value })));
  map.a = f.a; map.b = f.b;
  return map;
}
