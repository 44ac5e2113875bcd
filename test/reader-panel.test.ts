// The panel's reading view in plain Node: a real reading of a fixture chart becomes the panel's
// 'reading' message (overlay, data table), passes the protocol's checks both ways, folds into the
// state, and survives a saved-state round trip; malformed readings from outside are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeImage } from '../src/core/image';
import { createOcr, type Ocr, type Reading } from '../src/core/reader';
import { runReadStage } from '../src/core/read';
import { runEventToMessages } from '../src/extension/runEvents';
import { initialPanelState, reducePanel } from '../src/shared/panelState';
import { parseHostMessage, parsePanelState, parseWebviewMessage, type HostMessage, type PanelState } from '../src/shared/protocol';
import { FIXTURES } from './support/paths';

let ocr: Ocr;
before(async () => {
  ocr = await createOcr();
});
after(async () => {
  await ocr.terminate();
});

const PNG = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'insectsprays-bar.png')));

function start(): PanelState {
  return initialPanelState({
    kind: 'derender',
    imageName: 'insectsprays-bar.png',
    imageSrc: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}`,
    renderer: { name: 'python', pyodidePackages: 'ready' },
  });
}

async function readingMessage(): Promise<{ msg: HostMessage; reading: Reading }> {
  const read = await runReadStage(decodeImage(PNG), { ocr, promptText: false });
  assert.ok(read.result.ok, read.result.ok ? '' : read.result.reason);
  const msgs = runEventToMessages({ type: 'reading', reading: read.result.reading, overlayPng: read.overlayPng!, csv: read.csv! });
  assert.equal(msgs.length, 1);
  return { msg: msgs[0], reading: read.result.reading };
}

test('a reading becomes one panel message with the overlay and the data table, checked by the page and folded into the state', async () => {
  const { msg, reading } = await readingMessage();
  const wire = JSON.parse(JSON.stringify(msg)) as unknown;
  const parsed = parseHostMessage(wire);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.equal(msg.type, 'reading');
  if (msg.type !== 'reading') return;
  const r = msg.reading;
  // the view shows what was read: its type, the overlay, one column per series after the category, one row per category
  assert.equal(r.chartType, reading.chart_type);
  assert.match(r.overlaySrc ?? '', /^data:image\/png;base64,iVBOR/);
  assert.equal(r.table.columns.length, 1 + reading.series.length);
  const xs = [...new Set(reading.series.flatMap((x) => x.points.map((p) => String(p.x))))];
  assert.deepEqual(r.table.rows.map((row) => row[0]), xs);
  reading.series.forEach((ser, j) =>
    ser.points.forEach((p) => {
      const row = r.table.rows.find((x) => x[0] === String(p.x))!;
      assert.ok(Math.abs(Number(row[1 + j]) - p.y) <= 1e-5 * Math.max(1, Math.abs(p.y)), `${p.x}: ${row[1 + j]} vs ${p.y}`);
    }),
  );

  let s = reducePanel(start(), msg);
  s = reducePanel(s, { type: 'model-note', note: 'Questions need a model.' });
  assert.equal(s.reading, r);
  assert.equal(s.modelNote, 'Questions need a model.');
  // the page saves its state and hands it back after a reload: it must pass the check
  const saved = parsePanelState(JSON.parse(JSON.stringify(s)));
  assert.ok(saved.ok, saved.ok ? '' : saved.error);
  // a new run in the same panel starts without the old reading
  const next = reducePanel(s, { type: 'run-started', runId: 'r2', image: { width: 600, height: 400 }, options: { candidates: 1, rounds: 0, modelCritic: false } });
  assert.equal(next.reading, undefined);
});

test('a reading that could not be read: the reason shows; malformed readings and state from outside are refused', async () => {
  const s = reducePanel(start(), { type: 'reading-failed', reason: 'no axes found' });
  assert.equal(s.readingError, 'no axes found');
  const { msg } = await readingMessage();
  if (msg.type !== 'reading') throw new Error('expected a reading message');
  const bad = [
    { ...msg.reading, overlaySrc: 'javascript:alert(1)' },
    { ...msg.reading, confidence: 2 },
    { ...msg.reading, table: { columns: ['x'], rows: [[{}]] } },
    { ...msg.reading, extra: 1 },
  ];
  for (const reading of bad) assert.equal(parseHostMessage({ type: 'reading', reading }).ok, false, JSON.stringify(reading).slice(0, 80));
  assert.equal(parsePanelState({ ...start(), reading: { ...msg.reading, overlaySrc: 'https://example.com/x.png' } }).ok, false);
  // the page's export buttons
  assert.ok(parseWebviewMessage({ type: 'export-reading', format: 'csv' }).ok);
  assert.ok(parseWebviewMessage({ type: 'export-reading', format: 'json' }).ok);
  assert.equal(parseWebviewMessage({ type: 'export-reading', format: 'xlsx' }).ok, false);
});
