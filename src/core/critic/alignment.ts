/**
 * The pixel critic, part 1 of 3: where the plot area is and how a render is aligned onto the
 * original — the plot box (a uniform panel, else the axis lines), the per-axis piecewise-linear
 * map between the two boxes, the warp that applies it, and the weight map that counts marks inside
 * the plot area more than those outside. Used by ./pixelCritic.
 */
import type { RgbaImage } from '../types';
import { inkMask } from './palette';
import { clamp01, near, type Rgb } from './metrics';

/** The plot area of an image on a working canvas, and which of its sides were actually seen. */
export interface PlotBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** 'panel': a uniform rectangle; 'lines': axis lines / spines; 'none': nothing found (whole canvas). */
  kind: 'panel' | 'lines' | 'none';
  left: boolean;
  right: boolean;
  top: boolean;
  bottom: boolean;
  /** The panel's colour, when kind === 'panel'. */
  panel?: Rgb;
}

/**
 * Maps the render's working-canvas coordinates to the original's, per axis piecewise linear through
 * knots (render → original): the canvas edges stay put, the plot box's sides seen in both images
 * map onto each other. So the plot area lands exactly on the original's and the margins around it
 * (titles, labels) stretch or shrink with the margins instead of flying off the canvas.
 */
export interface Alignment {
  x: { from: number[]; to: number[] };
  y: { from: number[]; to: number[] };
}


export function identity(w: number, h: number): Alignment {
  return { x: { from: [0, w], to: [0, w] }, y: { from: [0, h], to: [0, h] } };
}

/**
 * The plot area: a panel (a uniform non-background rectangle covering ≥ 8 % of the canvas whose four
 * borders are mostly that colour), else the axis lines / spines (thin lines with background on both
 * sides, ≥ 30 % of the canvas long: bar edges and data lines do not qualify), else nothing.
 */
export function detectPlotBox(img: RgbaImage, bg: Rgb): PlotBox {
  const { width: w, height: h } = img;
  const panel = findPanel(img, bg);
  if (panel) return panel;
  const ink = inkMask(img, bg, undefined);
  const v = findLines(img, ink, true);
  const hz = findLines(img, ink, false);
  const left = v.filter((l) => l.pos < w * 0.5).sort((a, b) => a.pos - b.pos)[0];
  const right = v.filter((l) => l.pos > w * 0.5).sort((a, b) => b.pos - a.pos)[0];
  const top = hz.filter((l) => l.pos < h * 0.5).sort((a, b) => a.pos - b.pos)[0];
  const bottom = hz.filter((l) => l.pos > h * 0.5).sort((a, b) => b.pos - a.pos)[0];
  if (!left && !right && !top && !bottom) return { x0: 0, y0: 0, x1: w, y1: h, kind: 'none', left: false, right: false, top: false, bottom: false };
  const x0 = left?.pos ?? bottom?.from ?? top?.from;
  const x1 = right?.pos ?? bottom?.to ?? top?.to;
  const y0 = top?.pos ?? left?.from ?? right?.from;
  const y1 = bottom?.pos ?? left?.to ?? right?.to;
  return {
    x0: x0 ?? 0,
    x1: x1 ?? w,
    y0: y0 ?? 0,
    y1: y1 ?? h,
    kind: 'lines',
    left: x0 !== undefined,
    right: x1 !== undefined,
    top: y0 !== undefined,
    bottom: y1 !== undefined,
  };
}

interface Line {
  /** x of a vertical line, y of a horizontal one (centre, px). */
  pos: number;
  /** Extent along the line. */
  from: number;
  to: number;
}

/**
 * Axis lines and spines: thin (≤ 3 px) grey or black lines. A line is found where, over ≥ 15 % of
 * the canvas, it has no ink 3 px to either side (so the edges of filled bars, which always have
 * their fill on one side, never qualify); its extent then follows it where it has ink on one side
 * only (bars standing on a spine) and must cover ≥ 30 % of the canvas.
 */
