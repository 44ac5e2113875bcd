// Unit tests of the engine's pieces that need neither a model nor a renderer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractProgram, NoCodeError } from '../src/core/program';
import { generateMessages, refineMessages, answerMessages, criticMessages, MARKER } from '../src/core/prompts';
import { decodeImage, encodePng, ImageError, orient, resize } from '../src/core/image';
import { prepareOriginal, scorePair } from '../src/core/critic/pixelCritic';
import { parseCritique } from '../src/core/critic/modelCritic';
import { findDataLists, refineNumbers, withValues } from '../src/core/refine/numeric';
import { writeFileAtomic, freshDir } from '../src/core/files';
import { answerMatches, parseManifest } from '../src/core/manifest';
import type { RgbaImage } from '../src/core/types';
import { FIXTURES } from './support/paths';

test('extractProgram takes the python block that draws, not the others', () => {
  const reply = 'Here you go:\n```python\nprint(1)\n```\nand the chart:\n```python\nimport matplotlib.pyplot as plt\nplt.bar([1,2],[3,4])\n```\n';
  const p = extractProgram(reply);
  assert.match(p.code, /plt\.bar/);
  assert.equal(p.otherBlocks, 1);
});

test('extractProgram refuses replies with no code, code in another language, refusals', () => {
  assert.throws(() => extractProgram(''), (e: Error) => e instanceof NoCodeError && /empty/.test(e.message));
  assert.throws(() => extractProgram('```js\nconsole.log(1)\n```'), /another language \(js\)/);
  assert.throws(() => extractProgram("I'm sorry, but I can't help with that."), /declined/);
  assert.throws(() => extractProgram('The chart shows five bars of different heights.'), /no Python code/);
});

test('extractProgram accepts an unfenced program and an unterminated fence', () => {
  assert.match(extractProgram('import matplotlib.pyplot as plt\nplt.plot([1,2],[3,4])').code, /plt\.plot/);
  assert.match(extractProgram('```python\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])').code, /plt\.plot/);
});

test('extractProgram takes a python block whose data lists run over many lines (100 values, ten a line)', () => {
  const rows = Array.from({ length: 10 }, (_, r) => '    ' + Array.from({ length: 10 }, (_, c) => 1000 + r * 10 + c).join(', ') + ',').join('\n');
  const code = `import matplotlib.pyplot as plt\n\nfig, ax = plt.subplots()\nflow = [\n${rows}\n]\nyears = list(range(1871, 1971))\nax.plot(years, flow)\n`;
  assert.equal(extractProgram('Here is the program.\n\n```python\n' + code + '```\n').code.trim(), code.trim());
});

test('every prompt carries its purpose marker and the image', () => {
  const url = 'data:image/png;base64,AAAA';
  const g = generateMessages({ imageDataUrl: url, width: 800, height: 600, question: 'Q?', kind: 'chart' });
  assert.ok(String(g[0].content).startsWith(MARKER.generate));
  assert.match(String(g[0].content), /figsize=\(8\.00, 6\.00\)/);
  const user = g[1].content as { type: string }[];
  assert.ok(user.some((p) => p.type === 'image'));
  const r = refineMessages({ originalDataUrl: url, renderDataUrl: url, diffDataUrl: url, program: 'x=1', score: { score: 0.5, parts: { pixel: 0.5 } }, width: 10, height: 10, kind: 'auto' });
  assert.ok(String(r[0].content).startsWith(MARKER.refine));
  assert.equal((r[1].content as { type: string }[]).filter((p) => p.type === 'image').length, 3);
  assert.ok(String(answerMessages({ question: 'q', program: 'p', imageDataUrl: url })[0].content).startsWith(MARKER.answer));
  assert.ok(String(criticMessages({ originalDataUrl: url, renders: [{ id: 'c1', dataUrl: url }] })[0].content).startsWith(MARKER.critic));
});

