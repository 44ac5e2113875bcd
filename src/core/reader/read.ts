/**
 * The chart reader: plot area, axes from OCR'd tick labels, marks by colour and shape, legend.
 * Says plainly when it cannot read an image.
 */
import { flattenAlpha } from '../image';
import type { RgbaImage } from '../types';
import { fitAxis, toData, toPx, type AxisMap } from './axes';
import { parseNumber } from './numbers';
import { createOcr, type Ocr } from './ocr';
import { colorHistogram, components, dist, fill, h, luma, saturation, w, type Component, type Rgb } from './pixels';
import { findTexts, NUMERIC_WHITELIST, type TextBox } from './text';
import type { AxisReading, Box, ChartType, MarkReading, ReadResult, Reading, SeriesReading, TextItem, TextRole } from './types';

export interface ReaderOptions {
  signal?: AbortSignal;
  /** Reuse a warm OCR engine (the reader makes and ends its own otherwise). */
  ocr?: Ocr;
}

interface Txt extends TextBox { role: TextRole; num?: number }

const cx = (b: Box) => b.x + b.w / 2;
const cy = (b: Box) => b.y + b.h / 2;
const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function refuse(reason: string): ReadResult { return { ok: false, reason }; }

/** Background: the commonest colour; a refusal when there is none (photos, noise) or nothing drawn. */
function background(img: RgbaImage): { bg: Rgb; panel?: { color: Rgb; box: Box } } | { reason: string } {
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
function plotAreaFromInk(img: RgbaImage, bg: Rgb, texts: TextBox[]): Box | undefined {
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
async function numericAgain(img: RgbaImage, ocr: Ocr, t: Txt): Promise<void> {
  if (parseNumber(t.text)) return;
  const r = await ocr.readLine(img, { x: t.box.x - 2, y: t.box.y - 2, w: t.box.w + 4, h: t.box.h + 4 }, { rotation: t.rotation, whitelist: NUMERIC_WHITELIST });
  if (parseNumber(r.text)) { t.text = r.text; t.confidence = r.confidence; }
}

interface Cluster { color: Rgb; n: number; mask: Uint8Array; comps: Component[] }

/** The marks' colours inside the plot area: everything that is not background, panel, grid, text or frame. */
function markClusters(img: RgbaImage, area: Box, bg: Rgb, panel: Rgb | undefined, texts: Txt[]): Cluster[] {
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
function isBlend(b: Rgb, a: Rgb, bg: Rgb, panel?: Rgb): boolean {
  for (const ground of panel ? [bg, panel] : [bg]) {
    const d = [0, 1, 2].map((k) => ground[k] - a[k]);
    const len2 = d[0] ** 2 + d[1] ** 2 + d[2] ** 2 || 1;
    const t = ((b[0] - a[0]) * d[0] + (b[1] - a[1]) * d[1] + (b[2] - a[2]) * d[2]) / len2;
    if (t <= 0.05 || t >= 0.95) continue;
    if (Math.hypot(...[0, 1, 2].map((k) => b[k] - (a[k] + t * d[k]))) < 25) return true;
  }
  return false;
}

function isRect(c: Component): boolean {
  return fill(c) >= 0.88 && c.area >= 6;
}

/** Legend entries: a small swatch just left of a text, outside the marks. */
function findLegend(img: RgbaImage, bg: Rgb, panel: Rgb | undefined, texts: Txt[], area: Box): { text: Txt; color: Rgb; box: Box }[] {
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

export async function readChart(image: RgbaImage, opts: ReaderOptions = {}): Promise<ReadResult> {
  const own = !opts.ocr;
  const ocr = opts.ocr ?? (await createOcr());
  try {
    return await readWith(flattenAlpha(image), ocr, opts.signal);
  } finally {
    if (own) await ocr.terminate();
  }
}

/** The texts only (OCR'd, with boxes and rough roles), for a prompt when the chart cannot be read. */
export async function readTexts(image: RgbaImage, opts: ReaderOptions = {}): Promise<TextItem[]> {
  const own = !opts.ocr;
  const ocr = opts.ocr ?? (await createOcr());
  try {
    const img = flattenAlpha(image);
    const b = background(img);
    if ('reason' in b) return [];
    const texts = await findTexts(img, b.bg, ocr, opts.signal);
    return texts.filter((t) => t.text).map((t) => ({ text: t.text, box: [t.box.x, t.box.y, t.box.w, t.box.h], role: 'other', confidence: round(t.confidence) }));
  } finally {
    if (own) await ocr.terminate();
  }
}

async function readWith(img: RgbaImage, ocr: Ocr, signal?: AbortSignal): Promise<ReadResult> {
  const W = img.width, H = img.height;
  const bgr = background(img);
  if ('reason' in bgr) return refuse(bgr.reason);
  const { bg, panel } = bgr;
  const raw = await findTexts(img, bg, ocr, signal);
  const texts: Txt[] = raw.map((t) => ({ ...t, role: 'other' }));
  const warnings: string[] = [];

  // ---- plot area
  let area = panel?.box ?? plotAreaFromInk(img, bg, raw);
  if (!area) return refuse('no plot area found: nothing but text is drawn');

  // ---- candidate tick labels beside the axes
  const left = texts.filter((t) => t.box.x + t.box.w <= area!.x + 4 && cy(t.box) >= area!.y - 8 && cy(t.box) <= area!.y + area!.h + 8 && area!.x - (t.box.x + t.box.w) < 0.2 * W);
  const below = texts.filter((t) => t.box.y >= area!.y + area!.h - 4 && t.box.y - (area!.y + area!.h) < 0.1 * H && cx(t.box) >= area!.x - 12 && cx(t.box) <= area!.x + area!.w + 12);
  // the column of y labels nearest the axis (the y title sits further left)
  const yCol = left.filter((t) => {
    const gap = area!.x - (t.box.x + t.box.w);
    const nearest = Math.min(...left.map((u) => area!.x - (u.box.x + u.box.w)));
    return gap <= nearest + Math.max(12, 0.5 * t.box.w + 4) && !(t.rotation === 90 && t.box.h > 0.3 * area!.h);
  });
  const xRow = below.filter((t) => {
    const nearest = Math.min(...below.map((u) => u.box.y));
    return t.box.y <= nearest + 6 && !(t.box.w > 0.4 * area!.w);
  });
  const numericShare = (ts: Txt[]) => (ts.length ? ts.filter((t) => parseNumber(t.text)).length / ts.length : 0);
  if (numericShare(yCol) >= 0.5) for (const t of yCol) await numericAgain(img, ocr, t);
  if (numericShare(xRow) >= 0.5) for (const t of xRow) await numericAgain(img, ocr, t);

  let yMap: AxisMap | undefined, xMap: AxisMap | undefined;
  if (process.env.RECODE_READER_DEBUG) console.error("area0", area, "yCol", yCol.map((t) => t.text), "xRow", xRow.map((t) => t.text));
  let yReason = '', xReason = '';
  if (yCol.length >= 2 && numericShare(yCol) >= 0.5) {
    const f = fitAxis(yCol.map((t) => ({ px: cy(t.box), label: t.text })));
    if ('reason' in f) yReason = f.reason; else yMap = f;
  }
  if (xRow.length >= 2 && numericShare(xRow) >= 0.5) {
    const f = fitAxis(xRow.map((t) => ({ px: cx(t.box), label: t.text })));
    if ('reason' in f) xReason = f.reason; else xMap = f;
  }
  for (const m of [yMap, xMap]) {
    if (m?.repaired.length) warnings.push(`tick labels repaired from their even spacing: ${m.repaired.join('; ')}`);
    if (m?.dropped.length) warnings.push(`tick labels that did not fit the axis were ignored: ${m.dropped.join(', ')}`);
  }
  for (const t of yCol) if (yMap) t.role = 'y tick';
  for (const t of xRow) if (xMap) t.role = 'x tick';

  // ---- title and axis titles
  const title = texts.filter((t) => t.rotation === 0 && t.box.y + t.box.h <= area!.y + 2 && t.text.length >= 3).sort((a, b) => b.box.w - a.box.w)[0];
  if (title) title.role = 'title';
  const yTitle = texts.filter((t) => t.rotation === 90 && t.box.x + t.box.w <= area!.x && !yCol.includes(t) && t.text.length >= 2).sort((a, b) => b.box.h - a.box.h)[0];
  if (yTitle) yTitle.role = 'y title';
  const xTitle = texts.filter((t) => t.role === 'other' && t.rotation === 0 && !xRow.includes(t) && t.box.y > area!.y + area!.h && cx(t.box) > area!.x && cx(t.box) < area!.x + area!.w && t.text.length >= 2).sort((a, b) => a.box.y - b.box.y)[0];
  if (xTitle) xTitle.role = 'x title';

  // ---- categories
  const xCats = !xMap && xRow.length >= 1 ? [...xRow].sort((a, b) => cx(a.box) - cx(b.box)) : [];
  const yCats = !yMap && yCol.length >= 1 ? [...yCol].sort((a, b) => cy(a.box) - cy(b.box)) : [];

  // ---- legend
  const legend = findLegend(img, bg, panel?.color, texts.filter((t) => t.role === 'other' || t.role === 'category'), area);
  for (const l of legend) l.text.role = 'legend';
  // value labels: numbers inside the plot area
  for (const t of texts) {
    if (t.role === 'other' && parseNumber(t.text) && t.box.x >= area.x && t.box.x + t.box.w <= area.x + area.w && t.box.y >= area.y - 4 && t.box.y + t.box.h <= area.y + area.h) t.role = 'value label';
  }
  // legend boxes are not marks
  const legendBoxes = legend.map((l) => l.box);
  if (process.env.RECODE_READER_DEBUG) console.error('legend', legend.map((l) => [l.text.text, l.color, l.box]));

  if (signal?.aborted) return refuse('cancelled');

  // ---- marks
  // the legend's region (its swatches and names) holds no marks
  let legendRegion: Box | undefined;
  for (const l of legend) {
    for (const b of [l.box, l.text.box]) {
      if (!legendRegion) legendRegion = { ...b };
      else {
        const x = Math.min(legendRegion.x, b.x), y = Math.min(legendRegion.y, b.y);
        legendRegion = { x, y, w: Math.max(legendRegion.x + legendRegion.w, b.x + b.w) - x, h: Math.max(legendRegion.y + legendRegion.h, b.y + b.h) - y };
      }
    }
  }
  const inLegend = (k: { x0: number; x1: number; y0: number; y1: number }) => !!legendRegion && k.x0 >= legendRegion.x - 4 && k.x1 <= legendRegion.x + legendRegion.w + 4 && k.y0 >= legendRegion.y - 4 && k.y1 <= legendRegion.y + legendRegion.h + 4;
  const clusters = markClusters(img, area, bg, panel?.color, texts).map((c) => {
    if (legendRegion) {
      for (let y = Math.max(0, legendRegion.y - 3); y < Math.min(H, legendRegion.y + legendRegion.h + 3); y++) {
        for (let x = Math.max(0, legendRegion.x - 3); x < Math.min(W, legendRegion.x + legendRegion.w + 3); x++) c.mask[y * W + x] = 0;
      }
    }
    c.comps = c.comps.filter((k) => !inLegend(k) && !legendBoxes.some((b) => k.x0 >= b.x - 2 && k.x1 <= b.x + b.w + 2 && k.y0 >= b.y - 2 && k.y1 <= b.y + b.h + 2));
    c.n = c.comps.reduce((s, k) => s + k.area, 0);
    return c;
  }).filter((c) => c.n >= 12);
  const totalInk = clusters.reduce((s, c) => s + c.n, 0);
  if (process.env.RECODE_READER_DEBUG) console.error("area", area, "panel", panel, "clusters", clusters.map((c) => [c.color.map(Math.round), c.n, c.comps.length]));
  if (!clusters.length) return refuse('no marks found inside the plot area');

  const texts2 = (): TextItem[] => texts.filter((t) => t.text).map((t) => ({ text: t.text, box: [t.box.x, t.box.y, t.box.w, t.box.h], role: t.role, confidence: round(t.confidence), ...(t.rotation ? { rotation: t.rotation } : {}) }));
  // series ↔ legend entries: closest colours first, each entry used once
  const nameCache = new Map<string, string>();
  const assignNames = (colors: Rgb[]) => {
    const pairs: { s: number; l: number; d: number }[] = [];
    colors.forEach((c, s) => legend.forEach((l, li) => { const d = dist(l.color, c); if (d < 60) pairs.push({ s, l: li, d }); }));
    pairs.sort((a, b) => a.d - b.d);
    const usedS = new Set<number>(), usedL = new Set<number>();
    for (const p of pairs) {
      if (usedS.has(p.s) || usedL.has(p.l)) continue;
      usedS.add(p.s); usedL.add(p.l);
      nameCache.set(colors[p.s].join(','), legend[p.l].text.text);
    }
  };
  const seriesName = (color: Rgb, i: number) => nameCache.get(color.join(',')) ?? `series ${i + 1}`;
  const base = {
    title: title?.text,
    texts: texts2(),
    image: { width: W, height: H },
    plotArea: area,
  };
  const axisOf = (m: AxisMap | undefined, t: Txt | undefined, lo: number, hi: number): AxisReading => {
    if (!m) return { scale: 'category', ticks: [], ...(t ? { title: t.text } : {}) };
    const a = toData(m, lo), b = toData(m, hi);
    return { scale: m.scale, min: round(Math.min(a, b), 6), max: round(Math.max(a, b), 6), ticks: m.ticks.map((k) => ({ value: k.value, px: round(k.px, 1), label: k.label })), ...(t ? { title: t.text } : {}) };
  };

  // pie: no numeric axis, a round blob of several colours
  if (!xMap && !yMap) {
    const pie = readPie(img, bg, texts, legend);
    if (pie) {
      for (const t of pie.labelTexts) t.role = 'category';
      return {
        ok: true,
        reading: {
          chart_type: 'pie', ...base, texts: texts2(), plotArea: pie.box,
          x_axis: { scale: 'category', ticks: [] }, y_axis: { scale: 'category', ticks: [] },
          series: [{ name: title?.text ?? 'shares', points: pie.slices.map((s) => ({ x: s.label, y: round(s.share, 4) })) }],
          marks: pie.slices.map((s, i) => ({ series: 0, index: i, kind: 'slice', px: s.px, value: round(s.share, 4) })),
          confidence: pie.confidence,
          warnings: [...warnings, ...pie.warnings],
        },
      };
    }
    const why = yReason || xReason || (yCol.length + xRow.length === 0 ? 'no tick labels found beside the axes' : 'the tick labels could not be read as numbers');
    return refuse(`cannot read this chart: ${why}`);
  }

  // bars
  const rectArea = clusters.reduce((s, c) => s + c.comps.filter(isRect).reduce((t, k) => t + k.area, 0), 0);
  if (rectArea >= 0.45 * totalInk) {
    const horizontal = !!xMap && !yMap;
    const valueMap = horizontal ? xMap! : yMap;
    if (!valueMap) return refuse(`cannot read this bar chart: ${yReason || 'no value axis'}`);
    // numbers under vertical bars (years) name categories, they are not an x scale
    const cats = horizontal ? (yCats.length ? yCats : [...yCol].sort((a, b) => cy(a.box) - cy(b.box))) : xCats.length ? xCats : [...xRow].sort((a, b) => cx(a.box) - cx(b.box));
    for (const t of cats) t.role = 'category';
    const bars = readBars(clusters, valueMap, horizontal, area, cats, bg, panel?.color);
    if (!bars.series.length) return refuse('no bars found');
    const catAxis: AxisReading = { scale: 'category', ticks: bars.categories.map((c, i) => ({ value: c, px: round(bars.catPx[i], 1), label: c })), categories: bars.categories, ...(horizontal ? (yTitle ? { title: yTitle.text } : {}) : xTitle ? { title: xTitle.text } : {}) };
    const valAxis = horizontal ? axisOf(xMap, xTitle, area.x, area.x + area.w) : axisOf(yMap, yTitle, area.y + area.h, area.y);
    assignNames(bars.series.map((s) => s.color));
    const series: SeriesReading[] = bars.series.map((s, i) => ({ name: bars.series.length === 1 && !legend.length ? (valAxis.title ?? 'value') : seriesName(s.color, i), color: s.color.map(Math.round) as Rgb, points: s.points }));
    const type: ChartType = horizontal ? 'horizontal bar' : bars.series.length === 1 ? 'bar' : bars.stacked ? 'stacked bar' : 'grouped bar';
    let conf = 0.9;
    if (valueMap.ticks.length < 3) { conf -= 0.2; warnings.push('fewer than 3 tick labels on the value axis'); }
    if (bars.missing) { conf -= 0.2; warnings.push(`${bars.missing} category label(s) had no bar`); }
    if (!cats.length) { conf -= 0.1; warnings.push('no category labels were read'); }
    return {
      ok: true,
      reading: {
        chart_type: type, ...base, texts: texts2(),
        x_axis: horizontal ? valAxis : catAxis, y_axis: horizontal ? catAxis : valAxis,
        series, marks: bars.marks, confidence: round(Math.max(0.1, conf)), warnings,
      },
    };
  }

  if (!yMap) return refuse(`cannot read this chart: ${yReason || 'no numeric y axis'}`);
  // lines
  const lineClusters = clusters.filter((c) => {
    // a thin line breaks into pieces between anti-aliased tones: close gaps of a pixel first
    const blends = clusters.filter((o) => o === c || isBlend(o.color, c.color, bg, panel?.color));
    const union = new Uint8Array(c.mask.length);
    for (const o of blends) for (let i = 0; i < union.length; i++) if (o.mask[i]) union[i] = 1;
    const grown = new Uint8Array(c.mask.length);
    for (let i = W + 1; i < c.mask.length - W - 1; i++) if (union[i] || union[i - 1] || union[i + 1] || union[i - W] || union[i + W]) grown[i] = 1;
    const gc = components(grown, W, H, img, 3);
    if (!gc.length) return false;
    const big = gc.reduce((a, k) => (k.area > a.area ? k : a), gc[0]);
    if (process.env.RECODE_READER_DEBUG) console.error("linecheck", c.color.map(Math.round), blends.length, gc.length, w(big), h(big), fill(big).toFixed(3));
    if (w(big) >= 0.3 * area!.w && fill(big) < 0.6) return true;
    let x0 = Infinity, x1 = -Infinity;
    for (const k of c.comps) if (k.area >= 0.1 * big.area) { x0 = Math.min(x0, k.x0); x1 = Math.max(x1, k.x1); }
    return x1 - x0 >= 0.3 * area!.w && w(big) >= 0.2 * area!.w && fill(big) < 0.6 && c.comps.length <= 60;
  });
  for (let i = lineClusters.length - 1; i >= 0; i--) if (lineClusters.some((o, j) => j !== i && o.n > lineClusters[i].n && isBlend(lineClusters[i].color, o.color, bg, panel?.color))) lineClusters.splice(i, 1);
  if (lineClusters.length) {
    const line = readLines(img, lineClusters, area, xMap, yMap, xCats);
    assignNames(line.series.map((s) => s.color));
    for (const t of xCats) t.role = 'category';
    const series: SeriesReading[] = line.series.map((s, i) => ({ name: lineClusters.length === 1 && !legend.length ? (yTitle?.text ?? 'value') : seriesName(s.color, i), color: s.color.map(Math.round) as Rgb, points: s.points }));
    const xAxis: AxisReading = xMap ? axisOf(xMap, xTitle, area.x, area.x + area.w) : { scale: 'category', ticks: xCats.map((t) => ({ value: t.text, px: round(cx(t.box), 1), label: t.text })), categories: xCats.map((t) => t.text), ...(xTitle ? { title: xTitle.text } : {}) };
    let conf = 0.85;
    if (!xMap && !xCats.length) { conf -= 0.3; warnings.push(`the x axis could not be read${xReason ? `: ${xReason}` : ''}`); }
    warnings.push(...line.warnings);
    return { ok: true, reading: { chart_type: 'line', ...base, texts: texts2(), x_axis: xAxis, y_axis: axisOf(yMap, yTitle, area.y + area.h, area.y), series, marks: line.marks, confidence: round(conf), warnings } };
  }
  // scatter
  if (!xMap) return refuse(`cannot read this scatter chart: ${xReason || 'no numeric x axis'}`);
  const sc = readScatter(clusters, xMap, yMap, W);
  assignNames(sc.series.map((s) => s.color));
  if (!sc.series.length) return refuse('no marks could be told apart');
  const series: SeriesReading[] = sc.series.map((s, i) => ({ name: sc.series.length === 1 && !legend.length ? (yTitle?.text ?? 'y') : seriesName(s.color, i), color: s.color.map(Math.round) as Rgb, points: s.points }));
  return {
    ok: true,
    reading: {
      chart_type: 'scatter', ...base, texts: texts2(),
      x_axis: axisOf(xMap, xTitle, area.x, area.x + area.w), y_axis: axisOf(yMap, yTitle, area.y + area.h, area.y),
      series, marks: sc.marks, confidence: 0.8, warnings: [...warnings, ...sc.warnings],
    },
  };
}

// ---------------------------------------------------------------------------------------------

function readBars(clusters: Cluster[], map: AxisMap, horizontal: boolean, area: Box, cats: Txt[], bg: Rgb, panel?: Rgb) {
  type Bar = { c: number; k: Component; mid: number; lo: number; hi: number; s0: number; s1: number };
  const bars: Bar[] = [];
  const rectOf = (c: Cluster) => c.comps.filter(isRect).reduce((s, k) => s + k.area, 0);
  let barClusters = clusters.filter((c) => c.comps.some(isRect) && rectOf(c) >= 0.5 * c.n);
  const most = Math.max(0, ...barClusters.map(rectOf));
  barClusters = barClusters.filter((c) => rectOf(c) >= 0.01 * most);
  // a colour between a bigger bar colour and the page is that bar's anti-aliased edge
  barClusters = barClusters.filter((c) => !barClusters.some((o) => o !== c && rectOf(o) > 3 * rectOf(c) && isBlend(c.color, o.color, bg, panel)));
  // black outlines around coloured bars are not a series
  if (barClusters.some((c) => !(luma(c.color) < 50 && saturation(c.color) < 30))) barClusters = barClusters.filter((c) => !(luma(c.color) < 50 && saturation(c.color) < 30));
  barClusters.forEach((c, ci) => {
    for (const k of c.comps) {
      if (!isRect(k)) continue;
      const thick = horizontal ? h(k) : w(k);
      if (thick < 3) continue;
      // value ends along the value axis (pixel), the band across it
      const lo = horizontal ? k.x0 : k.y0, hi = horizontal ? k.x1 + 1 : k.y1 + 1;
      const s0 = horizontal ? k.y0 : k.x0, s1 = horizontal ? k.y1 + 1 : k.x1 + 1;
      bars.push({ c: ci, k, mid: (s0 + s1) / 2, lo, hi, s0, s1 });
    }
  });
  // drop bars much thinner than the typical bar (pieces of outlines, error bars)
  const typical = median(bars.map((b) => b.s1 - b.s0));
  let kept = bars.filter((b) => b.s1 - b.s0 >= 0.4 * typical);
  // slivers of anti-aliased colour along another bar's end are not bars
  const sameBand0 = (a: Bar, b: Bar) => Math.min(a.s1, b.s1) - Math.max(a.s0, b.s0) > 0.7 * Math.min(a.s1 - a.s0, b.s1 - b.s0);
  kept = kept.filter((b) => b.hi - b.lo > 2 || !kept.some((o) => o !== b && o.hi - o.lo > 2 && sameBand0(o, b) && Math.min(Math.abs(o.lo - b.lo), Math.abs(o.hi - b.hi), Math.abs(o.lo - b.hi), Math.abs(o.hi - b.lo)) <= 3));
  // zero line in pixels
  const zero = map.scale === "log" ? undefined : toPx(map, 0);
  if (process.env.RECODE_READER_DEBUG) console.error("bars", kept.map((b) => [b.c, b.s0, b.s1, b.lo, b.hi]));
  // stacked: bars of different colours share a band and touch end to end
  const sameBand = (a: Bar, b: Bar) => Math.min(a.s1, b.s1) - Math.max(a.s0, b.s0) > 0.7 * Math.min(a.s1 - a.s0, b.s1 - b.s0);
  let touching = 0, sharing = 0;
  for (let i = 0; i < kept.length; i++) for (let j = i + 1; j < kept.length; j++) {
    const a = kept[i], b = kept[j];
    if (a.c === b.c || !sameBand(a, b)) continue;
    sharing++;
    if (Math.abs(a.hi - b.lo) <= 3 || Math.abs(b.hi - a.lo) <= 3) touching++;
  }
  const stacked = barClusters.length > 1 && sharing > 0 && touching >= 0.5 * sharing;
  // slots: groups of bars along the category axis
  const sorted = [...kept].sort((a, b) => a.mid - b.mid);
  const slots: Bar[][] = [];
  if (stacked) {
    for (const b of sorted) {
      const s = slots.find((g) => sameBand(g[0], b));
      if (s) s.push(b); else slots.push([b]);
    }
  } else if (barClusters.length > 1) {
    // grouped: a new group starts at a gap wider than the typical gap between touching bars
    const gaps = sorted.slice(1).map((b, i) => b.s0 - sorted[i].s1);
    const minGap = Math.min(...gaps.filter((g) => g > -2));
    let cur: Bar[] = [];
    sorted.forEach((b, i) => {
      if (i > 0 && (gaps[i - 1] > minGap + Math.max(3, 0.25 * typical) || cur.some((x) => x.c === b.c))) { slots.push(cur); cur = []; }
      cur.push(b);
    });
    if (cur.length) slots.push(cur);
  } else for (const b of sorted) slots.push([b]);
  // category labels to slots: nearest label centre
  const catsSorted = [...cats].sort((a, b) => (horizontal ? cy(a.box) - cy(b.box) : cx(a.box) - cx(b.box)));
  const slotMid = slots.map((s) => (Math.min(...s.map((b) => b.s0)) + Math.max(...s.map((b) => b.s1))) / 2);
  const categories: string[] = [];
  const catPx: number[] = [];
  let missing = 0;
  if (catsSorted.length && catsSorted.length >= slots.length) {
    // each slot takes the nearest label; labels without a bar are counted
    const used = new Set<number>();
    slots.forEach((_, i) => {
      let best = -1, bd = Infinity;
      catsSorted.forEach((t, j) => { const d = Math.abs((horizontal ? cy(t.box) : cx(t.box)) - slotMid[i]); if (d < bd && !used.has(j)) { bd = d; best = j; } });
      used.add(best);
      categories.push(catsSorted[best].text);
      catPx.push(slotMid[i]);
    });
    missing = catsSorted.length - slots.length;
  } else {
    slots.forEach((_, i) => { categories.push(catsSorted[i]?.text ?? `${i + 1}`); catPx.push(slotMid[i]); });
  }
  // series order: by mean position in the slot (grouped) or from the base (stacked)
  const order = barClusters.map((_, ci) => {
    const pos = slots.flatMap((s) => s.filter((b) => b.c === ci).map((b) => (stacked ? (horizontal ? b.lo : -b.hi) : b.mid - Math.min(...s.map((x) => x.s0)))));
    return { ci, pos: pos.length ? pos.reduce((a, b) => a + b, 0) / pos.length : 0 };
  }).sort((a, b) => a.pos - b.pos).map((o) => o.ci);
  const present = order.filter((ci) => kept.some((b) => b.c === ci));
  const marks: MarkReading[] = [];
  const series = present.map((ci, si) => {
    const points = slots.map((s, i) => {
      const b = s.find((x) => x.c === ci);
      let value = 0;
      if (b) {
        const vLo = toData(map, b.lo), vHi = toData(map, b.hi);
        if (stacked) value = Math.abs(vHi - vLo);
        else if (zero !== undefined && zero >= b.lo - 2 && zero <= b.hi + 2) value = Math.abs(b.hi - zero) > Math.abs(b.lo - zero) ? toData(map, b.hi) : toData(map, b.lo);
        else {
          // the end away from the axis base
          const baseAtHigh = horizontal ? false : true;
          value = baseAtHigh ? vLo : vHi;
          if (horizontal) value = vHi;
        }
        if (zero !== undefined && !stacked) {
          // the end farther from zero is the value
          const far = Math.abs(b.lo - zero) > Math.abs(b.hi - zero) ? b.lo : b.hi;
          value = toData(map, far);
        }
        marks.push({ series: si, index: i, kind: 'bar', box: { x: b.k.x0, y: b.k.y0, w: w(b.k), h: h(b.k) }, value: round(value, 4) });
      }
      return { x: categories[i], y: round(value, 4) };
    });
    return { color: barClusters[ci].color, points };
  });
  return { series, marks, categories, catPx, stacked, missing };
}

function readLines(img: RgbaImage, clusters: Cluster[], area: Box, xMap: AxisMap | undefined, yMap: AxisMap, xCats: Txt[]) {
  const W = img.width;
  const warnings: string[] = [];
  const marks: MarkReading[] = [];
  const series = clusters.map((cl, si) => {
    // the curve: per column, the middle of the cluster's pixels
    const x0 = Math.round(area.x), x1 = Math.round(area.x + area.w);
    const ys: (number | undefined)[] = [];
    const tops: number[] = [], bottoms: number[] = [];
    const thick: number[] = [];
    let first = -1, last = -1;
    for (let x = x0; x < x1; x++) {
      let s = 0, n = 0, top = Infinity, bottom = -Infinity;
      for (let y = Math.round(area.y); y < area.y + area.h; y++) if (cl.mask[y * W + x]) { s += y; n++; top = Math.min(top, y); bottom = Math.max(bottom, y); }
      ys.push(n ? s / n : undefined);
      tops.push(top); bottoms.push(bottom);
      if (n) { thick.push(n); if (first < 0) first = x; last = x; }
    }
    const lw = median(thick);
    // markers on the line (points joined by lines): round blobs much thicker than the line
    const cnt = ys.map((_, k) => (Number.isFinite(tops[k]) ? bottoms[k] - tops[k] + 1 : 0));
    const markerXs: number[] = [];
    for (let k = 0; k < cnt.length; ) {
      if (cnt[k] < Math.max(1.6 * lw, lw + 2)) { k++; continue; }
      let e = k;
      while (e + 1 < cnt.length && cnt[e + 1] >= Math.max(1.6 * lw, lw + 2)) e++;
      const gw = e - k + 1, gh = Math.max(...cnt.slice(k, e + 1));
      if (gw >= 3 && Math.abs(gw - gh) <= 0.4 * Math.max(gw, gh) && gh <= 8 * lw) markerXs.push(x0 + (k + e) / 2);
      k = e + 1;
    }
    const yAt = (x: number) => {
      const k = Math.round(x) - x0;
      for (let d = 0; d <= 3; d++) { const v = ys[k - d] ?? ys[k + d]; if (v !== undefined) return v; }
      return undefined;
    };
    let xs: number[];
    if (!xMap && xCats.length) xs = xCats.map((t) => cx(t.box));
    else if (markerXs.length >= 3) xs = markerXs;
    else {
      // vertices: where the curve bends (Douglas–Peucker), then their common step
      const pts: [number, number][] = [];
      for (let x = first; x <= last; x++) { const y = ys[x - x0]; if (y !== undefined) pts.push([x, y]); }
      const keep = simplify(pts, Math.max(2, 0.8 * lw));
      const start = first + Math.min(lw, 3) / 2, end = last - Math.min(lw, 3) / 2;
      const diffs = keep.slice(1).map((p, i) => p[0] - keep[i][0]).filter((d) => d >= 3);
      let step = end - start;
      let bestScore = -1;
      for (const d0 of diffs) for (const k of [1, 2, 3]) {
        const s = d0 / k;
        if (s < 3) continue;
        const n = Math.round((end - start) / s);
        if (n < 1) continue;
        const sAdj = (end - start) / n;
        const score = diffs.filter((d) => Math.abs(d / sAdj - Math.round(d / sAdj)) * sAdj <= 1.5).length / diffs.length;
        // the longest step that explains most gaps between bends
        const good = score >= 0.8;
        if ((good && (bestScore < 0.8 || sAdj > step)) || (!good && bestScore < 0.8 && score > bestScore)) { bestScore = score; step = sAdj; }
      }
      if (bestScore < 0.8 && diffs.length) warnings.push('the line\'s vertices are not evenly spaced: points are read at its bends');
      if (bestScore >= 0.8 || !diffs.length) {
        const n = Math.max(1, Math.round((end - start) / step));
        xs = Array.from({ length: n + 1 }, (_, i) => start + (i * (end - start)) / n);
      } else xs = keep.map((p) => p[0]);
    }
    const points: { x: string | number; y: number }[] = [];
    const half = xs.length > 1 ? Math.max(2, (xs[1] - xs[0]) / 2) : 4;
    xs.forEach((x, i) => {
      let y = yAt(x);
      // at a peak or a dip the vertex is the line's outer edge (less half its width), not the column's middle
      const before = yAt(x - half), after = yAt(x + half), k = Math.round(x) - x0;
      if (y !== undefined && before !== undefined && after !== undefined && Number.isFinite(tops[k])) {
        const halfLw = Math.min(lw, 4) / 2;
        if (before > y && after > y) y = tops[k] + halfLw;
        else if (before < y && after < y) y = bottoms[k] - halfLw;
      }
      if (y === undefined) return;
      let xv: string | number = !xMap && xCats.length ? xCats[i].text : xMap ? toData(xMap, x) : i + 1;
      if (typeof xv === 'number' && xMap) {
        // data x values: round to the step's precision
        const stepData = xs.length > 1 ? Math.min(...xs.slice(1).map((v, j) => Math.abs(toData(xMap, v) - toData(xMap, xs[j])))) : 1;
        const nice = niceStep(stepData);
        if (Math.abs(nice - stepData) / stepData < 0.08) xv = round(Math.round(xv / nice) * nice, 6);
        else xv = round(xv, 4);
      }
      const yv = toData(yMap, y);
      points.push({ x: xv, y: round(yv, 4) });
      marks.push({ series: si, index: i, kind: 'vertex', px: [round(x, 1), round(y, 1)], value: round(yv, 4) });
    });
    return { color: cl.color, points };
  });
  return { series, marks, warnings };
}

function niceStep(v: number): number {
  const e = 10 ** Math.floor(Math.log10(v));
  const m = v / e;
  const cands = [1, 2, 2.5, 5, 10];
  return cands.reduce((a, b) => (Math.abs(b - m) < Math.abs(a - m) ? b : a)) * e;
}

function simplify(pts: [number, number][], eps: number): [number, number][] {
  if (pts.length < 3) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack: [number, number][] = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    let best = -1, bd = eps;
    const [ax, ay] = pts[a], [bx, by] = pts[b];
    const len = Math.hypot(bx - ax, by - ay) || 1;
    for (let i = a + 1; i < b; i++) {
      const d = Math.abs((by - ay) * pts[i][0] - (bx - ax) * pts[i][1] + bx * ay - by * ax) / len;
      if (d > bd) { bd = d; best = i; }
    }
    if (best >= 0) { keep[best] = 1; stack.push([a, best], [best, b]); }
  }
  return pts.filter((_, i) => keep[i]);
}

function readScatter(clusters: Cluster[], xMap: AxisMap, yMap: AxisMap, imgW: number) {
  const marks: MarkReading[] = [];
  const warnings: string[] = [];
  let si = 0;
  const series: { color: Rgb; points: { x: number; y: number }[] }[] = [];
  for (const cl of clusters) {
    const comps = cl.comps.filter((k) => k.area >= 4);
    if (comps.length < 2) continue;
    const unit = median(comps.map((k) => k.area));
    const pts: [number, number][] = [];
    let split = 0;
    for (const k of comps) {
      const n = Math.max(1, Math.round(k.area / unit));
      if (n === 1) { pts.push([(k.x0 + k.x1 + 1) / 2, (k.y0 + k.y1 + 1) / 2]); continue; }
      split += n - 1;
      pts.push(...kmeans(k, n, imgW));
    }
    if (split) warnings.push(`${split} overlapping marker(s) split by area`);
    const points = pts.sort((a, b) => a[0] - b[0]).map(([x, y], i) => {
      const xv = toData(xMap, x), yv = toData(yMap, y);
      marks.push({ series: si, index: i, kind: 'point', px: [round(x, 1), round(y, 1)], value: round(yv, 4) });
      return { x: round(xv, 4), y: round(yv, 4) };
    });
    series.push({ color: cl.color, points });
    si++;
  }
  return { series, marks, warnings };
}

function kmeans(k: Component, n: number, imgW: number): [number, number][] {
  const xs = Array.from(k.pixels, (i) => i % imgW), ys = Array.from(k.pixels, (i) => Math.floor(i / imgW));
  // start along the longer side of the blob
  const horiz = w(k) >= h(k);
  let c: [number, number][] = Array.from({ length: n }, (_, j) => {
    const t = (j + 0.5) / n;
    return horiz ? [k.x0 + t * w(k), (k.y0 + k.y1 + 1) / 2] : [(k.x0 + k.x1 + 1) / 2, k.y0 + t * h(k)];
  });
  for (let it = 0; it < 12; it++) {
    const s = c.map(() => [0, 0, 0]);
    for (let i = 0; i < xs.length; i++) {
      let best = 0, bd = Infinity;
      c.forEach(([a, b], j) => { const d = (xs[i] - a) ** 2 + (ys[i] - b) ** 2; if (d < bd) { bd = d; best = j; } });
      s[best][0] += xs[i]; s[best][1] += ys[i]; s[best][2]++;
    }
    c = c.map((old, j) => (s[j][2] ? [s[j][0] / s[j][2] + 0.5, s[j][1] / s[j][2] + 0.5] : old));
  }
  return c;
}

// pie -----------------------------------------------------------------------------------------

function readPie(img: RgbaImage, bg: Rgb, texts: Txt[], legend: { text: Txt; color: Rgb }[]) {
  const W = img.width, H = img.height;
  const mask = new Uint8Array(W * H);
  for (let i = 0, p = 0; i < mask.length; i++, p += 4) {
    if (Math.abs(img.data[p] - bg[0]) + Math.abs(img.data[p + 1] - bg[1]) + Math.abs(img.data[p + 2] - bg[2]) > 50) mask[i] = 1;
  }
  for (const t of texts) for (let y = t.box.y; y < t.box.y + t.box.h; y++) for (let x = t.box.x; x < t.box.x + t.box.w; x++) mask[y * W + x] = 0;
  const comps = components(mask, W, H, img, 50);
  const disc = comps.sort((a, b) => b.area - a.area)[0];
  if (!disc) return undefined;
  const dw = w(disc), dh = h(disc);
  if (Math.abs(dw - dh) > 0.08 * Math.max(dw, dh) || dw < 40) return undefined;
  const f = fill(disc);
  if (f < 0.6 || f > 0.85) return undefined;
  const ccx = (disc.x0 + disc.x1 + 1) / 2, ccy = (disc.y0 + disc.y1 + 1) / 2, r = (dw + dh) / 4;
  // donut: the centre is background
  const pc = (Math.round(ccy) * W + Math.round(ccx)) * 4;
  const hole = dist([img.data[pc], img.data[pc + 1], img.data[pc + 2]], bg) < 40;
  const radius = hole ? 0.85 * r : 0.65 * r;
  const stepDeg = 0.25;
  const samples: Rgb[] = [];
  for (let a = 0; a < 360; a += stepDeg) {
    const t = (a * Math.PI) / 180;
    const x = Math.round(ccx + radius * Math.sin(t)), y = Math.round(ccy - radius * Math.cos(t));
    const p = (y * W + x) * 4;
    samples.push([img.data[p], img.data[p + 1], img.data[p + 2]]);
  }
  // runs of one colour; short runs are borders
  type Run = { a0: number; a1: number; color: Rgb; n: number };
  const runs: Run[] = [];
  for (let i = 0; i < samples.length; i++) {
    const c = samples[i], last = runs[runs.length - 1];
    if (last && dist(last.color, c) < 30) { last.a1 = (i + 1) * stepDeg; last.n++; }
    else runs.push({ a0: i * stepDeg, a1: (i + 1) * stepDeg, color: c, n: 1 });
  }
  if (runs.length > 1 && dist(runs[0].color, runs[runs.length - 1].color) < 30) {
    const l = runs.pop()!;
    runs[0].a0 = l.a0 - 360; runs[0].n += l.n;
  }
  const kept = runs.filter((q) => q.a1 - q.a0 >= 1.5 && dist(q.color, bg) >= 30);
  if (kept.length < 2) return undefined;
  // boundaries halfway across the borders between kept runs
  const slices = kept.map((q, i) => {
    const prev = kept[(i - 1 + kept.length) % kept.length], next = kept[(i + 1) % kept.length];
    const pe = i === 0 ? prev.a1 - 360 : prev.a1;
    const ns = i === kept.length - 1 ? next.a0 + 360 : next.a0;
    const s = (pe + q.a0) / 2, e = (q.a1 + ns) / 2;
    return { start: s, end: e, color: q.color };
  });
  const total = slices.reduce((s, q) => s + (q.end - q.start), 0);
  const warnings: string[] = [];
  const used = new Set<Txt>();
  const labelTexts: Txt[] = [];
  const out = slices.map((q, i) => {
    const mid = ((q.start + q.end) / 2 + 360) % 360;
    const t = (mid * Math.PI) / 180;
    let label: string | undefined;
    const lg = legend.map((l) => ({ l, d: dist(l.color, q.color) })).sort((a, b) => a.d - b.d)[0];
    if (lg && lg.d < 50) label = lg.l.text.text;
    else {
      let best: Txt | undefined, bd = Infinity;
      for (const tx of texts) {
        if (used.has(tx) || !tx.text || tx.role === 'title') continue;
        const dx = cx(tx.box) - ccx, dy = cy(tx.box) - ccy;
        const dd = Math.hypot(dx, dy);
        if (dd > 1.6 * r) continue;
        const ang = ((Math.atan2(dx, -dy) * 180) / Math.PI + 360) % 360;
        const diff = Math.min(Math.abs(ang - mid), 360 - Math.abs(ang - mid));
        if (diff < bd && diff < 25) { bd = diff; best = tx; }
      }
      if (best) { used.add(best); labelTexts.push(best); label = best.text; }
    }
    if (!label) warnings.push(`slice ${i + 1} has no label`);
    // "Brown (220)", "Brown: 37%": the name, the number written with it stays in the texts
    const named = label ? /^(.*?\S)\s*(?:\(\s*[-\d.,%\s]+\)|:\s*[-\d.,%\s]+)$/.exec(label) : null;
    if (named) label = named[1];
    return { label: label ?? `slice ${i + 1}`, share: (q.end - q.start) / total, px: [round(ccx + 0.6 * r * Math.sin(t), 1), round(ccy - 0.6 * r * Math.cos(t), 1)] as [number, number], start: q.start };
  });
  // clockwise from the top: the slice holding 12 o'clock first
  const topIdx = out.findIndex((q, i) => { const s = ((slices[i].start % 360) + 360) % 360, e = s + (slices[i].end - slices[i].start); return (s <= 0.001 || e >= 360) || s === 0; });
  const ordered = topIdx > 0 ? [...out.slice(topIdx), ...out.slice(0, topIdx)] : out;
  return {
    box: { x: disc.x0, y: disc.y0, w: dw, h: dh },
    slices: ordered,
    confidence: warnings.length ? 0.5 : 0.8,
    warnings,
    labelTexts,
  };
}
