// Benchmark 1 — critic selection on the real fixture charts, and the critic's time.
//
// For every fixture chart (12 drawn by R, plus fivebars), a candidate set: the program with the
// true data in the chart's style (bench/fixtures-programs/), variants with values off by 5, 10, 20
// and 30 % (random signs), one value off by 10 %, all values 10 % too large, a missing bar or
// series, swapped / other colours, another chart type. Top-1 accuracy: how often the true program
// scores highest. Also reported: the same for the "plain" set (the true data and its variants drawn
// with matplotlib's defaults — style far from the original's), and the same accuracies for two
// baselines run on the same renders: the naive pixelmatch mismatch ratio and the critic before
// issue 6. Then the time per critic call at several image sizes (medians), against the naive
// critic's time in the same run (reported as ratios: these machines are noisy, nothing is asserted).
//
//   npx tsc -p tsconfig.test.json && node bench/critic.mjs [--quick] [--only ID]
//   --quick: one seed of random variants, no plain set, two image sizes (CI)
//   --bench-renderer: render with the bench's own persistent python even when the engine's is built
//   full:    three seeds, the plain set, four image sizes
// Writes bench/results/critic.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCharts, candidateSet, plainProgram, perturb, rng, relayout, recolourBackground, BENCH } from './lib/programs.mjs';
import { openRenderer } from './lib/pyrender.mjs';
import { loadEngine, naiveCritic, firstCritic, median } from './lib/engine.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const seeds = quick ? [1] : [1, 2, 3];
const t0 = Date.now();

const { critic, image } = loadEngine();
const critics = [
  { name: 'critic', prepare: (img) => critic.prepareOriginal(img), score: (p, r) => critic.scorePair(p, r).score },
  naiveCritic(image),
  firstCritic(),
].filter(Boolean);

const { renderer, kind: rendererKind } = await openRenderer(join(BENCH, '..'), { preferEngine: !args.includes('--bench-renderer') });
console.log(`renderer: ${rendererKind}`);
let renders = 0;
async function render(code, w, h) {
  renders++;
  const r = await renderer.render({ code, mode: 'figure', width: w, height: h, timeLimitMs: 60_000 });
  if (!r.ok || !r.png) throw new Error(`render failed: ${r.error}`);
  return image.decodeImage(r.png);
}

/** Scores a candidate set with every critic; returns per critic the rank of the true program. */
async function runSet(chart, cands, prepared) {
  const imgs = [];
  for (const c of cands) imgs.push(await render(c.code, c.width ?? chart.width, c.height ?? chart.height));
  const out = {};
  for (const cr of critics) {
    const scores = imgs.map((img) => cr.score(prepared[cr.name], img));
    const truth = scores[0];
    const beatenBy = cands.slice(1).filter((_, i) => scores[i + 1] >= truth).map((c) => c.kind);
    out[cr.name] = { top1: beatenBy.length === 0, beatenBy, scores: Object.fromEntries(cands.map((c, i) => [c.kind, Number(scores[i].toFixed(4))])) };
  }
  return out;
}

const charts = loadCharts().filter((c) => !only || c.id === only);
const results = [];
for (const chart of charts) {
  const orig = image.decodeImage(chart.png);
  const prepared = Object.fromEntries(critics.map((cr) => [cr.name, cr.prepare(orig)]));
  const entry = { id: chart.id, type: chart.type, styled: [], plain: [] };
  for (const seed of seeds) {
    const r = await runSet(chart, candidateSet(chart, seed), prepared);
    entry.styled.push({ seed, ...r });
    const mark = (x) => (x.top1 ? 'ok' : `LOSES to ${x.beatenBy.join(',')}`);
    console.log(`${chart.id.padEnd(26)} seed ${seed}: ${critics.map((cr) => `${cr.name}: ${mark(r[cr.name])}`).join(' | ')}`);
  }
  if (!quick && chart.id !== 'fivebars') {
    // the plain set: true data vs wrong data, both in matplotlib's default style
    const plain = { ...chart, code: plainProgram(chart) };
    const random = rng(7 + chart.id.length);
    const cands = [
      { kind: 'true', code: plain.code },
      { kind: 'off5', code: perturb(plain, plain.code, { share: 0.05, random }) },
      { kind: 'off10', code: perturb(plain, plain.code, { share: 0.1, random }) },
      { kind: 'off20', code: perturb(plain, plain.code, { share: 0.2, random }) },
      { kind: 'off30', code: perturb(plain, plain.code, { share: 0.3, random }) },
      { kind: 'one10', code: perturb(plain, plain.code, { share: 0.1, random, one: true }) },
    ];
    const r = await runSet(chart, cands, prepared);
    entry.plain.push(r);
    console.log(`${chart.id.padEnd(26)} plain : ${critics.map((cr) => `${cr.name}: ${r[cr.name].top1 ? 'ok' : 'LOSES to ' + r[cr.name].beatenBy.join(',')}`).join(' | ')}`);
  }
  // the robustness sets: the true program with its layout, canvas or background changed, against
  // the wrong candidates of seed 1 drawn as they are
  entry.robust = [];
  const wrong = candidateSet(chart, 1).slice(1);
  const twists = [
    { twist: 'margins', code: relayout(chart.code, { dx: 0.025, dy: 0.02, sx: 0.95, sy: 0.95 }) },
    { twist: 'canvas', code: chart.code, width: Math.round(chart.width * 1.25), height: Math.round(chart.height * 1.25) },
    { twist: 'aspect', code: chart.code, width: Math.round(chart.width * 1.15), height: chart.height },
    { twist: 'background', code: recolourBackground(chart.code) },
  ].slice(0, quick ? 2 : 4);
  for (const t of twists) {
    const r = await runSet(chart, [{ kind: 'true', ...t }, ...wrong], prepared);
    entry.robust.push({ twist: t.twist, ...r });
    console.log(`${chart.id.padEnd(26)} ${t.twist.padEnd(10)}: ${critics.map((cr) => `${cr.name}: ${r[cr.name].top1 ? 'ok' : 'LOSES to ' + r[cr.name].beatenBy.join(',')}`).join(' | ')}`);
  }
  results.push(entry);
}

