/**
 * Finding the text of a chart: dark glyph-sized components grouped into words and phrases
 * (horizontal, or stacked for text turned 90°), each read by OCR one line at a time.
 */
import type { RgbaImage } from '../types';
import { components, fill, h, luma, w, type Component, type Rgb } from './pixels';
import type { Ocr } from './ocr';
import type { Box } from './types';

export interface TextBox {
  box: Box;
  rotation: 0 | 90;
  glyphs: number;
  text: string;
  confidence: number;
}

const union = (a: Box, b: Box): Box => {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
};

/** Dark glyph-like components (text ink), and thin dashes kept apart (minus signs or tick marks). */
export function findGlyphs(img: RgbaImage, bgLuma: number): { glyphs: Component[]; dashes: Component[] } {
  const n = img.width * img.height;
  const mask = new Uint8Array(n);
  const limit = Math.min(150, bgLuma - 70);
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    const l = 0.299 * img.data[p] + 0.587 * img.data[p + 1] + 0.114 * img.data[p + 2];
    const sat = Math.max(img.data[p], img.data[p + 1], img.data[p + 2]) - Math.min(img.data[p], img.data[p + 1], img.data[p + 2]);
    if (l < limit && sat < 90) mask[i] = 1;
  }
  const comps = components(mask, img.width, img.height, img, 2);
  const maxH = Math.max(26, img.height * 0.05);
  const glyphs: Component[] = [];
  const dashes: Component[] = [];
  for (const c of comps) {
    const cw = w(c), ch = h(c);
    if (ch > maxH || cw > maxH * 3) continue;
    if (ch <= 2 && cw >= 3 && cw <= 14) { dashes.push(c); continue; }
    const f = fill(c);
    if (cw >= 6 && ch >= 5 && isFrame(c, img.width)) continue; // outlines of short bars, boxes
    if (cw >= 5 && ch >= 5 && f > 0.9) continue; // filled squares: legend swatches, small bars
    if (cw >= 4 && ch >= 4 && Math.abs(cw - ch) <= 1 && f > 0.7 && cornersEmpty(c, img.width)) continue; // filled dots: markers
    if (luma(c.color) > limit) continue;
    glyphs.push(c);
  }
  return { glyphs, dashes };
}

/** A rectangle outline: all four sides of the box drawn (bar outlines, legend frames); letters are not. */
function isFrame(c: Component, W: number): boolean {
  const top = new Uint8Array(w(c)), bot = new Uint8Array(w(c)), lef = new Uint8Array(h(c)), rig = new Uint8Array(h(c));
  for (const i of c.pixels) {
    const x = i % W, y = (i - x) / W;
    if (y <= c.y0 + 1) top[x - c.x0] = 1;
    if (y >= c.y1 - 1) bot[x - c.x0] = 1;
    if (x <= c.x0 + 1) lef[y - c.y0] = 1;
    if (x >= c.x1 - 1) rig[y - c.y0] = 1;
  }
  const cover = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
  return cover(top) > 0.85 && cover(bot) > 0.85 && cover(lef) > 0.85 && cover(rig) > 0.85;
}

function cornersEmpty(c: Component, W: number): boolean {
  const corners = new Set([c.y0 * W + c.x0, c.y0 * W + c.x1, c.y1 * W + c.x0, c.y1 * W + c.x1]);
  for (const i of c.pixels) if (corners.has(i)) return false;
  return true;
}

interface Group { box: Box; parts: Component[] }