test('decodeImage refuses empty, truncated, non-image, svg and huge files with a clear reason', () => {
  const png = readFileSync(join(FIXTURES, 'fivebars.png'));
  assert.throws(() => decodeImage(new Uint8Array(0), 'a.png'), (e: Error) => e instanceof ImageError && /empty/.test(e.message));
  assert.throws(() => decodeImage(new Uint8Array(png.subarray(0, 200)), 'a.png'), /truncated or corrupt/);
  assert.throws(() => decodeImage(new TextEncoder().encode('hello, I am text'), 'notes.png'), /not a PNG or JPEG/);
  assert.throws(() => decodeImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'x.svg'), /SVG/);
  // a valid PNG header claiming 20000×20000: refused before any pixel is decoded
  const huge = new Uint8Array(png);
  const dv = new DataView(huge.buffer, huge.byteOffset);
  dv.setUint32(16, 20000);
  dv.setUint32(20, 20000);
  assert.throws(() => decodeImage(huge, 'huge.png'), /20000×20000 pixels/);
  const img = decodeImage(new Uint8Array(png), 'fivebars.png');
  assert.equal(img.width, 600);
  assert.equal(img.height, 400);
});

test('EXIF orientation 6 turns a 2×1 image into 1×2, rotated clockwise', () => {
  const img: RgbaImage = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) };
  const o = orient(img, 6);
  assert.equal(o.width, 1);
  assert.equal(o.height, 2);
  assert.deepEqual([...o.data.subarray(0, 4)], [255, 0, 0, 255]); // the left pixel is now on top
});

function chart(heights: number[], color: [number, number, number] = [31, 119, 180], w = 400, h = 300, shift = 0): RgbaImage {
  const d = new Uint8Array(w * h * 4).fill(255);
  const set = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const p = (y * w + x) * 4;
    d[p] = c[0]; d[p + 1] = c[1]; d[p + 2] = c[2];
  };
  for (let x = 40; x < w - 20; x++) set(x + shift, h - 30, [0, 0, 0]);
  for (let y = 20; y < h - 30; y++) set(40 + shift, y, [0, 0, 0]);
  heights.forEach((v, i) => {
    const x0 = 60 + i * 60;
    for (let x = x0; x < x0 + 40; x++) for (let y = h - 30 - Math.round(v * 25); y < h - 30; y++) set(x + shift, y, color);
  });
  return { width: w, height: h, data: d };
}

test('critic: identical = 1, and the true values beat values off by 15 %, a missing bar and another colour', () => {
  const truth = [3, 7, 2, 5, 4];
  const o = prepareOriginal(chart(truth));
  assert.equal(scorePair(o, chart(truth)).score, 1);
  const exact = scorePair(o, chart(truth)).score;
  const off = scorePair(o, chart(truth.map((v, i) => v * (i % 2 ? 1.15 : 0.85)))).score;
  const missing = scorePair(o, chart(truth.slice(0, 4))).score;
  const recoloured = scorePair(o, chart(truth, [214, 39, 40])).score;
  assert.ok(exact > off && exact > missing && exact > recoloured, JSON.stringify({ exact, off, missing, recoloured }));
  // and a small error scores better than a large one
  const off5 = scorePair(o, chart(truth.map((v) => v * 1.05))).score;
  const off30 = scorePair(o, chart(truth.map((v) => v * 1.3))).score;
  assert.ok(off5 > off30, `5 % off ${off5} should beat 30 % off ${off30}`);
});

test('critic: a render at another size is compared on the original canvas; a 1-px shift costs little', () => {
  const truth = [3, 7, 2, 5, 4];
  const o = prepareOriginal(chart(truth));
  const bigger = resize(chart(truth), 800, 600);
  assert.ok(scorePair(o, bigger).score > 0.9);
  const shifted = scorePair(o, chart(truth, undefined, 400, 300, 1)).score;
  const wrong = scorePair(o, chart([7, 3, 5, 2, 4])).score;
  assert.ok(shifted > wrong, `shifted ${shifted} vs wrong values ${wrong}`);
});

