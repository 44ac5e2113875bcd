/**
 * Table scores: DePlot's RMS-F1 (Liu et al., 2023, "DePlot: One-shot visual language reasoning by
 * plot-to-table translation"). A table is a set of cells (row name, column name, value). Predicted
 * and true cells are matched one to one by the distance of their names (normalised Levenshtein,
 * cut at τ); a matched pair counts (1 − name distance) × (1 − value distance), the value distance
 * being the relative error cut at θ. Precision divides by the predicted cells, recall by the true
 * ones; the F1 is their harmonic mean, and the better of the table and its transpose is kept.
 * A table with a single value column drops that column's name from its keys (a series called
 * "value" or "series 1" is the same series).
 */
import { assign } from '../refine/numeric';
import type { DataTable } from '../data';

export interface Cell {
  row: string;
  col: string;
  value: number | string;
}

export interface TableScore {
  precision: number;
  recall: number;
  f1: number;
  predicted: number;
  truth: number;
}

/** RFC 4180 CSV (quotes, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const t = text.replace(/^\uFEFF/, '');
  while (i < t.length) {
    const c = t[i];
    if (quoted) {
      if (c === '"') {
        if (t[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && t[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const cellValue = (s: string): number | string => {
  const t = s.trim().replace(/,/g, '').replace(/%$/, '').replace(/^[$€£¥]/, '');
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : s.trim();
};

/** Cells of a CSV whose first row names the columns and first column names the rows. */
export function csvCells(text: string): Cell[] {
  const rows = parseCsv(text);
  if (rows.length < 2) return [];
  const header = rows[0];
  const single = header.length === 2;
  const cells: Cell[] = [];
  for (const r of rows.slice(1)) {
    for (let j = 1; j < Math.max(r.length, header.length); j++) {
      if (r[j] === undefined || r[j].trim() === '') continue;
      cells.push({ row: r[0].trim(), col: single ? '' : (header[j] ?? '').trim(), value: cellValue(r[j]) });
    }
  }
  return cells;
}

/** Cells of what a program draws (src/core/data.ts): category/x × series → value. */
export function dataTableCells(tables: DataTable[]): Cell[] {
  const valued = tables.filter((t) => t.kind !== 'scatter');
  const series = (t: DataTable) => t.name.split(' — ').slice(1).join(' — ') || t.name;
  const single = valued.length === 1;
  const cells: Cell[] = [];
  for (const t of valued) {
    for (const r of t.rows) {
      if (r.length < 2) continue;
      cells.push({ row: String(r[0]), col: single ? '' : series(t), value: r[1] });
    }
  }
  return cells;
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Normalised Levenshtein distance of two names, 1 when at or over τ. */
function nameDistance(a: string, b: string, tau: number): number {
  const x = norm(a), y = norm(b);
  const d = Math.max(x.length, y.length) === 0 ? 0 : levenshtein(x, y) / Math.max(x.length, y.length);
  return d >= tau ? 1 : d;
}

function valueDistance(p: number | string, t: number | string, theta: number): number {
  if (typeof p === 'number' && typeof t === 'number') {
    if (t === 0) return p === 0 ? 0 : 1;
    return Math.min(1, Math.abs(p - t) / Math.abs(t) / theta);
  }
  return norm(String(p)) === norm(String(t)) ? 0 : 1;
}

/** RMS-F1 of predicted cells against true cells (τ = 0.5, θ = 0.1 as in DePlot). */
export function rmsF1(predicted: Cell[], truth: Cell[], tau = 0.5, theta = 0.1): TableScore {
  const once = (pred: Cell[], tru: Cell[]): TableScore => {
    const P = pred.length, T = tru.length;
    if (P === 0 || T === 0) return { precision: 0, recall: 0, f1: 0, predicted: P, truth: T };
    const n = Math.max(P, T);
    const key = (c: Cell) => (c.col ? `${c.row} ${c.col}` : c.row);
    const cost: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row: number[] = [];
      for (let j = 0; j < n; j++) row.push(i < P && j < T ? nameDistance(key(pred[i]), key(tru[j]), tau) : 1);
      cost.push(row);
    }
    const match = n <= 400 ? assign(cost) : greedy(cost);
    let sim = 0;
    for (let i = 0; i < P; i++) {
      const j = match[i];
      if (j < 0 || j >= T) continue;
      sim += (1 - cost[i][j]) * (1 - valueDistance(pred[i].value, tru[j].value, theta));
    }
    const precision = sim / P, recall = sim / T;
    return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0, predicted: P, truth: T };
  };
  const straight = once(predicted, truth);
  const transposed = once(predicted, truth.map((c) => (c.col ? { row: c.col, col: c.row, value: c.value } : c)));
  return transposed.f1 > straight.f1 ? transposed : straight;
}

/** For very large tables (the Hungarian method is cubic): each predicted cell takes its nearest free true cell. */
function greedy(cost: number[][]): number[] {
  const taken = new Set<number>();
  return cost.map((row) => {
    let best = -1;
    for (let j = 0; j < row.length; j++) if (!taken.has(j) && (best < 0 || row[j] < row[best])) best = j;
    taken.add(best);
    return best;
  });
}
