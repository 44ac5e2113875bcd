/**
 * The pixel critic: how faithful is a render to the original? Both images go onto one canvas (the
 * original's aspect, a working resolution), then several cues are measured, each in [0,1], higher
 * is more faithful, and combined into one score:
 *   pixel    pixelmatch on the ink (non-background) of either image: 1 - mismatched / ink
 *   ssim     structural similarity of the grey images (blurred, so fonts and anti-aliasing matter less)
 *   colour   histogram intersection of the ink colours (quantised)
 *   edges    F1 of edge pixels, matched within a small tolerance (robust to 1–2 px offsets)
 *   profile  correlation of the row and column ink profiles (bar heights, point positions)
 */
import type { RgbaImage, Score } from '../types';
import { resize, toGray, workingSize, encodePng } from '../image';

// pixelmatch 7 is ESM-only; Node ≥ 20.19 can require it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pixelmatch: (a: Uint8Array, b: Uint8Array, out: Uint8Array | undefined, w: number, h: number, o?: Record<string, unknown>) => number =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('pixelmatch') as { default: never }).default;

export interface PixelCriticOptions {
  /** Longer side of the working canvas. */
  maxSide: number;
  weights: Record<'pixel' | 'ssim' | 'colour' | 'edges' | 'profile', number>;
}

export const DEFAULT_CRITIC: PixelCriticOptions = {
  maxSide: 320,
  weights: { pixel: 0.2, ssim: 0.15, colour: 0.15, edges: 0.25, profile: 0.25 },
};

/** A decoded original prepared once and scored against many renders. */
export interface PreparedOriginal {
  image: RgbaImage;
  work: RgbaImage;
  gray: Float32Array;
  blurred: Float32Array;
  ink: Uint8Array;
  background: [number, number, number];
  edges: Uint8Array;
  hist: Float64Array;
  rows: Float64Array;
  cols: Float64Array;
}

export function prepareOriginal(image: RgbaImage, opts: PixelCriticOptions = DEFAULT_CRITIC): PreparedOriginal {
  const size = workingSize(image.width, image.height, opts.maxSide);
  const work = resize(image, size.width, size.height);
  return { image, ...features(work, estimateBackground(work)) };
}

export interface PixelScore extends Score {
  /** Width/height of the working canvas the parts were measured on. */
  canvas: { width: number; height: number };
}

export function scorePair(original: PreparedOriginal, render: RgbaImage, opts: PixelCriticOptions = DEFAULT_CRITIC): PixelScore {
  const { width, height } = original.work;
  const work = resize(render, width, height);
  const f = features(work, estimateBackground(work));
  const o = original;

  // pixel: mismatch over the union of ink, so a mostly-white chart does not score high for free
  const mismatched = pixelmatch(o.work.data, work.data, undefined, width, height, { threshold: 0.15, includeAA: false });
  let inkUnion = 0;
  for (let i = 0; i < o.ink.length; i++) if (o.ink[i] || f.ink[i]) inkUnion++;
  const pixel = inkUnion === 0 ? 1 : clamp01(1 - mismatched / inkUnion);

  const ssimV = clamp01(ssim(o.blurred, f.blurred, width, height));
  const colour = histIntersection(o.hist, f.hist);
  const edges = edgeF1(o.edges, f.edges, width, height, 2);
  const profile = clamp01((corr(o.rows, f.rows) + corr(o.cols, f.cols)) / 2);

  const parts = { pixel, ssim: ssimV, colour, edges, profile };
  let total = 0, wsum = 0;
  for (const [k, w] of Object.entries(opts.weights)) {
    total += w * parts[k as keyof typeof parts];
    wsum += w;
  }
  return { score: round4(total / wsum), parts: mapValues(parts, round4), canvas: { width, height } };
}

/**
 * A heat-map of where the render differs from the original: the original faded to grey, with the
 * difference in red (strong = very different). At the original's working size.
 */
export function diffHeatmap(original: PreparedOriginal, render: RgbaImage): Uint8Array {
  const { width, height } = original.work;
  const work = resize(render, width, height);
  const g = toGray(work);
  const out = new Uint8Array(width * height * 4);
  const og = original.gray;
  for (let i = 0, p = 0; i < og.length; i++, p += 4) {
    const d = Math.min(1, Math.abs(og[i] - g[i]) / 128);
    const base = 200 + og[i] * 0.2;
    out[p] = Math.round(base * (1 - d) + 230 * d);
    out[p + 1] = Math.round(base * (1 - d) + 20 * d);
    out[p + 2] = Math.round(base * (1 - d) + 30 * d);
    out[p + 3] = 255;
  }
  return encodePng({ width, height, data: out });
}

// ---------------------------------------------------------------------------------------------

