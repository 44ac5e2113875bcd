// The chart reader on charts with known data tables: accepted or not, values within 2 % of the
// axis range and within 5 % of their own size (ChartQA's relaxed criterion), a table F1 matching
// cells by category and value, how many tick labels the axis fit kept, and warm time per chart.
//   node bench/reader.mjs [FOLDER...]   (each with manifest.jsonl; default ../shared/fixtures/charts
//   relative to the repo root, plus bench/fixtures-reader). Needs `npx tsc -p tsconfig.test.json`.
// Writes bench/results/reader.json (and overlays in bench/results/reader-overlays/).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out', 'src', 'core');
if (!existsSync(join(OUT, 'reader', 'index.js'))) throw new Error('out/src/core/reader is missing: run `npx tsc -p tsconfig.test.json` first');
const R = require(join(OUT, 'reader', 'index.js'));
const { decodeImage, encodePng } = require(join(OUT, 'image.js'));

const folders = process.argv.slice(2).length ? process.argv.slice(2).map((f) => resolve(f)) : [existsSync(resolve(ROOT, '..', 'shared', 'fixtures', 'charts')) ? resolve(ROOT, '..', 'shared', 'fixtures', 'charts') : join(ROOT, 'test', 'fixtures', 'charts'), join(ROOT, 'bench', 'fixtures-reader')].filter((f) => existsSync(join(f, 'manifest.jsonl')));

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
const norm = (s) => String(s).toLowerCase().replace(/[^a-z0-9.]/g, '');
const sameX = (a, b) => {
  const na = Number(a), nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && String(a).trim() !== '' && String(b).trim() !== '') return Math.abs(na - nb) <= 0.5 * Math.max(1e-9, Math.abs(na) * 1e-3, 0.5);
  const x = norm(a), y = norm(b);
  if (x === y) return true;
  // one OCR slip in a long label
  if (Math.abs(x.length - y.length) > 1 || x.length < 4) return false;
  const prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= y.length; j++) { const t = prev[j]; prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (x[i - 1] === y[j - 1] ? 0 : 1)); diag = t; }
  }
  const d = prev[y.length];
  return d <= 1;
};

/** The truth as series of {x, y}, by chart type. */
function truthOf(entry, rows) {
  const head = rows[0], body = rows.slice(1);
  if (entry.chart_type === 'scatter') {
    const xi = head.length - 2, yi = head.length - 1;
    return [{ name: head[yi], points: body.map((r) => ({ x: Number(r[xi]), y: Number(r[yi]) })) }];
  }
  if (entry.chart_type === 'pie') {
    const sum = body.reduce((s, r) => s + Number(r[1]), 0);
    return [{ name: head[1], points: body.map((r) => ({ x: r[0], y: Number(r[1]) / sum })) }];
  }
  return head.slice(1).map((name, j) => ({ name, points: body.map((r) => ({ x: r[0], y: Number(r[j + 1]) })) }));
}

/** Hungarian-free greedy matching is enough for a handful of series: try every assignment of small sets. */
function permutations(n, k) {
  if (k === 0) return [[]];
  const out = [];
  for (const p of permutations(n, k - 1)) for (let i = 0; i < n; i++) if (!p.includes(i)) out.push([...p, i]);
  return out.slice(0, 5040);
}

/** The table the other way round (rows ↔ columns), for charts whose series are the table's rows. */
function transpose(truth) {
  const xs = truth[0].points.map((p) => p.x);
  return xs.map((x, i) => ({ name: x, points: truth.map((s) => ({ x: s.name, y: s.points[i].y })) }));
}

function score(entry, truth0, reading) {
  // RMS-F1 style: the table may be read transposed; take the orientation whose names match the reading's series
  let truth = truth0;
  if (truth0.length > 1 && entry.chart_type !== 'scatter' && entry.chart_type !== 'pie') {
    const names = reading.series.map((s) => s.name);
    const hits = (t) => t.filter((s) => names.some((n) => sameX(n, s.name))).length;
    const cats = reading.series[0]?.points.map((p) => p.x) ?? [];
    const catHits = (t) => t[0].points.filter((p) => cats.some((c) => sameX(c, p.x))).length;
    const tt = transpose(truth0);
    if (hits(tt) + catHits(tt) > hits(truth0) + catHits(truth0)) truth = tt;
  }
  const all = truth.flatMap((s) => s.points.map((p) => p.y));
  const range = entry.chart_type === 'pie' ? 1 : Math.max(...all, 0) - Math.min(...all, 0);
  const pred = reading.series;
  const xRange = entry.chart_type === 'scatter' ? Math.max(...truth[0].points.map((p) => p.x)) - Math.min(...truth[0].points.map((p) => p.x)) : 1;
  const pairsFor = (ts, ps) => {
    // x-matched pairs; scatter: nearest unused point in (x, y) scaled by the ranges
    const pairs = [];
    if (entry.chart_type === 'scatter') {
      const used = new Set();
      const cand = [];
      ts.points.forEach((t, i) => ps.points.forEach((p, j) => cand.push({ i, j, d: Math.hypot((t.x - p.x) / xRange, (t.y - p.y) / range) })));
      cand.sort((a, b) => a.d - b.d);
      const ti = new Set();
      for (const c of cand) { if (ti.has(c.i) || used.has(c.j) || c.d > 0.05) continue; ti.add(c.i); used.add(c.j); pairs.push([ts.points[c.i], ps.points[c.j]]); }
      return pairs;
    }
    // the point at the same category, or at the nearest numeric x within tolerance
    for (const t of ts.points) {
      const cands = ps.points.filter((q) => sameX(q.x, t.x));
      const p = cands.sort((a, b) => Math.abs(Number(a.x) - Number(t.x)) - Math.abs(Number(b.x) - Number(t.x)))[0];
      if (p) pairs.push([t, p]);
    }
    return pairs;
  };
  // series assignment: the one with most values within 2 %
  let best = { within2: -1, assign: [] };
  const k = Math.min(truth.length, pred.length);
  for (const perm of permutations(pred.length, k)) {
    let w2 = 0;
    perm.forEach((pi, ti) => { for (const [t, p] of pairsFor(truth[ti], pred[pi])) if (Math.abs(t.y - p.y) <= 0.02 * range) w2++; });
    if (w2 > best.within2) best = { within2: w2, assign: perm };
  }
  let n = 0, within2 = 0, within5 = 0, matched = 0;
  const predCells = pred.reduce((s, p) => s + p.points.length, 0);
  truth.forEach((ts, ti) => {
    n += ts.points.length;
    const pi = best.assign[ti];
    if (pi === undefined) return;
    for (const [t, p] of pairsFor(ts, pred[pi])) {
      if (Math.abs(t.y - p.y) <= 0.02 * range) within2++;
      const rel = Math.abs(t.y - p.y) <= 0.05 * Math.abs(t.y) || (t.y === 0 && Math.abs(p.y) <= 0.01 * range);
      if (rel) { within5++; matched++; }
    }
  });
  const P = predCells ? matched / predCells : 0, Rc = n ? matched / n : 0;
  return { values: n, within2, within5, f1: P + Rc ? (2 * P * Rc) / (P + Rc) : 0 };
}

