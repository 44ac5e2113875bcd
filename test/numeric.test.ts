// Numeric refinement: which numbers of a program are data, that only they change, that the values
// found are the true ones, in few renders, and that the result never scores worse. Synthetic
// "renders" (a chart drawn here from the program's numbers), plus one real matplotlib render loop.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { assign, findDataLists, refineNumbers, withValues } from '../src/core/refine/numeric';
import { prepareOriginal, scorePair } from '../src/core/critic/pixelCritic';
import { decodeImage } from '../src/core/image';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import type { Renderer, RgbaImage } from '../src/core/types';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

type Rgb = [number, number, number];

/**
 * A synthetic renderer: reads `values = [...]` (and `kind = 'line'` or `'hbar'`, `ymax = N` or
 * `ymax = 'auto'`) from the program and draws a 400×300 chart: axis lines, a tick every unit (or
 * every ymax/5), bars, horizontal bars or a line. With ymax 'auto' the axis scales to 1.05 × the largest value, as matplotlib's does.
 */
function draw(program: string): RgbaImage {
  const values = JSON.parse(/values = (\[[^\]]*\])/.exec(program)![1]) as number[];
  const kind = /kind = 'line'/.test(program) ? 'line' : /kind = 'hbar'/.test(program) ? 'hbar' : 'bar';
  const ymaxText = /ymax = ('auto'|[\d.]+)/.exec(program)?.[1] ?? '10';
  const ymax = ymaxText === "'auto'" ? 1.05 * Math.max(...values) : Number(ymaxText);
  const W = 400, H = 300, x0 = 56, x1 = 380, y0 = 36, y1 = 258;
  const d = new Uint8Array(W * H * 4).fill(255);
  const rect = (ax: number, ay: number, bx: number, by: number, c: Rgb) => {
    for (let y = Math.max(0, Math.round(ay)); y < Math.min(H, Math.round(by)); y++) {
      for (let x = Math.max(0, Math.round(ax)); x < Math.min(W, Math.round(bx)); x++) {
        const p = (y * W + x) * 4;
        d[p] = c[0]; d[p + 1] = c[1]; d[p + 2] = c[2];
      }
    }
  };
  const Y = (v: number) => y1 - (v / ymax) * (y1 - y0);
  rect(x0 - 1, y0, x0 + 1, y1, [0, 0, 0]);
  rect(x0, y1 - 1, x1, y1 + 1, [0, 0, 0]);
  const tick = ymaxText === "'auto'" ? 1 : ymax / 5;
  for (let v = 0; v <= ymax + 1e-9; v += tick) rect(x0 - 7, Y(v) - 1, x0, Y(v) + 1, [60, 60, 60]);
  const n = values.length, slot = (x1 - x0) / n;
  if (kind === 'hbar') {
    // horizontal bars, one per row from the top, the values along x (clipped at the axis end)
    const row = (y1 - y0) / n;
    values.forEach((v, i) => rect(x0, y0 + (i + 0.15) * row, Math.min(x1, x0 + (v / ymax) * (x1 - x0)), y0 + (i + 0.85) * row, [31, 119, 180]));
  } else if (kind === 'bar') {
    values.forEach((v, i) => rect(x0 + (i + 0.15) * slot, Math.max(y0, Y(v)), x0 + (i + 0.85) * slot, y1, [31, 119, 180]));
  } else {
    for (let i = 0; i + 1 < n; i++) {
      const ax = x0 + (i + 0.5) * slot, bx = x0 + (i + 1.5) * slot, ay = Y(values[i]), by = Y(values[i + 1]);
      const steps = Math.ceil(Math.max(Math.abs(bx - ax), Math.abs(by - ay)));
      for (let k = 0; k <= steps; k++) {
        const x = ax + ((bx - ax) * k) / steps, y = ay + ((by - ay) * k) / steps;
        rect(x - 1.5, y - 1.5, x + 1.5, y + 1.5, [200, 30, 40]);
      }
    }
  }
  for (let p = 3; p < d.length; p += 4) d[p] = 255;
  return { width: W, height: H, data: d };
}

const program = (values: number[], extra = '') =>
  `import matplotlib.pyplot as plt\n${extra}values = [${values.join(', ')}]\nfig, ax = plt.subplots(figsize=(4, 3))\nax.bar(range(len(values)), values)\nax.set_title('Synthetic')\n`;
const valuesOf = (p: string) => JSON.parse(/values = (\[[^\]]*\])/.exec(p)![1]) as number[];
const skeleton = (p: string) => p.replace(/-?\d+\.?\d*(?:e[-+]?\d+)?/gi, '#');

