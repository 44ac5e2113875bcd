/**
 * The chart reader's scene: the background (and a panel colour), the plot area from the ink, the
 * marks grouped by colour into clusters of connected components, and the legend's entries.
 */
import type { RgbaImage } from '../types';
import { colorHistogram, components, dist, fill, h, luma, saturation, w, type Component, type Rgb } from './pixels';
import type { TextBox } from './text';
import type { Box } from './types';
import type { Txt } from './common';

/** Background: the commonest colour; a refusal when there is none (photos, noise) or nothing drawn. */
export function background(img: RgbaImage): { bg: Rgb; panel?: { color: Rgb; box: Box } } | { reason: string } {
  const hist = colorHistogram(img);
  const total = img.width * img.height;
  // the page: the commonest colour along the image's edges (a panel may cover more of the image)
  const edge = new Map<number, number>();
  const addEdge = (x: number, y: number) => { const p = (y * img.width + x) * 4; const k = ((img.data[p] >> 3) << 10) | ((img.data[p + 1] >> 3) << 5) | (img.data[p + 2] >> 3); edge.set(k, (edge.get(k) ?? 0) + 1); };
  for (let x = 0; x < img.width; x++) for (const y of [0, 1, 2, img.height - 3, img.height - 2, img.height - 1]) addEdge(x, y);
  for (let y = 0; y < img.height; y++) for (const x of [0, 1, 2, img.width - 3, img.width - 2, img.width - 1]) addEdge(x, y);
  const edgeKey = [...edge.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const edgeColor: Rgb = [(edgeKey >> 10) * 8 + 4, ((edgeKey >> 5) & 31) * 8 + 4, (edgeKey & 31) * 8 + 4];
  const top = hist.find((e) => dist(e.color, edgeColor) < 10) ?? hist[0];
  // neighbouring bins of the same colour count with it
  let share = 0;
  for (const e of hist) if (dist(e.color, hist[0].color) < 14) share += e.n;
  if (share / total < 0.25) return { reason: 'no plain background: this looks like a photo or noise, not a chart' };
  let ink = 0;
  for (const e of hist) if (dist(e.color, top.color) > 40) ink += e.n;
  if (ink / total < 0.003) return { reason: 'the image is blank: nothing is drawn on it' };
  // a panel: a second flat colour filling a large rectangle (ggplot's grey)
  for (const e of hist.slice(0, 6)) {
    if (e.n / total < 0.12 || dist(e.color, top.color) < 10 || saturation(e.color) > 40 || luma(e.color) < 150) continue; // panels are light and plain
    const rows = new Int32Array(img.height), cols = new Int32Array(img.width);
    let n = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const p = (y * img.width + x) * 4;
        if (Math.abs(img.data[p] - e.color[0]) + Math.abs(img.data[p + 1] - e.color[1]) + Math.abs(img.data[p + 2] - e.color[2]) < 12) { n++; rows[y]++; cols[x]++; }
      }
    }
    // the extent of rows and columns that hold much of the colour (stray anti-aliased pixels do not count)
    const rmax = Math.max(...rows), cmax = Math.max(...cols);
    let y0 = rows.findIndex((v) => v >= 0.3 * rmax), x0 = cols.findIndex((v) => v >= 0.3 * cmax);
    let y1 = img.height - 1; while (y1 > 0 && rows[y1] < 0.3 * rmax) y1--;
    let x1 = img.width - 1; while (x1 > 0 && cols[x1] < 0.3 * cmax) x1--;
    if (y0 < 0 || x0 < 0) continue;
    void y0; void x0;
    const area = (x1 - x0 + 1) * (y1 - y0 + 1);
    // a panel's edges are its colour almost all along (bars' boxes are not)
    const near = (x: number, y: number) => { const p = (y * img.width + x) * 4; return Math.abs(img.data[p] - e.color[0]) + Math.abs(img.data[p + 1] - e.color[1]) + Math.abs(img.data[p + 2] - e.color[2]) < 12; };
    let topEdge = 0, leftEdge = 0;
    for (let x = x0; x <= x1; x++) if (near(x, y0) || near(x, y0 + 1)) topEdge++;
    for (let y = y0; y <= y1; y++) if (near(x0, y) || near(x0 + 1, y)) leftEdge++;
    if (topEdge < 0.5 * (x1 - x0 + 1) || leftEdge < 0.5 * (y1 - y0 + 1)) continue;
    if (n / area > 0.3 && area / total > 0.2) return { bg: top.color, panel: { color: e.color, box: { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 } } };
  }
  return { bg: top.color };
}

