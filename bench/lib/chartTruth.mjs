// The candidate sets' ground truth, shared by bench/loop.mjs and bench/dataspace.mjs: each chart's
// true table (bench/candidates/manifest.json, drawing.json) and how many of its values a program
// draws within 2 % of the axis range (read back from matplotlib: bars by category tick and legend
// label, else by order; line vertices by x; scatter points paired one to one; pie slices as shares).
// Needs the tsc build in out/ (the benches run `emitPyText()` first).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitPyText } from '../../scripts/py-text.mjs';

emitPyText(); // out/…/harness.py.js, before anything below loads the harness

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'out');
const { readDrawn } = require(join(OUT, 'src/core/refine/drawn.js'));
const { extractData } = require(join(OUT, 'src/core/data.js'));
const { assign } = require(join(OUT, 'src/core/refine/assign.js'));

export const manifest = JSON.parse(readFileSync(join(ROOT, 'bench/candidates/manifest.json'), 'utf8'));
export const drawing = JSON.parse(readFileSync(join(ROOT, 'bench/candidates/drawing.json'), 'utf8')).charts;

function parseCsv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells = [];
    let cur = '', q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; }
      else if (c === '"') q = true; else if (c === ',') { cells.push(cur); cur = ''; } else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}
const norm = (s) => String(s).toLowerCase().replace(/[^a-z0-9]/g, '');
function lev(a, b) {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) { const t = prev[j]; prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1)); diag = t; }
  }
  return prev[b.length];
}
/** Index of the name in `names` that `s` stands for (exact after normalising, else one slip), or -1. */
function nameIndex(names, s) {
  const n = norm(s);
  if (!n) return -1;
  let i = names.findIndex((x) => norm(x) === n);
  if (i < 0 && n.length >= 4) i = names.findIndex((x) => lev(norm(x), n) <= 1);
  return i;
}

/** The truth: { type, categories, series: [{name, values, x?}], range, xRange }. */
export function truthOf(chart) {
  const rows = parseCsv(readFileSync(join(ROOT, chart.table), 'utf8'));
  const head = rows[0], body = rows.slice(1);
  const type = chart.chart_type;
  const range = chart.ranges.y, xRange = chart.ranges.x;
  if (type === 'scatter') {
    const xi = head.length - 2, yi = head.length - 1;
    return { type, range, xRange, series: [{ name: head[yi], x: body.map((r) => Number(r[xi])), values: body.map((r) => Number(r[yi])) }] };
  }
  if (drawing[chart.id]?.series === 'rows') {
    // one series per table row, the columns being the groups (as the candidates draw it)
    return { type, range, xRange, categories: head.slice(1), series: body.map((r) => ({ name: r[0], values: r.slice(1).map(Number) })) };
  }
  return {
    type, range, xRange,
    categories: body.map((r) => r[0]),
    series: head.slice(1).map((name, j) => ({ name, values: body.map((r) => Number(r[j + 1])) })),
  };
}

