// The chart reader in the loop and on the command line, with the real reader (tesseract.js OCR,
// offline), real matplotlib (Debian's CPython) and the real openai client against the scripted
// server: `recode read`, the derender with no model (the reader's program, tuned, with data.csv and
// overlay.png), and with a model (the OCR text in the generation prompt, the reader's program as one
// more candidate, the reading in the run record).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { derender } from '../src/core/loop';
import { decodeImage, encodePng } from '../src/core/image';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { createOcr, readChart, textForPrompt, type Ocr } from '../src/core/reader';
import { parseRunRecord } from '../src/core/runRecord';
import type { Renderer, RunEvent } from '../src/core/types';
import { startScriptedServer, byPurpose } from './support/scriptedServer';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

const fence = (code: string) => `Here is the program.\n\n\`\`\`python\n${code}\`\`\`\n`;
const tmp = () => mkdtempSync(join(tmpdir(), 'recode-reader-'));

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

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  // no RECODE_* / OPENAI_* variables from the caller's environment: "no model configured" unless given
  const clean: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'recode.js'), ...args], { env: clean, cwd: tmp() });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** A photo-like noise image: nothing a chart reader may read. */
function noisePng(width = 400, height = 300): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : (s >>> 16) & 255;
  }
  return encodePng({ width, height, data });
}

// ---------------------------------------------------------------------------------------------
// CSV: the fixture tables against what the reader wrote
// ---------------------------------------------------------------------------------------------

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.replace(/\r/g, '').split('\n')) {
    if (line.trim() === '') continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        cells.push(cur);
        cur = '';
      } else cur += ch;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Values by category (first column) from a one-series table: header row dropped. */
function byCategory(csv: string): Map<string, number> {
  const rows = parseCsv(csv).slice(1);
  return new Map(rows.map((r) => [norm(r[0]), Number(r[r.length - 1])]));
}

/**
 * How many of the fixture's values the reader's CSV holds within `tol` of the value range
 * (the "within 2 % of the axis range" measure, with the range of the data).
 */
function matchedByCategory(fixtureCsv: string, readCsv: string, tol: number, share = false): { matched: number; total: number; detail: string[] } {
  const want = byCategory(fixtureCsv);
  const got = byCategory(readCsv);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const ws = share ? sum(want) : 1;
  const gs = share ? sum(got) : 1;
  const vals = [...want.values()].map((v) => v / ws);
  const range = share ? 1 : Math.max(...vals) - Math.min(0, ...vals);
  let matched = 0;
  const detail: string[] = [];
  // numeric x (years): the read x nearest to the table's, within a quarter of the table's step
  const wantXs = [...want.keys()].map(Number);
  const step = wantXs.every(Number.isFinite) && wantXs.length > 1 ? Math.min(...wantXs.slice(1).map((x, i) => Math.abs(x - wantXs[i]))) : 0;
  const gotXY = parseCsv(readCsv).slice(1).map((r) => [Number(r[0]), Number(r[r.length - 1])] as const);
  const nearest = (x: number): number | undefined => {
    let best: [number, number] | undefined;
    for (const [gx, gv] of gotXY) {
      const d = Math.abs(gx - x);
      if (Number.isFinite(d) && d <= step / 4 && (!best || d < best[0])) best = [d, gv];
    }
    return best?.[1];
  };
  for (const [k, v] of want) {
    // a label may carry more than the category (a pie's "Brown (220)")
    const g = got.get(k) ?? (step > 0 ? nearest(Number(k)) : [...got].find(([gk]) => gk.startsWith(k))?.[1]);
    const ok = g !== undefined && Math.abs(g / gs - v / ws) <= tol * range;
    if (ok) matched++;
    detail.push(`${k}: ${v / ws} vs ${g === undefined ? 'missing' : g / gs}${ok ? '' : ' ✗'}`);
  }
  return { matched, total: want.size, detail };
}

