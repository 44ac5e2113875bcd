// `recode eval` as a researcher runs it, against the scripted model server (no network) and real
// matplotlib (Debian's python): direct and recode on a ChartQA-format sample and on our fixture
// manifest; one derender per image shared by its questions; results appended as they arrive;
// resume after a killed run redoes nothing; the concurrency limit holds; Ctrl-C stops cleanly;
// an existing --out is refused; Geometry3K choices and the CharXiv judge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, readdirSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startScriptedServer, type RecordedRequest, type ScriptStep, type ScriptedServer } from './support/scriptedServer';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';
import { loadInput } from '../src/core/manifest';
import { evaluate, readItems, type ItemLine } from '../src/core/eval/index';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';

const BENCH = join(ROOT, 'test', 'fixtures', 'benchmarks');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'recode-evalrun-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fence = (code: string) => `Here it is.\n\n\`\`\`python\n${code}\n\`\`\`\n`;

/** A bar chart program for any image: the data of InsectSprays (what the answers compute over). */
const BARS = `import matplotlib.pyplot as plt
fig = plt.figure(figsize=(8.00, 6.00), dpi=100)
sprays = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [14.5, 15.33, 2.08, 4.92, 3.5, 16.67]
plt.bar(sprays, mean_count, color='#cccccc', edgecolor='black')
plt.title('Mean count by spray')`;

/** Answers by question: recode computes; direct states (wrong on purpose where noted). */
const COMPUTE: [RegExp, string][] = [
  [/spray F/, "answer = mean_count[sprays.index('F')]"],
  [/lowest mean count/, 'answer = sprays[mean_count.index(min(mean_count))]'],
  [/Urban Male aged 70-74/, 'answer = 71.1'],
  [/blue eyes/, 'answer = 36.3'],
  [/Asia first exceed/, 'answer = 1950'], // wrong by a year: the year rule says wrong
];
const STATE: [RegExp, string][] = [
  [/spray F/, 'Answer: 15'], // 10 % off: wrong
  [/lowest mean count/, 'Answer: C'],
  [/Urban Male aged 70-74/, 'Answer: 71.1'],
  [/blue eyes/, 'Answer: 36%'],
  [/Asia first exceed/, 'Answer: 1951'],
];
const pick = (table: [RegExp, string][], text: string, fallback: string) => table.find(([re]) => re.test(text))?.[1] ?? fallback;

function modelScript(opts: { delayMs?: number; onRequest?: (r: RecordedRequest) => void } = {}) {
  return async (req: RecordedRequest): Promise<ScriptStep> => {
    opts.onRequest?.(req);
    if (opts.delayMs) await sleep(opts.delayMs);
    const question = /Question: ([^\n]*)/.exec(req.text)?.[1] ?? req.text;
    if (req.purpose === 'generate') return { text: fence(BARS) };
    if (req.purpose === 'answer' && req.text.includes('[direct]')) return { text: `Looking at the chart.\n${pick(STATE, question, 'Answer: 1')}` };
    if (req.purpose === 'answer') return { text: fence(pick(COMPUTE, question, 'answer = 1')) + 'Explanation: read from the program.' };
    if (req.purpose === 'critic' && req.text.includes('[judge]')) return { text: /Ground truth: Crew/.test(req.text) && /Answer to grade: the crew/.test(req.text) ? '{"score": 1}' : '{"score": 0}' };
    return { status: 500, body: { error: { message: `unexpected ${req.purpose}` } } };
  };
}

