/**
 * The UI suite: a user's session in a real VS Code (code-server) in headless chromium, against the
 * scripted model servers. One test per step, each with its own time limit and a screenshot in
 * test-artifacts/e2e/ui-NN-<step>.png; a console error from a webview fails the step it happened in.
 *
 *   node out/test/e2e/ui/main.js --run      (configuration: RECODE_E2E_CONFIG, see ../config.ts)
 *
 * Prints `ui: N passed, N failed` last; exit code 1 on any failure.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { launchChromium, sleep, StopWaiting, waitFor, withTimeout } from '../browser';
import { E2E, loadConfig, type E2eConfig } from '../config';
import { Workbench, type PanelState } from './workbench';
import type { Doc } from './dom';

declare const document: Doc;
import { derenderWithoutModel } from './readerStep';

interface Step {
  name: string;
  timeoutMs: number;
  /** Steps that must have passed for this one to make sense. */
  needs?: string[];
  rig?: boolean;
  run: () => Promise<void>;
}

interface SeenRequest {
  seq: number;
  method: string;
  purpose?: string;
}

async function seenRequests(baseUrl: string): Promise<SeenRequest[]> {
  const res = await fetch(`${baseUrl.replace(/\/v1\/?$/, '')}/_recode/requests`);
  return ((await res.json()) as SeenRequest[]).filter((r) => r.method === 'POST');
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** Webview console errors that are the workbench's, not the panel's (none known so far). */
const WEBVIEW_NOISE: RegExp[] = [];

async function main(config: E2eConfig): Promise<number> {
  const { browser, close } = await launchChromium();
  const page: Page = await browser.newPage();
  const wb = new Workbench(page);
  const consoleLog = fs.createWriteStream(path.join(config.artifacts, 'ui-console.log'));
  const webviewErrors: string[] = [];
  page.on('console', (m) => {
    const url = m.frame()?.url() ?? m.location().url ?? '';
    consoleLog.write(`[${m.type()}] ${url.slice(0, 120)} ${m.text()}\n`);
    if (m.type() === 'error' && /\/webview\/|vscode-webview|\/pre\/(index|fake)\.html/.test(url) && !WEBVIEW_NOISE.some((r) => r.test(m.text()))) {
      webviewErrors.push(`${m.text()} (${url.split('?')[0]})`);
    }
  });
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e instanceof Error ? e.message : String(e)}\n`));

  const seenPanels: string[] = [];

  /** Waits for the single RECODE panel and its tab `RECODE: <image>`. */
  async function panelFor(imageName: string, ms: number): Promise<Frame> {
    await waitFor(
      async () => {
        await wb.checkNoErrorDialog();
        return (await wb.tabs()).some((t) => t.label === `RECODE: ${imageName}`);
      },
      ms,
      `a panel tab "RECODE: ${imageName}"`,
    );
    const frame = await wb.recodePanel(ms);
    seenPanels.push(imageName);
    return frame;
  }

  async function panelWhere(frame: Frame, what: string, ms: number, ok: (s: PanelState) => boolean): Promise<PanelState> {
    let last: PanelState | undefined;
    try {
      return await waitFor(
        async () => {
          last = await wb.panelState(frame);
          return ok(last) ? last : undefined;
        },
        ms,
        what,
        300,
      );
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; panel: ${JSON.stringify(last)}`);
    }
  }

  const finished = (s: PanelState): boolean => ['finished', 'failed', 'cancelled'].includes(s.status);

  /** Asserts the program editor is open (its tab visible, Python) and shows the faithful program; returns its visible text. */
  async function programEditor(ms: number): Promise<string> {
    const ed = await waitFor(
      async () => (await wb.editorTexts()).find((e) => e.uri.startsWith('untitled:') && e.text.includes(E2E.faithfulLine)),
      ms,
      `an untitled editor showing "${E2E.faithfulLine}"`,
    );
    // untitled:Untitled-1, or untitled:/path/to/<image>.recode.py (saving offers that path)
    const name = ed.uri.replace(/^untitled:/, '').split('/').pop() ?? '';
    const tabs = await wb.tabs();
    assert.ok(tabs.some((t) => t.active && t.aria.includes(name)), `no active tab for ${name} among ${JSON.stringify(tabs)}`);
    await wb.clickTab(name);
    await waitFor(async () => (await wb.activeLanguage()) === 'Python', 5_000, `the status bar to show Python for ${name}`);
    return ed.text;
  }

  let panel: Frame | undefined;
  const steps: Step[] = [
    {
      name: 'open the example workspace',
      timeoutMs: 90_000,
      rig: true,
      run: async () => {
        await page.goto(`${config.serverUrl}/?folder=${encodeURIComponent(config.workspace)}`, { waitUntil: 'domcontentloaded', timeout: 80_000 });
        await waitFor(
          async () => {
            const rows = await wb.explorerRows();
            return E2E.charts.every((c) => rows.some((r) => r.includes(c)));
          },
          80_000,
          `the explorer to list ${E2E.charts.join(', ')}`,
        );
      },
    },
    {
      name: 'set the API key from the palette',
      timeoutMs: 90_000,
      needs: ['open the example workspace'],
      run: async () => {
        await wb.runCommand('RECODE: Set API key', 75_000);
        await wb.answerInputBox(/key/i, E2E.apiKey);
      },
    },
    {
      name: 'derender from the palette: pick fivebars.png in the quick pick',
      timeoutMs: 60_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        await wb.runCommand('RECODE: Derender image');
        await wb.pick('fivebars', 'fivebars.png');
        panel = await panelFor('fivebars.png', 45_000);
      },
    },
    {
      name: 'the panel shows the original and the candidates with their scores',
      timeoutMs: 120_000,
      needs: ['derender from the palette: pick fivebars.png in the quick pick'],
      run: async () => {
        assert.ok(panel);
        // the first round: three candidates rendered and scored (faithful, wrong) or failed (broken)
        const s = await panelWhere(panel, 'the original and 3 candidates of the first round, rendered and scored', 110_000, (p) =>
          p.originalLoaded && p.candidates.length >= 3 && p.candidates.slice(0, 3).every((c) => c.state === 'scored' || c.state === 'failed'),
        );
        const scored = s.candidates.filter((c) => c.state === 'scored');
        assert.ok(scored.length >= 2, `expected the faithful and the wrong candidate scored: ${JSON.stringify(s.candidates)}`);
        for (const c of scored) assert.ok(c.score !== null && c.score >= 0 && c.score <= 1, `candidate ${c.id} has score ${c.score}`);
        const top = Math.max(...scored.map((c) => c.score ?? 0));
        assert.ok(top > 0.9, `the faithful candidate should score above 0.9: ${JSON.stringify(s.candidates)}`);
        assert.ok(scored.some((c) => (c.score ?? 1) < top - 0.1), `the wrong candidate should score clearly lower: ${JSON.stringify(s.candidates)}`);
        // closing the panel (next step) cancels this run; the ask step below runs one to the end
      },
    },
    {
      name: 'derender from the explorer context menu on insectsprays-bar.png: its panel shows its original and candidates',
      timeoutMs: 120_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        await wb.explorerContextMenu('insectsprays-bar.png', 'RECODE: Derender image');
        panel = await panelFor('insectsprays-bar.png', 45_000);
        await panelWhere(panel, 'the original and the first candidates of insectsprays-bar.png', 60_000, (p) => p.originalLoaded && p.status === 'running' && p.candidates.length > 0);
        // closing the panel (next step) cancels this run; the palette run above went to the end
      },
    },
    {
      name: 'ask about fivebars.png from the context menu: the run finishes with the best candidate, the program editor and the answer',
      timeoutMs: 300_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        await wb.explorerContextMenu('fivebars.png', 'RECODE: Ask about image…');
        await wb.answerInputBox(/question|ask/i, E2E.question, 45_000); // the extension host answers late on a loaded machine
        panel = await panelFor('fivebars.png', 45_000);
        const s = await panelWhere(panel, 'run-status finished', 280_000, finished);
        assert.equal(s.status, 'finished', `run ended ${s.status}: ${s.error}`);
        const best = s.candidates.filter((c) => c.best);
        assert.equal(best.length, 1, `expected one best candidate, got ${JSON.stringify(s.candidates)}`);
        assert.ok((best[0]?.score ?? 0) > 0.9, `the best candidate scores ${best[0]?.score}`);
        assert.ok(s.candidates.some((c) => c.state === 'failed'), 'the broken candidate should show as failed');
        assert.ok(s.hasDiff, 'the diff view is missing');
        assert.ok(s.question.includes(E2E.question), `the panel shows the question "${s.question}"`);
        assert.match(s.answer, /\b5\b/, `the panel's answer is "${s.answer}", expected 5`);
        const text = await programEditor(20_000);
        const head = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
        assert.ok(head.includes(E2E.question), `the program's leading comments lack the question:\n${head}`);
        assert.match(head, /\b5\b/, `the program's leading comments lack the answer:\n${head}`);
      },
    },
    {
      name: 'derender a notebook chart output from the palette, then Re-run from its panel: the program and answer cells under the chart are replaced, not added',
      timeoutMs: 300_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        await (await wb.explorerRow(E2E.notebook)).click();
        // The notebook's status bar says "Cell i of N"; the inserted program cell starts with RECODE's header.
        const PROGRAM_HEAD = '# RECODE: a program that redraws';
        const MODEL_WARNING = '# Written by a model from an image — review before running';
        const notebookShows = async (what: string, cells: number, programs: number): Promise<void> => {
          let count: number | undefined;
          let code: string[] = [];
          await waitFor(
            async () => {
              if (!(await wb.tabs()).some((t) => t.active && t.label === E2E.notebook)) await wb.clickTab(E2E.notebook);
              count = await wb.notebookCellCount();
              if (programs > 0) await wb.scrollNotebook(400);
              code = await wb.notebookCodeCells();
              const shown = code.filter((c) => c.startsWith(`${MODEL_WARNING}\n${PROGRAM_HEAD}`));
              return count === cells && shown.length === programs && shown.every((c) => c.includes(E2E.faithfulLine));
            },
            20_000,
            what,
            500,
          ).catch((e: unknown) => {
            throw new Error(`${e instanceof Error ? e.message : String(e)}; status bar: ${count} cells; code cells on screen: ${JSON.stringify(code.map((c) => c.slice(0, 60)))}`);
          });
        };
        await notebookShows(`the notebook ${E2E.notebook}: 3 cells, no program yet`, 3, 0);
        const onDisk = (): string => fs.readFileSync(path.join(config.workspace, E2E.notebook), 'utf8');
        const original = onDisk();

        await wb.runCommand('RECODE: Derender output');
        const label = E2E.notebookRunLabel;
        panel = await panelFor(label, 45_000);
        const s = await panelWhere(panel, 'the notebook run to finish', 120_000, finished);
        assert.equal(s.status, 'finished', `run ended ${s.status}: ${s.error}`);
        await notebookShows('5 cells: the winning program (a code cell) and the answer under the chart', 5, 1);
        await page.screenshot({ path: path.join(config.artifacts, 'ui-notebook-derendered.png') });

        // Re-run from the panel: "Run again" with the same settings; the new run replaces its cells.
        await wb.clickTab(`RECODE: ${label}`);
        await wb.clickInPanel(panel, 'rerun');
        await wb.pick('Run again', 'Run again');
        await waitFor(async () => (await wb.recodeFrames()).length === 2, 45_000, 'a second panel for the re-run');
        await waitFor(
          async () => {
            const states = await Promise.all((await wb.recodeFrames()).map((f) => wb.panelState(f)));
            const failedRun = states.find((p) => p.status === 'failed' || p.status === 'cancelled');
            if (failedRun) throw new Error(`the re-run ended ${failedRun.status}: ${failedRun.error}`);
            return states.length === 2 && states.every(finished);
          },
          120_000,
          'the re-run to finish',
          500,
        );
        await notebookShows('still 5 cells after the re-run: its program and answer replaced the first run’s', 5, 1);
        assert.equal(onDisk(), original, `RECODE saved ${E2E.notebook}: the cells are the user's to keep or not`);
        // The next step's Close All Editors answers "Don't Save" for the notebook.
      },
    },
    {
      name: 'cancel mid-run from the panel: status cancelled and no run going',
      timeoutMs: 120_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        const before = (await seenRequests(config.model.url)).length;
        await wb.runCommand('RECODE: Derender image');
        await wb.pick('nile', E2E.slowChart);
        panel = await panelFor(E2E.slowChart, 45_000);
        // the model answers about this chart only after minutes: the run is going once it holds a request
        await waitFor(async () => (await seenRequests(config.model.url)).length > before, 30_000, 'the run to reach the model server');
        const running = await wb.panelState(panel);
        assert.equal(running.status, 'running', 'the run should be going before cancel');
        await page.screenshot({ path: path.join(config.artifacts, 'ui-cancel-before.png') });
        await wb.clickInPanel(panel, 'cancel');
        const t0 = Date.now();
        await panelWhere(panel, 'run-status cancelled', 15_000, (p) => p.status === 'cancelled');
        const cancelMs = Date.now() - t0;
        await waitFor(async () => !(await wb.notifications()).some((n) => n.progress), 10_000, 'the progress notification to go away');
        const asked = (await seenRequests(config.model.url)).length;
        await sleep(1_500);
        assert.equal((await seenRequests(config.model.url)).length, asked, 'the model was asked again after cancel');
        assert.ok(cancelMs < 5_000, `cancel took ${cancelMs} ms`);
      },
    },
    {
      name: 'a model reply holding a command link: the run fails and the error notification shows the link as plain text, not as a link',
      timeoutMs: 150_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        await wb.clearNotifications();
        await wb.runCommand('RECODE: Derender image');
        await wb.pick('chickwts', E2E.hostileChart);
        panel = await panelFor(E2E.hostileChart, 45_000);
        const s = await panelWhere(panel, 'the run to fail', 90_000, finished);
        assert.equal(s.status, 'failed', `run ended ${s.status}: ${s.error}`);
        assert.ok(s.error.includes(E2E.hostileLinkLabel), `the panel shows the program's error: "${s.error}"`);
        const toast = await waitFor(
          async () => (await wb.notificationLinks()).find((n) => n.severity === 'error' && n.message.includes(E2E.hostileLinkLabel)),
          20_000,
          `an error notification naming "${E2E.hostileLinkLabel}"`,
        );
        await page.screenshot({ path: path.join(config.artifacts, 'ui-hostile-notification.png') });
        assert.deepEqual(toast.links, [], `the notification made links of the model's text: ${JSON.stringify(toast)}`);
        assert.ok(!/command:/i.test(toast.message), `the notification shows a command URI: "${toast.message}"`);
      },
    },
    {
      name: 'a wrong API key shows one clear error',
      timeoutMs: 150_000,
      needs: ['set the API key from the palette'],
      run: async () => {
        await wb.closeAllEditors();
        await wb.clearNotifications();
        await wb.runCommand('RECODE: Set API key');
        await wb.answerInputBox(/key/i, E2E.wrongApiKey);
        try {
          await wb.runCommand('RECODE: Derender image');
          await wb.pick('fivebars', 'fivebars.png');
          panel = await panelFor('fivebars.png', 45_000);
          const s = await panelWhere(panel, 'the run to fail', 60_000, finished);
          assert.equal(s.status, 'failed');
          assert.ok(s.error.length > 0, 'the panel shows no error');
          await waitFor(async () => (await wb.notifications()).some((n) => n.severity === 'error'), 15_000, 'an error notification');
          await sleep(2_000); // a second notification for the same failure would come right after the first
          const errors = (await wb.allNotifications()).filter((n) => n.severity === 'error');
          assert.equal(errors.length, 1, `expected one error notification, got ${JSON.stringify(errors)}`);
          const msg = errors[0]?.message ?? '';
          assert.match(msg, /key|401|unauthori|authenticat/i, `the error should say the key was refused: "${msg}"`);
          assert.ok(!msg.includes(E2E.wrongApiKey), `the error shows the key itself: "${msg}"`);
        } finally {
          await wb.runCommand('RECODE: Set API key').then(() => wb.answerInputBox(/key/i, E2E.apiKey)).catch(() => undefined);
        }
      },
    },
    ...lmSteps(),
    {
      name: 'with no model configured, derender insectsprays-bar.png: the panel shows the reading (overlay, data table) and says questions need a model',
      timeoutMs: 240_000,
      needs: ['open the example workspace'],
      run: () => derenderWithoutModel({ config, page, wb, panelFor }),
    },
  ];

  /**
   * A model VS Code already has (the fake vision provider of ../lm-provider, installed by run.sh):
   * the endpoint settings are emptied in the user settings file, as a user without a key has them.
   */
  function lmSteps(): Step[] {
    const lmRequests = path.join(config.artifacts, 'lm-requests.json');
    interface LmSeen {
      purpose?: string;
      model: string;
      problems: string[];
      images: Array<{ mime: string; file?: string }>;
    }
    const readLm = (): LmSeen[] => (fs.existsSync(lmRequests) ? (JSON.parse(fs.readFileSync(lmRequests, 'utf8')) as LmSeen[]) : []);
    return [
      {
        name: '"RECODE: Choose model" lists the endpoint and the VS Code models, marking the one that takes no images',
        timeoutMs: 90_000,
        needs: ['open the example workspace'],
        run: async () => {
          await wb.runCommand('RECODE: Choose model');
          const rows = await waitFor(
            async () => {
              const r = await wb.quickInputRows();
              return r.some((l) => l.includes('Fake Vision')) && r.some((l) => l.includes('Fake Text')) ? r : undefined;
            },
            30_000,
            'the fake provider\'s models in the quick pick',
          );
          assert.ok(rows.some((l) => /Endpoint: recode-e2e-model/.test(l)), `the configured endpoint is offered: ${JSON.stringify(rows)}`);
          const details = await page.evaluate(() => Array.from(document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')).map((r) => r.textContent ?? ''));
          assert.ok(details.some((d) => d.includes('Fake Text') && /does not accept images/.test(d)), `the text-only model is marked: ${JSON.stringify(details)}`);
          assert.ok(details.some((d) => d.includes('Fake Vision') && /accepts images/.test(d)), `the vision model is marked: ${JSON.stringify(details)}`);
          await page.screenshot({ path: path.join(config.artifacts, 'ui-choose-model.png') });
          await wb.closeQuickInput();
        },
      },
      {
        name: 'no endpoint, no key: ask about fivebars.png from the explorer; the run goes through a VS Code language model and ends with the program and the computed answer in the editor',
        timeoutMs: 300_000,
        needs: ['open the example workspace'],
        run: async () => {
          await wb.closeAllEditors();
          await wb.clearNotifications().catch(() => undefined);
          await wb.runCommand('RECODE e2e: Endpoint settings');
          await wb.pick('empty', 'empty');
          try {
            // "RECODE: Choose model" shows when the endpoint is gone. One picker at a time: each is
            // awaited and closed before the next is asked for — a picker still coming when the step
            // goes on would take the place of the question's input box (VS Code shows one at a time).
            await waitFor(
              async () => {
                await wb.runCommand('RECODE: Choose model');
                const rows = await waitFor(async () => {
                  const r = await wb.quickInputRows();
                  return r.some((l) => l.includes('Endpoint')) ? r : undefined;
                }, 45_000, 'the model quick pick').catch((e: unknown) => {
                  throw new StopWaiting(e instanceof Error ? e.message : String(e));
                });
                await wb.closeQuickInput();
                return rows.some((l) => l.includes('Endpoint: not configured'));
              },
              30_000,
              'VS Code to see the emptied endpoint settings',
              1_000,
            );
            const endpointBefore = (await seenRequests(config.model.url)).length;
            const lmBefore = readLm().length;
            await wb.explorerContextMenu('fivebars.png', 'RECODE: Ask about image…');
            await wb.answerInputBox(/question|ask/i, E2E.question, 45_000); // the extension host answers late on a loaded machine
            panel = await panelFor('fivebars.png', 45_000);
            const st = await panelWhere(panel, 'run-status finished', 280_000, finished);
            assert.equal(st.status, 'finished', `run ended ${st.status}: ${st.error}`);
            assert.match(st.answer, /\b5\b/, `the panel's answer is "${st.answer}", expected 5`);
            const text = await programEditor(20_000);
            const head = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
            assert.match(head, /\b5\b/, `the program's leading comments lack the computed answer:\n${head}`);
            await page.screenshot({ path: path.join(config.artifacts, 'ui-lm-derendered.png') });
            const mine = readLm().slice(lmBefore);
            assert.ok(mine.length >= 4, `the fake provider saw ${mine.length} requests`);
            assert.deepEqual(mine.flatMap((q) => q.problems), [], 'every request carried the image and its purpose marker');
            assert.ok(mine.every((q) => q.model === 'fake-vision' && q.images[0]?.mime === 'image/png' && q.images[0]?.file === 'fivebars.png'), JSON.stringify(mine));
            assert.deepEqual([...new Set(mine.map((q) => q.purpose))].sort(), ['answer', 'generate', 'refine']);
            assert.equal((await seenRequests(config.model.url)).length, endpointBefore, 'the endpoint was asked nothing');
          } finally {
            await wb.runCommand('RECODE e2e: Endpoint settings').then(() => wb.pick('restore', 'restore'));
          }
        },
      },
      {
        name: 'the VS Code model went away (NotFound): one error notification, whose "Choose Model" button opens the picker',
        timeoutMs: 150_000,
        needs: ['"RECODE: Choose model" lists the endpoint and the VS Code models, marking the one that takes no images'],
        run: async () => {
          await wb.closeAllEditors();
          const setFakeMode = async (mode: string): Promise<void> => {
            await wb.runCommand('RECODE e2e: Set fake model mode');
            await wb.pick(mode, mode);
          };
          await setFakeMode('NotFound');
          try {
            // the user picks the VS Code model (recode.modelSource = vscode): the endpoint stays configured but unused
            await wb.runCommand('RECODE: Choose model');
            await wb.pick('Fake Vision', 'Fake Vision');
            await wb.clearNotifications();
            await wb.explorerContextMenu('fivebars.png', 'RECODE: Derender image');
            panel = await panelFor('fivebars.png', 45_000);
            const st = await panelWhere(panel, 'the run to fail', 60_000, finished);
            assert.equal(st.status, 'failed', `run ended ${st.status}`);
            assert.match(st.error, /no longer available in VS Code/, `the panel's error: ${st.error}`);
            await waitFor(async () => (await wb.notifications()).some((n) => n.severity === 'error'), 15_000, 'an error notification');
            await sleep(2_000); // a second notification for the same failure would come right after the first
            await page.screenshot({ path: path.join(config.artifacts, 'ui-lm-not-found.png') });
            // counted on the toasts: the notification center would hide them, and the button closes its notification
            const errors = (await wb.notifications()).filter((n) => n.severity === 'error');
            assert.equal(errors.length, 1, `expected one error notification, got ${JSON.stringify(errors)}`);
            assert.match(errors[0]?.message ?? '', /'Fake Vision' is no longer available in VS Code.*RECODE: Choose model/, errors[0]?.message);
            await waitFor(
              async () => {
                for (const b of await page.$$('.notifications-toasts .notification-list-item .monaco-button')) {
                  if ((await b.evaluate((e) => (e.textContent ?? '').trim())) === 'Choose Model') {
                    await b.click();
                    return true;
                  }
                }
                return false;
              },
              15_000,
              'a "Choose Model" button on the error notification',
            );
            await waitFor(async () => (await wb.quickInputRows()).some((l) => l.includes('Fake Vision')), 15_000, 'the model picker, opened by the button');
            await wb.pick('Automatic', 'Automatic');
          } finally {
            await setFakeMode('normal').catch(() => undefined);
            await wb.runCommand('RECODE: Choose model').then(() => wb.pick('Automatic', 'Automatic')).catch(() => undefined);
          }
        },
      },
    ];
  }

  const results: Array<{ name: string; ok: boolean; ms: number; error?: string }> = [];
  const passed = new Set<string>();
  const t0 = Date.now();
  try {
    for (const [i, step] of steps.entries()) {
      if (config.only === 'rig' && !step.rig) continue;
      if (process.env.RECODE_E2E_GREP && !step.rig && !new RegExp(process.env.RECODE_E2E_GREP).test(step.name)) continue;
      const shot = path.join(config.artifacts, `ui-${String(i + 1).padStart(2, '0')}-${slug(step.name)}`);
      const missing = (step.needs ?? []).filter((n) => !passed.has(n));
      const started = Date.now();
      let error: string | undefined;
      if (missing.length > 0) {
        error = `not run: needs "${missing.join('", "')}"`;
      } else {
        webviewErrors.length = 0;
        try {
          await withTimeout(step.run(), step.timeoutMs, `step "${step.name}" timed out`);
          if (webviewErrors.length > 0) throw new Error(`console errors in the webview: ${webviewErrors.join(' | ')}`);
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
        await page.screenshot({ path: `${shot}${error ? '-FAILED' : ''}.png` }).catch(() => undefined);
      }
      const ms = Date.now() - started;
      results.push({ name: step.name, ok: !error, ms, error });
      if (!error) passed.add(step.name);
      console.log(`  ${error ? '✗' : '✓'} ${step.name} (${(ms / 1000).toFixed(1)} s)${error ? `\n      ${error}` : ''}`);
      if (error && step.name === 'open the example workspace') {
        console.log(`      explorer rows: ${JSON.stringify(await wb.explorerRows().catch(() => []))}`);
      }
      if (error && missing.length === 0) {
        const dialog = await wb.dialogText().catch(() => '');
        if (dialog) console.log(`      dialog: ${dialog}`);
        await wb.dismissDialog().catch(() => undefined);
        const rows = await wb.quickInputRows().catch(() => []);
        if (rows.length) console.log(`      quick input rows: ${JSON.stringify(rows.slice(0, 8))}`);
        const menu = await wb.contextMenuLabels().catch(() => []);
        if (menu.length) console.log(`      context menu: ${JSON.stringify(menu)}`);
        console.log(`      tabs: ${JSON.stringify((await wb.tabs().catch(() => [])).map((t) => t.label))}; notifications: ${JSON.stringify(await wb.notifications().catch(() => []))}`);
        await wb.closeQuickInput().catch(() => undefined);
        await page.keyboard.press('Escape').catch(() => undefined);
      }
    }
  } finally {
    consoleLog.end();
    await close();
  }
  const failed = results.filter((r) => !r.ok).length;
  fs.writeFileSync(path.join(config.artifacts, 'ui-results.json'), JSON.stringify({ results, durationMs: Date.now() - t0 }, null, 2));
  console.log(`ui: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module && process.argv.includes('--run')) {
  main(loadConfig(__dirname)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('UI suite crashed:', err);
      console.log('ui: 0 passed, 1 failed');
      process.exit(1);
    },
  );
}
