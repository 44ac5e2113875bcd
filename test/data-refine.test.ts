// The refinement in data space (issue 12), with the real CPython renderer and the real chart reader:
// layout aligned with the original's reading first, then values from the reader's marks, then the
// render-compare polish; and the loop never ends with fewer values right than its seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataSpaceDeps, derender, renderProgram } from '../src/core/loop';
import { refineInDataSpace } from '../src/core/refine/dataSpace';
import { readDrawn } from '../src/core/refine/drawn';
import { prepareOriginal, scorePair } from '../src/core/critic/pixelCritic';
import { decodeImage } from '../src/core/image';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { createOcr, readChart, type Ocr, type Reading } from '../src/core/reader';
import type { Renderer } from '../src/core/types';
import { startScriptedServer, byPurpose } from './support/scriptedServer';
import { FIXTURES, SYSTEM_PYTHON } from './support/paths';

let renderer: Renderer;
let ocr: Ocr;
before(async () => {
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  ocr = await createOcr();
});
after(async () => {
  await renderer.dispose();
  await ocr.terminate();
});

const fence = (code: string) => `Here is the program.\n\n\`\`\`python\n${code}\`\`\`\n`;

async function draw(code: string, w = 800, h = 600): Promise<Uint8Array> {
  const r = await renderProgram(renderer, code, w, h, 30_000);
  assert.ok(r.ok && r.png, `the test chart draws: ${r.error}`);
  return r.png;
}

async function reading(png: Uint8Array): Promise<Reading> {
  const r = await readChart(decodeImage(png), { ocr });
  assert.ok(r.ok, `the reader reads the chart: ${r.ok ? '' : r.reason}`);
  return r.reading;
}

/** The numbers of the list assigned to `name` in a program. */
function listOf(code: string, name: string): number[] {
  const m = new RegExp(String.raw`^${name}\s*=\s*\[([^\]]*)\]`, 'm').exec(code);
  assert.ok(m, `${name} = [...] in the program`);
  return m[1].split(',').filter((s) => s.trim()).map((s) => Number(s.trim()));
}

const within = (values: number[], truth: number[], range: number) => values.filter((v, i) => Math.abs(v - truth[i]) <= 0.02 * range).length;

/** Runs the loop's numeric refinement on one program against an image, as `derender` does. */
async function refine(png: Uint8Array, program: string, budget = 40) {
  const img = decodeImage(png);
  const original = prepareOriginal(img);
  const r = await reading(png);
  const deps = dataSpaceDeps({ renderer, render: (c) => renderProgram(renderer, c, img.width, img.height, 30_000), original, width: img.width, height: img.height, timeLimitMs: 30_000, reading: r });
  const first = await renderProgram(renderer, program, img.width, img.height, 30_000);
  assert.ok(first.ok && first.png, first.error);
  const startScore = scorePair(original, decodeImage(first.png)).score;
  return refineInDataSpace({ program, startScore, budget, reading: r, ...deps });
}

// ---- a default-style candidate of an R chart with another y limit --------------------------------

const INSECT_TRUTH = [14.5, 15.3333, 2.0833, 4.9167, 3.5, 16.6667];
const insectCandidate = (values: number[]) => `import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [${values.join(', ')}]
ax.bar(spray, mean_count)
ax.set_ylim(0, 30)
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
`;