const accuracy = (set, filter = () => true) =>
  Object.fromEntries(
    critics.map((cr) => {
      const runs = results.flatMap((e) => e[set]).filter((r) => r[cr.name] && filter(r));
      const wins = runs.filter((r) => r[cr.name].top1).length;
      // pairwise: how often the true program beats each kind of wrong candidate
      const pairs = {};
      for (const r of runs) {
        for (const [kind, s] of Object.entries(r[cr.name].scores)) {
          if (kind === 'true') continue;
          pairs[kind] ??= { won: 0, of: 0 };
          pairs[kind].of++;
          if (r[cr.name].scores.true > s) pairs[kind].won++;
        }
      }
      return [cr.name, { top1: runs.length ? Number((wins / runs.length).toFixed(4)) : null, wins, sets: runs.length, pairwise: pairs }];
    }),
  );

// ---- time per critic call at several sizes ------------------------------------------------------
const sizes = quick ? [[400, 300], [800, 600]] : [[400, 300], [800, 600], [1600, 1200], [3200, 2400]];
const repeats = quick ? 5 : 9;
const timing = [];
{
  const chart = charts.find((c) => c.id === 'insectsprays-bar') ?? charts[0];
  for (const [w, h] of sizes) {
    const orig = image.resize(image.decodeImage(chart.png), w, h);
    const rend = await render(chart.code, w, h);
    const row = { width: w, height: h };
    for (const cr of critics.slice(0, 2)) {
      const prep = [], score = [];
      for (let i = 0; i < repeats; i++) {
        let t = performance.now();
        const p = cr.prepare(orig);
        prep.push(performance.now() - t);
        t = performance.now();
        cr.score(p, rend);
        score.push(performance.now() - t);
      }
      row[cr.name] = { prepareMs: Number(median(prep).toFixed(2)), scoreMs: Number(median(score).toFixed(2)) };
    }
    row.ratioToNaive = Number((row.critic.scoreMs / row[critics[1].name].scoreMs).toFixed(2));
    timing.push(row);
    console.log(`time ${w}×${h}: critic ${row.critic.scoreMs} ms/score (prepare ${row.critic.prepareMs} ms), naive ${row[critics[1].name].scoreMs} ms — ratio ${row.ratioToNaive}`);
  }
}
await renderer.dispose();

const summary = {
  benchmark: 'critic selection',
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  renderer: rendererKind,
  charts: charts.length,
  seeds,
  candidatesPerSet: 10,
  styled: accuracy('styled'),
  plain: quick ? undefined : accuracy('plain'),
  robust: Object.fromEntries(['margins', 'canvas', 'aspect', 'background'].slice(0, quick ? 2 : 4).map((t) => [t, accuracy('robust', (r) => r.twist === t)])),
  target: { top1: 0.95 },
  timing,
  renders,
  wallSeconds: Math.round((Date.now() - t0) / 1000),
  results,
};
mkdirSync(join(BENCH, 'results'), { recursive: true });
writeFileSync(join(BENCH, 'results', 'critic.json'), JSON.stringify(summary, null, 1));
const s = summary.styled;
console.log(`\nstyled sets: ${Object.entries(s).map(([k, v]) => `${k} top-1 ${(v.top1 * 100).toFixed(1)} % (${v.wins}/${v.sets})`).join('; ')}`);
for (const [t, acc] of Object.entries(summary.robust)) console.log(`robust ${t.padEnd(10)}: ${Object.entries(acc).map(([k, v]) => `${k} top-1 ${(v.top1 * 100).toFixed(1)} % (${v.wins}/${v.sets})`).join('; ')}`);
if (summary.plain) console.log(`plain sets:  ${Object.entries(summary.plain).map(([k, v]) => `${k} top-1 ${(v.top1 * 100).toFixed(1)} % (${v.wins}/${v.sets})`).join('; ')}`);
console.log(`${renders} renders, ${summary.wallSeconds} s; wrote bench/results/critic.json`);