/** The plot area without a panel: the extent of the drawing that is not text, trimmed of tick marks. */
export function plotAreaFromInk(img: RgbaImage, bg: Rgb, texts: TextBox[]): Box | undefined {
  const W = img.width, H = img.height;
  const mask = new Uint8Array(W * H);
  for (let i = 0, p = 0; i < mask.length; i++, p += 4) {
    if (Math.abs(img.data[p] - bg[0]) + Math.abs(img.data[p + 1] - bg[1]) + Math.abs(img.data[p + 2] - bg[2]) > 60) mask[i] = 1;
  }
  for (const t of texts) {
    for (let y = Math.max(0, t.box.y - 1); y < Math.min(H, t.box.y + t.box.h + 1); y++) {
      for (let x = Math.max(0, t.box.x - 1); x < Math.min(W, t.box.x + t.box.w + 1); x++) mask[y * W + x] = 0;
    }
  }
  const comps = components(mask, W, H, img, 4).filter((c) => c.area >= 20 || Math.max(w(c), h(c)) >= 10);
  if (!comps.length) return undefined;
  // the big structure: components that are large, or near large ones
  const big = comps.filter((c) => w(c) * h(c) >= 0.002 * W * H || Math.max(w(c), h(c)) >= 0.15 * Math.min(W, H));
  const use = big.length ? big : comps;
  let x0 = W, y0 = H, x1 = 0, y1 = 0;
  for (const c of use) { x0 = Math.min(x0, c.x0); y0 = Math.min(y0, c.y0); x1 = Math.max(x1, c.x1); y1 = Math.max(y1, c.y1); }
  // add small marks (points) that sit inside the span of the big structure
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of comps) {
      if (use.includes(c)) continue;
      if (c.x0 >= x0 && c.x1 <= x1 && c.y0 >= y0 && c.y1 <= y1) continue;
      if (c.x1 >= x0 - 0.05 * W && c.x0 <= x1 + 0.05 * W && c.y0 >= y0 && c.y1 <= y1 && c.area >= 12 && Math.min(w(c), h(c)) >= 3) { x0 = Math.min(x0, c.x0); x1 = Math.max(x1, c.x1); grew = true; }
    }
  }
  // axis lines and frames: a long run within 15 px of an edge is the edge (tick marks stick out past it)
  const colCount = (x: number) => { let n = 0; for (let y = y0; y <= y1; y++) n += mask[y * W + x]; return n; };
  const rowCount = (y: number) => { let n = 0; for (let x = x0; x <= x1; x++) n += mask[y * W + x]; return n; };
  const hh = y1 - y0 + 1, ww = x1 - x0 + 1;
  // (stray pieces of text outside the frame are skipped over when only sparse columns lie between)
  for (let k = 0; k < 60; k++) { const n = colCount(x0 + k); if (n >= 0.3 * hh) { x0 += k; break; } if (n >= 0.1 * hh && k >= 15) break; }
  for (let k = 0; k < 60; k++) { const n = colCount(x1 - k); if (n >= 0.3 * hh) { x1 -= k; break; } if (n >= 0.1 * hh && k >= 15) break; }
  for (let k = 0; k < 60; k++) { const n = rowCount(y1 - k); if (n >= 0.3 * ww) { y1 -= k; break; } if (n >= 0.1 * ww && k >= 15) break; }
  for (let k = 0; k < 60; k++) { const n = rowCount(y0 + k); if (n >= 0.3 * ww) { y0 += k; break; } if (n >= 0.1 * ww && k >= 15) break; }
  if (x1 - x0 < 20 || y1 - y0 < 20) return undefined;
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Re-reads a numeric-looking label with a digit whitelist when the first reading was not a number. */

