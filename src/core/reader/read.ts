/**
 * The chart reader: plot area, axes from OCR'd tick labels, marks by colour and shape, legend.
 * Says plainly when it cannot read an image.
 */
import { flattenAlpha } from '../image';
import type { RgbaImage } from '../types';
import { fitAxis, toData, type AxisMap } from './axes';
import { parseNumber } from './numbers';
import { createOcr, type Ocr } from './ocr';
import { components, dist, fill, h, w, type Rgb } from './pixels';
import { findTexts, NUMERIC_WHITELIST } from './text';
import type { AxisReading, Box, ChartType, ReadResult, SeriesReading, TextItem } from './types';
import { cx, cy, round, type Txt } from './common';
import { background, findLegend, isBlend, isRect, markClusters, plotAreaFromInk } from './scene';
import { readBars, readLines, readPie, readScatter } from './marks';

export interface ReaderOptions {
  signal?: AbortSignal;
  /** Reuse a warm OCR engine (the reader makes and ends its own otherwise). */
  ocr?: Ocr;
}

function refuse(reason: string): ReadResult { return { ok: false, reason }; }

async function numericAgain(img: RgbaImage, ocr: Ocr, t: Txt): Promise<void> {
  if (parseNumber(t.text)) return;
  const r = await ocr.readLine(img, { x: t.box.x - 2, y: t.box.y - 2, w: t.box.w + 4, h: t.box.h + 4 }, { rotation: t.rotation, whitelist: NUMERIC_WHITELIST });
  if (parseNumber(r.text)) { t.text = r.text; t.confidence = r.confidence; }
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

