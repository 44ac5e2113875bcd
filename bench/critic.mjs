// Benchmark — the critic on candidate sets as a model writes them (issue 12).
//
// For every chart of bench/candidates/manifest.json (the fixture charts drawn by R, ggplot2 and
// matplotlib, and the reader's gnuplot charts) and every seed: the six candidates (exact, values
// off by 8/20/35 % of the range, a series left out, a wrong chart type — all in matplotlib's
// default style) are rendered by the product's local-python renderer (sandboxed, default options)
// and scored by the product's critic (src/core/critic/critic.ts, default options) against the
// original, which is read ONCE per chart by the product's read stage (src/core/read.ts).
// Top-1: the least-wrong candidate (manifest `error`) ranked first — in the full set (the exact
// one) and in the set without it (the 8 %-off one, what real runs look like). Reported for the
// critic, and for its pixel parts and its data part alone. `--calibrate` also reports top-1 over
// data weights 0…1 (the weight in src/core/critic/critic.ts was chosen from it).
// Then the time of the pixel parts per 800×600 pair (original prepared once) and of the data part,
// as medians.
//
//   node esbuild.mjs && npx tsc -p tsconfig.test.json && node bench/critic.mjs [--only ID] [--calibrate]
// Writes bench/results/critic.json. Regenerate the candidates with bench/candidates/generate.mjs.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { emitPyText } from '../scripts/py-text.mjs';
emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const require = createRequire(import.meta.url);
const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const OUT = join(ROOT, 'out', 'src', 'core');
for (const f of ['critic/critic.js', 'read.js', 'render/pythonRenderer.js']) {
  if (!existsSync(join(OUT, f))) throw new Error(`out/src/core/${f} is missing: run \`npx tsc -p tsconfig.test.json\` first`);
}
const { prepareCritic, scoreRender, DEFAULT_CRITIC_OPTIONS } = require(join(OUT, 'critic', 'critic.js'));
const { scorePair } = require(join(OUT, 'critic', 'pixelCritic.js'));
const { scoreData } = require(join(OUT, 'critic', 'dataCritic.js'));
const { runReadStage } = require(join(OUT, 'read.js'));
const { createOcr } = require(join(OUT, 'reader', 'index.js'));
const { createPythonRenderer } = require(join(OUT, 'render', 'pythonRenderer.js'));
const { decodeImage } = require(join(OUT, 'image.js'));

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const calibrate = args.includes('--calibrate');
const t0 = Date.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const manifest = JSON.parse(readFileSync(join(BENCH, 'candidates', 'manifest.json'), 'utf8'));
const charts = manifest.charts.filter((c) => !only || c.id === only);
const renderer = createPythonRenderer({ pythonPath: '/usr/bin/python3' });
const ocr = await createOcr();
let renders = 0;
const renderMs = [];

const results = [];
for (const chart of charts) {
  const image = decodeImage(new Uint8Array(readFileSync(join(ROOT, chart.image))));
  const read = await runReadStage(image, { ocr, promptText: false });
  const critic = prepareCritic(image, read.result);
  const entry = { id: chart.id, renderer: chart.renderer, read: read.result.ok ? read.result.reading.chart_type : `not read: ${read.result.reason}`, readMs: read.durationMs, sets: [] };
  for (const set of chart.sets) {
    const rows = [];
    for (const c of set.candidates) {
      const t = performance.now();
      const r = await renderer.render({ code: readFileSync(join(ROOT, c.file), 'utf8'), mode: 'figure', width: chart.width, height: chart.height, timeLimitMs: 60_000 });
      renderMs.push(performance.now() - t);
      renders++;
      if (!r.ok || !r.png) throw new Error(`${c.file}: render failed: ${r.error}`);
      const s = scoreRender(critic, decodeImage(r.png), r.marks);
      rows.push({ kind: c.kind, error: c.error, score: s.score, pixels: s.parts.pixels ?? s.score, data: s.parts.data, basis: s.basis, fallback: s.fallback });
    }
    entry.sets.push({ seed: set.seed, rows });
  }
  results.push(entry);
  const line = entry.sets.map((s) => {
    const full = top1(s.rows, 'score'), wo = top1(s.rows.filter((r) => r.kind !== 'exact'), 'score');
    return `s${s.seed} ${full.ok ? 'ok' : 'picks ' + full.picked}/${wo.ok ? 'ok' : 'picks ' + wo.picked}`;
  });
  console.log(`${chart.id.padEnd(26)} read ${String(entry.read).padEnd(14)} ${line.join('  ')}`);
}

/** Whether the least-wrong row scores highest (ties count against). */
function top1(rows, key) {
  const best = rows.reduce((a, b) => (b.error < a.error ? b : a));
  const picked = rows.reduce((a, b) => ((b[key] ?? -1) > (a[key] ?? -1) ? b : a));
  const ok = rows.every((r) => r === best || (r[key] ?? -1) < (best[key] ?? -1));
  return { ok, picked: picked.kind };
}

function accuracy(key, weight) {
  const perChart = {};
  let wins = 0, sets = 0;
  for (const e of results) {
    let w = 0, n = 0;
    for (const s of e.sets) {
      const rows = weight === undefined ? s.rows : s.rows.map((r) => ({ ...r, w: r.data === undefined ? r.pixels : weight * r.data + (1 - weight) * r.pixels }));
      const k = weight === undefined ? key : 'w';
      for (const subset of [rows, rows.filter((r) => r.kind !== 'exact')]) {
        n++;
        if (top1(subset, k).ok) w++;
      }
    }
    perChart[e.id] = `${w}/${n}`;
    wins += w;
    sets += n;
  }
  return { top1: Number((wins / sets).toFixed(4)), wins, sets, perChart };
}

