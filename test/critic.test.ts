// The pixel critic: what must not matter (where the plot area sits, canvas size, background,
// anti-aliasing, a small shift) and what must (values, a missing series, colours, chart type).
// Synthetic charts drawn here, plus one real chart (R's InsectSprays) rendered by matplotlib.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { alignRender, detectPlotBox, diffHeatmap, estimateBackground, prepareOriginal, scorePair } from '../src/core/critic/pixelCritic';
import { decodeImage } from '../src/core/image';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import type { Renderer, RgbaImage } from '../src/core/types';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

type Rgb = [number, number, number];

interface ChartSpec {
  values: number[];
  /** Canvas. */
  w?: number;
  h?: number;
  /** The plot area on the canvas, as shares: left, top, right, bottom. */
  plot?: [number, number, number, number];
  ymax?: number;
  colours?: Rgb[];
  background?: Rgb;
  /** A ggplot-like grey panel behind the marks, with white grid lines. */
  panel?: Rgb;
  kind?: 'bar' | 'line';
  /** Drawn this many times larger, then shrunk by area averaging (anti-aliased edges). */
  supersample?: number;
  /** Whole image shifted by this many px. */
  shift?: [number, number];
}

const TAB: Rgb[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

/** A bar or line chart with axis lines, ticks and a title bar, drawn pixel by pixel. */
function chart(spec: ChartSpec): RgbaImage {
  const ss = spec.supersample ?? 1;
  const W = (spec.w ?? 400) * ss, H = (spec.h ?? 300) * ss;
  const [pl, pt, pr, pb] = spec.plot ?? [0.14, 0.12, 0.95, 0.86];
  const x0 = Math.round(pl * W), y0 = Math.round(pt * H), x1 = Math.round(pr * W), y1 = Math.round(pb * H);
  const bg = spec.background ?? [255, 255, 255];
  const d = new Uint8Array(W * H * 4);
  for (let p = 0; p < d.length; p += 4) { d[p] = bg[0]; d[p + 1] = bg[1]; d[p + 2] = bg[2]; d[p + 3] = 255; }
  const [sx, sy] = (spec.shift ?? [0, 0]).map((v) => v * ss);
  const set = (x: number, y: number, c: Rgb) => {
    x += sx; y += sy;
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const p = (y * W + x) * 4;
    d[p] = c[0]; d[p + 1] = c[1]; d[p + 2] = c[2];
  };
  const rect = (ax: number, ay: number, bx: number, by: number, c: Rgb) => {
    for (let y = Math.round(ay); y < Math.round(by); y++) for (let x = Math.round(ax); x < Math.round(bx); x++) set(x, y, c);
  };
  const ymax = spec.ymax ?? 10;
  const Y = (v: number) => y1 - (v / ymax) * (y1 - y0);
  if (spec.panel) {
    rect(x0, y0, x1, y1, spec.panel);
    for (let t = 0; t <= 4; t++) rect(x0, Y((ymax * t) / 4) - ss, x1, Y((ymax * t) / 4) + ss, [255, 255, 255]);
  } else {
    rect(x0 - ss, y0, x0 + ss, y1, [0, 0, 0]); // y axis
    rect(x0, y1 - ss, x1, y1 + ss, [0, 0, 0]); // x axis
  }
  for (let t = 0; t <= 4; t++) rect(x0 - 6 * ss, Y((ymax * t) / 4) - ss, x0, Y((ymax * t) / 4) + ss, [60, 60, 60]);
  rect(W * 0.3, H * 0.03, W * 0.7, H * 0.07, [20, 20, 20]); // a "title"
  const n = spec.values.length;
  const slot = (x1 - x0) / n;
  const colours = spec.colours ?? [TAB[0]];
  if ((spec.kind ?? 'bar') === 'bar') {
    spec.values.forEach((v, i) => rect(x0 + (i + 0.2) * slot, Math.min(Y(v), y1), x0 + (i + 0.8) * slot, y1, colours[i % colours.length]));
  } else {
    for (let i = 0; i + 1 < n; i++) {
      const ax = x0 + (i + 0.5) * slot, bx = x0 + (i + 1.5) * slot;
      const ay = Y(spec.values[i]), by = Y(spec.values[i + 1]);
      const steps = Math.ceil(Math.max(Math.abs(bx - ax), Math.abs(by - ay)));
      for (let k = 0; k <= steps; k++) {
        const x = ax + ((bx - ax) * k) / steps, y = ay + ((by - ay) * k) / steps;
        rect(x - 1.5 * ss, y - 1.5 * ss, x + 1.5 * ss, y + 1.5 * ss, colours[0]);
      }
    }
  }
  const img = { width: W, height: H, data: d };
  return ss === 1 ? img : shrink(img, ss);
}

function shrink(img: RgbaImage, f: number): RgbaImage {
  const w = img.width / f, h = img.height / f;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let yy = 0; yy < f; yy++) for (let xx = 0; xx < f; xx++) s += img.data[((y * f + yy) * img.width + x * f + xx) * 4 + c];
        out[(y * w + x) * 4 + c] = Math.round(s / (f * f));
      }
    }
  }
  return { width: w, height: h, data: out };
}

