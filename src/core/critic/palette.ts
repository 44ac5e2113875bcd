/**
 * The pixel critic, part 2 of 3: ink and colour. The original's palette (its most common ink
 * colours), each pixel's colour class (blends of two palette colours — anti-aliasing — belong to
 * none), the distance transform to each class's pixels (the chamfer the `marks` part is built on)
 * and the ink per class (the `colour` part). Used by ./pixelCritic and ./alignment.
 */
import type { RgbaImage } from '../types';
import { colourDist, near, type Rgb } from './metrics';

/** Colour classes of the original's ink (its palette), at most this many. */
const MAX_CLASSES = 10;
/** RGB distance under which a pixel belongs to a colour class. */
const CLASS_DIST = 40;
/** Palette colours closer than this are one class. */
const PALETTE_MERGE = 24;
/** Ink = colour distance from the background (and panel) above this. */
const INK_DIST = 40;


export function inkMask(img: RgbaImage, bg: Rgb, panel: Rgb | undefined): Uint8Array {
  const d = img.data;
  const ink = new Uint8Array(img.width * img.height);
  for (let i = 0, p = 0; i < ink.length; i++, p += 4) {
    if (!near(d, p, bg, INK_DIST) && !(panel && near(d, p, panel, 16))) ink[i] = 1;
  }
  return ink;
}

/** The original's ink colours, merged within PALETTE_MERGE, the most common first (≥ 0.3 % of ink). */
export function buildPalette(img: RgbaImage, ink: Uint8Array, bg: Rgb, panel: Rgb | undefined): Rgb[] {
  const d = img.data;
  const bins = new Map<number, { n: number; r: number; g: number; b: number }>();
  let total = 0;
  for (let i = 0, p = 0; i < ink.length; i++, p += 4) {
    if (!ink[i]) continue;
    total++;
    const key = ((d[p] >> 4) << 8) | ((d[p + 1] >> 4) << 4) | (d[p + 2] >> 4);
    const b = bins.get(key);
    if (b) { b.n++; b.r += d[p]; b.g += d[p + 1]; b.b += d[p + 2]; } else bins.set(key, { n: 1, r: d[p], g: d[p + 1], b: d[p + 2] });
  }
  const sorted = [...bins.values()].sort((a, b) => b.n - a.n);
  const clusters: { c: Rgb; n: number }[] = [];
  const bases: Rgb[] = panel ? [bg, panel] : [bg];
  for (const b of sorted) {
    const c: Rgb = [b.r / b.n, b.g / b.n, b.b / b.n];
    const into = clusters.find((k) => colourDist(k.c, c) < PALETTE_MERGE);
    if (into) into.n += b.n;
    // anti-aliased edges of a colour already seen are not a colour of their own
    else if (!isBlend(c, [...bases, ...clusters.map((k) => k.c)])) clusters.push({ c, n: b.n });
  }
  return clusters.filter((k) => k.n >= Math.max(4, 0.003 * total)).slice(0, MAX_CLASSES).map((k) => k.c);
}

/**
 * Colour class of each ink pixel against a palette: the nearest class within CLASS_DIST; an
 * anti-aliased blend of the background/panel and a class counts as that class when the class makes
 * at least 30 % of it (thin lines drawn at another scale are all blend), a blend of two classes as
 * the stronger one; a fainter blend is -1 (ignored); anything else is -2 when `alien` (a colour the
 * original lacks), -1 otherwise.
 */
export function classify(img: RgbaImage, ink: Uint8Array, palette: Rgb[], bg: Rgb, panel: Rgb | undefined, alien: boolean): Int8Array {
  const d = img.data;
  const cls = new Int8Array(ink.length).fill(-1);
  const bases: Rgb[] = panel ? [bg, panel] : [bg];
  const ends: Rgb[] = [...bases, ...palette];
  const cache = new Map<number, number>();
  for (let i = 0, p = 0; i < ink.length; i++, p += 4) {
    if (!ink[i]) continue;
    const key = (d[p] << 16) | (d[p + 1] << 8) | d[p + 2];
    let c = cache.get(key);
    if (c === undefined) {
      const rgb: Rgb = [d[p], d[p + 1], d[p + 2]];
      let best = -1, bestD = CLASS_DIST;
      for (let k = 0; k < palette.length; k++) {
        const dd = colourDist(rgb, palette[k]);
        if (dd < bestD) { bestD = dd; best = k; }
      }
      if (best >= 0) c = best;
      else {
        const b = blendOf(rgb, ends);
        if (b) {
          // ends[a] + t·(ends[b] − ends[a]): the share of b is t, of a is 1 − t
          const ia = b.a - bases.length, ib = b.b - bases.length;
          if (ia < 0 && ib < 0) c = -1;
          else if (ia < 0) c = b.t >= 0.3 ? ib : -1;
          else if (ib < 0) c = 1 - b.t >= 0.3 ? ia : -1;
          else c = b.t >= 0.5 ? ib : ia;
        } else c = alien ? -2 : -1;
      }
      cache.set(key, c);
    }
    cls[i] = c;
  }
  return cls;
}

