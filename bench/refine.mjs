// Benchmark 2 — numeric refinement on the real fixture charts.
//
// For every fixture chart: start from the program with the true data (bench/fixtures-programs/)
// with every data value moved by ±10–30 % (random sign and size), refine its numbers with the
// engine's refineNumbers (the critic as objective, a render budget of 200), and count the values
// recovered within 2 % of the value axis's range (pie charts: within 2 percentage points of their
// share). Reports the share recovered, the renders used per chart, and the time per refinement, per
// render and per critic call. Baseline in the same run (full mode): the same budget with the scalar
// coordinate search (one value per render), which is what the engine did before issue 6.
//
// Scatter charts (type 'scatter': two lists, x then y, of the same points) are measured after an
// optimal one-to-one assignment of the recovered points to the true points (least total distance,
// each coordinate as a share of its axis range; exact, Hungarian method): a scatter's image carries
// no order of its points, so once the perturbation makes points cross, "value i" is not recoverable
// from the image, only the set of points is. The start is matched the same way. Each value's error
// is then its coordinate's error against the true point it was assigned to (`matching: 'assignment'`
// in the JSON; 'index' for every other chart).
//
//   npx tsc -p tsconfig.test.json && node bench/refine.mjs [--quick] [--only ID[,ID…]] [--budget N] [--no-baseline] [--bench-renderer]
//   --quick: four charts (bars, grouped bars, lines, fivebars' default axes), no baseline (CI)
//   --no-baseline: skip the scalar coordinate search in full mode
// Writes bench/results/refine.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCharts, perturb, rng, getValues, BENCH } from './lib/programs.mjs';
import { openRenderer } from './lib/pyrender.mjs';
import { loadEngine, median } from './lib/engine.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const only = opt('--only');
const baseline = !quick && !args.includes('--no-baseline');
const budget = Number(opt('--budget', 200));
const QUICK_SET = ['insectsprays-bar', 'vadeaths-grouped', 'worldphones-lines', 'fivebars'];
const t0 = Date.now();

const { critic, numeric, image } = loadEngine();
const { renderer, kind: rendererKind } = await openRenderer(join(BENCH, '..'), { preferEngine: !args.includes('--bench-renderer') });
console.log(`renderer: ${rendererKind}; budget ${budget} renders per chart`);

const renderMs = [], criticMs = [];
async function renderImage(code, w, h) {
  const t = performance.now();
  const r = await renderer.render({ code, mode: 'figure', width: w, height: h, timeLimitMs: 60_000 });
  renderMs.push(performance.now() - t);
  return r.ok && r.png ? image.decodeImage(r.png) : undefined;
}

/** For a scatter's points (x list, y list): which true point each recovered point stands for. */
function matchPoints(chart, truthCode, code) {
  const [lx, ly] = chart.lists;
  const tx = getValues(truthCode, lx.name), ty = getValues(truthCode, ly.name);
  const x = getValues(code, lx.name), y = getValues(code, ly.name);
  const cost = x.map((_, i) => tx.map((_, j) => Math.hypot((x[i] - tx[j]) / lx.axis, (y[i] - ty[j]) / ly.axis)));
  return numeric.assign(cost); // the engine's Hungarian method: row i → its column
}

const isScatter = (chart) => chart.type === 'scatter' && chart.lists.length === 2;

/**
 * Per value: the error as a share of its axis range (pie: of the total), start and end. Scatter:
 * against the true point each point is assigned to (see the header).
 */
function recovery(chart, startCode, endCode) {
  const scatter = isScatter(chart);
  const ms = scatter ? matchPoints(chart, chart.code, startCode) : undefined;
  const me = scatter ? matchPoints(chart, chart.code, endCode) : undefined;
  const rows = [];
  for (const l of chart.lists) {
    const truth = getValues(chart.code, l.name), start = getValues(startCode, l.name), end = getValues(endCode, l.name);
    const share = (xs, i) => xs[i] / xs.reduce((a, b) => a + b, 0);
    truth.forEach((v, i) => {
      const err = (xs, m) => (l.axis === 'pie' ? Math.abs(share(xs, i) - share(truth, i)) : Math.abs(xs[i] - truth[m ? m[i] : i]) / l.axis);
      const match = scatter ? { startMatch: ms[i], endMatch: me[i] } : {};
      rows.push({ list: l.name, index: i, truth: v, start: start[i], end: end[i], ...match, startError: Number(err(start, ms).toFixed(4)), endError: Number(err(end, me).toFixed(4)) });
    });
  }
  return rows;
}

