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
 *
 * Read in this order: this file (prepare the original once, align a render, score the pair), then
 * ./alignment (plot box, alignment, warp), ./palette (ink, colour classes, distance transforms),
 * ./metrics (the classic image measures). The data part is ./dataCritic; ./critic combines both.
 */
import type { RgbaImage, Score } from '../types';
import { toGray, workingSize, encodePng } from '../image';
import { alignBoxes, boxAgreement, detectPlotBox, identity, warp, weightMap, type Alignment, type PlotBox } from './alignment';
import { buildPalette, classHistogram, classify, distanceTransform, inkMask } from './palette';
import { boxBlur, clamp01, colourDist, dilate, edgeF1, estimateBackground, histIntersection, mapValues, near, resampleArea, round4, sobelEdges, ssim, type Rgb } from './metrics';

// the parts, for callers that import them from here
export { alignBoxes, detectPlotBox, type Alignment, type PlotBox } from './alignment';
export { estimateBackground, resampleArea } from './metrics';

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

/** Chamfer distances are capped at this share of the canvas diagonal. */
const CAP_SHARE = 0.06;
/** A colour difference of 100 (RGB) counts as this share of the cap. */
const COLOUR_WEIGHT = 0.45;
/** Colour differences up to this (RGB distance) cost nothing. */
const COLOUR_FREE = 30;
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
  /** Per colour class: each pixel's distance to the nearest ink with the colour penalty (filled on first use). */
  nearestByClass?: Float64Array[];
  /** The original's edges grown by the edge tolerance (filled on first use). */
  edgesNear?: Uint8Array;
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
  const edges = edgeF1(o.edges, sobelEdges(blurred, w, h), w, h, 2, (o.edgesNear ??= dilate(o.edges, w, h, 2)));
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
  // render → original: per class, the nearest original ink with its colour penalty depends on the
  // original alone (computed once per original, kept with it); colours the palette lacks get
  // their penalties once per colour
  const nearest = (o.nearestByClass ??= o.palette.map((_, c) => {
    const f = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let best = cap;
      for (let k = 0; k < K; k++) {
        const v = o.dist[k][i] + classPen[c][k];
        if (v < best) best = v;
      }
      f[i] = best;
    }
    return f;
  }));
  const alienPen = new Map<number, Float64Array>();
  let fSum = 0, fN = 0;
  const d = a.work.data;
  for (let i = 0; i < n; i++) {
    const c = a.cls[i];
    if (c === -1) continue;
    let best = cap;
    if (c >= 0) {
      best = nearest[c][i];
    } else {
      const p = i * 4;
      const key = (d[p] << 16) | (d[p + 1] << 8) | d[p + 2];
      let pen = alienPen.get(key);
      if (!pen) {
        const rgb: Rgb = [d[p], d[p + 1], d[p + 2]];
        pen = Float64Array.from(o.palette, (q) => cpen(rgb, q));
        alienPen.set(key, pen);
      }
      for (let k = 0; k < K; k++) {
        const v = o.dist[k][i] + pen[k];
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
    // only the render's classes that can be nearer than the cap: a class the render lacks is at
    // the cap everywhere, and one whose colour is too far from every class the original has
    // costs the cap or more (either can never be the best)
    const present = new Uint8Array(K);
    for (let i = 0; i < n; i++) if (a.cls[i] >= 0) present[a.cls[i]] = 1;
    const origHas = new Uint8Array(K);
    for (let i = 0; i < n; i++) if (o.cls[i] >= 0) origHas[o.cls[i]] = 1;
    const useful = [...Array(K).keys()].filter((j) => present[j] && classPen[j].some((pen, c) => origHas[c] && pen < cap));
    const rdist = useful.map((j) => distanceTransform(a.cls, j, w, h, cap));
    const pens = useful.map((j) => classPen[j]);
    const U = useful.length;
    for (let i = 0; i < n; i++) {
      const c = o.cls[i];
      if (c < 0) continue;
      let best = cap;
      for (let u = 0; u < U; u++) {
        const v = rdist[u][i] + pens[u][c];
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