/** Runs refineNumbers against the synthetic renderer, counting renders. */
async function refineSynthetic(truth: number[], start: number[], budget: number, extra = '') {
  const o = prepareOriginal(draw(program(truth, extra)));
  let renders = 0;
  const renderImage = async (p: string) => { renders++; return draw(p); };
  const evaluate = async (p: string) => scorePair(o, await renderImage(p)).score;
  const startProgram = program(start, extra);
  const startScore = scorePair(o, draw(startProgram)).score;
  const r = await refineNumbers({ program: startProgram, startScore, budget, evaluate, renderImage, original: o });
  return { r, startProgram, startScore, renders };
}

/** Every value moved by ±10–30 % (a fixed pattern). */
const perturb = (vals: number[]) => vals.map((v, i) => v * (1 + [0.12, -0.25, 0.3, -0.1, 0.18, -0.28, 0.22, -0.15][i % 8]));

test('findDataLists: data lists by variable and dict key; layout, ticks, limits and sizes are not data', () => {
  const p = `import matplotlib.pyplot as plt
labels = ['A', 'B', 'C']
values = [3.1, 6.5, 2.2]
series = {
    'Asia': [2876, 4708, 5230],
    'Europe': [21574, 29990, 32510],
}
fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes([0.1025, 0.1423, 0.8450, 0.7487])
ax.bar(labels, values)
ax.set_yticks([0, 2, 4, 6, 8])
ax.set_yticks([1, 3, 5, 7], minor=True)
ax.set_xlim(-0.08, 7.48)
ax.spines['left'].set_bounds(0, 20)
ax.legend(bbox_to_anchor=(0.1, 0.8))
x = [0.7, 1.9, 3.1]
colors = [0.2, 0.5, 0.9]
`;
  const lists = findDataLists(p);
  assert.deepEqual(lists.map((l) => l.name), ['values', 'Asia', 'Europe']);
  assert.deepEqual(lists[1].literals.map((l) => l.value), [2876, 4708, 5230]);
});

test('withValues: only the numbers change; at most 4 significant decimals, no float noise', () => {
  const p = 'values = [3.1, 6.5, 2.2]  # keep this comment\nplt.bar(x, values)\n';
  const lists = findDataLists(p);
  const out = withValues(p, lists[0].literals, [3.14159265, 6.5, 0.1 + 0.2]);
  assert.equal(out, 'values = [3.142, 6.5, 0.3]  # keep this comment\nplt.bar(x, values)\n');
});

test('local refinement: 8 bars off by 10–30 % come back within 2 % of the axis, many values per render', async () => {
  const truth = [3, 7, 2, 5, 4, 6.5, 1.5, 8];
  const { r, startProgram, startScore } = await refineSynthetic(truth, perturb(truth), 120);
  assert.equal(r.search, 'local');
  assert.ok(r.score >= startScore);
  assert.ok(r.rendersUsed <= 120);
  const got = valuesOf(r.program);
  got.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) <= 0.2, `bar ${i}: ${v} vs ${truth[i]} (${r.rendersUsed} renders)`));
  // one probe per value, then every render moves all eight: ~10 renders per value would be needed otherwise
  assert.ok(r.rendersUsed <= 80, `${r.rendersUsed} renders`);
  // the program text is intact except its numbers
  assert.equal(skeleton(r.program), skeleton(startProgram));
});

test('local refinement: a line of 24 points, and a bar drawn past the axis limit, are recovered', async () => {
  const line = Array.from({ length: 24 }, (_, i) => 5 + 3 * Math.sin(i / 3) + (i % 5) * 0.3);
  const a = await refineSynthetic(line, perturb(line), 200, "kind = 'line'\n");
  const gotLine = valuesOf(a.r.program);
  const within = gotLine.filter((v, i) => Math.abs(v - line[i]) <= 0.2).length;
  assert.ok(within >= 0.9 * line.length, `${within}/${line.length} points within 2 % (${a.r.rendersUsed} renders)`);
  assert.ok(a.r.rendersUsed <= 200);
  // 9.2 drawn as 11.5 is clipped at the top of the axis (10): moves that change nothing must not stop it
  const bars = [3, 9.2, 5];
  const b = await refineSynthetic(bars, [3, 11.5, 5], 60);
  assert.ok(Math.abs(valuesOf(b.r.program)[1] - 9.2) <= 0.2, b.r.program);
});

test('local refinement: horizontal bars whose ends have far to go past where their neighbours were probed are recovered', async () => {
  // every other bar long and drawn short, the others short and drawn long: each end must travel
  // along its row past the place its neighbour's probe moved pixels (the pixels are the bar's own
  // along its whole row, not the nearest probe's)
  const truth = [9, 3, 8.5, 2.5, 9.2, 4, 7.5, 2];
  const start = truth.map((v, i) => (i % 2 === 0 ? v * 0.7 : v * 1.3 + 2.5));
  const { r, startScore } = await refineSynthetic(truth, start, 200, "kind = 'hbar'\n");
  assert.ok(r.score >= startScore);
  const got = valuesOf(r.program);
  const off = got.map((v, i) => [i, v, truth[i]]).filter(([, v, t]) => Math.abs(v - t) > 0.2);
  assert.deepEqual(off, [], `bars not within 2 % of the axis (${r.rendersUsed} renders): ${JSON.stringify(off)}`);
});

