/**
 * The pixel critic: how faithful is a render to the original?
 *
 * Real originals come from anywhere (R, Excel, a scan), so the render never matches pixel for
 * pixel: fonts, margins, canvas size and background differ. The critic therefore first puts the
 * render onto the original's working canvas and *aligns the plot areas*: it finds the plot box of
 * each image (a panel — a large uniform rectangle such as ggplot's grey one — or the axis lines /
 * spines, which are thin lines with background on both sides, never the edges of bars), and maps
 * the render's box onto the original's with a per-axis scale and offset. The render's background
 * (and panel) colour is replaced by the original's. Then it measures, each in [0,1], higher is
 * more faithful:
 *   marks    colour-aware chamfer distance between the inks, after alignment: every ink pixel of
 *            one image looks for the nearest ink pixel of the same colour class in the other (a
 *            colour difference counts as extra distance). Graded in the size of the error, so
 *            a bar 5 % off scores better than one 30 % off; a missing series, a recoloured series
 *            or another chart type cost a lot. The cue that decides between close candidates.
 *   pixel    pixelmatch over the union of inks (anti-aliasing ignored)
 *   ssim     structural similarity of the blurred grey images
 *   edges    F1 of edge pixels matched within 2 px
 *   colour   how much ink each colour class has (histogram intersection; anti-aliasing ignored)
 *   layout   where the plot area sits on the canvas, compared before alignment
 * and combines them into one score (a weighted mean; 1 = identical).
 *
 * The numeric refinement uses `alignRender` + `markCostMap` to score parts of an image locally.
 */
import type { RgbaImage, Score } from '../types';
import { resize, toGray, workingSize, encodePng } from '../image';

// pixelmatch 7 is ESM-only; Node ≥ 20.19 can require it.
const pixelmatch: (a: Uint8Array, b: Uint8Array, out: Uint8Array | undefined, w: number, h: number, o?: Record<string, unknown>) => number =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('pixelmatch') as { default: never }).default;

export type PartName = 'marks' | 'pixel' | 'ssim' | 'edges' | 'colour' | 'layout';

export interface PixelCriticOptions {
  /** Longer side of the working canvas. */
  maxSide: number;
  weights: Record<PartName, number>;
  /** Align the render's plot area onto the original's before comparing (default true). */
  align: boolean;
}

export const DEFAULT_CRITIC: PixelCriticOptions = {
  maxSide: 400,
  weights: { marks: 0.45, pixel: 0.15, ssim: 0.1, edges: 0.1, colour: 0.1, layout: 0.1 },
  align: true,
};

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

type Rgb = [number, number, number];

/** Colour classes of the original's ink (its palette), at most this many. */
const MAX_CLASSES = 10;
/** RGB distance under which a pixel belongs to a colour class. */
const CLASS_DIST = 40;
/** Palette colours closer than this are one class. */
const PALETTE_MERGE = 24;
/** Chamfer distances are capped at this share of the canvas diagonal. */
const CAP_SHARE = 0.06;
/** A colour difference of 100 (RGB) counts as this share of the cap. */
const COLOUR_WEIGHT = 0.45;
/** Colour differences up to this (RGB distance) cost nothing. */
const COLOUR_FREE = 30;
/** Ink = colour distance from the background (and panel) above this. */
const INK_DIST = 40;
/** Pages further apart in colour than this (RGB distance) are not normalised to each other. */
const PAGE_TOLERANCE = 100;
/** Summed RGB difference under which two pixels are the same colour. */
const SAME_COLOUR = 12;

/** A decoded original prepared once and scored against many renders. */
export interface PreparedOriginal {
  image: RgbaImage;
  work: RgbaImage;
  gray: Float32Array;
  blurred: Float32Array;
  background: Rgb;
  box: PlotBox;
  ink: Uint8Array;
  edges: Uint8Array;
  /** Pixels per colour class. */
  classHist: Float64Array;
  /** How much each pixel's mark distance counts: 1 in the plot area (grown by 6 %), less outside. */
  weight: Float32Array;
  palette: Rgb[];
  /** Colour class per pixel: 0..palette.length-1, -1 = background or anti-aliasing. */
  cls: Int8Array;
  /** Distance transform (px) of each class's pixels, capped. */
  dist: Float32Array[];
  cap: number;
  options: PixelCriticOptions;
}

