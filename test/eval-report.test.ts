// The HTML report of an evaluation, opened in headless Debian chromium (puppeteer-core): the summary
// and the accuracy chart, every image with its original, best render and diff, every question with
// each mode's answer; the filters "recode right, direct wrong" and the reverse; a model's answer
// that is HTML shows as text. The page needs nothing from the network. Screenshot kept in
// test-artifacts/eval-report.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startScriptedServer, type RecordedRequest, type ScriptStep } from './support/scriptedServer';
import { ROOT, SYSTEM_PYTHON } from './support/paths';
import { loadInput } from '../src/core/manifest';
import { evaluate } from '../src/core/eval/index';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { launchChromium } from './e2e/browser';

interface El {
  textContent: string | null;
  getAttribute(n: string): string | null;
  naturalWidth?: number;
  classList: { contains(c: string): boolean };
  click(): void;
}
declare const document: { querySelectorAll(s: string): ArrayLike<El>; querySelector(s: string): El | null };
declare const window: { __xss?: number; getComputedStyle(e: El): { display: string } };

const BENCH = join(ROOT, 'test', 'fixtures', 'benchmarks');
const fence = (code: string) => `\`\`\`python\n${code}\n\`\`\`\n`;
const BARS = `import matplotlib.pyplot as plt
fig = plt.figure(figsize=(8.00, 6.00), dpi=100)
sprays = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [14.5, 15.33, 2.08, 4.92, 3.5, 16.67]
plt.bar(sprays, mean_count)`;

function script(req: RecordedRequest): ScriptStep {
  const q = /Question: ([^\n]*)/.exec(req.text)?.[1] ?? '';
  if (req.purpose === 'generate') return { text: fence(BARS) };
  if (req.text.includes('[direct]')) {
    if (/spray F/.test(q)) return { text: 'Answer: 12' }; // wrong; recode computes it right
    if (/Asia/.test(q)) return { text: 'Answer: 1951' }; // right; recode is a year off
    if (/blue eyes/.test(q)) return { text: 'Answer: <img src=x onerror="window.__xss=1">' };
    if (/lowest/.test(q)) return { text: 'Answer: C' };
    return { text: 'Answer: 71.1' };
  }
  if (/spray F/.test(q)) return { text: fence("answer = mean_count[sprays.index('F')]") };
  if (/Asia/.test(q)) return { text: fence('answer = 1950') };
  if (/lowest/.test(q)) return { text: fence("answer = 'C'") };
  if (/blue eyes/.test(q)) return { text: fence('answer = 36.32') };
  return { text: fence('answer = 71.1') };
}

test('report.html in chromium: summary, chart, every item with its images and answers, and the two filters', async () => {
  const server = await startScriptedServer({ script });
  const chromium = await launchChromium();
  try {
    const out = join(mkdtempSync(join(tmpdir(), 'recode-evalreport-')), 'eval');
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'k', retryBaseMs: 10 });
    const r = await evaluate(
      await loadInput(join(BENCH, 'chartqa', 'test', 'test_human.json')),
      { outDir: out, modes: ['direct', 'recode'], concurrency: 2, resume: false, judge: false, derender: { candidates: 1, rounds: 0, numericRefineBudget: 0, reader: false }, describe: { input: 'test_human.json', model: model.description } },
      { model, renderer: async () => createPythonRenderer({ pythonPath: SYSTEM_PYTHON }) },
    );
    assert.deepEqual(r.summary.recodeVsDirect, { both: 2, recodeOnly: 2, directOnly: 1, neither: 0 });

    const page = await chromium.browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pathToFileURL(r.reportPath).href, { waitUntil: 'load' });

    // the summary: one row per mode, with the accuracy and its interval
    const rows = await page.$$eval('[data-testid=summary] tbody tr', (els) => els.map((e) => [e.getAttribute('data-mode'), e.textContent ?? '']));
    assert.deepEqual(rows.map((x) => x[0]), ['direct', 'recode']);
    assert.match(rows[0][1], /60\.0 % \(3\/5; [\d.]+–[\d.]+\)/);
    assert.match(rows[1][1], /80\.0 % \(4\/5; [\d.]+–[\d.]+\)/);
    assert.equal(await page.$$eval('[data-testid=accuracy-chart] g[data-mode]', (els) => els.length), 2);
    assert.match((await page.$eval('[data-testid=comparison]', (e) => e.textContent)) ?? '', /only recode right 2, only direct right 1/);

    // every image, with its original, best render and diff shown (decoded), and every question
    const items = await page.$$eval('[data-testid=item]', (els) => els.map((e) => e.getAttribute('data-image')));
    assert.deepEqual(items.sort(), ['test_human/eyecolor-pie', 'test_human/insectsprays-bar', 'test_human/vadeaths-grouped', 'test_human/worldphones-lines']);
    const imgs = await page.$$eval('[data-testid=item] figure img', (els) => els.map((e) => [e.getAttribute('alt'), e.naturalWidth ?? 0] as [string, number]));
    assert.equal(imgs.length, 12);
    assert.ok(imgs.every(([, w]) => w > 0), JSON.stringify(imgs));
    assert.equal(await page.$$eval('[data-testid=question-row]', (els) => els.length), 5);
    assert.equal(await page.$$eval('[data-testid=item] details pre', (els) => els.filter((e) => (e.textContent ?? '').includes('mean_count = [14.5')).length) >= 4, true);

    // a model's answer that is HTML is shown as text, never run
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    const hostile = await page.$eval('[data-testid=question-row][data-id="test_human/eyecolor-pie#4"] td[data-mode=direct] code', (e) => e.textContent);
    assert.equal(hostile, '<img src=x onerror="window.__xss=1">');

    const visibleRows = () => page.$$eval('[data-testid=question-row]', (els) => els.filter((e) => !e.classList.contains('hidden')).map((e) => e.getAttribute('data-id')));
    const visibleItems = () => page.$$eval('[data-testid=item]', (els) => els.filter((e) => !e.classList.contains('hidden')).length);
    await page.click('[data-filter=recode-only]');
    assert.deepEqual((await visibleRows()).sort(), ['test_human/eyecolor-pie#4', 'test_human/insectsprays-bar#1']);
    assert.equal(await visibleItems(), 2);
    await page.click('[data-filter=direct-only]');
    assert.deepEqual(await visibleRows(), ['test_human/worldphones-lines#5']);
    assert.equal(await visibleItems(), 1);
    await page.click('[data-filter=all]');
    assert.equal((await visibleRows()).length, 5);

    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'eval-report.png'), fullPage: true });
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), [], 'the report fetched nothing');
    assert.deepEqual(errors, []);
  } finally {
    await chromium.close();
    await server.close();
  }
});