function env(server: ScriptedServer) {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RECODE_BASE_URL: server.url, RECODE_MODEL: 'scripted-vision', RECODE_API_KEY: 'k' };
}

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}
function runCli(args: string[], server: ScriptedServer): Run {
  const child = spawn(process.execPath, [CLI, ...args], { env: env(server), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

const FAST = ['-n', '1', '-k', '0', '--numeric-budget', '0', '--no-reader', '--renderer', 'python', '--python', SYSTEM_PYTHON];

function linesOf(dir: string): ItemLine[] {
  return readFileSync(join(dir, 'items.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ItemLine);
}

test('a ChartQA-format sample, direct vs recode: every result in items.jsonl, one derender per image, summary and report written', async () => {
  const server = await startScriptedServer({ script: modelScript() });
  try {
    const out = join(tmp(), 'eval');
    const r = await runCli(['eval', join(BENCH, 'chartqa', 'test', 'test_human.json'), '--out', out, '--modes', 'direct,recode', '--concurrency', '2', ...FAST], server).done;
    assert.equal(r.code, 0, r.stderr);
    const lines = linesOf(out);
    const answers = lines.filter((l) => l.kind === 'answer');
    assert.equal(answers.filter((l) => l.mode === 'direct').length, 5);
    assert.equal(answers.filter((l) => l.mode === 'recode').length, 5);
    // four images: four derenders (generate requests), the two questions on the bar chart share one
    assert.equal(server.chatRequests().filter((q) => q.purpose === 'generate').length, 4, server.chatRequests().map((q) => q.purpose).join(' ') + r.stderr);
    const byId = (mode: string, re: RegExp) => answers.find((l) => l.mode === mode && re.test(l.question!))!;
    const f = byId('recode', /spray F/);
    assert.equal(f.answer, '16.67');
    assert.equal(f.correct, true);
    assert.equal(f.computed, true);
    assert.ok(f.run && existsSync(join(out, f.run, 'program.py')) && existsSync(join(out, f.run, 'render.png')) && existsSync(join(out, f.run, 'diff.png')) && existsSync(join(out, f.run, 'run.json')));
    const c = byId('recode', /lowest/);
    assert.equal(c.shared_run, true);
    assert.equal(c.run, f.run, 'the second question is answered over the same derender');
    assert.equal(byId('direct', /spray F/).correct, false); // 15 vs 16.67: more than 5 % off
    assert.equal(byId('direct', /blue eyes/).correct, true); // "36%" vs 36.32
    assert.equal(byId('recode', /Asia/).correct, false); // 1950 vs 1951: a year, not "within 5 %"
    assert.equal(byId('direct', /Asia/).correct, true);
    // table scores for recode: the recovered bars against each chart's data table
    const tables = lines.filter((l) => l.kind === 'table');
    assert.equal(tables.length, 4);
    const spray = tables.find((l) => l.image_id.includes('insectsprays'))!;
    assert.ok(spray.table_score!.f1 > 0.99, JSON.stringify(spray.table_score));
    assert.ok(tables.filter((l) => !l.image_id.includes('insectsprays')).every((l) => l.table_score!.f1 < 0.5));
    // tokens are counted per line
    assert.ok(answers.every((l) => l.tokens.promptTokens >= 0) && f.tokens.promptTokens > 0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.format, 'chartqa');
    assert.equal(summary.byMode.direct.n, 5);
    assert.equal(summary.byMode.direct.correct, 4);
    assert.equal(summary.byMode.recode.correct, 4);
    assert.equal(summary.byMode.recode.computed.n, 5);
    assert.equal(summary.byMode.direct.stated.n, 5);
    assert.ok(summary.byMode.recode.ci95[0] < 0.8 && summary.byMode.recode.ci95[1] > 0.8);
    assert.deepEqual(summary.recodeVsDirect, { both: 3, recodeOnly: 1, directOnly: 1, neither: 0 });
    assert.equal(summary.byBenchmark.chartqa.recode.n, 5);
    assert.ok(summary.byMode.recode.table.n === 4);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /data-testid="summary"/);
    assert.ok(!/src="(?!data:)/.test(html), 'every image is embedded');
    assert.match(r.stdout, /^direct +80\.0 % \(4\/5; 95 % CI/m);
    assert.match(r.stdout, /recode right where direct was wrong: 1; the reverse: 1/);
  } finally {
    await server.close();
  }
});

test('our fixture manifest (the 13 charts) in all three modes: direct and recode answer, recode and the reader are scored on the data tables', async () => {
  const server = await startScriptedServer({ script: modelScript() });
  try {
    const out = join(tmp(), 'eval');
    const r = await runCli(['eval', join(FIXTURES, 'manifest.jsonl'), '--out', out, '--concurrency', '2', ...FAST], server).done;
    assert.equal(r.code, 0, r.stderr);
    const lines = linesOf(out);
    const count = (mode: string, kind: string) => lines.filter((l) => l.mode === mode && l.kind === kind).length;
    assert.equal(count('direct', 'answer'), 26);
    assert.equal(count('recode', 'answer'), 26);
    assert.equal(count('recode', 'table'), 13);
    assert.equal(count('reader', 'table'), 13);
    assert.equal(count('reader', 'answer'), 0, 'the reader answers no question: it has no model');
    const reader = lines.filter((l) => l.mode === 'reader');
    // each reading is scored, or its failure says why in one sentence; the reader asks no model
    assert.ok(reader.every((l) => (l.table_score && l.table_score.f1 >= 0 && l.table_score.f1 <= 1) || /^the reader could not read the chart: /.test(l.error ?? '')), JSON.stringify(reader.map((l) => l.error)));
    assert.ok(reader.filter((l) => l.table_score).every((l) => existsSync(join(out, l.run!, 'table.csv'))));
    assert.equal(server.chatRequests().filter((q) => q.purpose === 'generate').length, 13);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.byMode.reader.table.n, 13);
    assert.equal(summary.byMode.reader.tokens.prompt, 0);
    assert.deepEqual(Object.keys(summary.byChartType).sort(), ['bar', 'grouped bar', 'horizontal bar', 'line', 'pie', 'scatter', 'stacked bar']);
    assert.equal(summary.byChartType.bar.direct.n, 8); // four bar charts, two questions each
    assert.match(r.stdout, /^reader +table RMS-F1 [\d.]+ over 13 tables/m);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.equal((html.match(/data-testid="item"/g) ?? []).length, 13);
    assert.equal((html.match(/data-testid="question-row"/g) ?? []).length, 26);
  } finally {
    await server.close();
  }
});

test('an existing --out folder is refused unless --resume, and left as it was', async () => {
  const server = await startScriptedServer({ script: modelScript() });
  try {
    const out = tmp();
    writeFileSync(join(out, 'mine.txt'), 'keep me');
    const r = await runCli(['eval', join(FIXTURES, 'manifest.jsonl'), '--out', out, '--modes', 'direct'], server).done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exists; choose a new --out folder, or pass --resume/);
    const resumed = await runCli(['eval', join(FIXTURES, 'manifest.jsonl'), '--out', out, '--modes', 'direct', '--resume'], server).done;
    assert.equal(resumed.code, 1);
    assert.match(resumed.stderr, /not an evaluation folder/);
    assert.deepEqual(readdirSync(out), ['mine.txt']);
    assert.equal(server.chatRequests().length, 0);
    const file = join(out, 'mine.txt');
    const onFile = await runCli(['eval', join(FIXTURES, 'manifest.jsonl'), '--out', file, '--modes', 'direct'], server).done;
    assert.equal(onFile.code, 1);
    assert.match(onFile.stderr, /exists/);
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
    // a folder that cannot be made is said in one sentence, before any model call
    const under = await runCli(['eval', join(FIXTURES, 'manifest.jsonl'), '--out', join(file, 'sub'), '--modes', 'direct'], server).done;
    assert.equal(under.code, 1);
    assert.match(under.stderr, /^recode: cannot create the output folder .*: a part of the path is a file\n$/);
    assert.equal(server.chatRequests().length, 0);
  } finally {
    await server.close();
  }
});

test('resume after a killed run redoes nothing: the 13 fixture charts, direct and recode', async () => {
  let requests = 0;
  const server = await startScriptedServer({ script: modelScript({ delayMs: 60, onRequest: () => requests++ }) });
  try {
    const out = join(tmp(), 'eval');
    const args = ['eval', join(FIXTURES, 'manifest.jsonl'), '--out', out, '--modes', 'direct,recode', '--concurrency', '2', ...FAST];
    const first = runCli(args, server);
    // kill -9 once a few results are in: no chance to clean up
    for (let i = 0; i < 600; i++) {
      await sleep(100);
      if (existsSync(join(out, 'items.jsonl')) && readFileSync(join(out, 'items.jsonl'), 'utf8').split('\n').filter(Boolean).length >= 8) break;
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    const before = await readItems(out);
    assert.ok(before.length >= 8 && before.length < 26 * 2 + 13, `${before.length} lines before the kill`);
    const doneKeys = new Set(before.map((l) => `${l.mode}:${l.id}`));
    const derendered = new Set(before.filter((l) => l.mode === 'recode' && l.run).map((l) => l.image_id));
    const seen: RecordedRequest[] = [];
    server.requests.length = 0;
    const second = await runCli([...args, '--resume'], server).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /already in the folder \(resumed\)/);
    seen.push(...server.chatRequests());
    const after = linesOf(out);
    // every result exactly once
    const keys = after.map((l) => `${l.mode}:${l.id}`);
    assert.equal(new Set(keys).size, keys.length, 'no result twice');
    assert.equal(after.filter((l) => l.kind === 'answer').length, 52);
    assert.equal(after.filter((l) => l.kind === 'table').length, 13);
    // nothing done before was asked again: no direct question twice, no image derendered twice
    const directAsked = seen.filter((q) => q.purpose === 'answer' && q.text.includes('[direct]')).map((q) => /Question: ([^\n]*)/.exec(q.text)![1]);
    const doneDirect = before.filter((l) => l.mode === 'direct').map((l) => l.question!);
    assert.equal(directAsked.filter((q) => doneDirect.includes(q)).length, 0, 'a direct question answered before was asked again');
    const generates = seen.filter((q) => q.purpose === 'generate').length;
    assert.equal(generates, 13 - derendered.size, `derendered before: ${derendered.size}`);
    assert.ok(after.filter((l) => doneKeys.has(`${l.mode}:${l.id}`)).length === before.length);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.byMode.direct.n, 26);
    assert.equal(summary.byMode.recode.n, 26);
    assert.ok(requests > 0);
  } finally {
    await server.close();
  }
});

test('a question whose image was derendered before is answered over the saved program, with no new derender', async () => {
  const server = await startScriptedServer({ script: modelScript() });
  try {
    const out = join(tmp(), 'eval');
    const input = await loadInput(join(BENCH, 'chartqa', 'test', 'test_human.json'));
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', retryBaseMs: 10 });
    
    const opts = {
      outDir: out,
      modes: ['recode' as const],
      concurrency: 1,
      limit: 2,
      resume: false,
      judge: false,
      derender: { candidates: 1, rounds: 0, numericRefineBudget: 0, reader: false },
      describe: { input: 'test_human.json' },
    };
    const deps = { model, renderer: async () => createPythonRenderer({ pythonPath: SYSTEM_PYTHON }) };
    await evaluate(input, opts, deps);
    assert.equal(server.chatRequests().filter((q) => q.purpose === 'generate').length, 1);
    // drop the second question's line, as if the run had died before it was written
    const kept = linesOf(out).filter((l) => !/lowest/.test(l.question ?? ''));
    writeFileSync(join(out, 'items.jsonl'), kept.map((l) => JSON.stringify(l)).join('\n') + '\n{"id": "torn', 'utf8');
    server.requests.length = 0;
    const again = await evaluate(input, { ...opts, resume: true }, deps);
    const asked = server.chatRequests();
    assert.deepEqual(asked.map((q) => q.purpose), ['answer'], 'one answer request, no derender');
    const line = again.lines.find((l) => /lowest/.test(l.question ?? ''))!;
    assert.equal(line.answer, 'C');
    assert.equal(line.correct, true);
    assert.equal(line.run, kept[0].run);
    // the torn line was dropped and the file goes on on a line of its own
    const parsed = readFileSync(join(out, 'items.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    assert.equal(parsed.length, 3);
  } finally {
    await server.close();
  }
});

test('the concurrency limit holds: never more than N requests at the model at once (and N are used)', async () => {
  let inflight = 0;
  let peak = 0;
  const script = modelScript();
  const server = await startScriptedServer({
    script: async (req, i) => {
      inflight++;
      peak = Math.max(peak, inflight);
      try {
        await sleep(250);
        return await script(req);
      } finally {
        inflight--;
      }
    },
  });
  try {
    const input = await loadInput(join(FIXTURES, 'manifest.jsonl'));
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', retryBaseMs: 10 });
    const r = await evaluate(input, { outDir: join(tmp(), 'e'), modes: ['direct'], concurrency: 3, limit: 10, resume: false, judge: false, derender: {}, describe: { input: 'm' } }, { model });
    assert.equal(r.lines.length, 10);
    assert.equal(server.chatRequests().length, 10);
    assert.equal(peak, 3, `peak ${peak}`);
  } finally {
    await server.close();
  }
});

test('Ctrl-C stops cleanly: in-flight work is dropped, what was done is kept, summary and report are written', async () => {
  const server = await startScriptedServer({ script: modelScript({ delayMs: 200 }) });
  try {
    const out = join(tmp(), 'eval');
    const run = runCli(['eval', join(FIXTURES, 'manifest.jsonl'), '--out', out, '--modes', 'direct', '--concurrency', '1'], server);
    for (let i = 0; i < 300; i++) {
      await sleep(50);
      if (existsSync(join(out, 'items.jsonl')) && readFileSync(join(out, 'items.jsonl'), 'utf8').split('\n').filter(Boolean).length >= 2) break;
    }
    const t = Date.now();
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.ok(Date.now() - t < 10_000, 'stopped promptly');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cancelled; \d+ results kept in .*--resume to continue/);
    const lines = linesOf(out); // every line whole
    assert.ok(lines.length >= 2 && lines.length < 26);
    assert.ok(lines.every((l) => !l.error), 'nothing cancelled is recorded as an answer');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.stopped, 'cancelled');
    assert.equal(summary.byMode.direct.n, lines.length);
    assert.ok(statSync(join(out, 'report.html')).size > 1000);
  } finally {
    await server.close();
  }
});

test('Geometry3K: letters and values scored against the choices; CharXiv: exact match, and the judge when asked', async () => {
  const server = await startScriptedServer({
    script: async (req) => {
      if (req.purpose === 'critic') return { text: /Answer to grade: the crew|Ground truth: 33\.9\nAnswer to grade: 33\.9/.test(req.text) ? '{"score": 1}' : '{"score": 0}' };
      if (/Find x/.test(req.text)) return { text: req.text.includes('3\\sqrt{3}') ? 'x = 6 cos 30° = 5.196\nAnswer: 5.196' : 'Answer: (C)' };
      if (/miles per gallon/.test(req.text)) return { text: 'Answer: 33.9' };
      if (/most people/.test(req.text)) return { text: 'Answer: the crew' };
      return { text: 'Answer: oats' };
    },
  });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', retryBaseMs: 10 });
    const geo = await evaluate(await loadInput(join(BENCH, 'geometry3k', 'test')), { outDir: join(tmp(), 'g'), modes: ['direct'], concurrency: 2, resume: false, judge: false, derender: {}, describe: { input: 'g' } }, { model });
    assert.deepEqual(geo.lines.map((l) => [l.answer, l.read_as, l.correct]).sort(), [['(C)', 'C', true], ['5.196', 'B', true]]);
    // the model saw the choices with their letters
    assert.ok(server.chatRequests().every((q) => /Choices: A\. 3 {3}B\./.test(q.text)));
    server.requests.length = 0;
    const cx = await evaluate(await loadInput(join(BENCH, 'charxiv', 'data', 'reasoning_val.json')), { outDir: join(tmp(), 'c'), modes: ['direct'], concurrency: 1, resume: false, judge: true, derender: {}, describe: { input: 'c' } }, { model });
    const crew = cx.lines.find((l) => l.expected === 'Crew')!;
    assert.equal(crew.exact, false);
    assert.equal(crew.judge, true);
    assert.equal(crew.correct, true);
    assert.equal(cx.lines.find((l) => l.expected === '33.9')!.correct, true);
    assert.equal(cx.lines.find((l) => l.expected === 'sunflower')!.correct, false);
    assert.equal(server.chatRequests().filter((q) => q.purpose === 'critic').length, 3);
    assert.equal(cx.summary.byMode.direct!.exactMatch!.correct, 1);
    assert.equal(cx.summary.byMode.direct!.correct, 2);
  } finally {
    await server.close();
  }
});

test('budgets: past --max-cost-tokens no new item starts, and the run says why', async () => {
  const server = await startScriptedServer({ script: modelScript() });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', retryBaseMs: 10 });
    const r = await evaluate(await loadInput(join(FIXTURES, 'manifest.jsonl')), { outDir: join(tmp(), 'b'), modes: ['direct'], concurrency: 1, resume: false, maxCostTokens: 1, judge: false, derender: {}, describe: { input: 'm' } }, { model });
    assert.equal(r.lines.length, 1);
    assert.match(r.stopped ?? '', /token budget \(1\)/);
    assert.match(r.summary.stopped ?? '', /token budget/);
    mkdirSync(join(tmp(), 'x'), { recursive: true });
  } finally {
    await server.close();
  }
});