test('model critic reply: JSON amid prose, unknown ids dropped, missing ids appended', () => {
  const c = parseCritique('Sure!\n```json\n{"ranking": ["c2", "zz", "c1"], "notes": "bar C too tall"}\n```', ['c1', 'c2', 'c3']);
  assert.deepEqual(c.ranking, ['c2', 'c1', 'c3']);
  assert.equal(c.notes, 'bar C too tall');
  assert.throws(() => parseCritique('no idea', ['c1']), /without a ranking/);
});

test('numeric refinement finds data lists, skips ticks and sizes, and keeps the text intact', () => {
  const prog = `import matplotlib.pyplot as plt
labels = ['A', 'B', 'C']
values = [3.1, 6.5, 2.2]
fig = plt.figure(figsize=(6, 4), dpi=100)
plt.bar(labels, values)
plt.yticks([0, 2, 4, 6, 8])
`;
  const lists = findDataLists(prog);
  assert.equal(lists.length, 1);
  assert.equal(lists[0].name, 'values');
  const out = withValues(prog, lists[0].literals, [3, 7, 2]);
  assert.equal(out, prog.replace('[3.1, 6.5, 2.2]', '[3, 7, 2]'));
});

test('numeric refinement converges on the true values and never worsens the score', async () => {
  const truth = [3, 7, 2, 5, 4];
  const o = prepareOriginal(chart(truth));
  const prog = 'values = [3.5, 6.2, 2.5, 4.4, 4.6]\n';
  const evaluate = async (code: string) => {
    const vals = JSON.parse(/values = (\[.*\])/.exec(code)![1]) as number[];
    return scorePair(o, chart(vals)).score;
  };
  const start = (await evaluate(prog))!;
  const r = await refineNumbers({ program: prog, startScore: start, budget: 150, evaluate });
  assert.ok(r.score >= start);
  assert.ok(r.rendersUsed <= 150);
  const got = JSON.parse(/values = (\[.*\])/.exec(r.program)![1]) as number[];
  got.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) <= 0.2, `value ${i}: ${v} vs ${truth[i]} (${r.program.trim()})`));
});

test('writeFileAtomic never overwrites, freshDir never reuses a non-empty folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recode-files-'));
  const f = join(dir, 'program.py');
  await writeFileAtomic(f, 'first');
  await assert.rejects(writeFileAtomic(f, 'second'), (e: Error & { code?: string }) => e.code === 'EEXIST' && /already exists; recode never overwrites a file/.test(e.message));
  assert.equal(readFileSync(f, 'utf8'), 'first');
  assert.deepEqual(readdirSync(dir), ['program.py']); // no temp files left behind
  const sub = await freshDir(dir, 'run1');
  assert.notEqual(sub, dir);
  writeFileSync(join(sub, 'x'), '');
  const sub2 = await freshDir(dir, 'run1');
  assert.notEqual(sub2, sub);
});

test('eval: manifests parse and answers match like ChartQA relaxed accuracy', () => {
  const items = parseManifest(readFileSync(join(FIXTURES, 'manifest.jsonl'), 'utf8'), FIXTURES);
  assert.equal(items.length, 13);
  assert.ok(items.every((i) => i.qa.length > 0 && i.image.endsWith('.png')));
  assert.ok(answerMatches('16.7', '16.67'));
  assert.ok(answerMatches('34,120', '34120'));
  assert.ok(!answerMatches('20', '16.67'));
  assert.ok(answerMatches('n.amer', 'N.Amer'));
  assert.ok(!answerMatches('Europe', 'N.Amer'));
});

test('encodePng and decodeImage round-trip', () => {
  const img = chart([1, 2, 3]);
  const back = decodeImage(encodePng(img));
  assert.deepEqual(back.data, img.data);
});
