/**
 * Values in data space: where the reader found the original's marks, each of the program's values
 * is set from the mark it draws to — a bar to the original's bar standing at the same place, a
 * line's vertex to the original's line at the same x, a scatter's point to the original's point it
 * is paired with (least total distance: the image has no order of its points). The lists are found
 * by what the program drew (their values), whatever their names; only the numbers change.
 */
import type { MarkReading, Reading } from '../reader/types';
import { assign } from './assign';
import { dataAxes, type Drawn } from './drawn';
import { findNumberLists, withValues, type DataList, type NumericLiteral } from './literals';

export interface DataJump {
  program: string;
  /** Values set from the reading, and values the program draws in all. */
  moved: number;
  drawn: number;
}

/** The list whose values are exactly `seq` (the first not taken), or undefined. */
function listOf(lists: DataList[], seq: number[], taken: Set<number>): DataList | undefined {
  for (const l of lists) {
    if (taken.has(l.start) || l.literals.length !== seq.length) continue;
    if (l.literals.every((x, i) => Math.abs(x.value - seq[i]) <= 1e-9 * Math.max(1, Math.abs(seq[i])))) {
      taken.add(l.start);
      return l;
    }
  }
  return undefined;
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

/** The values that put the program's marks on the reading's; undefined when nothing could be paired. */
export function jumpToReading(program: string, drawn: Drawn, r: Reading): DataJump | undefined {
  const ax = dataAxes(drawn);
  if (!ax || r.chart_type === 'pie') return undefined;
  const lists = findNumberLists(program);
  const taken = new Set<number>();
  const set = new Map<NumericLiteral, number>();
  /** Per literal: how close to the reading's value counts as there already (0.2 % of its axis' range). */
  const near = new Map<NumericLiteral, number>();
  const span = (a: Reading['x_axis']) => Math.abs((a.max ?? NaN) - (a.min ?? NaN));
  const xTol = 0.002 * span(r.x_axis), yTol = 0.002 * span(r.y_axis);
  const put = (l: NumericLiteral, v: number, tol: number) => {
    set.set(l, v);
    near.set(l, Number.isFinite(tol) ? tol : 0);
  };
  let count = 0;

  // bars: each of the program's bars to the original's bar at the same place (centre and base, px)
  const barMarks = r.marks.filter((m): m is MarkReading & { box: NonNullable<MarkReading['box']> } => m.kind === 'bar' && m.box !== undefined);
  const progBars = ax.bars.flatMap((c) => {
    const l = listOf(lists, c.bars.map((b) => b.value), taken);
    return c.bars.map((b, j) => ({ b, lit: l?.literals[j], horizontal: c.horizontal }));
  });
  count += progBars.length;
  if (progBars.length && barMarks.length) {
    const centres = [...new Set(progBars.map((p) => Math.round(p.b.centerPx)))].sort((a, b) => a - b);
    const gap = centres.length > 1 ? median(centres.slice(1).map((c, i) => c - centres[i])) : Infinity;
    const tol = Math.max(6, 0.4 * gap);
    const mark = (m: (typeof barMarks)[number], horizontal: boolean) => {
      const b = m.box;
      return horizontal ? { c: b.y + b.h / 2, base: m.value >= 0 ? b.x : b.x + b.w } : { c: b.x + b.w / 2, base: m.value >= 0 ? b.y + b.h : b.y };
    };
    const N = Math.max(progBars.length, barMarks.length);
    const FAR = 1e6;
    const cost = Array.from({ length: N }, (_, i) =>
      Array.from({ length: N }, (_, j) => {
        if (i >= progBars.length || j >= barMarks.length) return FAR / 10;
        const p = progBars[i], q = mark(barMarks[j], p.horizontal);
        const dc = Math.abs(p.b.centerPx - q.c);
        return dc > tol ? FAR : dc + Math.abs(p.b.basePx - q.base);
      }),
    );
    const match = assign(cost);
    progBars.forEach((p, i) => {
      const j = match[i];
      if (!p.lit || j < 0 || j >= barMarks.length || cost[i][j] >= FAR) return;
      put(p.lit, barMarks[j].value, p.horizontal ? xTol : yTol);
    });
  }

  // lines: each vertex to the reading's point at the same x (the nearest series overall)
  const lines = ax.xy.filter((s) => s.kind === 'line');
  const usedSeries = new Set<number>();
  for (const line of lines) {
    count += line.y.length;
    const ly = listOf(lists, line.y, taken);
    if (!ly) continue;
    const xs = line.x;
    const dx = xs.length > 1 ? median(xs.slice(1).map((x, i) => Math.abs(x - xs[i]))) : Infinity;
    let best: { s: number; ys: (number | undefined)[]; err: number } | undefined;
    r.series.forEach((s, si) => {
      if (usedSeries.has(si)) return;
      const numeric = s.points.every((p) => typeof p.x === 'number');
      const ys = xs.map((x, i) => {
        if (!numeric) return s.points.length === xs.length ? s.points[i].y : undefined;
        let near: { d: number; y: number } | undefined;
        for (const p of s.points) {
          const d = Math.abs((p.x as number) - x);
          if (d <= 0.45 * dx && (!near || d < near.d)) near = { d, y: p.y };
        }
        return near?.y;
      });
      const hit = ys.filter((y) => y !== undefined).length;
      if (hit < 0.5 * xs.length) return;
      const err = ys.reduce<number>((t, y, i) => t + (y === undefined ? 0 : Math.abs(y - line.y[i])), 0) / hit;
      if (!best || err < best.err) best = { s: si, ys, err };
    });
    if (!best) continue;
    usedSeries.add(best.s);
    best.ys.forEach((y, i) => { if (y !== undefined) put(ly.literals[i], y, yTol); });
  }

  // scatters: the program's points to the reading's, one to one, least total distance in data space
  const scatters = ax.xy.filter((s) => s.kind === 'scatter');
  const readPts = r.series.flatMap((s) => s.points.filter((p): p is { x: number; y: number } => typeof p.x === 'number'));
  if (scatters.length && readPts.length) {
    const xr = (r.x_axis.max ?? 1) - (r.x_axis.min ?? 0) || 1, yr = (r.y_axis.max ?? 1) - (r.y_axis.min ?? 0) || 1;
    const prog = scatters.flatMap((s) => {
      count += 2 * s.x.length;
      const lx = listOf(lists, s.x, taken), ly = listOf(lists, s.y, taken);
      return s.x.map((x, i) => ({ x, y: s.y[i], lx: lx?.literals[i], ly: ly?.literals[i] }));
    });
    const N = Math.max(prog.length, readPts.length);
    const cost = Array.from({ length: N }, (_, i) =>
      Array.from({ length: N }, (_, j) => (i < prog.length && j < readPts.length ? Math.hypot((prog[i].x - readPts[j].x) / xr, (prog[i].y - readPts[j].y) / yr) : 10)),
    );
    const match = assign(cost);
    prog.forEach((p, i) => {
      const q = readPts[match[i]];
      if (!q) return;
      if (p.lx) put(p.lx, q.x, xTol);
      if (p.ly) put(p.ly, q.y, yTol);
    });
  }

  if (set.size === 0) return undefined;
  // values already where the reading puts them (to the digits they are written with) stay as written
  const changed = [...set.entries()].filter(([l, v]) => Math.abs(v - l.value) > near.get(l)!);
  if (changed.length === 0) return { program, moved: 0, drawn: count };
  const literals = changed.map(([l]) => l).sort((a, b) => a.start - b.start);
  const values = literals.map((l) => roundLike(set.get(l)!, l));
  return { program: withValues(program, literals, values), moved: changed.length, drawn: count };
}

/** A value read off the image, to 4 significant digits (an integer list stays integer when that loses < 0.1 %). */
function roundLike(v: number, l: NumericLiteral): number {
  if (l.isInt && Math.abs(Math.round(v) - v) <= 0.001 * Math.max(1, Math.abs(v))) return Math.round(v);
  return Number(v.toPrecision(4));
}