const results = [];
const ocr = await R.createOcr();
mkdirSync(join(ROOT, 'bench', 'results', 'reader-overlays'), { recursive: true });
for (const folder of folders) {
  for (const line of readFileSync(join(folder, 'manifest.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line);
    const img = decodeImage(readFileSync(join(folder, entry.image)));
    const truth = truthOf(entry, parseCsv(readFileSync(join(folder, entry.table), 'utf8')));
    await R.readChart(img, { ocr }); // warm-up for this image size (first run per chart)
    const times = [];
    let res;
    for (let i = 0; i < 2; i++) { const t0 = performance.now(); res = await R.readChart(img, { ocr }); times.push(performance.now() - t0); }
    const row = { id: entry.id, folder: folder.replace(resolve(ROOT, '..') + '/', ''), renderer: entry.renderer, chart_type: entry.chart_type, size: `${img.width}x${img.height}`, accepted: res.ok, warm_ms: Math.round(Math.min(...times)) };
    if (res.ok) {
      const r = res.reading;
      Object.assign(row, { read_type: r.chart_type, confidence: r.confidence, ...score(entry, truth, r) });
      const axes = [r.x_axis, r.y_axis].filter((a) => a.scale !== 'category');
      const kept = axes.reduce((s, a) => s + a.ticks.length, 0);
      const found = r.texts.filter((t) => t.role === 'x tick' || t.role === 'y tick').length;
      row.ticks_kept = `${kept}/${found}`;
      row.warnings = r.warnings;
      writeFileSync(join(ROOT, 'bench', 'results', 'reader-overlays', `${entry.id}.png`), encodePng(R.drawOverlay(img, r)));
    } else {
      row.reason = res.reason;
      row.values = truth.reduce((s, t) => s + t.points.length, 0);
      row.within2 = 0; row.within5 = 0; row.f1 = 0;
    }
    results.push(row);
    console.log(`${row.id.padEnd(28)} ${row.chart_type.padEnd(14)} ${res.ok ? `read ${row.read_type.padEnd(14)} 2%: ${row.within2}/${row.values}  5%: ${row.within5}/${row.values}  F1 ${row.f1.toFixed(2)}  ticks ${row.ticks_kept}` : `REFUSED: ${row.reason}`}  ${row.warm_ms} ms`);
  }
}
await ocr.terminate();
const kinds = results.filter((r) => ['bar', 'horizontal bar', 'grouped bar', 'stacked bar', 'line', 'scatter', 'pie'].includes(r.chart_type));
const acc = kinds.filter((r) => r.accepted);
const sum = (rows, k) => rows.reduce((s, r) => s + (r[k] ?? 0), 0);
const summary = {
  charts: results.length,
  accepted: `${acc.length}/${kinds.length}`,
  accepted_share: kinds.length ? acc.length / kinds.length : 0,
  values_within_2pct_of_range_on_accepted: `${sum(acc, 'within2')}/${sum(acc, 'values')}`,
  within2_share_on_accepted: sum(acc, 'values') ? sum(acc, 'within2') / sum(acc, 'values') : 0,
  values_within_5pct_relative_on_accepted: `${sum(acc, 'within5')}/${sum(acc, 'values')}`,
  mean_f1_all: results.length ? sum(results, 'f1') / results.length : 0,
  median_warm_ms: [...results.map((r) => r.warm_ms)].sort((a, b) => a - b)[Math.floor(results.length / 2)],
  max_warm_ms: Math.max(...results.map((r) => r.warm_ms)),
  targets: { accepted_share: 0.8, within2_share_on_accepted: 0.9, warm_ms_800x600: 1500 },
};
console.log(JSON.stringify(summary, null, 2));
writeFileSync(join(ROOT, 'bench', 'results', 'reader.json'), JSON.stringify({ date: new Date().toISOString(), summary, charts: results }, null, 2));
