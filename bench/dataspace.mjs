// Benchmark — the numeric refinement alone (refineInDataSpace, as the loop calls it) on ONE
// default-style candidate per chart (bench/candidates, `--kind off8` by default): values within 2 %
// of the axis range before and after, and what each step (layout, values from the reading, polish)
// did. bench/loop.mjs runs the whole loop; this isolates the refinement from the selection (where
// the reader's own program usually wins).
//   npx tsc -p tsconfig.test.json && node bench/dataspace.mjs [--kind off8|off20|off35] [--budget N] [--only ID,…] [--print]
// Prints one line per chart (no JSON).
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
    containers.forEach((c, k) => {
      const si = seriesOf(c.label, k, containers.length);
      if (si < 0) return;
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
  const lines = ax.xy.filter((s) => s.kind === 'line');
  const used = new Set();
  lines.forEach((l, k) => {
    const si = seriesOf(l.label, k, lines.length);
    if (si < 0 || used.has(si)) return;
    used.add(si);
    const t = truth.series[si];
    t.values.forEach((v, i) => {
      const xv = Number(truth.categories[i]);
      let j = Number.isFinite(xv) ? l.x.findIndex((x) => Math.abs(x - xv) <= 0.3) : -1;
      if (j < 0 && l.x.length === t.values.length) j = i;
      if (j >= 0 && ok(l.y[j], v, truth.range)) right++;
    });
  });
  return { right, of: all };
}


const { refineInDataSpace } = require(join(OUT, 'src/core/refine/dataSpace.js'));
const { readChart } = require(join(OUT, 'src/core/reader/index.js'));
const { decodeImage } = require(join(OUT, 'src/core/image.js'));
const { prepareOriginal, scorePair } = require(join(OUT, 'src/core/critic/pixelCritic.js'));
const { numericSearchCallbacks, renderProgram } = require(join(OUT, 'src/core/loop.js'));
const { drawnFit } = require(join(OUT, 'src/core/refine/drawnFit.js'));
const renderer = createPythonRenderer({ pythonPath: '/usr/bin/python3' });
const ocr = await createOcr();
const kind = opt('--kind', 'off8');
const budget = Number(opt('--budget', 200));
for (const chart of manifest.charts) {
  if (only && !only.includes(chart.id)) continue;
  const set = chart.sets.find((s) => s.seed === seed);
  const code = readFileSync(join(ROOT, set.candidates.find((c) => c.kind === kind).file), 'utf8');
  const truth = truthOf(chart);
  const img = decodeImage(readFileSync(join(ROOT, chart.image)));
  const t0 = Date.now();
  const rr = await readChart(img, { ocr });
  const tRead = Date.now() - t0;
  const original = prepareOriginal(img);
  const cb = numericSearchCallbacks((c) => renderProgram(renderer, c, img.width, img.height, 30000), original);
  const start = await cb.evaluate(code);
  const t1 = Date.now();
  const out = await refineInDataSpace({ program: code, startScore: start, budget, reading: rr.ok ? rr.reading : undefined, score: cb.evaluate, renderImage: cb.renderImage, original,
    drawn: (c) => readDrawn(c, renderer, img.width, img.height, 30000),
    fit: async (c) => { const d = await readDrawn(c, renderer, img.width, img.height, 30000); return d && drawnFit(d, rr.reading); } });
  const before = await valuesRight(code, truth, renderer, chart), after = await valuesRight(out.program, truth, renderer, chart);
  console.log(chart.id, `read ${rr.ok} ${tRead}ms`, `before ${before.right}/${before.of} after ${after.right}/${after.of}`, `score ${start.toFixed(3)}→${out.score.toFixed(3)}`, `renders ${out.rendersUsed} ${((Date.now()-t1)/1000).toFixed(1)}s`);
  for (const st of out.steps) console.log('   ', st.step, st.kept, st.score?.toFixed(3), st.detail);
  console.log('    fits', JSON.stringify(out.seedFit), JSON.stringify(out.fit));
  if (args.includes('--print')) console.log(out.program);
}
await renderer.dispose();
process.exit(0);