export function prepareOriginal(image: RgbaImage, opts: PixelCriticOptions = DEFAULT_CRITIC): PreparedOriginal {
  const size = workingSize(image.width, image.height, opts.maxSide);
  const work = resampleArea(image, size.width, size.height);
  const { width: w, height: h } = work;
  const background = estimateBackground(work);
  const box = detectPlotBox(work, background);
  const ink = inkMask(work, background, box.panel);
  const gray = toGray(work);
  const blurred = boxBlur(gray, w, h, 1);
  const palette = buildPalette(work, ink, background, box.panel);
  const cls = classify(work, ink, palette, background, box.panel, false);
  const cap = CAP_SHARE * Math.hypot(w, h);
  const dist = palette.map((_, k) => distanceTransform(cls, k, w, h, cap));
  return {
    image,
    work,
    gray,
    blurred,
    background,
    box,
    ink,
    edges: sobelEdges(blurred, w, h),
    palette,
    classHist: classHistogram(cls, palette.length),
    weight: weightMap(box, w, h),
    cls,
    dist,
    cap,
    options: opts,
  };
}

/** A render put onto the original's working canvas, its plot area aligned, its background normalised. */
export interface AlignedRender {
  /** RGBA on the original's working canvas. */
  work: RgbaImage;
  alignment: Alignment;
  /** The render's plot box before alignment (on the original's working canvas size). */
  box: PlotBox;
  ink: Uint8Array;
  /** Colour class per pixel against the original's palette: -1 none, -2 a colour the original lacks. */
  cls: Int8Array;
}

export interface PixelScore extends Score {
  /** Width/height of the working canvas the parts were measured on. */
  canvas: { width: number; height: number };
  /** How the render was mapped onto the original. */
  alignment: Alignment;
}

/**
 * Puts a render on the original's working canvas with its plot area mapped onto the original's.
 * With `fixed`, that alignment is used instead of detecting one (the numeric refinement keeps one
 * alignment for all its trials).
 */
export function alignRender(original: PreparedOriginal, render: RgbaImage, fixed?: Alignment): AlignedRender {
  const { width: w, height: h } = original.work;
  const resized = resampleArea(render, w, h);
  const bg = estimateBackground(resized);
  const box = detectPlotBox(resized, bg);
  const alignment = fixed ?? (original.options.align ? alignBoxes(original.box, box, w, h) : identity(w, h));
  const warped = warp(resized, alignment, bg);
  // background normalisation: the render's page (and panel) colour becomes the original's — when
  // the two pages are near in colour (white against cream); a page of another colour altogether
  // (blue against orange) is a difference the score must see
  const obg = original.background;
  const opanel = original.box.panel;
  const d = warped.data;
  const samePage = colourDist(bg, obg) <= PAGE_TOLERANCE;
  for (let p = 0; p < d.length; p += 4) {
    if (samePage && near(d, p, bg, 14)) {
      d[p] = obg[0]; d[p + 1] = obg[1]; d[p + 2] = obg[2];
    } else if (box.panel && near(d, p, box.panel, 10)) {
      const c = opanel ?? obg;
      d[p] = c[0]; d[p + 1] = c[1]; d[p + 2] = c[2];
    }
  }
  const ink = inkMask(warped, obg, opanel);
  const cls = classify(warped, ink, original.palette, obg, opanel, true);
  // a colour the palette lacks is not alien where the original has that very colour (the palette
  // keeps the MAX_CLASSES most common colours: a photo or noise has far more)
  const od = original.work.data;
  for (let i = 0, p = 0; i < cls.length; i++, p += 4) {
    if (cls[i] === -2 && Math.abs(d[p] - od[p]) + Math.abs(d[p + 1] - od[p + 1]) + Math.abs(d[p + 2] - od[p + 2]) <= SAME_COLOUR) cls[i] = original.cls[i];
  }
  return { work: warped, alignment, box, ink, cls };
}

export function scorePair(original: PreparedOriginal, render: RgbaImage, opts: PixelCriticOptions = original.options): PixelScore {
  return scoreAligned(original, alignRender(original, render), opts);
}