const summary = {
  benchmark: 'critic on model-like candidate sets (bench/candidates)',
  date: new Date().toISOString(),
  renderer: 'the product\'s local-python renderer, default options (sandboxed)',
  critic: { dataWeight: DEFAULT_CRITIC_OPTIONS.dataWeight },
  charts: results.length,
  setsPerChart: 2 * manifest.seeds,
  note: 'each seed gives two sets: all six candidates (least wrong: exact) and the five without the exact one (least wrong: off8)',
  target: { top1: 0.95, pixelMsPer800x600: 20 },
  critic_top1: accuracy('score'),
  pixelParts_top1: accuracy('pixels'),
  dataPart_top1: accuracy('data'),
  fallbacks: results.flatMap((e) => e.sets.flatMap((s) => s.rows.filter((r) => r.basis === 'pixels').map((r) => `${e.id} s${s.seed} ${r.kind}: ${r.fallback}`))),
};
if (calibrate) summary.calibration = Object.fromEntries([0, 0.25, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1].map((w) => [w, accuracy('w', w).top1]));

// ---- time: pixel parts per 800×600 pair (original prepared once), data part per render ------------
{
  const chart = manifest.charts.find((c) => c.width === 800 && c.height === 600 && c.chart_type === 'bar');
  const image = decodeImage(new Uint8Array(readFileSync(join(ROOT, chart.image))));
  const read = await runReadStage(image, { ocr, promptText: false });
  const critic = prepareCritic(image, read.result);
  const file = chart.sets[0].candidates.find((c) => c.kind === 'off8').file;
  const r = await renderer.render({ code: readFileSync(join(ROOT, file), 'utf8'), mode: 'figure', width: 800, height: 600, timeLimitMs: 60_000 });
  const rgba = decodeImage(r.png);
  // the baseline in the same run: the naive critic (pixelmatch over the whole images, the render
  // resized to the original) — these machines are shared, so the ratio says more than the ms
  const pixelmatch = require('pixelmatch').default ?? require('pixelmatch');
  const { resize } = require(join(OUT, 'image.js'));
  const naive = [];
  const pix = [], pixCpu = [], data = [], whole = [];
  for (let i = 0; i < 3; i++) scorePair(critic.original, rgba); // warm
  for (let i = 0; i < 21; i++) {
    let t = performance.now();
    const r2 = resize(rgba, image.width, image.height);
    pixelmatch(image.data, r2.data, undefined, image.width, image.height, { threshold: 0.1 });
    naive.push(performance.now() - t);
    t = performance.now();
    const c = process.cpuUsage();
    scorePair(critic.original, rgba);
    const cu = process.cpuUsage(c);
    pix.push(performance.now() - t);
    pixCpu.push((cu.user + cu.system) / 1000);
    if (critic.reading) {
      t = performance.now();
      scoreData(critic.reading, r.marks);
      data.push(performance.now() - t);
    }
    t = performance.now();
    scoreRender(critic, rgba, r.marks);
    whole.push(performance.now() - t);
  }
  summary.timing = {
    chart: chart.id,
    pixelPartsMsPer800x600: Number(median(pix).toFixed(2)),
    pixelPartsCpuMsPer800x600: Number(median(pixCpu).toFixed(2)),
    naivePixelmatchMs: Number(median(naive).toFixed(2)),
    ratioToNaive: Number((median(pix) / median(naive)).toFixed(2)),
    loadAverage: os.loadavg().map((v) => Number(v.toFixed(1))),
    dataPartMs: data.length ? Number(median(data).toFixed(3)) : null,
    criticMsPerRender: Number(median(whole).toFixed(2)),
    renderMsMedian: Number(median(renderMs).toFixed(0)),
  };
}
await renderer.dispose();
await ocr.terminate?.();
summary.renders = renders;
summary.wallSeconds = Math.round((Date.now() - t0) / 1000);
summary.results = results;
mkdirSync(join(BENCH, 'results'), { recursive: true });
writeFileSync(join(BENCH, 'results', 'critic.json'), JSON.stringify(summary, null, 1));
const pct = (a) => `${(a.top1 * 100).toFixed(1)} % (${a.wins}/${a.sets})`;
console.log(`\ncritic top-1 ${pct(summary.critic_top1)}; pixel parts alone ${pct(summary.pixelParts_top1)}; data part alone ${pct(summary.dataPart_top1)}`);
console.log(`per chart: ${Object.entries(summary.critic_top1.perChart).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (summary.calibration) console.log(`calibration (data weight → top-1): ${JSON.stringify(summary.calibration)}`);
console.log(`time: pixel parts ${summary.timing.pixelPartsMsPer800x600} ms per 800×600 pair (CPU ${summary.timing.pixelPartsCpuMsPer800x600} ms; naive pixelmatch ${summary.timing.naivePixelmatchMs} ms, ratio ${summary.timing.ratioToNaive}; load ${summary.timing.loadAverage[0]}), data part ${summary.timing.dataPartMs} ms, render ${summary.timing.renderMsMedian} ms (median)`);
console.log(`fallbacks to pixels: ${summary.fallbacks.length}; ${renders} renders, ${summary.wallSeconds} s; wrote bench/results/critic.json`);
process.exit(0);