/** Groups glyphs into lines of text: horizontal words and phrases, then stacks of turned glyphs. */
export function groupGlyphs(glyphs: Component[], dashes: Component[]): { box: Box; rotation: 0 | 90; glyphs: number }[] {
  const groups: Group[] = glyphs.map((c) => ({ box: { x: c.x0, y: c.y0, w: w(c), h: h(c) }, parts: [c] }));
  // horizontal: overlap vertically, gap ≤ 0.6 × the taller one's height
  let merged = true;
  while (merged) {
    merged = false;
    groups.sort((a, b) => a.box.x - b.box.x);
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const a = groups[i], b = groups[j];
        const gap = b.box.x - (a.box.x + a.box.w);
        const maxGap = 0.75 * Math.max(a.box.h, b.box.h, 6);
        if (gap > maxGap) break;
        const ov = Math.min(a.box.y + a.box.h, b.box.y + b.box.h) - Math.max(a.box.y, b.box.y);
        const minH = Math.min(a.box.h, b.box.h);
        const ratio = Math.max(a.box.h, b.box.h) / Math.max(1, minH);
        if (ov >= 0.5 * minH && (ratio < 2.6 || minH <= 3 || ov >= 0.9 * minH)) {
          a.box = union(a.box, b.box);
          a.parts.push(...b.parts);
          groups.splice(j, 1);
          merged = true;
          j--;
        }
      }
    }
  }
  // turned 90°: narrow groups stacked with small vertical gaps
  const out: { box: Box; rotation: 0 | 90; glyphs: number }[] = [];
  const used = new Set<Group>();
  const narrow = groups.filter((g) => g.box.w >= 4 && (g.box.w <= 2.2 * g.box.h || g.parts.length <= 2));
  narrow.sort((a, b) => a.box.y - b.box.y);
  for (let i = 0; i < narrow.length; i++) {
    const a = narrow[i];
    if (used.has(a)) continue;
    let box = a.box, count = a.parts.length;
    const members = [a];
    for (let j = i + 1; j < narrow.length; j++) {
      const b = narrow[j];
      if (used.has(b)) continue;
      const gap = b.box.y - (box.y + box.h);
      if (gap > 0.5 * Math.max(box.w, b.box.w)) continue;
      if (gap < -1) continue;
      const ov = Math.min(box.x + box.w, b.box.x + b.box.w) - Math.max(box.x, b.box.x);
      if (ov < 0.6 * Math.min(box.w, b.box.w)) continue;
      if (b.box.w > 1.6 * Math.max(box.w, 4) || box.w > 1.6 * Math.max(b.box.w, 4)) continue;
      box = union(box, b.box);
      count += b.parts.length;
      members.push(b);
    }
    if (members.length >= 2 && box.h > 1.3 * box.w) {
      for (const m of members) used.add(m);
      out.push({ box, rotation: 90, glyphs: count });
    }
  }
  for (const g of groups) {
    if (used.has(g)) continue;
    let box = g.box;
    // a minus sign just left of a word
    for (const d of dashes) {
      const dy = (d.y0 + d.y1) / 2;
      const gap = box.x - d.x1 - 1;
      if (gap >= 0 && gap <= Math.max(3, 0.4 * box.h) && dy > box.y + 0.25 * box.h && dy < box.y + 0.8 * box.h && w(d) <= box.h) {
        box = union(box, { x: d.x0, y: d.y0, w: w(d), h: h(d) });
      }
    }
    out.push({ box, rotation: 0, glyphs: g.parts.length });
  }
  return out.filter((t) => t.box.w >= 3 && t.box.h >= 5);
}

export const NUMERIC_WHITELIST = '0123456789.,-−%kKMB$€£e+×^';

/** Finds the text boxes of an image and reads each with OCR (pad 2 px). */
export async function findTexts(img: RgbaImage, bg: Rgb, ocr: Ocr, signal?: AbortSignal, limit = 80): Promise<TextBox[]> {
  const { glyphs, dashes } = findGlyphs(img, luma(bg));
  const boxes = groupGlyphs(glyphs, dashes).sort((a, b) => b.glyphs - a.glyphs).slice(0, limit);
  const out: TextBox[] = [];
  for (const b of boxes) {
    if (signal?.aborted) throw new Error('cancelled');
    const pad = { x: b.box.x - 2, y: b.box.y - 2, w: b.box.w + 4, h: b.box.h + 4 };
    const r = await ocr.readLine(img, pad, { rotation: b.rotation });
    out.push({ box: b.box, rotation: b.rotation, glyphs: b.glyphs, text: r.text, confidence: r.confidence });
  }
  return out;
}