test('local refinement: a line of 60 points is probed many values per render and recovered', async () => {
  const line = Array.from({ length: 60 }, (_, i) => 5 + 2.5 * Math.sin(i / 4) + (i % 7) * 0.2);
  const { r, startProgram, startScore } = await refineSynthetic(line, perturb(line), 200, "kind = 'line'\n");
  assert.ok(r.score >= startScore);
  assert.ok(r.rendersUsed <= 200);
  const got = valuesOf(r.program);
  const within = got.filter((v, i) => Math.abs(v - line[i]) <= 0.2).length;
  assert.ok(within >= 0.9 * line.length, `${within}/${line.length} points within 2 % (${r.rendersUsed} renders)`);
  assert.equal(skeleton(r.program), skeleton(startProgram));
});

/** A synthetic scatter: `wt = [...]`, `mpg = [...]` as dots of 7 px on a 400×300 canvas; points past the axes are clipped. */
function drawScatter(program: string): RgbaImage {
  const xs = JSON.parse(/wt = (\[[^\]]*\])/.exec(program)![1]) as number[];
  const ys = JSON.parse(/mpg = (\[[^\]]*\])/.exec(program)![1]) as number[];
  const W = 400, H = 300, x0 = 40, x1 = 390, y0 = 10, y1 = 270;
  const d = new Uint8Array(W * H * 4).fill(255);
  const put = (x: number, y: number, c: Rgb) => {
    x = Math.round(x); y = Math.round(y);
    if (x < x0 || x >= x1 || y < y0 || y >= y1) return;
    const p = (y * W + x) * 4;
    d[p] = c[0]; d[p + 1] = c[1]; d[p + 2] = c[2];
  };
  for (let y = y0; y < y1; y++) put(x0, y, [0, 0, 0]);
  for (let x = x0; x < x1; x++) put(x, y1 - 1, [0, 0, 0]);
  xs.forEach((v, i) => {
    const cx = x0 + ((v - 1) / 5) * (x1 - x0), cy = y1 - ((ys[i] - 10) / 25) * (y1 - y0);
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if (dx * dx + dy * dy <= 10) put(cx + dx, cy + dy, [139, 0, 0]);
  });
  for (let p = 3; p < d.length; p += 4) d[p] = 255;
  return { width: W, height: H, data: d };
}

test('local refinement: a scatter of 32 points whose perturbation makes them cross — the set of points is recovered', async () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const tx = Array.from({ length: 32 }, () => 1.5 + 4 * rnd()), ty = Array.from({ length: 32 }, () => 11 + 22 * rnd());
  const off = () => (rnd() < 0.5 ? -1 : 1) * (0.1 + 0.2 * rnd());
  const prog = (x: number[], y: number[]) =>
    `import matplotlib.pyplot as plt\nwt = [${x.map((v) => +v.toFixed(4)).join(', ')}]\nmpg = [${y.map((v) => +v.toFixed(3)).join(', ')}]\nfig, ax = plt.subplots()\nax.scatter(wt, mpg)\n`;
  const o = prepareOriginal(drawScatter(prog(tx, ty)));
  const startProgram = prog(tx.map((v) => v * (1 + off())), ty.map((v) => v * (1 + off())));
  const startScore = scorePair(o, drawScatter(startProgram)).score;
  const renderImage = async (p: string) => drawScatter(p);
  const evaluate = async (p: string) => scorePair(o, drawScatter(p)).score;
  const r = await refineNumbers({ program: startProgram, startScore, budget: 200, evaluate, renderImage, original: o });
  assert.ok(r.score >= startScore && r.rendersUsed <= 200);
  assert.equal(skeleton(r.program), skeleton(startProgram));
  const gx = JSON.parse(/wt = (\[[^\]]*\])/.exec(r.program)![1]) as number[];
  const gy = JSON.parse(/mpg = (\[[^\]]*\])/.exec(r.program)![1]) as number[];
  // the image has no order of its points: each recovered point near some true point (2 % of each axis)
  const near = gx.filter((x, i) => tx.some((t, j) => Math.abs(x - t) <= 0.1 && Math.abs(gy[i] - ty[j]) <= 0.5)).length;
  assert.ok(near >= 29, `${near}/32 points near a true point (${r.rendersUsed} renders)`);
});

