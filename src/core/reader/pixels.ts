/** Pixel helpers of the chart reader: colours, masks and connected components. */
import type { RgbaImage } from '../types';

export type Rgb = [number, number, number];

export interface Component {
  x0: number; y0: number; x1: number; y1: number; // inclusive
  area: number;
  /** Mean colour. */
  color: Rgb;
  /** Pixel indices (y * width + x). */
  pixels: Int32Array;
}

export const w = (c: { x0: number; x1: number }) => c.x1 - c.x0 + 1;
export const h = (c: { y0: number; y1: number }) => c.y1 - c.y0 + 1;
export const fill = (c: Component) => c.area / (w(c) * h(c));

export function dist(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
export function luma(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}
export function saturation(c: Rgb): number {
  return Math.max(...c) - Math.min(...c);
}
export function pixel(img: RgbaImage, i: number): Rgb {
  return [img.data[i * 4], img.data[i * 4 + 1], img.data[i * 4 + 2]];
}

/** Histogram of colours quantised to 5 bits a channel: key → count, and each key's mean colour. */
export function colorHistogram(img: RgbaImage, region?: { x: number; y: number; w: number; h: number }, skip?: Uint8Array) {
  const counts = new Map<number, { n: number; r: number; g: number; b: number }>();
  const x0 = region ? Math.max(0, Math.round(region.x)) : 0, y0 = region ? Math.max(0, Math.round(region.y)) : 0;
  const x1 = region ? Math.min(img.width, Math.round(region.x + region.w)) : img.width;
  const y1 = region ? Math.min(img.height, Math.round(region.y + region.h)) : img.height;
  const d = img.data;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * img.width + x;
      if (skip && skip[i]) continue;
      const p = i * 4;
      const key = ((d[p] >> 3) << 10) | ((d[p + 1] >> 3) << 5) | (d[p + 2] >> 3);
      let e = counts.get(key);
      if (!e) { e = { n: 0, r: 0, g: 0, b: 0 }; counts.set(key, e); }
      e.n++; e.r += d[p]; e.g += d[p + 1]; e.b += d[p + 2];
    }
  }
  return [...counts.values()]
    .map((e) => ({ n: e.n, color: [e.r / e.n, e.g / e.n, e.b / e.n] as Rgb }))
    .sort((a, b) => b.n - a.n);
}

/** 8-connected components of a mask (1 = on); `minArea` drops specks. */
export function components(mask: Uint8Array, width: number, height: number, img: RgbaImage, minArea = 1): Component[] {
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const out: Component[] = [];
  const buf: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    let sp = 0;
    stack[sp++] = start;
    seen[start] = 1;
    buf.length = 0;
    let x0 = width, y0 = height, x1 = -1, y1 = -1, r = 0, g = 0, b = 0;
    while (sp > 0) {
      const i = stack[--sp];
      buf.push(i);
      const x = i % width, y = (i - x) / width;
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      r += img.data[i * 4]; g += img.data[i * 4 + 1]; b += img.data[i * 4 + 2];
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (mask[j] && !seen[j]) { seen[j] = 1; stack[sp++] = j; }
        }
      }
    }
    if (buf.length < minArea) continue;
    const n = buf.length;
    out.push({ x0, y0, x1, y1, area: n, color: [r / n, g / n, b / n], pixels: Int32Array.from(buf) });
  }
  return out;
}
