// The critic's data part (issue 12) through the loop users run: real R charts read by the real
// reader (tesseract.js OCR, offline), candidates in matplotlib's default style rendered by real
// CPython + matplotlib (the harness reports where each mark was drawn), the real openai client
// against the scripted server. A candidate with the data right must beat one with the data wrong
// whatever the style; with no reading (or no marks reported) the critic compares pixels and the
// run record says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { derender } from '../src/core/loop';
import { encodePng } from '../src/core/image';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { parseMarks } from '../src/core/render/harness';
import { createOcr, type Ocr } from '../src/core/reader';
import type { Renderer, RunEvent, Score } from '../src/core/types';
import type { RunOutcome } from '../src/core/loop';
import { startScriptedServer, byPurpose } from './support/scriptedServer';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

const skip = !existsSync(SYSTEM_PYTHON) && 'no /usr/bin/python3';
const fence = (code: string) => `Here is the program.\n\n\`\`\`python\n${code}\`\`\`\n`;

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

/** A derender of `png` whose model writes `programs` (c1, c2, …), no refinement: the scores the critic gave. */
async function scoreThroughLoop(png: Uint8Array, programs: string[], r: Renderer = renderer): Promise<{ scores: Map<string, Score>; outcome: RunOutcome }> {
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: programs.map(fence) }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'k', retryBaseMs: 10, supportsN: true });
    const events: RunEvent[] = [];
    const outcome = await derender({ image: png, imageName: 'chart.png' }, { model, renderer: r, ocr }, { candidates: programs.length, rounds: 0, numericRefineBudget: 0 }, (e) => events.push(e));
    assert.equal(outcome.error, undefined);
    const scores = new Map<string, Score>();
    for (const e of events) if (e.type === 'candidate-scored') scores.set(e.candidateId, e.score);
    return { scores, outcome };
  } finally {
    await server.close();
  }
}

/** R's InsectSprays means as a model writes the chart: matplotlib's defaults, nothing of R's look. */
const insectBars = (values: number[]) => `import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
sprays = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [${values.join(', ')}]
ax.bar(sprays, mean_count)
ax.set_xlabel('Spray')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
`;
const INSECT = [14.5, 15.3333, 2.0833, 4.9167, 3.5, 16.6667];

test('data critic: a default-style render of an R bar chart with the true values outranks the same style with one value 10 % off', { skip }, async () => {
  const png = new Uint8Array(readFileSync(join(FIXTURES, 'insectsprays-bar.png')));
  const off = INSECT.slice();
  off[5] = Number((off[5] * 1.1).toFixed(4)); // the tallest bar, 10 % too tall
  const { scores, outcome } = await scoreThroughLoop(png, [insectBars(INSECT), insectBars(off)]);
  const t = scores.get('c1')!, o = scores.get('c2')!;
  assert.ok(t.score > o.score, `true ${JSON.stringify(t)} vs one value off ${JSON.stringify(o)}`);
  // and it says what it compared
  assert.equal(outcome.record.critic?.basis, 'data+pixels');
  assert.ok(t.parts.data > o.parts.data);
});

test('data critic: on an R grouped bar chart, the data right in matplotlib\'s default style beats the same style with the data 8 % off', { skip }, async () => {
  // bench/candidates/vadeaths-grouped (seed 1): what a model writes for R's VADeaths, right labels,
  // matplotlib's colours, widths and margins; the second with every value off by 8 % of the range
  const dir = join(ROOT, 'bench', 'candidates', 'vadeaths-grouped');
  const right = readFileSync(join(dir, 's1-exact.py'), 'utf8');
  const wrong = readFileSync(join(dir, 's1-off8.py'), 'utf8');
  const png = new Uint8Array(readFileSync(join(FIXTURES, 'vadeaths-grouped.png')));
  const { scores, outcome } = await scoreThroughLoop(png, [right, wrong]);
  assert.ok(scores.get('c1')!.score > scores.get('c2')!.score, `right ${JSON.stringify(scores.get('c1'))} vs wrong ${JSON.stringify(scores.get('c2'))}`);
  assert.notEqual(outcome.summary?.bestCandidateId, 'c2');
});

/** A photo-like noise image: nothing a chart reader may read. */
function noisePng(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  let s = 4242;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : (s >>> 16) & 255;
  }
  return encodePng({ width, height, data });
}

test('data critic: when the reader cannot read the original, the critic compares pixels and the run record says why', { skip }, async () => {
  const { scores, outcome } = await scoreThroughLoop(noisePng(300, 200), [insectBars(INSECT)]);
  assert.equal(outcome.record.reading?.ok, false);
  assert.equal(outcome.record.critic?.basis, 'pixels');
  assert.match(outcome.record.critic?.fallback ?? '', /reader could not read the original/);
  assert.equal(scores.get('c1')!.parts.data, undefined);
});

test('data critic: a renderer that reports no marks: pixels, and the record says the marks were missing', { skip }, async () => {
  const bare: Renderer = {
    name: 'python-without-marks',
    render: async (req, signal) => {
      const r = await renderer.render(req, signal);
      delete r.marks;
      return r;
    },
    dispose: async () => {},
  };
  const png = new Uint8Array(readFileSync(join(FIXTURES, 'insectsprays-bar.png')));
  const { outcome } = await scoreThroughLoop(png, [insectBars(INSECT)], bare);
  assert.equal(outcome.record.critic?.basis, 'pixels');
  assert.match(outcome.record.critic?.fallback ?? '', /did not report where the marks were drawn/);
});

test('harness marks are data from the sandbox: malformed reports are dropped, rows with NaN left out, never the render', () => {
  assert.equal(parseMarks('nope'), undefined);
  assert.equal(parseMarks([{ box: [0, 0, 1], xlim: [0, 1], ylim: [0, 1], artists: [] }]), undefined);
  assert.equal(parseMarks(new Array(9).fill({ box: [0, 0, 1, 1], xlim: [0, 1], ylim: [0, 1], artists: [] })), undefined);
  const ok = parseMarks([
    {
      box: [10, 20, 300, 200], xscale: 'linear', yscale: 'linear', xlim: [0, 5], ylim: [0, 10], xticks: [[0, 'A'], ['x', 'B']], yticks: [],
      artists: [
        { kind: 'line', label: 'a', color: [300, -4, 20], items: [[0, 1, 10, 20], [1, null, 11, 21], [2, 3, 12]] },
        { kind: 'sprite', items: [[1]] },
      ],
    },
  ]);
  assert.ok(ok);
  assert.equal(ok![0].artists.length, 1);
  assert.deepEqual(ok![0].artists[0].items, [[0, 1, 10, 20]]);
  assert.deepEqual(ok![0].artists[0].color, [255, 0, 20]);
  assert.deepEqual(ok![0].xticks, [[0, 'A']]);
  // too many marks in all: the report goes, not the render
  const many = Array.from({ length: 20_001 }, (_, i) => [i, i, i, i]);
  assert.equal(parseMarks([{ box: [0, 0, 1, 1], xlim: [0, 1], ylim: [0, 1], artists: [{ kind: 'points', items: many }] }]), undefined);
});