export function scoreAligned(original: PreparedOriginal, a: AlignedRender, opts: PixelCriticOptions = original.options): PixelScore {
  const o = original;
  const { width: w, height: h } = o.work;
  const work = a.work;

  // marks: colour-aware chamfer between the inks
  const mc = markCost(o, a);
  const marks = clamp01(1 / (1 + mc.mean / (0.06 * o.cap)));

  // pixel: mismatch over the union of ink, so a mostly-white chart does not score high for free
  const mismatched = pixelmatch(o.work.data, work.data, undefined, w, h, { threshold: 0.15, includeAA: false });
  let inkUnion = 0;
  for (let i = 0; i < o.ink.length; i++) if (o.ink[i] || a.ink[i]) inkUnion++;
  const pixel = inkUnion === 0 ? 1 : clamp01(1 - mismatched / inkUnion);

  const gray = toGray(work);
  const blurred = boxBlur(gray, w, h, 1);
  const ssimV = clamp01(ssim(o.blurred, blurred, w, h));
  const edges = edgeF1(o.edges, sobelEdges(blurred, w, h), w, h, 2);
  const colour = histIntersection(o.classHist, classHistogram(a.cls, o.palette.length));
  const layout = boxAgreement(o.box, a.box, w, h);

  const parts: Record<PartName, number> = { marks, pixel, ssim: ssimV, edges, colour, layout };
  let total = 0, wsum = 0;
  for (const [k, wt] of Object.entries(opts.weights) as [PartName, number][]) {
    total += wt * parts[k];
    wsum += wt;
  }
  return { score: round4(total / wsum), parts: mapValues(parts, round4), canvas: { width: w, height: h }, alignment: a.alignment };
}

/**
 * Per-pixel mark cost on the original's working canvas: at each ink pixel of the render, its
 * (colour-weighted) distance to the original's ink; at each ink pixel of the original, its distance
 * to the render's. Summing it over a region gives that region's share of
 * the `marks` distance — what the numeric refinement compares between trials.
 */
export function markCostMap(original: PreparedOriginal, a: AlignedRender): Float32Array {
  return markCost(original, a).map;
}

interface MarkCost {
  map: Float32Array;
  /** Mean of the forward and backward mean distances (px). */
  mean: number;
}

function markCost(o: PreparedOriginal, a: AlignedRender): MarkCost {
  const { width: w, height: h } = o.work;
  const n = w * h;
  const K = o.palette.length;
  const cap = o.cap;
  const map = new Float32Array(n);
  // colour penalty between classes, in px
  // (differences under COLOUR_FREE are rendering noise: anti-aliasing, near-black text)
  const cpen = (c1: Rgb, c2: Rgb) => Math.min(cap, (COLOUR_WEIGHT * cap * Math.max(0, colourDist(c1, c2) - COLOUR_FREE)) / 100);
  const classPen: number[][] = o.palette.map((c1) => o.palette.map((c2) => cpen(c1, c2)));
  // render → original
  let fSum = 0, fN = 0;
  const d = a.work.data;
  for (let i = 0; i < n; i++) {
    const c = a.cls[i];
    if (c === -1) continue;
    let best = cap;
    if (c >= 0) {
      for (let k = 0; k < K; k++) {
        const v = o.dist[k][i] + classPen[c][k];
        if (v < best) best = v;
      }
    } else {
      const p = i * 4;
      const rgb: Rgb = [d[p], d[p + 1], d[p + 2]];
      for (let k = 0; k < K; k++) {
        const v = o.dist[k][i] + cpen(rgb, o.palette[k]);
        if (v < best) best = v;
      }
    }
    const wt = o.weight[i];
    map[i] += best * wt;
    fSum += best * wt;
    fN += wt;
  }
  // original → render: distance transforms of the render's classes
  let bSum = 0, bN = 0;
  if (K > 0) {
    const rdist: Float32Array[] = [];
    for (let k = 0; k < K; k++) rdist.push(distanceTransform(a.cls, k, w, h, cap));
    for (let i = 0; i < n; i++) {
      const c = o.cls[i];
      if (c < 0) continue;
      let best = cap;
      for (let j = 0; j < K; j++) {
        const v = rdist[j][i] + classPen[j][c];
        if (v < best) best = v;
      }
      const wt = o.weight[i];
      map[i] += best * wt;
      bSum += best * wt;
      bN += wt;
    }
  }
  const fMean = fN === 0 ? (bN === 0 ? 0 : cap) : fSum / fN;
  const bMean = bN === 0 ? (fN === 0 ? 0 : cap) : bSum / bN;
  return { map, mean: (fMean + bMean) / 2 };
}

