/**
 * How close what a program draws is to what the reader read on the original, in data space: the
 * same measure as `dataFit` (values within 2 % of the axis range, mean distance), with the bars
 * taken in the order they stand along their axis in the render (left → right, top → bottom), as
 * the reader orders the original's — so a program that inverts an axis or writes its categories
 * in another order is compared where its bars are, not in the order its lists hold them.
 */
import { fitPoints, type DataFit, type Pt } from '../dataFit';
import type { DataTable } from '../data';
import type { Reading } from '../reader/types';
import { dataAxes, type Drawn } from './drawn';


function readPoints(r: Reading): Pt[] {
  const out: Pt[] = [];
  for (const s of r.series) {
    s.points.forEach((p, i) => {
      if (typeof p.x === 'number' && r.x_axis.scale !== 'category') out.push({ x: p.x, y: p.y, cat: false });
      else out.push({ x: i, y: p.y, cat: true });
    });
  }
  return out;
}

function drawnPoints(d: Drawn, r: Reading): Pt[] | undefined {
  const ax = dataAxes(d);
  if (!ax) return undefined;
  const out: Pt[] = [];
  const bars = ax.bars.flatMap((c) => c.bars);
  if (bars.length) {
    // category index: the bar's place among the distinct places along the axis, in image order
    const places: number[] = [];
    for (const p of bars.map((b) => b.centerPx).sort((a, b) => a - b)) if (!places.length || p - places[places.length - 1] > 2) places.push(p);
    const grouped = r.chart_type === 'grouped bar';
    // grouped bars: the reader's category index is the group's; group the places by the widest gaps
    let index = (p: number) => places.findIndex((q) => Math.abs(q - p) <= 2);
    if (grouped) {
      const n = r.series.length;
      if (n > 1 && places.length % n === 0) index = (p: number) => Math.floor(places.findIndex((q) => Math.abs(q - p) <= 2) / n);
    }
    for (const b of bars) out.push({ x: index(b.centerPx), y: b.value, cat: true });
    return out;
  }
  for (const s of ax.xy) {
    s.x.forEach((x, i) => {
      if (r.x_axis.scale === 'category') out.push({ x: i, y: s.y[i], cat: true });
      else out.push({ x, y: s.y[i], cat: false });
    });
  }
  return out;
}

export function drawnFit(d: Drawn, r: Reading): DataFit | undefined {
  if (r.chart_type === 'pie') return undefined;
  const horizontal = r.chart_type === 'horizontal bar';
  const valueAxis = horizontal ? r.x_axis : r.y_axis;
  const otherAxis = horizontal ? r.y_axis : r.x_axis;
  const yr = (valueAxis.max ?? NaN) - (valueAxis.min ?? NaN);
  if (!(yr > 0)) return undefined;
  const xr = (otherAxis.max ?? NaN) - (otherAxis.min ?? NaN);
  const read = readPoints(r);
  const prog = drawnPoints(d, r);
  if (!prog || read.length === 0 || prog.length === 0) return undefined;
  return fitPoints(read, prog, xr, yr);
}

/** A pie's slices against the reading's, by label: shares of the whole within 2 points. */
export function pieFit(tables: DataTable[], r: Reading): DataFit | undefined {
  const pie = tables.find((t) => t.kind === 'pie');
  const read = r.series[0]?.points ?? [];
  if (!pie || read.length === 0) return undefined;
  const norm = (s: string | number) => String(s).toLowerCase().replace(/[^a-z0-9]/g, '');
  const readTotal = read.reduce((t, p) => t + p.y, 0);
  const progTotal = pie.rows.reduce((t, row) => t + Number(row[1]), 0);
  if (!(readTotal > 0) || !(progTotal > 0)) return undefined;
  let within = 0, sum = 0;
  for (const p of read) {
    const row = pie.rows.find((q) => norm(q[0]) === norm(p.x));
    const d = row ? Math.abs(Number(row[1]) / progTotal - p.y / readTotal) : 1;
    if (d <= 0.02) within++;
    sum += Math.min(1, d);
  }
  return { within2pct: within, points: read.length, meanDistance: sum / read.length };
}