async function refineOne(chart, startCode, original, search) {
  const evaluate = async (code) => {
    const img = await renderImage(code, chart.width, chart.height);
    if (!img) return undefined;
    const t = performance.now();
    const s = critic.scorePair(original, img).score;
    criticMs.push(performance.now() - t);
    return s;
  };
  const startScore = await evaluate(startCode);
  const t = performance.now();
  const res = await numeric.refineNumbers({
    program: startCode,
    startScore,
    budget,
    evaluate,
    ...(search === 'local' ? { renderImage: (code) => renderImage(code, chart.width, chart.height), original } : {}),
  });
  const seconds = (performance.now() - t) / 1000;
  const values = recovery(chart, startCode, res.program);
  const within = values.filter((v) => v.endError <= 0.02).length;
  return {
    search: res.search,
    startScore,
    endScore: res.score,
    rendersUsed: res.rendersUsed,
    seconds: Number(seconds.toFixed(1)),
    values: values.length,
    within2pct: within,
    startWithin2pct: values.filter((v) => v.startError <= 0.02).length,
    textIntact: res.program.replace(/-?\d+\.?\d*(?:e[-+]?\d+)?/gi, '#') === startCode.replace(/-?\d+\.?\d*(?:e[-+]?\d+)?/gi, '#'),
    detail: values,
  };
}

const charts = loadCharts().filter((c) => (only ? only.split(',').includes(c.id) : !quick || QUICK_SET.includes(c.id)));
const results = [];
for (const chart of charts) {
  const original = critic.prepareOriginal(image.decodeImage(chart.png));
  const random = rng(4242 + chart.id.length * 31 + chart.id.charCodeAt(1));
  const startCode = perturb(chart, chart.code, { share: 0.3, minShare: 0.1, random });
  const entry = { id: chart.id, type: chart.type, matching: isScatter(chart) ? 'assignment' : 'index', values: 0 };
  entry.local = await refineOne(chart, startCode, original, 'local');
  entry.values = entry.local.values;
  console.log(`${chart.id.padEnd(26)} local : ${entry.local.within2pct}/${entry.local.values} within 2 % (start ${entry.local.startWithin2pct}), ${entry.local.rendersUsed} renders, score ${entry.local.startScore} → ${entry.local.endScore}, ${entry.local.seconds} s`);
  if (baseline) {
    entry.global = await refineOne(chart, startCode, original, 'global');
    console.log(`${chart.id.padEnd(26)} global: ${entry.global.within2pct}/${entry.global.values} within 2 %, ${entry.global.rendersUsed} renders, score ${entry.global.startScore} → ${entry.global.endScore}, ${entry.global.seconds} s`);
  }
  results.push(entry);
}
await renderer.dispose();

const sum = (k, f) => results.reduce((a, e) => a + (e[k] ? f(e[k]) : 0), 0);
const summarise = (k) => {
  if (!results.some((e) => e[k])) return undefined;
  const values = sum(k, (x) => x.values), within = sum(k, (x) => x.within2pct);
  const renders = results.filter((e) => e[k]).map((e) => e[k].rendersUsed);
  return {
    values,
    within2pct: within,
    share: Number((within / values).toFixed(4)),
    startShare: Number((sum(k, (x) => x.startWithin2pct) / values).toFixed(4)),
    rendersPerChart: { median: median(renders), max: Math.max(...renders), mean: Number((renders.reduce((a, b) => a + b, 0) / renders.length).toFixed(1)) },
    chartsMeetingBoth: results.filter((e) => e[k] && e[k].within2pct / e[k].values >= 0.9 && e[k].rendersUsed < 200).length,
    scoreNeverWorse: results.every((e) => !e[k] || e[k].endScore >= e[k].startScore),
    textIntact: results.every((e) => !e[k] || e[k].textIntact),
    secondsPerChart: median(results.filter((e) => e[k]).map((e) => e[k].seconds)),
  };
};
const summary = {
  benchmark: 'numeric refinement',
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  renderer: rendererKind,
  budget,
  charts: charts.length,
  target: { share: 0.9, rendersPerChart: 200 },
  matching: 'scatter charts: optimal one-to-one assignment of recovered to true points (per result: matching)',
  local: summarise('local'),
  global: summarise('global'),
  timing: { renderMsMedian: Number(median(renderMs).toFixed(1)), criticMsMedian: Number(median(criticMs).toFixed(1)), renders: renderMs.length },
  wallSeconds: Math.round((Date.now() - t0) / 1000),
  results,
};
mkdirSync(join(BENCH, 'results'), { recursive: true });
writeFileSync(join(BENCH, 'results', 'refine.json'), JSON.stringify(summary, null, 1));
for (const k of ['local', 'global']) {
  const s = summary[k];
  if (s) console.log(`${k.padEnd(6)}: ${(s.share * 100).toFixed(1)} % of ${s.values} values within 2 % of the axis range (start ${(s.startShare * 100).toFixed(1)} %), renders per chart median ${s.rendersPerChart.median}, max ${s.rendersPerChart.max}; score never worse: ${s.scoreNeverWorse}; text intact: ${s.textIntact}`);
}
console.log(`render ${summary.timing.renderMsMedian} ms, critic ${summary.timing.criticMsMedian} ms (medians); ${summary.wallSeconds} s; wrote bench/results/refine.json`);