const TRUTH = [3, 7, 2, 5, 4, 6];
const off = (vals: number[], share: number) => vals.map((v, i) => v * (1 + (i % 2 ? share : -share)));
const score = (o: ReturnType<typeof prepareOriginal>, img: RgbaImage) => scorePair(o, img).score;

test('critic: identical scores 1, and every part is reported in [0,1]', () => {
  const o = prepareOriginal(chart({ values: TRUTH }));
  const s = scorePair(o, chart({ values: TRUTH }));
  assert.equal(s.score, 1);
  assert.deepEqual(Object.keys(s.parts).sort(), ['colour', 'edges', 'layout', 'marks', 'pixel', 'ssim']);
  const w = scorePair(o, chart({ values: off(TRUTH, 0.3), kind: 'line' }));
  for (const [k, v] of Object.entries(w.parts)) assert.ok(v >= 0 && v <= 1, `${k} = ${v}`);
  assert.ok(w.score < 0.8, `a line chart of other values scores ${w.score}`);
});

test('critic: values — true beats 5 % off beats 30 % off; a single bar 10 % off costs', () => {
  for (const panel of [undefined, [235, 235, 235] as Rgb]) {
    const o = prepareOriginal(chart({ values: TRUTH, panel }));
    const exact = score(o, chart({ values: TRUTH, panel }));
    const off5 = score(o, chart({ values: off(TRUTH, 0.05), panel }));
    const off30 = score(o, chart({ values: off(TRUTH, 0.3), panel }));
    const one = score(o, chart({ values: TRUTH.map((v, i) => (i === 1 ? v * 1.1 : v)), panel }));
    assert.ok(exact > off5 && off5 > off30, JSON.stringify({ panel, exact, off5, off30 }));
    assert.ok(exact > one && one > off30, JSON.stringify({ panel, exact, one, off30 }));
  }
});

test('critic: a missing bar, another colour, swapped series colours and lines instead of bars all lose', () => {
  const colours: Rgb[] = [TAB[0], TAB[1]];
  const o = prepareOriginal(chart({ values: TRUTH, colours }));
  const exact = score(o, chart({ values: TRUTH, colours }));
  const wrong = {
    missing: score(o, chart({ values: TRUTH.slice(0, 5), colours })),
    recoloured: score(o, chart({ values: TRUTH, colours: [TAB[2], TAB[3]] })),
    swapped: score(o, chart({ values: TRUTH, colours: [TAB[1], TAB[0]] })),
    lines: score(o, chart({ values: TRUTH, colours, kind: 'line' })),
    off10: score(o, chart({ values: off(TRUTH, 0.1), colours })),
  };
  for (const [k, v] of Object.entries(wrong)) assert.ok(exact > v + 0.02, `true ${exact} vs ${k} ${v}`);
  // a colour error is worse than a 10 % value error, a chart-type error worse still
  assert.ok(wrong.recoloured < wrong.off10 && wrong.lines < wrong.off10, JSON.stringify(wrong));
});

test('critic: other margins — the plot areas are aligned, so the true values still beat values 10 % off drawn at the original layout', () => {
  for (const panel of [undefined, [235, 235, 235] as Rgb]) {
    const o = prepareOriginal(chart({ values: TRUTH, panel }));
    const moved = chart({ values: TRUTH, panel, plot: [0.2, 0.16, 0.9, 0.9] });
    const s = scorePair(o, moved);
    assert.ok(s.score > 0.8, `moved plot area scores ${s.score} ${JSON.stringify(s.parts)}`);
    // the alignment maps the render's plot area onto the original's (knots: canvas edges, then the box)
    const near = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1.5);
    assert.ok(near(s.alignment.x.from, [0, 80, 360, 400]) && near(s.alignment.x.to, [0, 56, 380, 400]), JSON.stringify(s.alignment.x));
    assert.ok(near(s.alignment.y.from, [0, 48, 270, 300]) && near(s.alignment.y.to, [0, 36, 258, 300]), JSON.stringify(s.alignment.y));
    for (const share of [0.1, 0.3]) {
      const wrong = score(o, chart({ values: off(TRUTH, share), panel }));
      assert.ok(s.score > wrong, `panel ${!!panel}: moved true ${s.score} vs ${share * 100} % off at the original layout ${wrong}`);
    }
    // and with the same margins, 5 % off is told apart as well as without them
    const movedOff5 = score(o, chart({ values: off(TRUTH, 0.05), panel, plot: [0.2, 0.16, 0.9, 0.9] }));
    assert.ok(s.score > movedOff5 + 0.01, `moved true ${s.score} vs moved 5 % off ${movedOff5}`);
  }
});

