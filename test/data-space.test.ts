// The loop's numeric refinement on charts drawn here by real matplotlib (Debian's CPython) from
// known data, with a scripted model (the real openai client against the scripted server) whose
// candidate has the right layout but wrong values: what a user's run does to those values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { derender, renderProgram } from '../src/core/loop';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { type DerenderOptions, type Renderer } from '../src/core/types';
import { startScriptedServer, byPurpose } from './support/scriptedServer';
import { SYSTEM_PYTHON } from './support/paths';
import { createOcr, type Ocr } from '../src/core/reader';

const fence = (code: string) => `Here is the program.\n\n\`\`\`python\n${code}\`\`\`\n`;

let renderer: Renderer;
let ocr: Ocr | undefined;
before(() => {
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
});
after(async () => {
  await renderer.dispose();
  await ocr?.terminate();
});

/** Draws the true program at 800×600: the "original" image. */
async function draw(code: string): Promise<Uint8Array> {
  const r = await renderProgram(renderer, code, 800, 600, 20_000);
  assert.ok(r.ok && r.png, `the test chart draws: ${r.error}`);
  return r.png;
}

/** The numbers of the list assigned to `name` in a program. */
function listOf(code: string, name: string): number[] {
  const m = new RegExp(String.raw`^${name}\s*=\s*\[([^\]]*)\]`, 'm').exec(code);
  assert.ok(m, `${name} = [...] in the program`);
  return m[1].split(',').map((s) => Number(s.trim()));
}

/** How many values are within `tol` (share of the axis range) of the truth. */
function within(values: number[], truth: number[], range: number, tol = 0.02): number {
  return values.filter((v, i) => Math.abs(v - truth[i]) / range <= tol).length;
}

async function runWith(imagePng: Uint8Array, candidate: string, opts: Partial<DerenderOptions>) {
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: [fence(candidate)] }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'test-key', retryBaseMs: 10, supportsN: true });
    if (opts.reader && !ocr) ocr = await createOcr();
    const outcome = await derender({ image: imagePng, imageName: 'drawn.png' }, { model, renderer, ocr }, { candidates: 1, rounds: 0, reader: false, ...opts });
    assert.equal(outcome.error, undefined);
    return outcome;
  } finally {
    await server.close();
  }
}

const BARS = (values: number[]) => `import matplotlib.pyplot as plt

months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
sales = [${values.join(', ')}]

fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
ax.bar(months, sales, color='#4c72b0')
ax.set_ylim(0, 100)
ax.set_title('Monthly sales')
`;

test('data space: a run with a numeric budget of 60 renders brings twelve wrong bars within 2 % of the axis range', async () => {
  const truth = [42, 55, 61, 38, 72, 80, 67, 49, 58, 33, 46, 90];
  // the model's candidate: the right chart, every value off by 6–15 % of the range
  const wrong = [50, 44, 70, 30, 60, 92, 58, 60, 47, 42, 38, 78];
  const original = await draw(BARS(truth));
  const outcome = await runWith(original, BARS(wrong), { numericRefineBudget: 60 });
  const got = listOf(outcome.summary!.program, 'sales');
  const before = within(wrong, truth, 100);
  const after = within(got, truth, 100);
  assert.equal(before, 0);
  assert.ok(after >= 11, `after the run ${after} of 12 values within 2 % (${got.join(', ')})`);
  assert.equal(outcome.record.numeric?.search, 'local', 'the run used the local search (many values per render)');
  assert.ok(outcome.record.renders <= 1 + 60 + 1, `renders ${outcome.record.renders}`);
});

const SCATTER = (x: number[], y: number[]) => `import matplotlib.pyplot as plt

x = [${x.join(', ')}]
y = [${y.join(', ')}]

fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
ax.scatter(x, y, s=40, color='#dd8452')
ax.set_xlim(0, 10)
ax.set_ylim(0, 100)
ax.set_title('Weight and height')
`;

test('data space: a scatter written as x = [...] has its x values tuned, not only its y', async () => {
  const tx = [0.8, 1.9, 3.1, 3.9, 5.2, 6.1, 6.8, 8.2, 9.1];
  const ty = [20, 62, 35, 80, 50, 15, 70, 42, 88];
  // the model's candidate: y right, every x off by 3–6 % of the range
  const wx = [1.2, 1.5, 3.6, 3.4, 5.7, 5.7, 7.4, 7.7, 8.6];
  const original = await draw(SCATTER(tx, ty));
  const outcome = await runWith(original, SCATTER(wx, ty), { numericRefineBudget: 60 });
  const gx = listOf(outcome.summary!.program, 'x');
  const gy = listOf(outcome.summary!.program, 'y');
  assert.equal(within(wx, tx, 10), 0);
  assert.ok(within(gx, tx, 10) >= 8, `x after the run: ${gx.join(', ')} (truth ${tx.join(', ')})`);
  assert.ok(within(gy, ty, 100) >= 8, `y after the run: ${gy.join(', ')}`);
});

const FIVE_BARS = (values: number[], ylim: number) => `import matplotlib.pyplot as plt

fruit = ['apples', 'pears', 'plums', 'kiwis', 'figs']
tons = [${values.join(', ')}]

fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
ax.set_facecolor('#eaeaf2')
ax.grid(axis='y', color='white', linewidth=2)
ax.set_axisbelow(True)
ax.bar(fruit, tons, color='#55a868', edgecolor='black', linewidth=2)
ax.set_ylim(0, ${ylim})
ax.set_ylabel('Tons')
ax.set_title('Harvest')
`;

test('data space: with the reading, the loop keeps a seed whose data is right over a refinement that matches the pixels under a wrong y axis', async () => {
  const truth = [62, 35, 48, 80, 27];
  const original = await draw(FIVE_BARS(truth, 100));
  // the model's candidate: the right values, but a y axis to 130 the original does not have;
  // matching the bars' heights in pixels would scale every value by 1.3
  const outcome = await runWith(original, FIVE_BARS(truth, 130), { reader: true, numericRefineBudget: 60 });
  // the model's candidate, in the original's style, wins over the reader's own program
  assert.equal(outcome.summary!.bestCandidateId.startsWith('reader'), false, `best ${outcome.summary!.bestCandidateId}`);
  const got = listOf(outcome.summary!.program, 'tons');
  assert.ok(within(got, truth, 100) >= 5, `values after the run: ${got.join(', ')} (truth ${truth.join(', ')}); record ${JSON.stringify(outcome.record.numeric)}`);
});
