/**
 * How far a program's data is from what the chart reader read on the original, in data space:
 * style- and layout-independent. Used to keep the numeric refinement from trading data for
 * pixels (matching bar heights under a y axis the program never set, say).
 */
import type { DataTable } from './data';
import type { Reading } from './reader/types';

export interface DataFit {
  /** Reading points with a program point within 2 % of the axis range in both coordinates. */
  within2pct: number;
  /** Points read. */
  points: number;
  /** Mean distance (share of the axis ranges) from each read point to the program's nearest. */
  meanDistance: number;
}

/** A point read off the original, or one a program drew. */
export interface Pt {
  /** Numeric x, or the index along a category axis. */
  x: number;
  y: number;
  /** Whether x is a category index. */
  cat: boolean;
}

/** The reading's points, in data units (category x as its index along the axis). */
function readPoints(r: Reading): Pt[] {
  const out: Pt[] = [];
  for (const s of r.series) {
    s.points.forEach((p, i) => {
      if (typeof p.x === 'number') out.push({ x: p.x, y: p.y, cat: false });
      else out.push({ x: i, y: p.y, cat: true });
    });
  }
  return out;
}

/** The program's points; bars by their index along the category axis (top→bottom for horizontal bars, as the reader orders them). */
function programPoints(tables: DataTable[], horizontal: boolean): Pt[] {
  const out: Pt[] = [];
  for (const t of tables) {
    if (t.kind === 'pie') continue;
    t.rows.forEach((row, i) => {
      const y = Number(row[1]);
      if (!Number.isFinite(y)) return;
      if (t.kind === 'bar') out.push({ x: horizontal ? t.rows.length - 1 - i : i, y, cat: true });
      else if (typeof row[0] === 'number') out.push({ x: row[0], y, cat: false });
      else out.push({ x: i, y, cat: true });
    });
  }
  return out;
}

/**
 * Compares a program's data tables (from `extractData`) with a reading. Undefined when there is
 * nothing to compare on (a pie, no numeric value axis, no points).
 */
export function dataFit(tables: DataTable[], r: Reading): DataFit | undefined {
  if (r.chart_type === 'pie') return undefined;
  const valueAxis = r.chart_type === 'horizontal bar' ? r.x_axis : r.y_axis;
  const otherAxis = r.chart_type === 'horizontal bar' ? r.y_axis : r.x_axis;
  const yr = (valueAxis.max ?? NaN) - (valueAxis.min ?? NaN);
  if (!(yr > 0)) return undefined;
  const xr = (otherAxis.max ?? NaN) - (otherAxis.min ?? NaN);
  const read = readPoints(r);
  const prog = programPoints(tables, r.chart_type === 'horizontal bar');
  if (read.length === 0 || prog.length === 0) return undefined;
  return fitPoints(read, prog, xr, yr);
}

/** Whether `refined` is further from the reading than `seed`: fewer points right, or (as many) a larger mean distance by more than half a percent of the range. */
export function fitsWorse(refined: DataFit, seed: DataFit): boolean {
  if (refined.within2pct !== seed.within2pct) return refined.within2pct < seed.within2pct;
  return refined.meanDistance > seed.meanDistance + 0.005;
}

/**
 * How close a program's points are to the read ones: each read point's nearest drawn point (same
 * category for categorical ones), as shares of the axes' ranges; within 2 % on both axes counts as right.
 */
export function fitPoints(read: Pt[], prog: Pt[], xr: number, yr: number): DataFit {
  let within = 0;
  let sum = 0;
  for (const p of read) {
    let best = Infinity;
    let bestOk = false;
    for (const q of prog) {
      if (p.cat !== q.cat) continue;
      let dx: number;
      if (p.cat) {
        if (p.x !== q.x) continue;
        dx = 0;
      } else dx = xr > 0 ? Math.abs(p.x - q.x) / xr : 0;
      const dy = Math.abs(p.y - q.y) / yr;
      const d = Math.hypot(dx, dy);
      if (d < best) {
        best = d;
        bestOk = dx <= 0.02 && dy <= 0.02;
      }
    }
    if (bestOk) within++;
    sum += Number.isFinite(best) ? Math.min(best, 1) : 1;
  }
  return { within2pct: within, points: read.length, meanDistance: sum / read.length };
}