export interface Cluster { color: Rgb; n: number; mask: Uint8Array; comps: Component[] }

/** The marks' colours inside the plot area: everything that is not background, panel, grid, text or frame. */
export function markClusters(img: RgbaImage, area: Box, bg: Rgb, panel: Rgb | undefined, texts: Txt[]): Cluster[] {
  const W = img.width;
  const inset = 2;
  const x0 = Math.round(area.x + inset), y0 = Math.round(area.y + inset);
  const x1 = Math.round(area.x + area.w - inset), y1 = Math.round(area.y + area.h - inset);
  const skip = new Uint8Array(img.width * img.height).fill(1);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) skip[y * W + x] = 0;
  for (const t of texts) {
    // (pieces of steep lines can pass for letters: only confident text is cut out of the marks)
    if (t.role === 'value label' || t.role === 'legend' || t.role === 'title' || (t.role === 'other' && t.confidence >= 0.75 && (t.text.match(/[A-Za-z0-9]/g) ?? []).length >= 3)) {
      for (let y = Math.max(0, t.box.y - 1); y < Math.min(img.height, t.box.y + t.box.h + 1); y++) {
        for (let x = Math.max(0, t.box.x - 1); x < Math.min(W, t.box.x + t.box.w + 1); x++) skip[y * W + x] = 1;
      }
    }
  }
  const hist = colorHistogram(img, { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, skip);
  const areaPx = (x1 - x0) * (y1 - y0);
  const centres: { color: Rgb; n: number }[] = [];
  for (const e of hist) {
    if (dist(e.color, bg) < 18 || (panel && dist(e.color, panel) < 18)) continue;
    if (e.n < Math.max(12, 0.0004 * areaPx)) break;
    const near = centres.find((c) => dist(c.color, e.color) < 40);
    if (near) near.n += e.n;
    else centres.push({ color: e.color, n: e.n });
  }
  const clusters: Cluster[] = centres.map((c) => ({ color: c.color, n: 0, mask: new Uint8Array(img.width * img.height), comps: [] }));
  if (!clusters.length) return [];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * W + x;
      if (skip[i]) continue;
      const c: Rgb = [img.data[i * 4], img.data[i * 4 + 1], img.data[i * 4 + 2]];
      const dbg = Math.min(dist(c, bg), panel ? dist(c, panel) : Infinity);
      let best = -1, bd = Infinity;
      for (let k = 0; k < clusters.length; k++) {
        const d = dist(c, clusters[k].color);
        if (d < bd) { bd = d; best = k; }
      }
      if (best >= 0 && bd < 60 && bd < dbg) { clusters[best].mask[i] = 1; clusters[best].n++; }
    }
  }
  // anti-aliased fringes: a colour between a bigger cluster's and the background, lying mostly next to it, joins it
  const order = clusters.map((_, i) => i).sort((a, b) => clusters[b].n - clusters[a].n);
  for (const bi of order) {
    const B = clusters[bi];
    if (!B.n) continue;
    for (const ai of order) {
      const A = clusters[ai];
      if (ai === bi || A.n < B.n) continue;
      const ground = panel && dist(B.color, panel) < dist(B.color, bg) ? panel : bg;
      // distance of B from the segment A → ground
      const d = [0, 1, 2].map((k) => ground[k] - A.color[k]);
      const len2 = d[0] ** 2 + d[1] ** 2 + d[2] ** 2 || 1;
      const t = Math.max(0, Math.min(1, ((B.color[0] - A.color[0]) * d[0] + (B.color[1] - A.color[1]) * d[1] + (B.color[2] - A.color[2]) * d[2]) / len2));
      const off = Math.hypot(...[0, 1, 2].map((k) => B.color[k] - (A.color[k] + t * d[k])));
      if (off > 25 || t <= 0.05 || t >= 0.95) continue;
      let next = 0, tot = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const i = y * W + x;
        if (!B.mask[i]) continue;
        tot++;
        if (A.mask[i - 1] || A.mask[i + 1] || A.mask[i - W] || A.mask[i + W] || A.mask[i - W - 1] || A.mask[i - W + 1] || A.mask[i + W - 1] || A.mask[i + W + 1]) next++;
      }
      if (tot && next / tot >= 0.5) {
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { const i = y * W + x; if (B.mask[i]) { A.mask[i] = 1; B.mask[i] = 0; } }
        A.n += B.n; B.n = 0;
        break;
      }
    }
  }
  // grid lines: thin full-width rows / full-height columns of one colour
  for (const cl of clusters) {
    const rows = new Int32Array(img.height), cols = new Int32Array(img.width);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (cl.mask[y * W + x]) { rows[y]++; cols[x]++; }
    const pw = x1 - x0, ph = y1 - y0;
    for (let y = y0; y < y1; y++) {
      if (rows[y] < 0.5 * pw) continue;
      const above = y - 3 >= y0 ? rows[y - 3] : 0, below = y + 3 < y1 ? rows[y + 3] : 0;
      if (above < 0.3 * rows[y] && below < 0.3 * rows[y]) for (let x = x0; x < x1; x++) if (cl.mask[y * W + x]) { cl.mask[y * W + x] = 0; cl.n--; }
    }
    for (let x = x0; x < x1; x++) {
      if (cols[x] < 0.5 * ph) continue;
      const left = x - 3 >= x0 ? cols[x - 3] : 0, right = x + 3 < x1 ? cols[x + 3] : 0;
      if (left < 0.3 * cols[x] && right < 0.3 * cols[x]) for (let y = y0; y < y1; y++) if (cl.mask[y * W + x]) { cl.mask[y * W + x] = 0; cl.n--; }
    }
    cl.comps = components(cl.mask, img.width, img.height, img, 3);
    cl.n = cl.comps.reduce((s, c) => s + c.area, 0);
  }
  return clusters.filter((c) => c.n >= 12).sort((a, b) => b.n - a.n);
}