function isBlend(c: Rgb, ends: Rgb[]): boolean {
  return blendOf(c, ends) !== undefined;
}

/** The pair of colours `c` lies between (within 30 RGB of the segment), and where: c ≈ a + t·(b − a). */
function blendOf(c: Rgb, ends: Rgb[]): { a: number; b: number; t: number } | undefined {
  let best: { a: number; b: number; t: number } | undefined;
  let bestR = 30 * 30;
  for (let a = 0; a < ends.length; a++) {
    for (let b = a + 1; b < ends.length; b++) {
      const e0 = ends[a], e1 = ends[b];
      const v0 = e1[0] - e0[0], v1 = e1[1] - e0[1], v2 = e1[2] - e0[2];
      const len2 = v0 * v0 + v1 * v1 + v2 * v2;
      if (len2 < 1) continue;
      const t = ((c[0] - e0[0]) * v0 + (c[1] - e0[1]) * v1 + (c[2] - e0[2]) * v2) / len2;
      if (t < -0.05 || t > 1.05) continue;
      const r0 = c[0] - e0[0] - t * v0, r1 = c[1] - e0[1] - t * v1, r2 = c[2] - e0[2] - t * v2;
      const r = r0 * r0 + r1 * r1 + r2 * r2;
      if (r < bestR) { bestR = r; best = { a, b, t: Math.min(1, Math.max(0, t)) }; }
    }
  }
  return best;
}

/** Two-pass chamfer (3-4) distance, in px, to the nearest pixel of class `k`; capped at `cap`. */
export function distanceTransform(cls: Int8Array, k: number, w: number, h: number, cap: number): Float32Array {
  // integer distances ×3 in 16 bits (the limit is a few hundred); rows handled without the
  // per-pixel edge tests (the first and last columns apart)
  const limit = Math.ceil(cap * 3) + 4;
  const n = w * h;
  const dt = new Uint16Array(n);
  for (let i = 0; i < n; i++) dt[i] = cls[i] === k ? 0 : limit;
  for (let x = 1; x < w; x++) {
    const t = dt[x - 1] + 3;
    if (t < dt[x]) dt[x] = t;
  }
  for (let y = 1; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      let v = dt[i];
      if (v === 0) continue;
      let t = dt[i - w] + 3;
      if (t < v) v = t;
      if (x > 0) {
        if ((t = dt[i - 1] + 3) < v) v = t;
        if ((t = dt[i - w - 1] + 4) < v) v = t;
      }
      if (x < w - 1 && (t = dt[i - w + 1] + 4) < v) v = t;
      dt[i] = v;
    }
  }
  const out = new Float32Array(n);
  const last = (h - 1) * w;
  for (let x = w - 2; x >= 0; x--) {
    const i = last + x;
    const t = dt[i + 1] + 3;
    if (t < dt[i]) dt[i] = t;
  }
  for (let x = 0; x < w; x++) {
    const v = dt[last + x] / 3;
    out[last + x] = v < cap ? v : cap;
  }
  for (let y = h - 2; y >= 0; y--) {
    const row = y * w;
    for (let x = w - 1; x >= 0; x--) {
      const i = row + x;
      let v = dt[i];
      if (v !== 0) {
        let t = dt[i + w] + 3;
        if (t < v) v = t;
        if (x < w - 1) {
          if ((t = dt[i + 1] + 3) < v) v = t;
          if ((t = dt[i + w + 1] + 4) < v) v = t;
        }
        if (x > 0 && (t = dt[i + w - 1] + 4) < v) v = t;
        dt[i] = v;
      }
      const d = v / 3;
      out[i] = d < cap ? d : cap;
    }
  }
  return out;
}

/** Pixels per colour class (the last bin: colours the original lacks). */
export function classHistogram(cls: Int8Array, k: number): Float64Array {
  const hist = new Float64Array(k + 1);
  for (let i = 0; i < cls.length; i++) {
    const c = cls[i];
    if (c >= 0) hist[c]++;
    else if (c === -2) hist[k]++;
  }
  return hist;
}