test('data refine: a default-style candidate of an R chart, with a y limit the original does not have, ends with its values within 2 % of the axis range', async () => {
  const png = new Uint8Array(readFileSync(join(FIXTURES, 'insectsprays-bar.png')));
  // matplotlib's default style, right labels, values off by about 8 % of the range, y axis to 30
  const wrong = [13.1, 16.9, 3.4, 3.3, 4.9, 15.2];
  const out = await refine(png, insectCandidate(wrong));
  const got = listOf(out.program, 'mean_count');
  assert.equal(within(wrong, INSECT_TRUTH, 16.6667), 0);
  assert.equal(within(got, INSECT_TRUTH, 16.6667), 6, `after: ${got.join(', ')}; steps ${JSON.stringify(out.steps)}`);
  // the layout is plain lines in the program, and its structure is intact
  assert.match(out.program, /^ax\.set_position\(\[[\d., ]+\]\)/m);
  assert.match(out.program, /^ax\.set_ylim\(/m);
  assert.ok(out.program.startsWith(insectCandidate(wrong).split('mean_count = ')[0]), 'the program up to its data is as written');
});

// ---- a scatter written with x = [...] -------------------------------------------------------------

const SCATTER = (x: number[], y: number[], lim: string) => `import matplotlib.pyplot as plt

x = [${x.join(', ')}]
y = [${y.join(', ')}]

fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
ax.scatter(x, y)
${lim}
ax.set_title('Weight and height')
`;

test('data refine: a scatter written with x = [...] has its x values set from the original, not only its y', async () => {
  const tx = [0.8, 1.9, 3.1, 3.9, 5.2, 6.1, 6.8, 8.2, 9.1];
  const ty = [20, 62, 35, 80, 50, 15, 70, 42, 88];
  const png = await draw(SCATTER(tx, ty, 'ax.set_xlim(0, 10)\nax.set_ylim(0, 100)'));
  // the candidate: default limits, every x off by 3–6 % of the range, y off by up to 5 %
  const wx = [1.2, 1.5, 3.6, 3.4, 5.7, 5.7, 7.4, 7.7, 8.6];
  const wy = [24, 58, 39, 76, 54, 19, 66, 46, 84];
  const out = await refine(png, SCATTER(wx, wy, ''));
  const gx = listOf(out.program, 'x'), gy = listOf(out.program, 'y');
  // the image has no order of its points: each written point against the true point nearest it
  const right = (xs: number[], ys: number[]) =>
    xs.filter((x, i) => tx.some((t, j) => Math.abs(x - t) <= 0.2 && Math.abs(ys[i] - ty[j]) <= 2)).length;
  assert.equal(right(wx, wy), 0);
  assert.ok(right(gx, gy) >= 8, `after: x ${gx.join(', ')}, y ${gy.join(', ')}`);
});

// ---- the loop never ends with fewer values right than its seed ---------------------------------

/**
 * Horizontal bars, the first category at the top (as R and most plotting systems draw them); the
 * candidate writes them in matplotlib's order, the first at the bottom, with the same style. Its
 * values are right by category, but each bar stands where another category's stands in the
 * original: matching the pixels would give each category its neighbour's value.
 */
const HBARS = (values: number[], inverted: boolean) => `import matplotlib.pyplot as plt

city = ['Oslo', 'Rome', 'Lima', 'Pune', 'Kiev']
rain = [${values.join(', ')}]

fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
ax.barh(city, rain, color='#c44e52', edgecolor='black', linewidth=2)
${inverted ? 'ax.invert_yaxis()\n' : ''}ax.set_xlim(0, 80)
ax.set_xlabel('Rain (cm)')
ax.set_title('Rain by city')
`;

test('data refine: the loop never returns a program with fewer values right than its seed (horizontal bars in the original order, a candidate in matplotlib order)', async () => {
  const truth = [30, 50, 70, 54, 27];
  const png = await draw(HBARS(truth, true));
  const candidate = HBARS(truth, false);
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: [fence(candidate)] }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'test-key', retryBaseMs: 10, supportsN: true });
    const outcome = await derender({ image: png, imageName: 'hbars.png' }, { model, renderer, ocr }, { candidates: 1, rounds: 0, numericRefineBudget: 40 });
    assert.equal(outcome.error, undefined);
    const seedId = outcome.record.rounds[0].bestCandidateId;
    const seed = outcome.record.candidates.find((c) => c.id === seedId)!.code!;
    // values right by category, wherever the program draws them
    const byCity = async (code: string) => {
      const d = await readDrawn(code, renderer, 800, 600, 30_000);
      const ax = d!.axes[0];
      const label = (c: number) => ax.yticks.find((t) => Math.abs(t.value - c) < 1e-6)?.label;
      return ax.bars.flatMap((b) => b.bars).filter((b) => {
        const i = ['Oslo', 'Rome', 'Lima', 'Pune', 'Kiev'].indexOf(label(b.center) ?? '');
        return i >= 0 && Math.abs(b.value - truth[i]) <= 0.02 * 80;
      }).length;
    };
    const seedRight = await byCity(seed);
    const endRight = await byCity(outcome.summary!.program);
    if (process.env.RECODE_TEST_VERBOSE) console.log(JSON.stringify({ seedId, seedRight, endRight, best: outcome.summary!.bestCandidateId, scores: outcome.record.candidates.map((c) => [c.id, c.score?.score]), numeric: outcome.record.numeric }));
    assert.ok(endRight >= seedRight, `the run ended with ${endRight} values right, its seed ${seedId} had ${seedRight}; record ${JSON.stringify(outcome.record.numeric)}`);
  } finally {
    await server.close();
  }
});
