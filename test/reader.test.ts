// The chart reader: numbers as people write them, the axis fit, offline OCR (in a network
// namespace), readings of charts drawn here by matplotlib from known data and of the R fixtures,
// refusals, and what a reading turns into (JSON, CSV, a program that runs under matplotlib).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, encodePng } from '../src/core/image';
import { createOcr, fitAxis, parseNumber, readChart, readingToCsv, readingToJson, readingToProgram, drawOverlay, textForPrompt, type Ocr, type Reading } from '../src/core/reader';
import type { RgbaImage } from '../src/core/types';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

let ocr: Ocr;
let dir: string;
let truth: Record<string, { type: string; cats?: string[]; xs?: number[]; series: number[][]; names?: string[]; range: [number, number] }>;

before(async () => {
  ocr = await createOcr();
  dir = mkdtempSync(join(tmpdir(), 'recode-reader-'));
  execFileSync(SYSTEM_PYTHON, [join(ROOT, 'test', 'fixtures', 'reader', 'draw_charts.py'), dir], { stdio: 'pipe' });
  truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
});
after(async () => {
  await ocr?.terminate();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const load = (path: string) => decodeImage(readFileSync(path));
async function read(img: RgbaImage): Promise<Reading> {
  const r = await readChart(img, { ocr });
  assert.ok(r.ok, r.ok ? '' : `refused: ${r.reason}`);
  return r.reading;
}
/** Every value within `tol` of the axis range of its truth. */
function assertValues(r: Reading, cats: string[], series: number[][], range: number, tol = 0.02) {
  assert.equal(r.series.length, series.length, `series: ${r.series.map((s) => s.name).join(', ')}`);
  // the series that reads closest to each truth series (stacking order and legends differ between plotting systems)
  const at = (si: number, i: number) => r.series[si].points.find((q) => String(q.x).toLowerCase() === cats[i].toLowerCase()) ?? r.series[si].points[i];
  const used = new Set<number>();
  const pick = series.map((vals) => {
    let best = -1, be = Infinity;
    r.series.forEach((_, si) => { if (used.has(si)) return; const e = vals.reduce((s, v, i) => s + Math.abs((at(si, i)?.y ?? Infinity) - v), 0); if (e < be) { be = e; best = si; } });
    used.add(best);
    return best;
  });
  series.forEach((vals, ti) => {
    const si = pick[ti];
    vals.forEach((v, i) => {
      const p = r.series[si].points.find((q) => String(q.x).toLowerCase() === cats[i].toLowerCase()) ?? r.series[si].points[i];
      assert.ok(p, `no point for ${cats[i]}`);
      assert.ok(Math.abs(p.y - v) <= tol * range, `${r.series[si].name} ${cats[i]}: read ${p.y}, truth ${v}`);
    });
  });
}

test('numbers are parsed as people write them on charts', () => {
  const cases: [string, number | undefined][] = [
    ['1,234', 1234], ['1,234.5', 1234.5], ['0.25', 0.25], ['-3', -3], ['\u22123.5', -3.5], ['\u201340', -40],
    ['45%', 45], ['12k', 12000], ['3.5M', 3.5e6], ['2B', 2e9], ['1960', 1960], ['1e5', 1e5], ['2.5E-3', 0.0025],
    ['10^4', 1e4], ['10\u2074', 1e4], ['$1,200', 1200], ['0.5-', 0.5], ['1.234.567', 1234567], ['North', undefined], ['', undefined],
  ];
  for (const [s, v] of cases) assert.equal(parseNumber(s)?.value, v, s);
  assert.equal(parseNumber('45%')?.percent, true);
});

test('the axis fit repairs a dropped decimal point and refuses ticks that disagree', () => {
  const m = fitAxis([{ px: 400, label: '0.0' }, { px: 300, label: '2.5' }, { px: 200, label: '50' }, { px: 100, label: '7.5' }, { px: 0, label: '10.0' }]);
  assert.ok(!('reason' in m));
  assert.deepEqual(m.ticks.map((t) => t.value), [10, 7.5, 5, 2.5, 0]);
  assert.equal(m.repaired.length, 1);
  const bad = fitAxis([{ px: 400, label: '0' }, { px: 300, label: '50' }, { px: 200, label: '7' }, { px: 100, label: '300' }, { px: 0, label: '2' }]);
  assert.ok('reason' in bad && /disagree|line up/.test(bad.reason), JSON.stringify(bad));
  // a lost last digit is not a dropped decimal point: "201" among 2015…2022 is left out, not made 2010
  const years = fitAxis([2015, 2016, 2017, 201, 2019, 2020].map((v, i) => ({ px: 100 + 80 * i, label: String(v) })));
  assert.ok(!('reason' in years));
  assert.deepEqual(years.dropped, ['201']);
  assert.ok(years.ticks.every((t) => t.value >= 2015));
  const log = fitAxis([{ px: 300, label: '1' }, { px: 200, label: '10' }, { px: 100, label: '100' }, { px: 0, label: '1000' }]);
  assert.ok(!('reason' in log) && log.scale === 'log');
});

test('OCR runs offline: it reads a label inside a network namespace with no network at all', () => {
  const img = load(join(FIXTURES, 'worldphones-1961-bar.png'));
  const script = `
    const { createOcr } = require(${JSON.stringify(join(ROOT, 'out', 'src', 'core', 'reader', 'ocr.js'))});
    const { decodeImage } = require(${JSON.stringify(join(ROOT, 'out', 'src', 'core', 'image.js'))});
    (async () => {
      const img = decodeImage(require('fs').readFileSync(${JSON.stringify(join(FIXTURES, 'worldphones-1961-bar.png'))}));
      const ocr = await createOcr();
      const r = await ocr.readLine(img, { x: 110, y: 519, w: 72, h: 18 });
      await ocr.terminate();
      console.log(JSON.stringify(r));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  void img;
  // a network namespace when this user may make one (root here); else every way out of the process
  // (fetch, http, https, net, dns) throws, in the OCR's worker thread too (workers inherit execArgv)
  const canUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
  const guard = join(dir, 'no-network.js');
  writeFileSync(guard, `
    const fail = (what) => () => { throw new Error('network touched: ' + what); };
    globalThis.fetch = fail('fetch');
    for (const m of ['http', 'https']) { const mod = require(m); mod.request = fail(m); mod.get = fail(m); }
    const net = require('net'); net.connect = net.createConnection = fail('net'); net.Socket.prototype.connect = fail('socket');
    require('dns').lookup = fail('dns');`);
  const r = canUnshare
    ? spawnSync('unshare', ['-n', process.execPath, '-e', script], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync(process.execPath, ['-r', guard, '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()).text, 'N.Amer');
});

test('bar charts drawn by matplotlib: values within 2 % of the axis range (stacked, dense ticks)', async () => {
  for (const name of ['stacked', 'dense']) {
    const t = truth[name];
    const r = await read(load(join(dir, `${name}.png`)));
    assert.equal(r.chart_type, t.type, name);
    assertValues(r, t.cats!, t.series, t.range[1] - t.range[0]);
  }
});

test('bars, grouped bars, horizontal bars and negative bars drawn by matplotlib: within 2 % of the range, series named from the legend', async () => {
  for (const name of ['bar', 'grouped', 'horizontal', 'negative']) {
    const t = truth[name];
    const r = await read(load(join(dir, `${name}.png`)));
    assert.equal(r.chart_type, t.type, name);
    assertValues(r, t.cats!, t.series, t.range[1] - t.range[0]);
    if (t.names) assert.deepEqual(r.series.map((s) => s.name), t.names);
  }
});

test('lines and a scatter drawn by matplotlib: values at the data x, within 2 % of the range', async () => {
  const lt = truth.lines;
  const lines = await read(load(join(dir, 'lines.png')));
  assert.equal(lines.chart_type, 'line');
  assert.deepEqual(lines.series.map((s) => s.name), lt.names);
  lt.series.forEach((vals, si) => {
    const found = vals.filter((v, i) => lines.series[si].points.some((p) => Math.abs(Number(p.x) - lt.xs![i]) < 0.05 && Math.abs(p.y - v) <= 0.02 * 8.8)).length;
    assert.ok(found >= vals.length - 1, `${lt.names![si]}: ${found} of ${vals.length} points`);
  });
  const st = truth.scatter;
  const sc = await read(load(join(dir, 'scatter.png')));
  assert.equal(sc.chart_type, 'scatter');
  assert.equal(sc.series[0].points.length, st.xs!.length);
  st.xs!.forEach((x, i) => assert.ok(sc.series[0].points.some((p) => Math.abs(Number(p.x) - x) <= 0.02 * 8.2 && Math.abs(p.y - st.series[0][i]) <= 0.02 * 82.5), `point ${x}, ${st.series[0][i]}`));
});

test('a pie drawn by matplotlib: shares clockwise from the top, with their labels', async () => {
  const t = truth.pie;
  const r = await read(load(join(dir, 'pie.png')));
  assert.equal(r.chart_type, 'pie');
  assert.deepEqual(r.series[0].points.map((p) => p.x), t.cats);
  assertValues(r, t.cats!, t.series, 1);
});

test('the R fixtures: bars, horizontal bars, grouped and stacked bars, scatter and pie are read', async () => {
  const csv = (name: string) => readFileSync(join(FIXTURES, `${name}.csv`), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map((c) => c.replace(/"/g, '')));
  // horizontal bars (ggplot2), categories top to bottom
  const precip = await read(load(join(FIXTURES, 'precip-top10-hbar.png')));
  assert.equal(precip.chart_type, 'horizontal bar');
  const p = csv('precip-top10-hbar');
  assertValues(precip, p.map((r) => r[0]), [p.map((r) => Number(r[1]))], 67);
  assert.deepEqual(precip.series[0].points.map((q) => q.x), p.map((r) => r[0]));
  // grouped bars (R base): the table's rows are the legend's series
  const va = await read(load(join(FIXTURES, 'vadeaths-grouped.png')));
  assert.equal(va.chart_type, 'grouped bar');
  const v = csv('vadeaths-grouped');
  assertValues(va, ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female'], v.map((r) => r.slice(1).map(Number)), 71.1);
  // stacked (ggplot2)
  const ti = await read(load(join(FIXTURES, 'titanic-stacked.png')));
  assert.equal(ti.chart_type, 'stacked bar');
  const tt = csv('titanic-stacked');
  assertValues(ti, tt.map((r) => r[0]), [tt.map((r) => Number(r[1])), tt.map((r) => Number(r[2]))], 885);
  // scatter: every car within 2 % of both ranges
  const mt = await read(load(join(FIXTURES, 'mtcars-scatter.png')));
  assert.equal(mt.chart_type, 'scatter');
  assert.equal(mt.series[0].points.length, 32);
  const cars = csv('mtcars-scatter').map((r) => [Number(r[r.length - 2]), Number(r[r.length - 1])]);
  for (const [x, y] of cars) assert.ok(mt.series[0].points.some((q) => Math.abs(Number(q.x) - x) <= 0.02 * 3.9 && Math.abs(q.y - y) <= 0.02 * 23.5), `car at ${x}, ${y}`);
  // pie (R base)
  const pie = await read(load(join(FIXTURES, 'eyecolor-pie.png')));
  const e = csv('eyecolor-pie');
  const sum = e.reduce((s, r) => s + Number(r[1]), 0);
  for (const r of e) assert.ok(Math.abs(pie.series[0].points.find((q) => q.x === r[0])!.y - Number(r[1]) / sum) <= 0.02, r[0]);
});

test('images that are not readable charts are refused plainly', async () => {
  const W = 400, H = 300;
  const noise = new Uint8Array(W * H * 4);
  let s = 12345;
  for (let i = 0; i < noise.length; i++) { s = (s * 1103515245 + 12345) >>> 0; noise[i] = i % 4 === 3 ? 255 : s >>> 24; }
  const r1 = await readChart({ width: W, height: H, data: noise }, { ocr });
  assert.ok(!r1.ok && /photo|noise/.test(r1.reason), JSON.stringify(r1));
  const r2 = await readChart({ width: W, height: H, data: new Uint8Array(W * H * 4).fill(255) }, { ocr });
  assert.ok(!r2.ok && /blank/.test(r2.reason), JSON.stringify(r2));
  const r3 = await readChart(load(join(dir, 'unreadable.png')), { ocr });
  assert.ok(!r3.ok && /tick labels/.test(r3.reason), JSON.stringify(r3));
});

test('a reading becomes the --json shape, a CSV, an overlay, prompt text and a program that redraws it under matplotlib', async () => {
  const img = load(join(FIXTURES, 'chickwts-bar-labels.png'));
  const r = await read(img);
  const j = readingToJson(r) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j), ['chart_type', 'title', 'x_axis', 'y_axis', 'series', 'texts', 'confidence', 'warnings']);
  assert.equal(j.chart_type, 'bar');
  const csv = readingToCsv(r).trim().split('\n');
  assert.equal(csv.length, 7);
  assert.match(csv[1], /^sunflower,32\d/);
  const over = drawOverlay(img, r);
  assert.equal(over.width, img.width);
  assert.notDeepEqual(Buffer.from(over.data), Buffer.from(img.data));
  assert.match(textForPrompt(r), /"sunflower" \(category\) at \[/);
  const prog = readingToProgram(r);
  const out = join(dir, 'redrawn.png');
  const run = spawnSync(SYSTEM_PYTHON, ['-c', `${prog}\nfig.savefig(${JSON.stringify(out)}, dpi=100)\n`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const redrawn = load(out);
  assert.deepEqual([redrawn.width, redrawn.height], [img.width, img.height]);
  // the redrawn chart reads back as the same data
  const again = await read(redrawn);
  assertValues(again, r.series[0].points.map((q) => String(q.x)), [r.series[0].points.map((q) => q.y)], 330);
  void encodePng;
});
