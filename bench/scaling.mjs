// Benchmark 3 — how the time per render, per critic call and per refinement grows with image size.
//
// fivebars (a chart whose exact program is known) at 0.5×, 1× and 2× its size (300×200, 600×400,
// 1200×800): the original is the true program rendered at that size; the start is the program with
// its values moved by ±10–30 %; refineNumbers runs with a budget of 60 renders. Reported per size:
// the median render time and critic call (scorePair) over 15 interleaved rounds, the preparation of
// the original, and the refinement's wall time — and each as a ratio to the 1× size in the same run (the machine is
// noisy; ratios within one run are what compare).
//
//   npx tsc -p tsconfig.test.json && node bench/scaling.mjs [--budget N]
// Writes bench/results/scaling.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCharts, perturb, rng, getValues, BENCH } from './lib/programs.mjs';
import { openRenderer } from './lib/pyrender.mjs';
import { loadEngine, median } from './lib/engine.mjs';

const args = process.argv.slice(2);
const budget = Number(args.includes('--budget') ? args[args.indexOf('--budget') + 1] : 60);
const SCALES = [0.5, 1, 2];
const ROUNDS = 15;
const t0 = Date.now();

const { critic, numeric, image } = loadEngine();
const { renderer, kind } = await openRenderer(join(BENCH, '..'), { preferEngine: true });
const chart = loadCharts().find((c) => c.id === 'fivebars');
const truth = getValues(chart.code, 'values');

// 1. the originals, prepared; then render and critic times, the sizes interleaved (a load that
//    changes during the run falls on every size alike)
const sizes = [];
for (const scale of SCALES) {
  const w = Math.round(chart.width * scale), h = Math.round(chart.height * scale);
  const r = await renderer.render({ code: chart.code, mode: 'figure', width: w, height: h, timeLimitMs: 60_000 });
  if (!r.ok || !r.png) throw new Error(`the true program did not render at ${w}×${h}: ${r.error}`);
  const img = image.decodeImage(r.png);
  const prepareMs = [];
  let original;
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    original = critic.prepareOriginal(img);
    prepareMs.push(performance.now() - t);
  }
  sizes.push({ scale, w, h, original, prepareMs, renderMs: [], criticMs: [] });
}
const start = perturb(chart, chart.code, { share: 0.3, minShare: 0.1, random: rng(77) });
for (let k = 0; k < ROUNDS; k++) {
  for (const z of sizes) {
    let t = performance.now();
    const r = await renderer.render({ code: start, mode: 'figure', width: z.w, height: z.h, timeLimitMs: 60_000 });
    z.renderMs.push(performance.now() - t);
    const img = image.decodeImage(r.png);
    t = performance.now();
    critic.scorePair(z.original, img);
    z.criticMs.push(performance.now() - t);
  }
}

// 2. one refinement per size (wall time: more exposed to the machine's load than the medians above)
const rows = [];
for (const z of sizes) {
  const renderImage = async (code) => {
    const r = await renderer.render({ code, mode: 'figure', width: z.w, height: z.h, timeLimitMs: 60_000 });
    return r.ok && r.png ? image.decodeImage(r.png) : undefined;
  };
  const evaluate = async (code) => {
    const img = await renderImage(code);
    return img ? critic.scorePair(z.original, img).score : undefined;
  };
  const startScore = await evaluate(start);
  const t = performance.now();
  const res = await numeric.refineNumbers({ program: start, startScore, budget, evaluate, renderImage, original: z.original });
  const refineSeconds = (performance.now() - t) / 1000;
  const end = getValues(res.program, 'values');
  const within = end.filter((v, i) => Math.abs(v - truth[i]) / 7.35 <= 0.02).length;
  const row = {
    scale: z.scale,
    width: z.w,
    height: z.h,
    renderMsMedian: +median(z.renderMs).toFixed(1),
    criticMsMedian: +median(z.criticMs).toFixed(1),
    prepareOriginalMsMedian: +median(z.prepareMs).toFixed(1),
    refineSeconds: +refineSeconds.toFixed(1),
    rendersUsed: res.rendersUsed,
    within2pct: `${within}/${truth.length}`,
    score: [+startScore.toFixed(4), +res.score.toFixed(4)],
  };
  rows.push(row);
  console.log(`${z.w}×${z.h}: render ${row.renderMsMedian} ms, critic ${row.criticMsMedian} ms, prepare ${row.prepareOriginalMsMedian} ms (medians of ${ROUNDS}); refinement ${row.refineSeconds} s (${row.rendersUsed} renders, ${row.within2pct} within 2 %)`);
}
await renderer.dispose();

const base = rows.find((r) => r.scale === 1);
for (const r of rows) {
  r.ratioTo1x = {
    pixels: +((r.width * r.height) / (base.width * base.height)).toFixed(2),
    render: +(r.renderMsMedian / base.renderMsMedian).toFixed(2),
    critic: +(r.criticMsMedian / base.criticMsMedian).toFixed(2),
    refinementPerRender: +((r.refineSeconds / r.rendersUsed) / (base.refineSeconds / base.rendersUsed)).toFixed(2),
  };
}
const result = { benchmark: 'time against image size', chart: 'fivebars', renderer: kind, budget, date: new Date().toISOString(), rows, wallSeconds: Math.round((Date.now() - t0) / 1000) };
mkdirSync(join(BENCH, 'results'), { recursive: true });
writeFileSync(join(BENCH, 'results', 'scaling.json'), JSON.stringify(result, null, 1));
for (const r of rows) console.log(`${r.width}×${r.height} (${r.ratioTo1x.pixels}x pixels): render ${r.ratioTo1x.render}x, critic ${r.ratioTo1x.critic}x, refinement per render ${r.ratioTo1x.refinementPerRender}x`);
console.log(`${result.wallSeconds} s; wrote bench/results/scaling.json`);