/**
 * A heat-map of where the render differs from the original: the original faded to grey, with the
 * difference in red (strong = very different). At the original's working size, render aligned.
 */
export function diffHeatmap(original: PreparedOriginal, render: RgbaImage): Uint8Array {
  const { width, height } = original.work;
  const a = alignRender(original, render);
  const g = toGray(a.work);
  const out = new Uint8Array(width * height * 4);
  const og = original.gray;
  const od = original.work.data, rd = a.work.data;
  for (let i = 0, p = 0; i < og.length; i++, p += 4) {
    const dc = Math.max(Math.abs(od[p] - rd[p]), Math.abs(od[p + 1] - rd[p + 1]), Math.abs(od[p + 2] - rd[p + 2]));
    const d = Math.min(1, Math.max(Math.abs(og[i] - g[i]), dc) / 128);
    const base = 200 + og[i] * 0.2;
    out[p] = Math.round(base * (1 - d) + 230 * d);
    out[p + 1] = Math.round(base * (1 - d) + 20 * d);
    out[p + 2] = Math.round(base * (1 - d) + 30 * d);
    out[p + 3] = 255;
  }
  return encodePng({ width, height, data: out });
}

// ---------------------------------------------------------------------------------------------
// Plot area detection and alignment
// ---------------------------------------------------------------------------------------------