function findLines(img: RgbaImage, ink: Uint8Array, vertical: boolean): Line[] {
  const { width: w, height: h, data } = img;
  const across = vertical ? w : h; // positions
  const along = vertical ? h : w; // extent
  const at = vertical ? (pos: number, t: number) => t * w + pos : (pos: number, t: number) => pos * w + t;
  const grey = (i: number) => {
    const p = i * 4;
    return Math.max(data[p], data[p + 1], data[p + 2]) - Math.min(data[p], data[p + 1], data[p + 2]) <= 50;
  };
  const isStrict = (pos: number, t: number) => {
    const i = at(pos, t);
    return ink[i] === 1 && ink[at(pos - 3, t)] === 0 && ink[at(pos + 3, t)] === 0 && grey(i);
  };
  const isLoose = (pos: number, t: number) => {
    const i = at(pos, t);
    return ink[i] === 1 && (ink[at(pos - 3, t)] === 0 || ink[at(pos + 3, t)] === 0) && grey(i);
  };
  // per position, the pixels of a strict line (the same test as isStrict, in one pass over the
  // image: grey ink with no ink 3 px to either side across the line)
  const counts = new Int32Array(across);
  const side = vertical ? 3 : 3 * w;
  for (let y = vertical ? 0 : 3; y < (vertical ? h : h - 3); y++) {
    for (let x = vertical ? 3 : 0, i = y * w + x; x < (vertical ? w - 3 : w); x++, i++) {
      if (ink[i] !== 1 || ink[i - side] !== 0 || ink[i + side] !== 0) continue;
      const p = i * 4;
      const r = data[p], g = data[p + 1], b = data[p + 2];
      if ((r > g ? (r > b ? r : b) : g > b ? g : b) - (r < g ? (r < b ? r : b) : g < b ? g : b) > 50) continue;
      counts[vertical ? x : y]++;
    }
  }
  const lines: Line[] = [];
  const seed = 0.15 * along, min = 0.3 * along;
  const gap = Math.max(3, Math.round(0.04 * along));
  for (let pos = 3; pos < across - 3; pos++) {
    if (counts[pos] < seed / 3) continue;
    // a cluster of adjacent columns (an anti-aliased line covers 1–3 of them)
    let end = pos;
    while (end + 1 < across - 3 && counts[end + 1] >= seed / 3) end++;
    let weight = 0, centre = 0, strict = 0;
    for (let q = pos; q <= end; q++) { weight += counts[q]; centre += counts[q] * (q + 0.5); strict = Math.max(strict, counts[q]); }
    const union = new Uint8Array(along);
    for (let t = 0; t < along; t++) for (let q = pos; q <= end; q++) if (isLoose(q, t)) { union[t] = 1; break; }
    const first = pos;
    pos = end;
    if (strict < seed && end === first) continue;
    let strictUnion = 0;
    for (let t = 0; t < along; t++) for (let q = first; q <= end; q++) if (isStrict(q, t)) { strictUnion++; break; }
    if (strictUnion < seed) continue;
    // the longest run, bridging gaps up to 4 % of the extent (ticks, crossing marks)
    let bestFrom = -1, bestTo = -1, runFrom = -1, last = -1e9, runCount = 0, bestCount = 0;
    for (let t = 0; t < along; t++) {
      if (!union[t]) continue;
      if (t - last > gap) { runFrom = t; runCount = 0; }
      runCount++;
      last = t;
      if (runCount > bestCount) { bestCount = runCount; bestFrom = runFrom; bestTo = t; }
    }
    // a line is drawn all along its extent, in one colour (a row through text is not: letters
    // have gaps, and their anti-aliased strokes every shade of grey)
    if (bestCount < min || bestCount < 0.85 * (bestTo - bestFrom + 1)) continue;
    const lum: number[] = [];
    for (let t = bestFrom; t <= bestTo; t++) {
      let dark = 256;
      for (let q = first; q <= end; q++) {
        const p = at(q, t) * 4;
        if (ink[at(q, t)]) dark = Math.min(dark, (data[p] + data[p + 1] + data[p + 2]) / 3);
      }
      if (dark < 256) lum.push(dark);
    }
    lum.sort((a, b) => a - b);
    const med = lum[lum.length >> 1];
    if (lum.filter((v) => Math.abs(v - med) <= 35).length < 0.75 * lum.length) continue;
    lines.push({ pos: centre / weight, from: bestFrom, to: bestTo + 1 });
  }
  return lines;
}