test('critic: another canvas size or aspect, a recoloured background, anti-aliasing and a 2-px shift cost little', () => {
  const o = prepareOriginal(chart({ values: TRUTH }));
  const wrong = score(o, chart({ values: off(TRUTH, 0.05) }));
  const cases: Record<string, RgbaImage> = {
    bigger: chart({ values: TRUTH, w: 600, h: 450 }),
    wider: chart({ values: TRUTH, w: 520, h: 300 }),
    background: chart({ values: TRUTH, background: [246, 241, 229] }),
    antialiased: chart({ values: TRUTH, supersample: 3 }),
    shifted: chart({ values: TRUTH, shift: [2, -2] }),
  };
  for (const [k, img] of Object.entries(cases)) {
    const s = score(o, img);
    assert.ok(s > 0.9, `${k}: ${s}`);
    assert.ok(s > wrong, `${k}: ${s} should beat 5 % off (${wrong})`);
  }
});

test('critic: the plot box is a ggplot-like panel or the axis lines; a tall bar is neither', () => {
  const gg = chart({ values: TRUTH, panel: [235, 235, 235] });
  const b = detectPlotBox(gg, estimateBackground(gg));
  assert.equal(b.kind, 'panel');
  assert.ok(Math.abs(b.x0 - 56) <= 1 && Math.abs(b.x1 - 380) <= 1 && Math.abs(b.y0 - 36) <= 1 && Math.abs(b.y1 - 258) <= 1, JSON.stringify(b));
  const base = chart({ values: TRUTH });
  const l = detectPlotBox(base, estimateBackground(base));
  assert.equal(l.kind, 'lines');
  assert.ok(l.left && l.bottom && Math.abs(l.x0 - 56) <= 1.5 && Math.abs(l.y1 - 258) <= 1.5, JSON.stringify(l));
  // one huge bar on a white page: a uniform rectangle, but nothing drawn on it — not a panel
  const big = chart({ values: [9.5], background: [255, 255, 255] });
  assert.notEqual(detectPlotBox(big, estimateBackground(big)).kind, 'panel');
});

test('critic: the diff heat-map is a PNG of the working canvas, the render aligned', () => {
  const o = prepareOriginal(chart({ values: TRUTH, w: 800, h: 600 }));
  const png = diffHeatmap(o, chart({ values: off(TRUTH, 0.2), w: 800, h: 600, plot: [0.2, 0.16, 0.9, 0.9] }));
  const img = decodeImage(png);
  assert.equal(img.width, o.work.width);
  assert.equal(img.height, o.work.height);
  const a = alignRender(o, chart({ values: TRUTH, w: 800, h: 600 }));
  assert.deepEqual([a.work.width, a.work.height], [o.work.width, o.work.height]);
});

// ---------------------------------------------------------------------------------------------
// A real chart drawn by R, and matplotlib programs that redraw it
// ---------------------------------------------------------------------------------------------

const PROGRAMS = join(ROOT, 'bench', 'fixtures-programs');
let renderer: Renderer | undefined;
after(async () => {
  await renderer?.dispose();
});

test('critic on a real R chart: the styled true program outranks values 5 % off and the true values in matplotlib\'s default style', { skip: !existsSync(SYSTEM_PYTHON) && 'no /usr/bin/python3' }, async () => {
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  const o = prepareOriginal(decodeImage(new Uint8Array(readFileSync(join(FIXTURES, 'insectsprays-bar.png')))));
  const truth = readFileSync(join(PROGRAMS, 'insectsprays-bar.py'), 'utf8');
  const variants: Record<string, string> = {
    off5: truth.replace('[14.5, 15.3333, 2.0833, 4.9167, 3.5, 16.6667]', '[13.78, 16.1, 2.19, 4.67, 3.68, 15.83]'),
    plain: "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(8, 6))\nax.bar(['A', 'B', 'C', 'D', 'E', 'F'], [14.5, 15.33, 2.08, 4.92, 3.5, 16.67])\nax.set_title('Mean insect count by spray')\n",
  };
  const scoreOf = async (code: string) => {
    const r = await renderer!.render({ code, mode: 'figure', width: 800, height: 600, timeLimitMs: 60_000 });
    assert.ok(r.ok && r.png, r.error);
    return scorePair(o, decodeImage(r.png!));
  };
  const t = await scoreOf(truth);
  assert.ok(t.score > 0.75, `the styled true program scores ${t.score} ${JSON.stringify(t.parts)}`);
  for (const [k, code] of Object.entries(variants)) {
    const s = (await scoreOf(code)).score;
    assert.ok(t.score > s, `true ${t.score} vs ${k} ${s}`);
  }
});