function features(work: RgbaImage, background: [number, number, number]) {
  const { width, height, data } = work;
  const gray = toGray(work);
  const blurred = boxBlur(gray, width, height, 1);
  const ink = new Uint8Array(width * height);
  const hist = new Float64Array(64);
  const rows = new Float64Array(height);
  const cols = new Float64Array(width);
  for (let i = 0, p = 0; i < ink.length; i++, p += 4) {
    const dr = data[p] - background[0], dg = data[p + 1] - background[1], db = data[p + 2] - background[2];
    const dist = Math.sqrt(dr * dr + dg * dg + db * db);
    if (dist > 40) {
      ink[i] = 1;
      hist[((data[p] >> 6) << 4) | ((data[p + 1] >> 6) << 2) | (data[p + 2] >> 6)] += 1;
      const w = Math.min(1, dist / 200);
      rows[(i / width) | 0] += w;
      cols[i % width] += w;
    }
  }
  const edges = sobelEdges(blurred, width, height);
  return { work, gray, blurred, ink, background, edges, hist, rows, cols };
}

/** The most common colour on the border: the page background. */
function estimateBackground(img: RgbaImage): [number, number, number] {
  const counts = new Map<number, number>();
  const { width, height, data } = img;
  const add = (x: number, y: number) => {
    const p = (y * width + x) * 4;
    const key = ((data[p] >> 3) << 10) | ((data[p + 1] >> 3) << 5) | (data[p + 2] >> 3);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (let x = 0; x < width; x++) { add(x, 0); add(x, height - 1); }
  for (let y = 0; y < height; y++) { add(0, y); add(width - 1, y); }
  let best = 0, bestN = -1;
  for (const [k, n] of counts) if (n > bestN) { best = k; bestN = n; }
  return [((best >> 10) & 31) * 8 + 4, ((best >> 5) & 31) * 8 + 4, (best & 31) * 8 + 4];
}

function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let k = -r; k <= r; k++) { const xx = x + k; if (xx >= 0 && xx < w) { s += src[y * w + xx]; n++; } }
      tmp[y * w + x] = s / n;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let k = -r; k <= r; k++) { const yy = y + k; if (yy >= 0 && yy < h) { s += tmp[yy * w + x]; n++; } }
      out[y * w + x] = s / n;
    }
  }
  return out;
}

function sobelEdges(g: Float32Array, w: number, h: number): Uint8Array {
  const e = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = g[i - w + 1] + 2 * g[i + 1] + g[i + w + 1] - g[i - w - 1] - 2 * g[i - 1] - g[i + w - 1];
      const gy = g[i + w - 1] + 2 * g[i + w] + g[i + w + 1] - g[i - w - 1] - 2 * g[i - w] - g[i - w + 1];
      if (gx * gx + gy * gy > 60 * 60) e[i] = 1;
    }
  }
  return e;
}

/** Edge F1: an edge pixel counts as matched when the other image has one within `tol` pixels. */
function edgeF1(a: Uint8Array, b: Uint8Array, w: number, h: number, tol: number): number {
  const da = dilate(a, w, h, tol);
  const db = dilate(b, w, h, tol);
  let na = 0, nb = 0, ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]) { na++; if (db[i]) ma++; }
    if (b[i]) { nb++; if (da[i]) mb++; }
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  const recall = ma / na, precision = mb / nb;
  return recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
}

function dilate(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const tmp = new Uint8Array(m.length);
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++) {
    let last = -1e9;
    for (let x = 0; x < w; x++) { if (m[y * w + x]) last = x; if (x - last <= r) tmp[y * w + x] = 1; }
    last = 1e9;
    for (let x = w - 1; x >= 0; x--) { if (m[y * w + x]) last = x; if (last - x <= r) tmp[y * w + x] = 1; }
  }
  for (let x = 0; x < w; x++) {
    let last = -1e9;
    for (let y = 0; y < h; y++) { if (tmp[y * w + x]) last = y; if (y - last <= r) out[y * w + x] = 1; }
    last = 1e9;
    for (let y = h - 1; y >= 0; y--) { if (tmp[y * w + x]) last = y; if (last - y <= r) out[y * w + x] = 1; }
  }
  return out;
}

/** Mean SSIM over 8×8 windows with stride 4. */
function ssim(a: Float32Array, b: Float32Array, w: number, h: number): number {
  const C1 = (0.01 * 255) ** 2, C2 = (0.03 * 255) ** 2;
  const win = 8, stride = 4;
  let total = 0, n = 0;
  for (let y = 0; y + win <= h; y += stride) {
    for (let x = 0; x + win <= w; x += stride) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let yy = y; yy < y + win; yy++) {
        for (let xx = x; xx < x + win; xx++) {
          const va = a[yy * w + xx], vb = b[yy * w + xx];
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const N = win * win;
      const ma = sa / N, mb = sb / N;
      const va = saa / N - ma * ma, vb = sbb / N - mb * mb, cov = sab / N - ma * mb;
      total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      n++;
    }
  }
  return n === 0 ? 1 : total / n;
}

function histIntersection(a: Float64Array, b: Float64Array): number {
  let sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) { sa += a[i]; sb += b[i]; }
  if (sa === 0 && sb === 0) return 1;
  if (sa === 0 || sb === 0) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i] / sa, b[i] / sb);
  return s;
}

/** Pearson correlation mapped to [0,1] (1 = identical shape); flat vs flat = 1. */
function corr(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  if (saa === 0 && sbb === 0) return 1;
  if (saa === 0 || sbb === 0) return 0;
  return (sab / Math.sqrt(saa * sbb) + 1) / 2;
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
function mapValues<T extends Record<string, number>>(o: T, f: (v: number) => number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) r[k] = f(v);
  return r;
}
