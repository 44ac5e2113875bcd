// Benchmark — the loop users run, from candidates as a model writes them (issue 12).
//
// For every chart of bench/candidates (the fixture charts and the reader's gnuplot charts, with
// seeded default-style candidate programs: matplotlib's default style, right labels, values off by
// 8/20/35 % of the axis range): `derender()` — the function `recode derender` calls — with the
// DEFAULT options except `rounds 0` (no model refinement), the real CPython renderer, the chart
// reader and its OCR on, and a model that is the scripted OpenAI-compatible server on 127.0.0.1
// answering the generate request with the three candidates (off8, off20, off35). Per chart: values
// within 2 % of the axis range for each candidate (and the reader's program), the best of them,
// and the program the run returns; renders and seconds per run.
//
// What a program's values are: what it draws, read back from matplotlib (bars by their category
// tick label and legend label, else by their order; line vertices by x; scatter points paired one
// to one with the true points, least total distance, since an image has no order of its points;
// pie slices as shares of the whole, within 2 points).
//
//   npx tsc -p tsconfig.test.json && node bench/loop.mjs [--seed N] [--only ID[,ID…] [--merge]] [--remeasure]
//   --merge: keep the earlier rows of loop.json for the charts not run; --remeasure: values right again
//   from the programs a run saved in bench/results/loop-programs/
// Writes bench/results/loop.json.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitPyText } from '../scripts/py-text.mjs';

emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out');
const { derender } = require(join(OUT, 'src/core/loop.js'));
const { DEFAULT_OPTIONS } = require(join(OUT, 'src/core/types.js'));
const { createPythonRenderer } = require(join(OUT, 'src/core/render/pythonRenderer.js'));
const { createOpenAIModel } = require(join(OUT, 'src/core/model/openaiModel.js'));
const { createOcr } = require(join(OUT, 'src/core/reader/index.js'));
const { readDrawn } = require(join(OUT, 'src/core/refine/drawn.js'));
const { extractData } = require(join(OUT, 'src/core/data.js'));
const { assign } = require(join(OUT, 'src/core/refine/assign.js'));
const { startScriptedServer, byPurpose } = require(join(OUT, 'test/support/scriptedServer.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const seed = Number(opt('--seed', 1));
const only = opt('--only')?.split(',');
const KINDS = ['off8', 'off20', 'off35'];

const manifest = JSON.parse(readFileSync(join(ROOT, 'bench/candidates/manifest.json'), 'utf8'));
const drawing = JSON.parse(readFileSync(join(ROOT, 'bench/candidates/drawing.json'), 'utf8')).charts;

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
function truthOf(chart) {
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
async function valuesRight(code, truth, renderer, chart) {
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

const fence = (code) => `Here is the program.\n\n\`\`\`python\n${code}\n\`\`\`\n`;

const renderer = createPythonRenderer({ pythonPath: '/usr/bin/python3' });
if (args.includes('--remeasure')) {
  // values right again, from the programs a run saved (bench/results/loop-programs/): for a change
  // of the measure only; the run's renders and seconds are kept
  const prev = JSON.parse(readFileSync(join(ROOT, 'bench/results/loop.json'), 'utf8'));
  const dir = join(ROOT, 'bench/results/loop-programs');
  for (const row of prev.charts) {
    const chart = manifest.charts.find((c) => c.id === row.id);
    const truth = truthOf(chart);
    for (const c of row.candidates) c.right = (await valuesRight(readFileSync(join(dir, `${row.id}.${c.id}.py`), 'utf8'), truth, renderer, chart)).right;
    row.bestCandidate = Math.max(...row.candidates.map((c) => c.right));
    row.bestModelCandidate = Math.max(...row.candidates.filter((c) => c.kind !== 'reader').map((c) => c.right));
    row.selectedRight = row.candidates.find((c) => c.id === row.selected)?.right;
    row.after = (await valuesRight(readFileSync(join(dir, `${row.id}.final.py`), 'utf8'), truth, renderer, chart)).right;
    console.log(`${row.id}: best candidate ${row.bestCandidate}/${row.values} → after ${row.after}/${row.values}`);
  }
  writeSummary(prev.charts, prev.totalSeconds, prev.about);
  await renderer.dispose();
  process.exit(0);
}
const ocr = await createOcr();
const results = [];
const t0 = Date.now();
for (const chart of manifest.charts) {
  if (only && !only.includes(chart.id)) continue;
  const set = chart.sets.find((s) => s.seed === seed);
  const codes = KINDS.map((k) => readFileSync(join(ROOT, set.candidates.find((c) => c.kind === k).file), 'utf8'));
  const truth = truthOf(chart);
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: codes.map(fence) }] }) });
  const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'bench-key', retryBaseMs: 10, supportsN: true });
  const image = readFileSync(join(ROOT, chart.image));
  const started = Date.now();
  let outcome;
  try {
    outcome = await derender({ image, imageName: chart.id + '.png' }, { model, renderer, ocr }, { ...DEFAULT_OPTIONS, rounds: 0 });
  } finally {
    await server.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const row = { id: chart.id, type: chart.chart_type, seconds: Number(seconds.toFixed(1)), renders: outcome.record.renders, error: outcome.error };
  const cands = outcome.record.candidates.filter((c) => (c.source === 'generate' || c.source === 'reader') && c.code);
  row.candidates = [];
  for (const c of cands) {
    const v = await valuesRight(c.code, truth, renderer, chart);
    row.candidates.push({ id: c.id, kind: c.source === 'reader' ? 'reader' : KINDS[cands.filter((x) => x.source === 'generate').indexOf(c)], score: c.score?.score, right: v.right, of: v.of });
  }
  row.values = row.candidates[0]?.of ?? 0;
  row.bestCandidate = Math.max(...row.candidates.map((c) => c.right));
  row.bestModelCandidate = Math.max(...row.candidates.filter((c) => c.kind !== 'reader').map((c) => c.right));
  row.selected = outcome.record.rounds[0]?.bestCandidateId;
  row.selectedRight = row.candidates.find((c) => c.id === row.selected)?.right;
  if (outcome.summary) {
    row.final = outcome.summary.bestCandidateId;
    row.after = (await valuesRight(outcome.summary.program, truth, renderer, chart)).right;
  }
  row.numeric = outcome.record.numeric && { steps: outcome.record.numeric.steps, seedFit: outcome.record.numeric.seedFit, fit: outcome.record.numeric.fit, rendersUsed: outcome.record.numeric.rendersUsed, kept: outcome.record.numeric.kept };
  results.push(row);
  console.log(`${chart.id}: best candidate ${row.bestCandidate}/${row.values} (model's ${row.bestModelCandidate}, selected ${row.selected} ${row.selectedRight}) → after ${row.after}/${row.values}; ${row.renders} renders, ${row.seconds} s${row.error ? ' ERROR ' + row.error : ''}`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  mkdirSync(join(ROOT, 'bench/results/loop-programs'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/loop-programs', chart.id + '.final.py'), outcome.summary?.program ?? '');
  for (const c of cands) writeFileSync(join(ROOT, 'bench/results/loop-programs', `${chart.id}.${c.id}.py`), c.code ?? '');
  // the JSON as it stands after every chart (a long run stopped early keeps what it measured)
  writeSummary(results, Math.round((Date.now() - t0) / 1000));
}
await ocr.terminate?.();
await renderer.dispose();
console.log(JSON.stringify({ ...writeSummary(results, Math.round((Date.now() - t0) / 1000)), charts: undefined }, null, 1));

function writeSummary(results, totalSeconds, about) {
  if (args.includes('--merge') && !args.includes('--remeasure')) {
    // rows of an earlier run for the charts this run did not do (e.g. `--only A,B --merge` after a full run)
    let prev = [];
    try { prev = JSON.parse(readFileSync(join(ROOT, 'bench/results/loop.json'), 'utf8')).charts; } catch { /* none */ }
    const order = manifest.charts.map((c) => c.id);
    results = [...prev.filter((r) => !results.some((q) => q.id === r.id)), ...results].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  }
  const sum = (k) => results.reduce((t, r) => t + (r[k] ?? 0), 0);
  const secs = results.map((r) => r.seconds).sort((a, b) => a - b);
  const summary = {
    bench: 'loop',
    about: about ?? 'derender() with DEFAULT_OPTIONS and rounds 0, CPython renderer, reader + OCR on, scripted model answering with 3 default-style candidates (off8/off20/off35, seed ' + seed + ')',
    options: { ...DEFAULT_OPTIONS, rounds: 0 },
    values: sum('values'),
    withinBefore: sum('bestCandidate'),
    withinBeforeModelOnly: sum('bestModelCandidate'),
    withinAfter: sum('after'),
    shareAfter: Number((sum('after') / Math.max(1, sum('values'))).toFixed(3)),
    chartsWorseThanBestCandidate: results.filter((r) => (r.after ?? 0) < r.bestCandidate).map((r) => r.id),
    secondsMedian: secs[secs.length >> 1],
    secondsMax: secs[secs.length - 1],
    rendersMedian: results.map((r) => r.renders).sort((a, b) => a - b)[results.length >> 1],
    totalSeconds,
    charts: results,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/loop.json'), JSON.stringify(summary, null, 1) + '\n');
  return summary;
}
