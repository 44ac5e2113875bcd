/**
 * The pixel critic, part 3 of 3: the classic image measures — page colour, area resampling, blur,
 * Sobel edges and their F1, SSIM, histogram intersection — and small helpers. Used by the other parts.
 */
import type { RgbaImage } from '../types';
import { resize } from '../image';

export type Rgb = [number, number, number];


/** The most common colour on the border: the page background. */
export function estimateBackground(img: RgbaImage): Rgb {
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
  // the mean of the border pixels in that bin (exact for a flat background)
  let r = 0, g = 0, b = 0, n = 0;
  const take = (x: number, y: number) => {
    const p = (y * width + x) * 4;
    const key = ((data[p] >> 3) << 10) | ((data[p + 1] >> 3) << 5) | (data[p + 2] >> 3);
    if (key === best) { r += data[p]; g += data[p + 1]; b += data[p + 2]; n++; }
  };
  for (let x = 0; x < width; x++) { take(x, 0); take(x, height - 1); }
  for (let y = 0; y < height; y++) { take(0, y); take(width - 1, y); }
  return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
}

/** Separable box blur of radius r (edges: the mean of the pixels inside). */
export function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const a = x - r < 0 ? 0 : x - r, b = x + r >= w ? w - 1 : x + r;
      let s = 0;
      for (let k = a; k <= b; k++) s += src[row + k];
      tmp[row + x] = s / (b - a + 1);
    }
  }
  for (let y = 0; y < h; y++) {
    const a = y - r < 0 ? 0 : y - r, b = y + r >= h ? h - 1 : y + r;
    const n = b - a + 1;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = a; k <= b; k++) s += tmp[k * w + x];
      out[y * w + x] = s / n;
    }
  }
  return out;
}

/**
 * Area-averaging resize, separable: each output pixel is the exact mean of the source area it
 * covers (fractional coverage at the borders). Bilinear when enlarging.
 */
export function resampleArea(img: RgbaImage, width: number, height: number): RgbaImage {
  if (img.width === width && img.height === height) return img;
  if (width > img.width || height > img.height) return resize(img, width, height);
  const sw = img.width, sh = img.height, src = img.data;
  if (sw === 2 * width && sh === 2 * height) {
    // the common case (800×600 → 400×300): 2×2 means
    const out = new Uint8Array(width * height * 4);
    const stride = sw * 4;
    for (let y = 0; y < height; y++) {
      let p = 2 * y * stride, o = y * width * 4;
      for (let x = 0; x < width; x++, p += 8, o += 4) {
        out[o] = (src[p] + src[p + 4] + src[p + stride] + src[p + stride + 4] + 2) >> 2;
        out[o + 1] = (src[p + 1] + src[p + 5] + src[p + stride + 1] + src[p + stride + 5] + 2) >> 2;
        out[o + 2] = (src[p + 2] + src[p + 6] + src[p + stride + 2] + src[p + stride + 6] + 2) >> 2;
        out[o + 3] = 255;
      }
    }
    return { width, height, data: out };
  }
  // per output index: the first source index, how many, and their coverage weights (flat arrays)
  const weights = (n: number, m: number) => {
    const scale = n / m;
    const first = new Int32Array(m), count = new Int32Array(m);
    const maxTaps = Math.ceil(scale) + 1;
    const wt = new Float32Array(m * maxTaps);
    for (let o = 0; o < m; o++) {
      const a = o * scale, b = (o + 1) * scale;
      const i0 = Math.floor(a), i1 = Math.min(n, Math.ceil(b));
      first[o] = i0;
      count[o] = i1 - i0;
      for (let i = i0; i < i1; i++) wt[o * maxTaps + (i - i0)] = Math.max(0, Math.min(b, i + 1) - Math.max(a, i)) / scale;
    }
    return { first, count, wt, maxTaps };
  };
  const hx = weights(sw, width), hy = weights(sh, height);
  const tmp = new Float32Array(width * sh * 3);
  for (let y = 0; y < sh; y++) {
    const srow = y * sw * 4;
    let t = y * width * 3;
    for (let x = 0; x < width; x++, t += 3) {
      const i0 = hx.first[x], cnt = hx.count[x], wo = x * hx.maxTaps;
      let r = 0, g = 0, b = 0;
      for (let k = 0, p = srow + i0 * 4; k < cnt; k++, p += 4) {
        const f = hx.wt[wo + k];
        r += src[p] * f; g += src[p + 1] * f; b += src[p + 2] * f;
      }
      tmp[t] = r; tmp[t + 1] = g; tmp[t + 2] = b;
    }
  }
  const out = new Uint8Array(width * height * 4);
  const acc = new Float32Array(width * 3);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    const i0 = hy.first[y], cnt = hy.count[y], wo = y * hy.maxTaps;
    for (let k = 0; k < cnt; k++) {
      const f = hy.wt[wo + k];
      const row = (i0 + k) * width * 3;
      for (let j = 0; j < width * 3; j++) acc[j] += tmp[row + j] * f;
    }
    for (let x = 0, o = y * width * 4, j = 0; x < width; x++, o += 4, j += 3) {
      out[o] = acc[j] + 0.5; out[o + 1] = acc[j + 1] + 0.5; out[o + 2] = acc[j + 2] + 0.5; out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}

export function sobelEdges(g: Float32Array, w: number, h: number): Uint8Array {
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
export function edgeF1(a: Uint8Array, b: Uint8Array, w: number, h: number, tol: number, aDilated?: Uint8Array): number {
  const da = aDilated ?? dilate(a, w, h, tol);
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

/** Pixels within `r` (a square) of a set pixel. */
export function dilate(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
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
export function ssim(a: Float32Array, b: Float32Array, w: number, h: number): number {
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

export function histIntersection(a: Float64Array, b: Float64Array): number {
  let sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) { sa += a[i]; sb += b[i]; }
  if (sa === 0 && sb === 0) return 1;
  if (sa === 0 || sb === 0) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i] / sa, b[i] / sb);
  return s;
}

export function near(d: Uint8Array, p: number, c: Rgb, tol: number): boolean {
  const dr = d[p] - c[0], dg = d[p + 1] - c[1], db = d[p + 2] - c[2];
  return dr * dr + dg * dg + db * db <= tol * tol;
}

export function colourDist(a: Rgb, b: Rgb): number {
  return Math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2);
}

export const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
export const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
export function mapValues<T extends Record<string, number>>(o: T, f: (v: number) => number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) r[k] = f(v);
  return r;
}