/** Scatter points: each fixture point has a read point within `tol` of both ranges (one-to-one, greedy nearest). */
function matchedPoints(fixture: [number, number][], read: [number, number][], tol: number): { matched: number; total: number } {
  const xr = Math.max(...fixture.map((p) => p[0])) - Math.min(...fixture.map((p) => p[0]));
  const yr = Math.max(...fixture.map((p) => p[1])) - Math.min(...fixture.map((p) => p[1]));
  const free = read.slice();
  let matched = 0;
  for (const [x, y] of fixture) {
    let best = -1;
    let bestD = Infinity;
    free.forEach(([a, b], i) => {
      const d = Math.max(Math.abs(a - x) / xr, Math.abs(b - y) / yr);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    if (best >= 0 && bestD <= tol) {
      matched++;
      free.splice(best, 1);
    }
  }
  return { matched, total: fixture.length };
}

// ---------------------------------------------------------------------------------------------
// recode read
// ---------------------------------------------------------------------------------------------

test('CLI read --json: one object in the shape of issue 11, the bars in order with their labels and values', async () => {
  const r = await runCli(['read', join(FIXTURES, 'worldphones-1961-bar.png'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o).sort(), ['chart_type', 'confidence', 'series', 'texts', 'title', 'warnings', 'x_axis', 'y_axis'].sort());
  assert.equal(o.chart_type, 'bar');
  assert.ok(typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 1);
  assert.ok(Array.isArray(o.warnings));
  for (const axis of [o.x_axis, o.y_axis]) assert.ok(axis && typeof axis === 'object');
  const series = o.series as { name: string; points: { x: unknown; y: unknown }[] }[];
  assert.equal(series.length, 1);
  const table = parseCsv(readFileSync(join(FIXTURES, 'worldphones-1961-bar.csv'), 'utf8')).slice(1);
  // labels as R wrote them, in order along the axis (the space OCR may see after a dot aside)
  assert.deepEqual(series[0].points.map((p) => String(p.x).replace(/\s+/g, '')), table.map((row) => row[0]));
  const range = Math.max(...table.map((row) => Number(row[1])));
  series[0].points.forEach((p, i) => {
    assert.equal(typeof p.y, 'number');
    const want = Number(table[i][1]);
    assert.ok(Math.abs((p.y as number) - want) <= 0.02 * range, `bar ${p.x}: read ${p.y}, the table says ${want}`);
  });
  const texts = o.texts as { text: string; box: number[]; role: string }[];
  assert.ok(texts.length >= 6, 'the tick and category labels are among the texts');
  for (const t of texts) {
    assert.equal(typeof t.text, 'string');
    assert.equal(t.box.length, 4);
    assert.ok(t.box.every((v) => typeof v === 'number'));
    assert.equal(typeof t.role, 'string');
  }
});

test('CLI read: a noise image is refused with exit code 3 and one line saying why; --overlay writes nothing then', async () => {
  const dir = tmp();
  const noise = join(dir, 'noise.png');
  writeFileSync(noise, noisePng());
  const overlay = join(dir, 'overlay.png');
  const r = await runCli(['read', noise, '--json', '--overlay', overlay]);
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^recode: cannot read .*noise\.png: \S/);
  assert.ok(!existsSync(overlay));
});

test('CLI read --overlay: draws what was read over the original at its size, and never onto an existing file', async () => {
  const dir = tmp();
  const out = join(dir, 'read.png');
  const r = await runCli(['read', join(FIXTURES, 'fivebars.png'), '--csv', '--overlay', out]);
  assert.equal(r.status, 0, r.stderr);
  const rows = parseCsv(r.stdout);
  assert.deepEqual(rows.slice(1).map((x) => x[0]), ['A', 'B', 'C', 'D', 'E']);
  const img = decodeImage(readFileSync(out));
  const orig = decodeImage(readFileSync(join(FIXTURES, 'fivebars.png')));
  assert.deepEqual([img.width, img.height], [orig.width, orig.height]);
  assert.notDeepEqual(Buffer.from(img.data), Buffer.from(orig.data), 'the overlay draws on the original');
  const before = statSync(out).mtimeMs;
  const again = await runCli(['read', join(FIXTURES, 'fivebars.png'), '--overlay', out]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists/);
  assert.equal(statSync(out).mtimeMs, before);
});

// ---------------------------------------------------------------------------------------------
// derender with no model
// ---------------------------------------------------------------------------------------------

const NO_MODEL_CHARTS: { image: string; table: string; kind: 'category' | 'share' | 'points'; tol: number; min: number }[] = [
  { image: 'insectsprays-bar.png', table: 'insectsprays-bar.csv', kind: 'category', tol: 0.02, min: 1 },
  { image: 'airpassengers-yearly-line.png', table: 'airpassengers-yearly-line.csv', kind: 'category', tol: 0.02, min: 0.9 },
  { image: 'mtcars-scatter.png', table: 'mtcars-scatter.csv', kind: 'points', tol: 0.02, min: 0.8 },
  { image: 'eyecolor-pie.png', table: 'eyecolor-pie.csv', kind: 'share', tol: 0.02, min: 1 },
];

for (const chart of NO_MODEL_CHARTS) {
  test(`CLI derender with no model: ${chart.image} → the reader's program, tuned, with data.csv (values as in the table) and overlay.png`, async () => {
    const out = join(tmp(), 'run');
    const r = await runCli(['derender', join(FIXTURES, chart.image), '--renderer', 'python', '--python', SYSTEM_PYTHON, '--numeric-budget', '6', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no model configured: this is the chart reader's program/);
    for (const f of ['program.py', 'render.png', 'diff.png', 'data.csv', 'overlay.png', 'run.json']) assert.ok(existsSync(join(out, f)), `${f} is missing`);
    const program = readFileSync(join(out, 'program.py'), 'utf8');
    assert.match(program, /matplotlib/);
    const record = parseRunRecord(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.equal(record.status, 'finished');
    assert.equal(record.modelCalls.length, 0);
    assert.ok(record.reading?.ok, 'the reading is kept in the run record');
    assert.ok(record.candidates.some((c) => c.id === 'reader' && c.source === 'reader' && c.score), 'the reader candidate was rendered and scored');
    const csv = readFileSync(join(out, 'data.csv'), 'utf8');
    const fixture = readFileSync(join(FIXTURES, chart.table), 'utf8');
    if (chart.kind === 'points') {
      const want = parseCsv(fixture).slice(1).map((row) => [Number(row[1]), Number(row[2])] as [number, number]);
      const got = parseCsv(csv).slice(1).map((row) => [Number(row[row.length - 2]), Number(row[row.length - 1])] as [number, number]);
      const m = matchedPoints(want, got, chart.tol);
      assert.ok(m.matched >= chart.min * m.total, `${m.matched} of ${m.total} points within ${chart.tol * 100} % of the ranges`);
    } else {
      const m = matchedByCategory(fixture, csv, chart.tol, chart.kind === 'share');
      assert.ok(m.matched >= Math.ceil(chart.min * m.total), `${m.matched} of ${m.total} values within ${chart.tol * 100} % of the range:\n${m.detail.join('\n')}`);
    }
  });
}

test('CLI derender with no model: an unreadable image ends with exit code 3 and one line; the run record is kept', async () => {
  const dir = tmp();
  const noise = join(dir, 'noise.png');
  writeFileSync(noise, noisePng());
  const out = join(dir, 'run');
  const r = await runCli(['derender', noise, '--renderer', 'python', '--python', SYSTEM_PYTHON, '--out', out]);
  assert.equal(r.status, 3, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[lines.length - 1], /^recode: cannot read this chart: /);
  const record = parseRunRecord(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.equal(record.status, 'failed');
  assert.equal(record.reading?.ok, false);
  assert.ok(!existsSync(join(out, 'program.py')));
});

test('CLI derender with no model and a question: the program is written and it says questions need a model', async () => {
  const out = join(tmp(), 'run');
  const r = await runCli(['derender', join(FIXTURES, 'fivebars.png'), '-q', 'Which bar is highest?', '--renderer', 'python', '--python', SYSTEM_PYTHON, '--numeric-budget', '0', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /questions need a model/);
  assert.ok(existsSync(join(out, 'program.py')));
  assert.ok(!existsSync(join(out, 'answer.json')));
});

test('CLI derender: a half-done model configuration is still an error (one line), not a run without a model', async () => {
  const r = await runCli(['derender', join(FIXTURES, 'fivebars.png')], { RECODE_MODEL: 'gpt-4o' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^recode: No model endpoint configured: RECODE_BASE_URL is not set/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const nr = await runCli(['derender', join(FIXTURES, 'fivebars.png'), '--no-reader']);
  assert.equal(nr.status, 1);
  assert.match(nr.stderr, /^recode: No model configured\. Set RECODE_BASE_URL .*RECODE_MODEL .*RECODE_API_KEY/);
});

test('derender with no model (in process): reading, the reader candidate, numeric tuning, no model call; the panel events say what was read', async () => {
  const events: RunEvent[] = [];
  const outcome = await derender(
    { image: new Uint8Array(readFileSync(join(FIXTURES, 'fivebars.png'))), imageName: 'fivebars.png', question: 'Which bar is highest?' },
    { renderer, ocr },
    { numericRefineBudget: 4 },
    (e) => events.push(e),
  );
  assert.equal(outcome.error, undefined);
  assert.equal(outcome.summary?.bestCandidateId.startsWith('n') || outcome.summary?.bestCandidateId === 'reader', true);
  assert.equal(outcome.summary?.answer, undefined);
  const reading = events.find((e): e is Extract<RunEvent, { type: 'reading' }> => e.type === 'reading');
  assert.ok(reading, 'a reading event');
  assert.equal(reading.reading.chart_type, 'bar');
  assert.ok(reading.overlayPng.length > 100 && reading.csv.includes('\n'));
  assert.ok(events.some((e) => e.type === 'log' && /questions need a model/.test(e.message)));
  // no model: no refinement rounds, so the numeric tuning (when it kept a change) is round 1
  const rounds = events.filter((e): e is Extract<RunEvent, { type: 'round-finished' }> => e.type === 'round-finished').map((e) => e.round);
  assert.ok(JSON.stringify(rounds) === '[0]' || JSON.stringify(rounds) === '[0,1]', JSON.stringify(rounds));
  assert.deepEqual(
    events.filter((e) => e.type === 'stage').map((e) => (e as Extract<RunEvent, { type: 'stage' }>).stage),
    ['read', 'render', 'critique', ...(events.some((e) => e.type === 'stage' && e.stage === 'numeric') ? ['numeric'] : [])],
  );
});

// ---------------------------------------------------------------------------------------------
// with a model
// ---------------------------------------------------------------------------------------------

test('derender with a model: the generation prompt carries the OCR text with where each piece sits; the reader\'s program is one more candidate and the critic picks the best of all', async () => {
  const chart = readFileSync(join(FIXTURES, 'insectsprays-bar.png'));
  const wrong = readFileSync(join(ROOT, 'test', 'fixtures', 'programs', 'insectsprays-wrong.py'), 'utf8');
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: [fence(wrong)] }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'k', retryBaseMs: 10, supportsN: true });
    const events: RunEvent[] = [];
    const outcome = await derender(
      { image: new Uint8Array(chart), imageName: 'insectsprays-bar.png' },
      { model, renderer, ocr },
      { candidates: 1, rounds: 0, numericRefineBudget: 0 },
      (e) => events.push(e),
    );
    assert.equal(outcome.error, undefined);
    const gen = server.requests.filter((q) => q.purpose === 'generate');
    assert.equal(gen.length, 1);
    // the same text the reader gives for this image, whole, after the OCR header
    const read = await readChart(decodeImage(chart), { ocr });
    assert.ok(read.ok);
    const expected = textForPrompt(read.reading);
    assert.ok(expected.trim().length > 0);
    assert.match(gen[0].text, /OCR of the image — its text with where each piece sits/);
    assert.ok(gen[0].text.includes(expected.trim()), `the prompt lacks the OCR text:\n${gen[0].text}`);
    // the tick labels and the category labels, each with its box
    assert.match(expected, /"\d+" \(y tick\) at \[\d+, \d+, \d+, \d+\]/);
    assert.match(expected, /"[A-F]\w?" \(category\) at \[\d+, \d+, \d+, \d+\]/);
    // the reader's program joined the model's candidate; the critic decided by score
    const scored = events.filter((e): e is Extract<RunEvent, { type: 'candidate-scored' }> => e.type === 'candidate-scored');
    assert.deepEqual(scored.map((e) => e.candidateId).sort(), ['c1', 'reader']);
    const top = scored.reduce((a, b) => (b.score.score > a.score.score ? b : a));
    assert.equal(outcome.summary?.bestCandidateId, top.candidateId);
    // the wrong program (values off) loses to the reader's
    assert.equal(outcome.summary?.bestCandidateId, 'reader');
    // the reading is in the record, for the critic and the refinement
    assert.ok(outcome.record.reading?.ok);
    if (outcome.record.reading?.ok) assert.equal(outcome.record.reading.reading.chart_type, 'bar');
    assert.ok(outcome.record.candidates.some((c) => c.id === 'reader' && c.source === 'reader'));
  } finally {
    await server.close();
  }
});

test('derender with a model on an image the reader cannot read: the run goes on with the model alone and the record says why', async () => {
  const noise = noisePng(300, 200);
  const close = readFileSync(join(ROOT, 'test', 'fixtures', 'programs', 'insectsprays-close.py'), 'utf8');
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: [fence(close)] }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'k', retryBaseMs: 10, supportsN: true });
    const events: RunEvent[] = [];
    const outcome = await derender({ image: noise, imageName: 'noise.png' }, { model, renderer, ocr }, { candidates: 1, rounds: 0, numericRefineBudget: 0 }, (e) => events.push(e));
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.summary?.bestCandidateId, 'c1');
    assert.equal(outcome.record.reading?.ok, false);
    assert.ok(events.some((e) => e.type === 'reading-failed'));
    assert.ok(!outcome.record.candidates.some((c) => c.source === 'reader'));
  } finally {
    await server.close();
  }
});
