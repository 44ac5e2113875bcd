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
const { readDrawn } = require(join(OUT, 'src/core/refine/drawn.js'));
const { startScriptedServer, byPurpose } = require(join(OUT, 'test/support/scriptedServer.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const seed = Number(opt('--seed', 1));
const only = opt('--only')?.split(',');
const KINDS = ['off8', 'off20', 'off35'];



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
