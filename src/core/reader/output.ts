/**
 * What a reading turns into: the `recode read --json` object, a data table, a readable
 * matplotlib program that redraws the chart, an overlay to check it by eye, and prompt text.
 */
import type { RgbaImage } from '../types';
import type { AxisReading, Reading } from './types';

export function readingToJson(r: Reading): object {
  return {
    chart_type: r.chart_type,
    title: r.title ?? null,
    x_axis: r.x_axis,
    y_axis: r.y_axis,
    series: r.series.map((s) => ({ name: s.name, points: s.points.map((p) => ({ x: p.x, y: p.y })) })),
    texts: r.texts.map((t) => ({ text: t.text, box: t.box, role: t.role })),
    confidence: r.confidence,
    warnings: r.warnings,
  };
}

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** First column the category / x, one column per series (rows: the union of x values, in order). */
export function readingToCsv(r: Reading): string {
  const xName = r.chart_type === 'pie' ? 'label' : r.chart_type === 'horizontal bar' ? (r.y_axis.title ?? 'category') : (r.x_axis.title ?? (r.x_axis.scale === 'category' ? 'category' : 'x'));
  if (r.chart_type === 'scatter') {
    const lines = [[xName, 'y', ...(r.series.length > 1 ? ['series'] : [])].map(csvCell).join(',')];
    for (const s of r.series) for (const p of s.points) lines.push([p.x, p.y, ...(r.series.length > 1 ? [s.name] : [])].map(csvCell).join(','));
    return lines.join('\n') + '\n';
  }
  const xs: (string | number)[] = [];
  for (const s of r.series) for (const p of s.points) if (!xs.includes(p.x)) xs.push(p.x);
  const lines = [[xName, ...r.series.map((s) => s.name)].map(csvCell).join(',')];
  for (const x of xs) lines.push([x, ...r.series.map((s) => s.points.find((p) => p.x === x)?.y)].map(csvCell).join(','));
  return lines.join('\n') + '\n';
}

const py = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'float("nan")';
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return 'None';
};
const hex = (c?: [number, number, number]) => (c ? '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('') : undefined);
const DEFAULT = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function numericAxis(lines: string[], axis: AxisReading, which: 'x' | 'y'): void {
  if (axis.scale === 'log') lines.push(`ax.set_${which}scale('log')`);
  if (axis.min !== undefined && axis.max !== undefined) lines.push(`ax.set_${which}lim(${axis.min}, ${axis.max})`);
  if (axis.ticks.length) lines.push(`ax.set_${which}ticks(${py(axis.ticks.map((t) => t.value))}, ${py(axis.ticks.map((t) => t.label))})`);
}

/** A readable matplotlib program redrawing the chart: same figure size, plot area, limits, ticks, labels, colours; data as literals. */
export function readingToProgram(r: Reading): string {
  const dpi = 100;
  const { width: W, height: H } = r.image;
  const a = r.plotArea;
  const rect = [a.x / W, 1 - (a.y + a.h) / H, a.w / W, a.h / H].map((v) => Math.round(v * 10000) / 10000);
  const L: string[] = [
    '# Redrawn from the chart reader\'s reading of the image (RECODE).',
    'import matplotlib',
    'matplotlib.use("Agg")',
    'import matplotlib.pyplot as plt',
    '',
    `fig = plt.figure(figsize=(${W / dpi}, ${H / dpi}), dpi=${dpi})`,
    `ax = fig.add_axes(${py(rect)})  # the plot area where it sits in the original`,
    '',
  ];
  const color = (i: number) => hex(r.series[i]?.color) ?? DEFAULT[i % DEFAULT.length];
  const t = r.chart_type;
  if (t === 'pie') {
    const s = r.series[0];
    L.push(`labels = ${py(s.points.map((p) => p.x))}`);
    L.push(`shares = ${py(s.points.map((p) => p.y))}`);
    const cols = r.marks.length === s.points.length ? undefined : undefined;
    void cols;
    L.push('# clockwise from the top, as read');
    L.push('ax.pie(shares, labels=labels, startangle=90, counterclock=False)');
    L.push("ax.set_aspect('equal')");
  } else if (t === 'bar' || t === 'grouped bar' || t === 'stacked bar' || t === 'horizontal bar') {
    const horizontal = t === 'horizontal bar';
    const cat = horizontal ? r.y_axis : r.x_axis;
    const val = horizontal ? r.x_axis : r.y_axis;
    const cats = cat.categories ?? r.series[0].points.map((p) => String(p.x));
    L.push(`categories = ${py(cats)}`);
    r.series.forEach((s, i) => L.push(`values_${i} = ${py(cats.map((c) => s.points.find((p) => String(p.x) === c)?.y ?? 0))}  # ${s.name}`));
    L.push('positions = list(range(len(categories)))');
    const n = r.series.length;
    if (t === 'grouped bar') {
      L.push(`width = 0.8 / ${n}`);
      r.series.forEach((s, i) => L.push(`ax.bar([p - 0.4 + width * (${i} + 0.5) for p in positions], values_${i}, width, color=${py(color(i))}, label=${py(s.name)})`));
    } else if (t === 'stacked bar') {
      L.push('bottom = [0] * len(categories)');
      r.series.forEach((s, i) => {
        L.push(`ax.bar(positions, values_${i}, 0.8, bottom=bottom, color=${py(color(i))}, label=${py(s.name)})`);
        L.push(`bottom = [b + v for b, v in zip(bottom, values_${i})]`);
      });
    } else if (horizontal) {
      L.push(`ax.barh(positions, values_0, 0.8, color=${py(color(0))})`);
      L.push('ax.invert_yaxis()  # the first category at the top');
    } else {
      L.push(`ax.bar(positions, values_0, 0.8, color=${py(color(0))})`);
    }
    L.push(horizontal ? 'ax.set_yticks(positions, categories)' : 'ax.set_xticks(positions, categories)');
    numericAxis(L, val, horizontal ? 'x' : 'y');
    if (n > 1) L.push('ax.legend()');
  } else if (t === 'line') {
    r.series.forEach((s, i) => {
      const xs = s.points.map((p) => p.x);
      L.push(`x_${i} = ${py(xs)}`);
      L.push(`y_${i} = ${py(s.points.map((p) => p.y))}`);
      L.push(`ax.plot(x_${i}, y_${i}, color=${py(color(i))}, label=${py(s.name)})`);
    });
    if (r.x_axis.scale !== 'category') numericAxis(L, r.x_axis, 'x');
    numericAxis(L, r.y_axis, 'y');
    if (r.series.length > 1) L.push('ax.legend()');
  } else {
    r.series.forEach((s, i) => {
      L.push(`x_${i} = ${py(s.points.map((p) => p.x))}`);
      L.push(`y_${i} = ${py(s.points.map((p) => p.y))}`);
      L.push(`ax.scatter(x_${i}, y_${i}, color=${py(color(i))}, label=${py(s.name)})`);
    });
    numericAxis(L, r.x_axis, 'x');
    numericAxis(L, r.y_axis, 'y');
    if (r.series.length > 1) L.push('ax.legend()');
  }
  if (t !== 'pie') {
    if (r.x_axis.title) L.push(`ax.set_xlabel(${py(r.x_axis.title)})`);
    if (r.y_axis.title) L.push(`ax.set_ylabel(${py(r.y_axis.title)})`);
  }
  if (r.title) L.push(`ax.set_title(${py(r.title)})`);
  return L.join('\n') + '\n';
}

// ---- overlay ----------------------------------------------------------------------------------

/** 3×5 digits and a few signs, for values drawn on the overlay without a font engine. */
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001001001001', '8': '111101111101111', '9': '111101111001111',
  '.': '000000000000010', '-': '000000111000000', '%': '101001010100101', 'e': '000111111100111', '+': '000010111010000',
};