/** A large rectangle of one colour (not the background) whose borders are mostly that colour. */
function findPanel(img: RgbaImage, bg: Rgb): PlotBox | undefined {
  const { width: w, height: h, data } = img;
  const counts = new Map<number, number>();
  for (let p = 0; p < data.length; p += 16) {
    if (near(data, p, bg, 10)) continue;
    const key = ((data[p] >> 2) << 12) | ((data[p + 1] >> 2) << 6) | (data[p + 2] >> 2);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = (w * h) / 4;
  const cands = [...counts.entries()].filter(([, n]) => n >= 0.06 * total).sort((a, b) => b[1] - a[1]).slice(0, 3);
  // of the rectangles that qualify, the largest (bars may form a rectangle on the panel)
  let found: PlotBox | undefined;
  for (const [key] of cands) {
    const c: Rgb = [((key >> 12) & 63) * 4 + 2, ((key >> 6) & 63) * 4 + 2, (key & 63) * 4 + 2];
    // the pixels of this colour, once (every test below reads them)
    const is = new Uint8Array(w * h);
    const rows = new Int32Array(h), cols = new Int32Array(w);
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        const p = i * 4;
        const dr = data[p] - c[0], dg = data[p + 1] - c[1], db = data[p + 2] - c[2];
        if (dr * dr + dg * dg + db * db <= 64) {
          is[i] = 1;
          rows[y]++;
          cols[x]++;
        }
      }
    }
    const rowsIn = [...rows.keys()].filter((y) => rows[y] >= 0.15 * w);
    const colsIn = [...cols.keys()].filter((x) => cols[x] >= 0.15 * h);
    if (rowsIn.length === 0 || colsIn.length === 0) continue;
    const y0 = rowsIn[0], y1 = rowsIn[rowsIn.length - 1] + 1, x0 = colsIn[0], x1 = colsIn[colsIn.length - 1] + 1;
    // a panel spans much of the canvas and has things drawn on it (a bar is a uniform rectangle)
    if (x1 - x0 < 0.35 * w || y1 - y0 < 0.35 * h) continue;
    // and the page shows through it little (bars side by side leave page between them)
    let inside = 0, page = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (is[y * w + x]) inside++;
        else if (near(data, (y * w + x) * 4, bg, 14)) page++;
      }
    }
    const area = (x1 - x0) * (y1 - y0);
    const fill = inside / area;
    if (fill < 0.3 || fill > 0.985 || page > 0.15 * area) continue;
    // the four borders (1 px inside) must be mostly the panel colour
    const share = (xs: number, xe: number, ys: number, ye: number) => {
      let n = 0, m = 0;
      for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) { n++; if (is[y * w + x]) m++; }
      return n === 0 ? 0 : m / n;
    };
    // the best of the lines 1–3 px inside each border (a gridline may run along one of them)
    // (bars standing on the bottom of the panel may hide much of one border)
    const best = (f: (inset: number) => number) => Math.max(f(1), f(2), f(3));
    const borders = [
      best((i) => share(x0, x1, y0 + i, y0 + i + 1)),
      best((i) => share(x0, x1, y1 - i - 1, y1 - i)),
      best((i) => share(x0 + i, x0 + i + 1, y0, y1)),
      best((i) => share(x1 - i - 1, x1 - i, y0, y1)),
    ];
    const ok = borders.every((b) => b > 0.25) && borders.filter((b) => b > 0.6).length >= 3;
    if (!ok) continue;
    // the panel's exact colour: the mean of the pixels that matched
    let r = 0, g = 0, b = 0, n = 0;
    for (let i = 0, p = 0; i < is.length; i++, p += 4) if (is[i]) { r += data[p]; g += data[p + 1]; b += data[p + 2]; n++; }
    const panel: Rgb = [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
    if (!found || (x1 - x0) * (y1 - y0) > (found.x1 - found.x0) * (found.y1 - found.y0)) {
      found = { x0, y0, x1, y1, kind: 'panel', left: true, right: true, top: true, bottom: true, panel };
    }
  }
  return found;
}

/**
 * Per axis, the knots: the canvas edges, and each side of the plot box seen in both images. Knots
 * that would fold the axis, squeeze the plot area by more than 1.6× or a margin by more than 4×
 * are a detection gone wrong: that axis is left as it is.
 */
export function alignBoxes(o: PlotBox, r: PlotBox, w: number, h: number): Alignment {
  const axis = (oa: number, ob: number, ra: number, rb: number, hasA: boolean, hasB: boolean, size: number) => {
    const from = [0], to = [0];
    if (hasA) { from.push(ra); to.push(oa); }
    if (hasB) { from.push(rb); to.push(ob); }
    from.push(size); to.push(size);
    for (let k = 1; k < from.length; k++) {
      const df = from[k] - from[k - 1], dt = to[k] - to[k - 1];
      if (df <= 0.5 || dt <= 0.5) return { from: [0, size], to: [0, size] };
      const s = dt / df;
      const inner = (hasA && k === 2 && hasB) || false;
      if (inner ? s < 0.6 || s > 1.6 : s < 0.25 || s > 4) return { from: [0, size], to: [0, size] };
    }
    return { from, to };
  };
  return {
    x: axis(o.x0, o.x1, r.x0, r.x1, o.left && r.left, o.right && r.right, w),
    y: axis(o.y0, o.y1, r.y0, r.y1, o.top && r.top, o.bottom && r.bottom, h),
  };
}

