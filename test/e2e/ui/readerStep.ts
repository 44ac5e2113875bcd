/**
 * The UI step for the chart reader with no model: the endpoint settings emptied and no VS Code model
 * used (the other steps run with the scripted model, set in the user settings), "RECODE: Derender image" on a fixture
 * chart, and the panel must show the reading — the overlay, the data table, the note that questions
 * need a model — and the reader's program as the one candidate. The workspace is put back after.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { sleep, waitFor } from '../browser';
import type { E2eConfig } from '../config';
import type { Doc, El } from './dom';
import type { Workbench } from './workbench';

declare const document: Doc;

export interface ReadingOnScreen {
  status: string;
  error: string;
  readingShown: boolean;
  overlayLoaded: boolean;
  columns: string[];
  rows: string[][];
  summary: string;
  modelNote: string;
  best: string[];
  sources: string[];
}

export async function readingOnScreen(frame: Frame): Promise<ReadingOnScreen> {
  return frame.evaluate(() => {
    const q = (s: string): El | null => document.querySelector(`[data-testid=${s}]`);
    const visible = (e: El | null): boolean => !!e && e.offsetParent !== null;
    const overlay = q('overlay');
    const table = q('reading-table');
    const cells = (row: El): string[] => [...row.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim());
    return {
      status: (q('run-status')?.textContent ?? '').trim(),
      error: visible(q('error')) ? (q('error')?.textContent ?? '').trim() : '',
      readingShown: visible(q('reading')),
      overlayLoaded: visible(overlay) && overlay?.complete === true && (overlay.naturalWidth ?? 0) > 0,
      columns: table ? [...table.querySelectorAll('thead th')].map((c) => (c.textContent ?? '').trim()) : [],
      rows: table ? [...table.querySelectorAll('tbody tr')].map(cells) : [],
      summary: (q('reading-summary')?.textContent ?? '').trim(),
      modelNote: visible(q('model-note')) ? (q('model-note')?.textContent ?? '').trim() : '',
      best: [...document.querySelectorAll('[data-testid=candidate]')].filter((c) => c.dataset.best === 'true').map((c) => c.dataset.id ?? ''),
      sources: [...document.querySelectorAll('[data-testid=candidate] .origin')].map((c) => (c.textContent ?? '').trim()),
    };
  });
}

/**
 * Runs `fn` with no model at all: the fake provider's test command empties recode.baseUrl and
 * recode.model in the user settings and sets recode.modelSource to "endpoint" (so the fake VS Code
 * models installed in this profile are not used either) through VS Code's configuration service
 * (recode.baseUrl is machine-scoped: a workspace file cannot blank it); put back after.
 */
export async function withoutModelSettings<T>(wb: Workbench, fn: () => Promise<T>): Promise<T> {
  await wb.runCommand('RECODE e2e: Endpoint settings');
  await wb.pick('no model', 'no model');
  await sleep(2_000);
  try {
    return await fn();
  } finally {
    await wb.runCommand('RECODE e2e: Endpoint settings').then(() => wb.pick('restore', 'restore'));
    await sleep(1_000);
  }
}

export interface ReaderStepContext {
  config: E2eConfig;
  page: Page;
  wb: Workbench;
  panelFor: (imageName: string, ms: number) => Promise<Frame>;
}

export const READER_CHART = 'insectsprays-bar.png';

export async function derenderWithoutModel(ctx: ReaderStepContext): Promise<void> {
  const { config, page, wb } = ctx;
  await wb.closeAllEditors();
  await withoutModelSettings(wb, async () => {
    await wb.runCommand('RECODE: Derender image');
    await wb.pick('insectsprays', READER_CHART);
    const panel = await ctx.panelFor(READER_CHART, 45_000);
    let last: ReadingOnScreen | undefined;
    await waitFor(
      async () => {
        last = await readingOnScreen(panel);
        return ['finished', 'failed', 'cancelled'].includes(last.status) && (last.status !== 'finished' || last.overlayLoaded);
      },
      150_000,
      'the run without a model to finish with the overlay loaded',
      500,
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; panel: ${JSON.stringify(last)}`);
    });
    const s = last!;
    assert.equal(s.status, 'finished', `the run ended ${s.status}: ${s.error}`);
    assert.equal(s.error, '');
    assert.ok(s.readingShown && s.overlayLoaded, `the reading and its overlay are not on screen: ${JSON.stringify(s)}`);
    assert.match(s.modelNote, /Questions need a model/, `the panel should say questions need a model (was a model used? candidates: ${JSON.stringify(s.sources)}): "${s.modelNote}"`);
    assert.ok(s.sources.every((o) => /reader|numeric/.test(o)), `only the reader's program (and its tuning) without a model: ${JSON.stringify(s.sources)}`);
    // what was read: the bars with their categories
    assert.match(s.summary, /^bar\b/, `the reading's summary: "${s.summary}"`);
    assert.equal(s.columns.length, 2, `table columns ${JSON.stringify(s.columns)}`);
    // the six sprays in order (OCR may add a stray character to a one-letter label) with their mean counts
    // (test/fixtures/charts/insectsprays-bar.csv) within 2 % of the axis range (0–20)
    const truth = [14.5, 15.33, 2.08, 4.92, 3.5, 16.67];
    assert.equal(s.rows.length, truth.length, `table rows ${JSON.stringify(s.rows)}`);
    s.rows.forEach((r, i) => {
      assert.ok(r[0].startsWith('ABCDEF'[i]), `row ${i} is labelled "${r[0]}": ${JSON.stringify(s.rows)}`);
      assert.ok(Math.abs(Number(r[1]) - truth[i]) <= 0.02 * 20, `spray ${r[0]}: ${r[1]} on screen, ${truth[i]} in the table`);
    });
    assert.equal(s.best.length, 1);
    assert.ok(s.sources.some((o) => /reader/.test(o)), `no reader candidate among ${JSON.stringify(s.sources)}`);
    // the reading (note, overlay, table) in view for the screenshot
    await panel.evaluate(() => (document.querySelector('[data-testid=reading]') as unknown as { scrollIntoView(o: object): void } | null)?.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await page.screenshot({ path: path.join(config.artifacts, 'ui-reader-no-model.png') });
  });
}