function identity(w: number, h: number): Alignment {
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
  const counts = new Int32Array(across);
  for (let pos = 3; pos < across - 3; pos++) {
    let c = 0;
    for (let t = 0; t < along; t++) if (isStrict(pos, t)) c++;
    counts[pos] = c;
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
    const rows = new Int32Array(h), cols = new Int32Array(w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (near(data, (y * w + x) * 4, c, 8)) {
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
        const p = (y * w + x) * 4;
        if (near(data, p, c, 8)) inside++;
        else if (near(data, p, bg, 14)) page++;
      }
    }
    const area = (x1 - x0) * (y1 - y0);
    const fill = inside / area;
    if (fill < 0.3 || fill > 0.985 || page > 0.15 * area) continue;
    // the four borders (1 px inside) must be mostly the panel colour
    const share = (xs: number, xe: number, ys: number, ye: number) => {
      let n = 0, m = 0;
      for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) { n++; if (near(data, (y * w + x) * 4, c, 8)) m++; }
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
    for (let p = 0; p < data.length; p += 4) if (near(data, p, c, 8)) { r += data[p]; g += data[p + 1]; b += data[p + 2]; n++; }
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
function warp(img: RgbaImage, a: Alignment, bg: Rgb): RgbaImage {
  const { width: w, height: h, data: src } = img;
  if (isIdentity(a.x) && isIdentity(a.y)) return { width: w, height: h, data: new Uint8Array(src) };
  const out = new Uint8Array(w * h * 4);
  const xs = inverseMap(a.x, w), ys = inverseMap(a.y, h);
  for (let Y = 0; Y < h; Y++) {
    const fy = ys[Y];
    for (let X = 0; X < w; X++) {
      const fx = xs[X];
      const o = (Y * w + X) * 4;
      if (fx < -0.5 || fy < -0.5 || fx > w - 0.5 || fy > h - 0.5) {
        out[o] = bg[0]; out[o + 1] = bg[1]; out[o + 2] = bg[2]; out[o + 3] = 255;
        continue;
      }
      const cx = Math.min(w - 1, Math.max(0, fx)), cy = Math.min(h - 1, Math.max(0, fy));
      const x0 = Math.floor(cx), y0 = Math.floor(cy);
      const x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
      const wx = cx - x0, wy = cy - y0;
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

function weightMap(box: PlotBox, w: number, h: number): Float32Array {
  const m = new Float32Array(w * h).fill(box.kind === 'none' ? 1 : OUTSIDE_WEIGHT);
  if (box.kind === 'none') return m;
  const gx = 0.06 * w, gy = 0.06 * h;
  const x0 = Math.max(0, Math.floor(box.x0 - gx)), x1 = Math.min(w, Math.ceil(box.x1 + gx));
  const y0 = Math.max(0, Math.floor(box.y0 - gy)), y1 = Math.min(h, Math.ceil(box.y1 + gy));
  for (let y = y0; y < y1; y++) m.fill(1, y * w + x0, y * w + x1);
  return m;
}

/** 1 when the plot areas sit at the same place (share of the canvas), falling to 0 at 20 % apart. */
function boxAgreement(o: PlotBox, r: PlotBox, w: number, h: number): number {
  if (o.kind === 'none' && r.kind === 'none') return 1;
  if (o.kind === 'none' || r.kind === 'none') return 0.3;
  const d = (Math.abs(o.x0 - r.x0) / w + Math.abs(o.x1 - r.x1) / w + Math.abs(o.y0 - r.y0) / h + Math.abs(o.y1 - r.y1) / h) / 4;
  return clamp01(1 - d / 0.2);
}

// ---------------------------------------------------------------------------------------------
// Ink, colour classes, distance transforms
// ---------------------------------------------------------------------------------------------

function inkMask(img: RgbaImage, bg: Rgb, panel: Rgb | undefined): Uint8Array {
  const d = img.data;
  const ink = new Uint8Array(img.width * img.height);
  for (let i = 0, p = 0; i < ink.length; i++, p += 4) {
    if (!near(d, p, bg, INK_DIST) && !(panel && near(d, p, panel, 16))) ink[i] = 1;
  }
  return ink;
}

/** The original's ink colours, merged within PALETTE_MERGE, the most common first (≥ 0.3 % of ink). */
function buildPalette(img: RgbaImage, ink: Uint8Array, bg: Rgb, panel: Rgb | undefined): Rgb[] {
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
function classify(img: RgbaImage, ink: Uint8Array, palette: Rgb[], bg: Rgb, panel: Rgb | undefined, alien: boolean): Int8Array {
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
function distanceTransform(cls: Int8Array, k: number, w: number, h: number, cap: number): Float32Array {
  const limit = Math.ceil(cap * 3) + 4;
  const dt = new Int32Array(w * h);
  for (let i = 0; i < dt.length; i++) dt[i] = cls[i] === k ? 0 : limit;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      let v = dt[i];
      if (v === 0) continue;
      let t: number;
      if (x > 0 && (t = dt[i - 1] + 3) < v) v = t;
      if (y > 0) {
        if ((t = dt[i - w] + 3) < v) v = t;
        if (x > 0 && (t = dt[i - w - 1] + 4) < v) v = t;
        if (x < w - 1 && (t = dt[i - w + 1] + 4) < v) v = t;
      }
      dt[i] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    const row = y * w;
    for (let x = w - 1; x >= 0; x--) {
      const i = row + x;
      let v = dt[i];
      if (v === 0) continue;
      let t: number;
      if (x < w - 1 && (t = dt[i + 1] + 3) < v) v = t;
      if (y < h - 1) {
        if ((t = dt[i + w] + 3) < v) v = t;
        if (x < w - 1 && (t = dt[i + w + 1] + 4) < v) v = t;
        if (x > 0 && (t = dt[i + w - 1] + 4) < v) v = t;
      }
      dt[i] = v;
    }
  }
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) {
    const v = dt[i] / 3;
    out[i] = v < cap ? v : cap;
  }
  return out;
}

/** Pixels per colour class (the last bin: colours the original lacks). */
function classHistogram(cls: Int8Array, k: number): Float64Array {
  const hist = new Float64Array(k + 1);
  for (let i = 0; i < cls.length; i++) {
    const c = cls[i];
    if (c >= 0) hist[c]++;
    else if (c === -2) hist[k]++;
  }
  return hist;
}

// ---------------------------------------------------------------------------------------------
// Classic parts
// ---------------------------------------------------------------------------------------------

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
function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
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

function near(d: Uint8Array, p: number, c: Rgb, tol: number): boolean {
  const dr = d[p] - c[0], dg = d[p + 1] - c[1], db = d[p + 2] - c[2];
  return dr * dr + dg * dg + db * db <= tol * tol;
}

function colourDist(a: Rgb, b: Rgb): number {
  return Math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2);
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
function mapValues<T extends Record<string, number>>(o: T, f: (v: number) => number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) r[k] = f(v);
  return r;
}
