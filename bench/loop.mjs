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
import { manifest, truthOf, valuesRight } from './lib/chartTruth.mjs';

emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out');
const { derender } = require(join(OUT, 'src/core/loop.js'));
const { DEFAULT_OPTIONS } = require(join(OUT, 'src/core/types.js'));
const { createPythonRenderer } = require(join(OUT, 'src/core/render/pythonRenderer.js'));
const { createOpenAIModel } = require(join(OUT, 'src/core/model/openaiModel.js'));
const { createOcr } = require(join(OUT, 'src/core/reader/index.js'));
const { startScriptedServer, byPurpose } = require(join(OUT, 'test/support/scriptedServer.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const seed = Number(opt('--seed', 1));
const only = opt('--only')?.split(',');
const KINDS = ['off8', 'off20', 'off35'];


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