test('local refinement: axes that scale to the data — the common factor is found by joint moves', async () => {
  const truth = [3, 7, 2, 5, 4];
  const start = truth.map((v) => v * 1.2);
  const { r, startScore } = await refineSynthetic(truth, start, 150, "ymax = 'auto'\n");
  assert.ok(r.score > startScore);
  const got = valuesOf(r.program);
  got.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) <= 0.15, `value ${i}: ${v} vs ${truth[i]} — ${r.program.split('\n')[2]}`));
});

test('refinement never returns a worse program: from the truth, and when every render fails', async () => {
  const truth = [3, 7, 2, 5];
  const fromTruth = await refineSynthetic(truth, truth, 40);
  assert.ok(fromTruth.r.score >= fromTruth.startScore);
  assert.deepEqual(valuesOf(fromTruth.r.program), truth);
  // a renderer that fails every time: the program comes back unchanged, with its score
  const o = prepareOriginal(draw(program(truth)));
  const p = program(perturb(truth));
  const r = await refineNumbers({ program: p, startScore: 0.5, budget: 20, evaluate: async () => undefined, renderImage: async () => undefined, original: o });
  assert.equal(r.program, p);
  assert.equal(r.score, 0.5);
  assert.deepEqual(r.changes, []);
  // the scalar search (no images) keeps the same promise
  const g = await refineNumbers({ program: p, startScore: 0.99, budget: 10, evaluate: async () => 0.5 });
  assert.equal(g.search, 'global');
  assert.equal(g.program, p);
  assert.ok(g.rendersUsed <= 10);
});

// ---------------------------------------------------------------------------------------------
// The real loop: matplotlib renders of a program redrawing R's InsectSprays chart
// ---------------------------------------------------------------------------------------------

let renderer: Renderer | undefined;
after(async () => {
  await renderer?.dispose();
});

test('refinement on a real R chart: two bars off by 20 % are recovered within 2 % of the axis through matplotlib renders', { skip: !existsSync(SYSTEM_PYTHON) && 'no /usr/bin/python3' }, async () => {
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  const o = prepareOriginal(decodeImage(new Uint8Array(readFileSync(join(FIXTURES, 'insectsprays-bar.png')))));
  const truthProgram = readFileSync(join(ROOT, 'bench', 'fixtures-programs', 'insectsprays-bar.py'), 'utf8');
  const start = truthProgram.replace('[14.5, 15.3333, 2.0833, 4.9167, 3.5, 16.6667]', '[11.6, 15.3333, 2.0833, 4.9167, 3.5, 20.0]');
  const renderImage = async (code: string) => {
    const r = await renderer!.render({ code, mode: 'figure', width: 800, height: 600, timeLimitMs: 60_000 });
    return r.ok && r.png ? decodeImage(r.png) : undefined;
  };
  const evaluate = async (code: string) => {
    const img = await renderImage(code);
    return img ? scorePair(o, img).score : undefined;
  };
  const startScore = (await evaluate(start))!;
  const r = await refineNumbers({ program: start, startScore, budget: 28, evaluate, renderImage, original: o });
  assert.ok(r.score > startScore, `${startScore} → ${r.score}`);
  assert.ok(r.rendersUsed <= 28);
  const got = JSON.parse(/mean_count = (\[[^\]]*\])/.exec(r.program)![1]) as number[];
  const truth = [14.5, 15.3333, 2.0833, 4.9167, 3.5, 16.6667];
  got.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) <= 0.02 * 21.6, `bar ${i}: ${v} vs ${truth[i]} after ${r.rendersUsed} renders`));
  assert.equal(skeleton(r.program), skeleton(start));
});

test('assign: the Hungarian method finds the least-cost one-to-one matching (checked against every permutation)', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const permutations = (n: number): number[][] => (n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)])));
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + (trial % 6);
    const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.round(random() * 100)));
    const match = assign(cost);
    assert.deepEqual([...match].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'a permutation');
    const total = (m: number[]) => m.reduce((s, j, i) => s + cost[i][j], 0);
    const best = Math.min(...permutations(n).map(total));
    assert.equal(total(match), best, JSON.stringify(cost));
  }
});

test('findDataLists: x lists a plot or scatter draws are data, whatever their name; tick places and category lists are not', () => {
  const p = `import matplotlib.pyplot as plt
x = [0.8, 1.9, 3.1, 4.4]
y = [20, 62, 35, 80]
years = [1990, 1993, 2001, 2012]
sales = [3.2, 4.1, 5.5, 2.9]
tick_pos = [0.5, 2.2, 3.9]
xs = [1.5, 2.7, 3.3]
months = ['Jan', 'Feb', 'Mar']
fig, ax = plt.subplots()
ax.scatter(x, y)
ax.plot(years, sales)
ax.plot(xs, [4.4, 5.1, 2.8])
ax.set_xticks(tick_pos)
ax.set_xticks(xs)
`;
  assert.deepEqual(findDataLists(p).map((l) => l.name ?? 'unnamed'), ['x', 'y', 'years', 'sales', 'unnamed']);
});