export function drawOverlay(original: RgbaImage, r: Reading): RgbaImage {
  const W = original.width, H = original.height;
  const d = new Uint8Array(original.data);
  // fade the original so the overlay stands out
  for (let p = 0; p < d.length; p += 4) { for (let c = 0; c < 3; c++) d[p + c] = 255 - (255 - d[p + c]) * 0.55; d[p + 3] = 255; }
  const put = (x: number, y: number, c: [number, number, number]) => {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const p = (y * W + x) * 4;
    d[p] = c[0]; d[p + 1] = c[1]; d[p + 2] = c[2];
  };
  const rect = (x: number, y: number, w: number, h: number, c: [number, number, number], t = 1) => {
    for (let k = 0; k < t; k++) {
      for (let i = x; i <= x + w; i++) { put(i, y + k, c); put(i, y + h - k, c); }
      for (let j = y; j <= y + h; j++) { put(x + k, j, c); put(x + w - k, j, c); }
    }
  };
  const text = (s: string, x: number, y: number, c: [number, number, number]) => {
    let cx = x;
    for (const ch of s) {
      const g = GLYPHS[ch];
      if (g) for (let i = 0; i < 15; i++) if (g[i] === '1') { put(cx + (i % 3), y + Math.floor(i / 3), c); }
      cx += 4;
    }
  };
  const fmt = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
  const MAG: [number, number, number] = [220, 0, 160], GRN: [number, number, number] = [0, 150, 60], BLU: [number, number, number] = [0, 90, 220];
  const a = r.plotArea;
  rect(a.x, a.y, a.w, a.h, MAG, 2);
  for (const t of r.y_axis.ticks) if (typeof t.value === 'number') { for (let i = -8; i <= 0; i++) put(a.x + i, t.px, GRN); text(fmt(t.value), a.x + 4, t.px - 2, GRN); }
  for (const t of r.x_axis.ticks) if (typeof t.value === 'number') { for (let i = 0; i <= 8; i++) put(t.px, a.y + a.h + i, GRN); text(fmt(t.value), t.px - 4, a.y + a.h - 8, GRN); }
  for (const m of r.marks) {
    if (m.box) { rect(m.box.x, m.box.y, m.box.w - 1, m.box.h - 1, BLU); text(fmt(m.value), m.box.x + 2, m.box.y - 7, BLU); }
    else if (m.px) {
      const [x, y] = m.px;
      for (let i = -3; i <= 3; i++) { put(x + i, y, BLU); put(x, y + i, BLU); }
      if (m.kind !== 'point') text(fmt(m.value), x + 3, y - 8, BLU);
    }
  }
  for (const t of r.texts) rect(t.box[0] - 1, t.box[1] - 1, t.box[2] + 1, t.box[3] + 1, [240, 150, 0]);
  return { width: W, height: H, data: d };
}

/** The OCR'd texts with where each sits, in short plain lines, for the generation prompt. */
export function textForPrompt(r: Reading): string {
  const { width: W, height: H } = r.image;
  const lines = [`Text read from the image (${W}×${H} px; box = x, y, width, height in pixels from the top left):`];
  for (const t of r.texts.slice(0, 60)) lines.push(`- "${t.text}" (${t.role}) at [${t.box.map((v) => Math.round(v)).join(', ')}]`);
  const a = r.plotArea;
  lines.push(`Plot area: [${[a.x, a.y, a.w, a.h].map(Math.round).join(', ')}]. Chart type read: ${r.chart_type}.`);
  return lines.join('\n');
}
