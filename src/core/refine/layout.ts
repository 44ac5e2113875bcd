/**
 * Layout first: before any value is tuned, the candidate's layout is aligned with the original's
 * reading — figure size, the plot area's place, the value axis' scale, limits and ticks, the
 * category axis' limits and order (bars) — so that the same pixel means the same value in both
 * images. The edits are plain lines appended to the program, readable as what they do.
 */
import type { AxisReading, Reading } from '../reader/types';
import { dataAxes, type Drawn, type DrawnAxes } from './drawn';

export interface LayoutEdit {
  program: string;
  /** The lines appended, without the comment. */
  lines: string[];
}

const num = (v: number) => String(Number(v.toPrecision(6)));
const list = (vs: number[]) => `[${vs.map(num).join(', ')}]`;

/** The reading's numeric axis as matplotlib lines: scale, limits, ticks. */
function numericAxisLines(axis: AxisReading, which: 'x' | 'y', drawnScale: string): string[] {
  if (axis.scale === 'category' || axis.min === undefined || axis.max === undefined || !(axis.max > axis.min)) return [];
  const out: string[] = [];
  if (axis.scale === 'log' && drawnScale !== 'log') out.push(`ax.set_${which}scale('log')`);
  if (axis.scale === 'linear' && drawnScale !== 'linear') out.push(`ax.set_${which}scale('linear')`);
  out.push(`ax.set_${which}lim(${num(axis.min)}, ${num(axis.max)})`);
  const ticks = axis.ticks.map((t) => t.value).filter((v): v is number => typeof v === "number" && v >= axis.min! && v <= axis.max!).sort((a, b) => a - b);
  if (ticks.length >= 2) out.push(`ax.set_${which}ticks(${list(ticks)})`);
  return out;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Positions along an axis, clustered (within `tol`), each with the indices of its members. */
function cluster(values: number[], tol: number): { at: number; members: number[] }[] {
  const order = values.map((v, i) => i).sort((a, b) => values[a] - values[b]);
  const out: { at: number; members: number[] }[] = [];
  for (const i of order) {
    const last = out[out.length - 1];
    if (last && Math.abs(values[i] - last.at) <= tol) last.members.push(i);
    else out.push({ at: values[i], members: [i] });
  }
  return out;
}

/**
 * The category axis of a bar chart: where the program's bar positions (data units) must sit so its
 * bars stand where the original's do, and in which order (the original's, told by the labels, else
 * by the values). Returns the limits as [value at the low px edge, value at the high px edge].
 */
function categoryLimits(ax: DrawnAxes, r: Reading, horizontal: boolean): { lo: number; hi: number; reversed: boolean } | undefined {
  const bars = ax.bars.filter((b) => b.horizontal === horizontal).flatMap((b) => b.bars);
  const marks = r.marks.filter((m) => m.kind === 'bar' && m.box);
  if (bars.length < 2 || marks.length < 2) return undefined;
  const span = Math.abs(Math.max(...bars.map((b) => b.center)) - Math.min(...bars.map((b) => b.center)));
  const P = cluster(bars.map((b) => b.center), 1e-6 * Math.max(1, span));
  const mc = marks.map((m) => (horizontal ? m.box!.y + m.box!.h / 2 : m.box!.x + m.box!.w / 2));
  const Q = cluster(mc, 2.5);
  if (P.length !== Q.length || P.length < 2) return undefined;
  const n = P.length;
  const ticks = horizontal ? ax.yticks : ax.xticks;
  const catAxis = horizontal ? r.y_axis : r.x_axis;
  const cats = catAxis.categories ?? r.series[0]?.points.map((p) => String(p.x)) ?? [];
  const progLabel = (p: number) => ticks.find((t) => Math.abs(t.value - p) <= 1e-6 * Math.max(1, span))?.label ?? '';
  const readLabel = (j: number) => cats[marks[Q[j].members[0]].index] ?? '';
  const total = (vals: number[]) => vals.reduce((s, v) => s + v, 0);
  const score = (rev: boolean) => {
    let labels = 0, dist = 0;
    for (let i = 0; i < n; i++) {
      const j = rev ? n - 1 - i : i;
      const a = norm(progLabel(P[i].at)), b = norm(readLabel(j));
      if (a && a === b) labels++;
      dist += Math.abs(total(P[i].members.map((k) => bars[k].value)) - total(Q[j].members.map((k) => marks[k].value)));
    }
    return { labels, dist };
  };
  const same = score(false), rev = score(true);
  // the program's positions grow with px (left → right) unless it is a horizontal bar chart (bottom → top)
  const reversed = rev.labels !== same.labels ? rev.labels > same.labels : rev.dist < same.dist;
  // least squares: px = a + b × position
  const pairs = P.map((p, i) => [p.at, Q[reversed ? n - 1 - i : i].at] as const);
  const md = pairs.reduce((s, q) => s + q[0], 0) / n, mp = pairs.reduce((s, q) => s + q[1], 0) / n;
  let sxy = 0, sxx = 0;
  for (const [d, p] of pairs) { sxy += (d - md) * (p - mp); sxx += (d - md) ** 2; }
  if (!(sxx > 0)) return undefined;
  const b = sxy / sxx, a = mp - b * md;
  const gap = Math.abs(Q[n - 1].at - Q[0].at) / (n - 1);
  if (pairs.some(([d, p]) => Math.abs(a + b * d - p) > 0.25 * gap)) return undefined;
  const pa = r.plotArea;
  const [e0, e1] = horizontal ? [pa.y, pa.y + pa.h] : [pa.x, pa.x + pa.w];
  return { lo: (e0 - a) / b, hi: (e1 - a) / b, reversed };
}

/**
 * The lines that put the program's plot where the original's is. Undefined when the program has
 * not exactly one axes with data, or the reading is a pie's.
 */
export function alignLayout(program: string, drawn: Drawn, r: Reading): LayoutEdit | undefined {
  const ax = dataAxes(drawn);
  if (!ax || r.chart_type === 'pie') return undefined;
  const { width: W, height: H } = r.image;
  const pa = r.plotArea;
  const rect = [pa.x / W, 1 - (pa.y + pa.h) / H, pa.w / W, pa.h / H].map((v) => Math.round(v * 10000) / 10000);
  const index = drawn.axes.indexOf(ax);
  const lines: string[] = [];
  if (!/import\s+matplotlib\.pyplot\s+as\s+plt/.test(program)) lines.push('import matplotlib.pyplot as plt');
  lines.push(`fig = plt.gcf()`);
  lines.push(`fig.set_size_inches(${num(W / 100)}, ${num(H / 100)})  # the original's size at 100 dpi`);
  if (/constrained|layout\s*=/.test(program)) lines.push(`fig.set_layout_engine('none')  # the plot area is placed below`);
  lines.push(`ax = fig.axes[${index}]`);
  lines.push(`ax.set_position(${list(rect)})  # the plot area where it sits in the original`);
  const barsDrawn = ax.bars.some((b) => b.bars.length > 0);
  const horizontalBars = barsDrawn && ax.bars.every((b) => b.horizontal || b.bars.length === 0);
  if (barsDrawn) {
    const readHorizontal = r.chart_type === 'horizontal bar';
    const readBars = r.chart_type.endsWith('bar');
    if (readBars && readHorizontal === horizontalBars) {
      const value = horizontalBars ? 'x' : 'y';
      lines.push(...numericAxisLines(horizontalBars ? r.x_axis : r.y_axis, value, horizontalBars ? ax.xscale : ax.yscale));
      const cat = categoryLimits(ax, r, horizontalBars);
      if (cat) {
        // matplotlib's limits run bottom → top and left → right; image px run top → bottom
        const [first, second] = horizontalBars ? [cat.hi, cat.lo] : [cat.lo, cat.hi];
        lines.push(`ax.set_${horizontalBars ? 'y' : 'x'}lim(${num(first)}, ${num(second)})  # the bars where the original's stand${cat.reversed ? ', in its order' : ''}`);
      }
    }
  } else if (ax.xy.length > 0) {
    lines.push(...numericAxisLines(r.x_axis, 'x', ax.xscale));
    lines.push(...numericAxisLines(r.y_axis, 'y', ax.yscale));
  }
  const head = '# --- layout aligned with the original (RECODE): the same plot area, limits and ticks, so one pixel means one value in both ---';
  return { program: `${program.trimEnd()}\n\n${head}\n${lines.join('\n')}\n`, lines };
}