/** The inverse of a piecewise-linear map at the pixel centres 0..n-1: render coordinate per output pixel. */
function inverseMap(m: { from: number[]; to: number[] }, n: number): Float32Array {
  const out = new Float32Array(n);
  let k = 1;
  for (let X = 0; X < n; X++) {
    const c = X + 0.5;
    while (k < m.to.length - 1 && c > m.to[k]) k++;
    const t0 = m.to[k - 1], t1 = m.to[k], f0 = m.from[k - 1], f1 = m.from[k];
    out[X] = f0 + ((c - t0) * (f1 - f0)) / (t1 - t0) - 0.5;
  }
  return out;
}

const isIdentity = (m: { from: number[]; to: number[] }) => m.from.every((v, i) => v === m.to[i]);

/** Bilinear resampling of `img` under the alignment. */
export function warp(img: RgbaImage, a: Alignment, bg: Rgb): RgbaImage {
  const { width: w, height: h, data: src } = img;
  if (isIdentity(a.x) && isIdentity(a.y)) return { width: w, height: h, data: new Uint8Array(src) };
  const out = new Uint8Array(w * h * 4);
  const xs = inverseMap(a.x, w), ys = inverseMap(a.y, h);
  // per column and per row once: the two source pixels and the weight between them (-1: off the image)
  const cx0 = new Int32Array(w), cx1 = new Int32Array(w), cwx = new Float64Array(w);
  for (let X = 0; X < w; X++) {
    const fx = xs[X];
    if (fx < -0.5 || fx > w - 0.5) {
      cx0[X] = -1;
      continue;
    }
    const cx = Math.min(w - 1, Math.max(0, fx));
    cx0[X] = Math.floor(cx);
    cx1[X] = Math.min(w - 1, cx0[X] + 1);
    cwx[X] = cx - cx0[X];
  }
  for (let Y = 0; Y < h; Y++) {
    const fy = ys[Y];
    const rowOff = fy < -0.5 || fy > h - 0.5;
    const cy = Math.min(h - 1, Math.max(0, fy));
    const y0 = Math.floor(cy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = cy - y0;
    for (let X = 0; X < w; X++) {
      const o = (Y * w + X) * 4;
      const x0 = cx0[X];
      if (rowOff || x0 < 0) {
        out[o] = bg[0]; out[o + 1] = bg[1]; out[o + 2] = bg[2]; out[o + 3] = 255;
        continue;
      }
      const x1 = cx1[X], wx = cwx[X];
      const p00 = (y0 * w + x0) * 4, p01 = (y0 * w + x1) * 4, p10 = (y1 * w + x0) * 4, p11 = (y1 * w + x1) * 4;
      for (let c = 0; c < 3; c++) {
        out[o + c] = (src[p00 + c] * (1 - wx) + src[p01 + c] * wx) * (1 - wy) + (src[p10 + c] * (1 - wx) + src[p11 + c] * wx) * wy;
      }
      out[o + 3] = 255;
    }
  }
  return { width: w, height: h, data: out };
}

/** Outside the plot area (titles, tick labels, legends placed outside) marks count this much. */
const OUTSIDE_WEIGHT = 0.3;

export function weightMap(box: PlotBox, w: number, h: number): Float32Array {
  const m = new Float32Array(w * h).fill(box.kind === 'none' ? 1 : OUTSIDE_WEIGHT);
  if (box.kind === 'none') return m;
  const gx = 0.06 * w, gy = 0.06 * h;
  const x0 = Math.max(0, Math.floor(box.x0 - gx)), x1 = Math.min(w, Math.ceil(box.x1 + gx));
  const y0 = Math.max(0, Math.floor(box.y0 - gy)), y1 = Math.min(h, Math.ceil(box.y1 + gy));
  for (let y = y0; y < y1; y++) m.fill(1, y * w + x0, y * w + x1);
  return m;
}

/** 1 when the plot areas sit at the same place (share of the canvas), falling to 0 at 20 % apart. */
export function boxAgreement(o: PlotBox, r: PlotBox, w: number, h: number): number {
  if (o.kind === 'none' && r.kind === 'none') return 1;
  if (o.kind === 'none' || r.kind === 'none') return 0.3;
  const d = (Math.abs(o.x0 - r.x0) / w + Math.abs(o.x1 - r.x1) / w + Math.abs(o.y0 - r.y0) / h + Math.abs(o.y1 - r.y1) / h) / 4;
  return clamp01(1 - d / 0.2);
}