/** Values within 2 % of the range, of how many, for what a program draws. */
export async function valuesRight(code, truth, renderer, chart) {
  const all = truth.series.reduce((t, s) => t + s.values.length * (truth.type === 'scatter' ? 2 : 1), 0);
  const ok = (a, b, range) => Math.abs(a - b) <= 0.02 * range;
  if (truth.type === 'pie') {
    let tables;
    try { tables = (await extractData(code, renderer, undefined, 30_000)).tables; } catch { return { right: 0, of: all }; }
    const pie = tables.find((t) => t.kind === 'pie');
    if (!pie) return { right: 0, of: all };
    const total = truth.series[0].values.reduce((a, b) => a + b, 0);
    let right = 0;
    truth.categories.forEach((c, i) => {
      const row = pie.rows.find((r) => nameIndex([c], r[0]) === 0);
      if (row && Math.abs(Number(row[1]) / 100 - truth.series[0].values[i] / total) <= 0.02) right++;
    });
    return { right, of: all };
  }
  const d = await readDrawn(code, renderer, chart.width, chart.height, 30_000);
  const ax = d?.axes.find((a) => a.bars.some((b) => b.bars.length) || a.xy.length);
  if (!ax) return { right: 0, of: all };
  let right = 0;
  if (truth.type === 'scatter') {
    const pts = ax.xy.flatMap((s) => s.x.map((x, i) => [x, s.y[i]]));
    const t = truth.series[0];
    const N = Math.max(pts.length, t.values.length);
    const cost = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (i < pts.length && j < t.values.length ? Math.hypot((pts[i][0] - t.x[j]) / truth.xRange, (pts[i][1] - t.values[j]) / truth.range) : 10)));
    const m = assign(cost);
    pts.forEach((p, i) => {
      const j = m[i];
      if (j >= t.values.length) return;
      if (ok(p[0], t.x[j], truth.xRange)) right++;
      if (ok(p[1], t.values[j], truth.range)) right++;
    });
    return { right, of: all };
  }
  const seriesOf = (label, k, count) => {
    if (truth.series.length === 1) return 0;
    const i = label ? nameIndex(truth.series.map((s) => s.name), label) : -1;
    return i >= 0 ? i : count === truth.series.length ? k : -1;
  };
  const hbar = ax.bars.some((b) => b.horizontal && b.bars.length);
  if (ax.bars.some((b) => b.bars.length)) {
    const ticks = hbar ? ax.yticks : ax.xticks;
    const containers = ax.bars.filter((b) => b.bars.length);
    // one bar per category and series at most
    const got = new Map();
    const usedSeries = new Set();
    const barErr = (c, t) => c.bars.reduce((e, b, j) => e + Math.abs(b.value - (t.values[j] ?? 0)), 0);
    containers.forEach((c, k) => {
      let si = truth.series.length === 1 ? 0 : c.label ? nameIndex(truth.series.map((s) => s.name), c.label) : -1;
      if (si < 0) si = truth.series.map((t, i) => i).filter((i) => !usedSeries.has(i)).sort((a, b) => barErr(c, truth.series[a]) - barErr(c, truth.series[b]))[0] ?? -1;
      if (si < 0) return;
      usedSeries.add(si);
      const byPos = c.bars.map((b, j) => j).sort((a, b) => c.bars[a].centerPx - c.bars[b].centerPx);
      c.bars.forEach((b, j) => {
        let ci = -1;
        if (ticks.length) {
          const near = ticks.reduce((best, t) => (Math.abs(t.value - b.center) < Math.abs(best.value - b.center) ? t : best));
          ci = nameIndex(truth.categories, near.label);
        }
        if (ci < 0 && c.bars.length === truth.categories.length) ci = byPos.indexOf(j);
        if (ci < 0) return;
        const key = `${si}/${ci}`;
        if (!got.has(key)) got.set(key, b.value);
      });
    });
    for (const [key, v] of got) {
      const [si, ci] = key.split('/').map(Number);
      if (ok(v, truth.series[si].values[ci], truth.range)) right++;
    }
    return { right, of: all };
  }
  // lines: by x (numeric categories) else by order
  // (a line read as points — the reader types some line charts as scatters — has its values at its points)
  const lines = ax.xy.some((s) => s.kind === 'line') ? ax.xy.filter((s) => s.kind === 'line') : ax.xy;
  const used = new Set();
  const meanErr = (l, t) => t.values.reduce((e, v, i) => e + Math.abs((l.y[Math.min(i, l.y.length - 1)] ?? 0) - v), 0) / t.values.length;
  lines.forEach((l, k) => {
    let si = truth.series.length === 1 ? 0 : l.label ? nameIndex(truth.series.map((s) => s.name), l.label) : -1;
    // a legend the program names otherwise: the series it is closest to
    if (si < 0) si = truth.series.map((t, i) => i).filter((i) => !used.has(i)).sort((a, b) => meanErr(l, truth.series[a]) - meanErr(l, truth.series[b]))[0] ?? -1;
    if (si < 0 || used.has(si)) return;
    used.add(si);
    const t = truth.series[si];
    const tx = truth.categories.map(Number);
    const numericX = tx.every((v) => Number.isFinite(v));
    const gap = numericX && tx.length > 1 ? Math.min(...tx.slice(1).map((v, i) => Math.abs(v - tx[i]))) : 0;
    t.values.forEach((v, i) => {
      const xv = tx[i];
      // the vertex nearest this x, within half the x spacing (a reader's x is read, not exact)
      let j = -1;
      if (numericX) l.x.forEach((x, k) => { if (Math.abs(x - xv) <= 0.45 * gap && (j < 0 || Math.abs(x - xv) < Math.abs(l.x[j] - xv))) j = k; });
      if (j < 0 && l.x.length === t.values.length) j = i;
      if (j >= 0 && ok(l.y[j], v, truth.range)) right++;
    });
  });
  return { right, of: all };
}