/** Is `b` a blend of `a` with the background or panel (an anti-aliased fringe of `a`)? */
export function isBlend(b: Rgb, a: Rgb, bg: Rgb, panel?: Rgb): boolean {
  for (const ground of panel ? [bg, panel] : [bg]) {
    const d = [0, 1, 2].map((k) => ground[k] - a[k]);
    const len2 = d[0] ** 2 + d[1] ** 2 + d[2] ** 2 || 1;
    const t = ((b[0] - a[0]) * d[0] + (b[1] - a[1]) * d[1] + (b[2] - a[2]) * d[2]) / len2;
    if (t <= 0.05 || t >= 0.95) continue;
    if (Math.hypot(...[0, 1, 2].map((k) => b[k] - (a[k] + t * d[k]))) < 25) return true;
  }
  return false;
}

export function isRect(c: Component): boolean {
  return fill(c) >= 0.88 && c.area >= 6;
}

/** Legend entries: a small swatch just left of a text, outside the marks. */
export function findLegend(img: RgbaImage, bg: Rgb, panel: Rgb | undefined, texts: Txt[], area: Box): { text: Txt; color: Rgb; box: Box }[] {
  const out: { text: Txt; color: Rgb; box: Box }[] = [];
  for (const t of texts) {
    if (t.role !== 'other' || t.rotation !== 0 || !t.text) continue;
    const th = t.box.h;
    // the swatch sits left of its name (most plotting systems) or right of it (gnuplot)
    for (const side of ['left', 'right'] as const) {
    const sx0 = side === 'left' ? Math.max(0, Math.round(t.box.x - 6 * th)) : Math.round(t.box.x + t.box.w + 1);
    const sx1 = side === 'left' ? Math.round(t.box.x - 1) : Math.min(img.width - 1, Math.round(t.box.x + t.box.w + 6 * th));
    const sy0 = Math.max(0, Math.round(t.box.y - 0.3 * th)), sy1 = Math.min(img.height - 1, Math.round(t.box.y + 1.3 * th));
    const hist = new Map<string, { c: Rgb; xs: number[]; ys: number[] }>();
    for (let y = sy0; y <= sy1; y++) {
      for (let x = sx0; x <= sx1; x++) {
        const p = (y * img.width + x) * 4;
        if (texts.some((o) => x >= o.box.x - 1 && x <= o.box.x + o.box.w && y >= o.box.y - 1 && y <= o.box.y + o.box.h)) continue;
        const c: Rgb = [img.data[p], img.data[p + 1], img.data[p + 2]];
        if (dist(c, bg) < 18 || (panel && dist(c, panel) < 18)) continue;
        if (luma(c) < 60 && saturation(c) < 30) continue; // outlines
        const key = c.map((v) => v >> 4).join(',');
        const e = hist.get(key) ?? { c, xs: [], ys: [] };
        e.xs.push(x); e.ys.push(y);
        hist.set(key, e);
      }
    }
    const best0 = [...hist.values()].sort((a, b) => b.xs.length - a.xs.length)[0];
    if (process.env.RECODE_READER_DEBUG) console.error("swatch?", t.text, best0 && [best0.c, best0.xs.length, Math.min(...best0.xs), Math.max(...best0.xs), Math.min(...best0.ys), Math.max(...best0.ys)]);
    if (!best0 || best0.xs.length < 8) continue;
    // the swatch's box: rows and columns holding at least 2 of its pixels
    const rowsN = new Map<number, number>(), colsN = new Map<number, number>();
    best0.xs.forEach((x, i) => { colsN.set(x, (colsN.get(x) ?? 0) + 1); rowsN.set(best0.ys[i], (rowsN.get(best0.ys[i]) ?? 0) + 1); });
    const rs = [...rowsN.entries()].filter(([, n]) => n >= 2).map(([k]) => k), cs = [...colsN.entries()].filter(([, n]) => n >= 2).map(([k]) => k);
    if (!rs.length || !cs.length) continue;
    const best = { n: 0, c: best0.c, x0: Math.min(...cs), x1: Math.max(...cs), y0: Math.min(...rs), y1: Math.max(...rs) };
    best0.xs.forEach((x, i) => { if (x >= best.x0 && x <= best.x1 && best0.ys[i] >= best.y0 && best0.ys[i] <= best.y1) best.n++; });
    const bw = best.x1 - best.x0 + 1, bh = best.y1 - best.y0 + 1;
    if (best.n < 0.6 * bw * bh) continue; // a solid swatch, not anti-aliased text
    if (bh > 1.6 * th || bw > 5 * th) continue;
    // the swatch must be separate from what lies left of it (not the end of a bar)
    const leftX = best.x0 - 3;
    if (leftX >= 0) {
      const p = (Math.round((best.y0 + best.y1) / 2) * img.width + leftX) * 4;
      if (dist([img.data[p], img.data[p + 1], img.data[p + 2]], best.c) < 40) continue;
    }
    if (side === 'right') {
      // and is separate from what lies right of it
      const rx = best.x1 + 3;
      if (rx < img.width) {
        const p = (Math.round((best.y0 + best.y1) / 2) * img.width + rx) * 4;
        if (dist([img.data[p], img.data[p + 1], img.data[p + 2]], best.c) < 40) continue;
      }
    }
    out.push({ text: t, color: best.c, box: { x: best.x0, y: best.y0, w: bw, h: bh } });
    break;
    }
  }
  // legend entries come in a column or a row of at least two (one series needs no legend)
  return out.length >= 2 ? out : [];
}

