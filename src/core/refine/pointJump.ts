/**
 * A scatter's points jump at once to the original's dots: the x and y lists' axis maps from their
 * probes, the original's dots of the mark's colour, and a least-total-distance assignment.
 */
import type { PreparedOriginal } from '../critic/pixelCritic';
import { assign } from './assign';
import { median, mode, type Sighting } from './marks';
import { clampValue, type SearchContext } from './search';

/** A list's values drawn as positions along one axis: pixel = a + b × value. */
interface AxisMap { horizontal: boolean; a: number; b: number }

function axisMap(idx: number[], seen: (Sighting | undefined)[]): AxisMap | undefined {
  const ss = idx.map((i) => seen[i]).filter((s): s is Sighting => s !== undefined);
  if (ss.length < Math.max(3, 0.5 * idx.length)) return undefined;
  const horizontal = median(ss.map((s) => Math.abs(s.dx))) > 3 * median(ss.map((s) => Math.abs(s.dy)));
  const vertical = median(ss.map((s) => Math.abs(s.dy))) > 3 * median(ss.map((s) => Math.abs(s.dx)));
  if (!horizontal && !vertical) return undefined;
  // least squares of the marks' positions on their values, then again without the outliers (marks
  // that overlap others)
  const pos = (s: Sighting) => (horizontal ? s.x : s.y);
  const tol = 2.5;
  let use = ss, a = 0, b = 0;
  for (let round = 0; round < 3; round++) {
    const mv = use.reduce((t, s) => t + s.from, 0) / use.length, mp = use.reduce((t, s) => t + pos(s), 0) / use.length;
    let sxy = 0, sxx = 0;
    for (const s of use) { sxy += (s.from - mv) * (pos(s) - mp); sxx += (s.from - mv) ** 2; }
    if (!(sxx > 0)) return undefined;
    b = sxy / sxx;
    a = mp - b * mv;
    const next = ss.filter((s) => Math.abs(pos(s) - (a + b * s.from)) <= tol);
    if (next.length < 3) return undefined;
    use = next;
  }
  if (!Number.isFinite(b) || Math.abs(b) < 1e-9) return undefined;
  // the marks where the map puts them, and moved by it in the probes
  const fit = ss.filter((s) => Math.abs(pos(s) - (a + b * s.from)) <= tol).length;
  const slope = median(ss.map((s) => (horizontal ? s.dx : s.dy) / (s.to - s.from)));
  if (!(Math.abs(slope / b - 1) < 0.25)) return undefined;
  return fit >= 0.7 * ss.length ? { horizontal, a, b } : undefined;
}

/**
 * Scatter points (two lists of one length, one drawn along x and one along y, whose values' marks
 * are one compact mark): the values that put every point on one of the original's dots, by a
 * least-total-distance assignment; undefined when the program has no such points.
 */
export function pointJump(c: SearchContext, o: PreparedOriginal, seen: (Sighting | undefined)[], values: number[], w: number, h: number): number[] | undefined {
  const byList = c.lists.map((_, li) => c.literals.map((l, i) => (l.list === li ? i : -1)).filter((i) => i >= 0));
  const maps = byList.map((idx) => (idx.length >= 4 ? axisMap(idx, seen) : undefined));
  const out = values.slice();
  let any = false;
  for (let A = 0; A < byList.length; A++) {
    for (let B = 0; B < byList.length; B++) {
      const mx = maps[A], my = maps[B];
      if (!mx || !my || !mx.horizontal || my.horizontal || byList[A].length !== byList[B].length) continue;
      const xs = byList[A], ys = byList[B], m = xs.length;
      // the same points: each y probe's mark sits where the x list puts it, and vice versa
      let agree = 0, asked = 0;
      for (let j = 0; j < m; j++) {
        const sy = seen[ys[j]], sx = seen[xs[j]];
        if (sy) { asked++; if (Math.abs(sy.x - (mx.a + mx.b * sy.values[xs[j]])) <= 2.5) agree++; }
        if (sx) { asked++; if (Math.abs(sx.y - (my.a + my.b * sx.values[ys[j]])) <= 2.5) agree++; }
      }
      if (asked < m || agree < 0.8 * asked) continue;
      const ss = [...xs, ...ys].map((i) => seen[i]).filter((s): s is Sighting => s !== undefined);
      const k = mode(ss.map((s) => s.k));
      const dotArea = median(ss.map((s) => s.area));
      // compact marks only (dots, not a line's vertices)
      if (!(dotArea > 0) || dotArea > 0.002 * w * h) continue;
      const targets = dots(o.cls, k, w, h, dotArea);
      if (targets.length < 0.5 * m || targets.length > 2 * m) continue;
      const pts = xs.map((xi, j) => [mx.a + mx.b * values[xi], my.a + my.b * values[ys[j]]]);
      const N = Math.max(m, targets.length);
      const FAR = 4 * (w + h);
      const cost = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (i < m && j < targets.length ? Math.hypot(pts[i][0] - targets[j][0], pts[i][1] - targets[j][1]) : i < m ? FAR : 0)));
      const match = assign(cost);
      for (let j = 0; j < m; j++) {
        const t = targets[match[j]];
        if (!t) continue;
        out[xs[j]] = clampValue(c, xs[j], (t[0] - mx.a) / mx.b);
        out[ys[j]] = clampValue(c, ys[j], (t[1] - my.a) / my.b);
        any = true;
      }
    }
  }
  return any && out.some((v, i) => v !== values[i]) ? out : undefined;
}

/**
 * The original's dots of class `k`: the centres of its blobs, a blob of about n dots' area giving n
 * centres (k-means on its pixels).
 */
function dots(cls: Int8Array, k: number, w: number, h: number, dotArea: number): [number, number][] {
  const seenPx = new Uint8Array(w * h);
  const out: [number, number][] = [];
  const stack: number[] = [];
  for (let q0 = 0; q0 < cls.length; q0++) {
    if (cls[q0] !== k || seenPx[q0]) continue;
    const px: number[] = [];
    stack.push(q0);
    seenPx[q0] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      px.push(q);
      const x = q % w, y = (q / w) | 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const qq = yy * w + xx;
          if (cls[qq] === k && !seenPx[qq]) { seenPx[qq] = 1; stack.push(qq); }
        }
      }
    }
    if (px.length < 0.4 * dotArea) continue;
    const count = Math.max(1, Math.round(px.length / dotArea));
    if (count > 12) continue; // not dots
    out.push(...kMeans(px, w, count));
  }
  return out;
}

function kMeans(px: number[], w: number, count: number): [number, number][] {
  const pts = px.map((q) => [q % w, (q / w) | 0] as [number, number]);
  // start spread along the blob's longer side
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const alongX = Math.max(...xs) - Math.min(...xs) >= Math.max(...ys) - Math.min(...ys);
  const sorted = pts.slice().sort((a, b) => (alongX ? a[0] - b[0] : a[1] - b[1]));
  let centres = Array.from({ length: count }, (_, j) => sorted[Math.floor(((j + 0.5) / count) * sorted.length)].slice() as [number, number]);
  for (let it = 0; it < 12; it++) {
    const sx = new Float64Array(count), sy = new Float64Array(count), sn = new Float64Array(count);
    for (const p of pts) {
      let best = 0, bd = Infinity;
      centres.forEach((c, j) => { const d = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2; if (d < bd) { bd = d; best = j; } });
      sx[best] += p[0]; sy[best] += p[1]; sn[best]++;
    }
    centres = centres.map((c, j) => (sn[j] ? [sx[j] / sn[j], sy[j] / sn[j]] : c));
  }
  return centres;
}
