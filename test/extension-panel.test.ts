/**
 * The panel's logic in plain Node (no VS Code): the state reducer both the page and the host fold,
 * the controller (hold until ready, checked messages, actions, render round trips), the webview
 * renderer, and the program editor's header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent, Score } from '../src/core/types';
import { DEFAULT_OPTIONS } from '../src/core/types';
import { initialPanelState, panelState, programOf, reducePanel } from '../src/shared/panelState';
import { parseHostMessage, parsePanelState, type HostMessage, type PanelState, type WorkerConfig } from '../src/shared/protocol';
import { runEventToMessages } from '../src/extension/runEvents';
import { ACTION_DEBOUNCE_MS, MAX_REJECTED, PanelController, type UserAction } from '../src/extension/panelController';
import { WebviewRenderer } from '../src/extension/webviewRenderer';
import { programFileName, programHeader, programWithHeader } from '../src/extension/programText';
import { FIXTURES, SYSTEM_PYTHON } from './support/paths';
import { derender } from '../src/core/loop';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { startScriptedServer, byPurpose } from './support/scriptedServer';

const PNG = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'fivebars.png')));
const OTHER = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'insectsprays-bar.png')));
const sc = (score: number): Score => ({ score, parts: { pixel: score, ssim: score - 0.05 } });

function start(): PanelState {
  return initialPanelState({
    kind: 'derender',
    imageName: 'fivebars.png',
    imageSrc: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}`,
    renderer: { name: 'python', detail: '/usr/bin/python3', pyodidePackages: 'missing' },
  });
}

/** What the engine streams for a run with three candidates (one broken), one refinement round and an answer. */
function runEvents(): RunEvent[] {
  const opts = { ...DEFAULT_OPTIONS, candidates: 3, rounds: 1 };
  return [
    { type: 'run-started', runId: '20260101-120000-abc123', image: { width: 600, height: 400 }, question: 'Which bar is the highest?', options: opts },
    { type: 'stage', stage: 'generate', round: 0, message: 'writing 3 candidate programs' },
    { type: 'candidate-generated', candidate: { id: 'c1', round: 0, source: 'generate', state: 'rendering', code: 'print(1)\n' } },
    { type: 'candidate-generated', candidate: { id: 'c2', round: 0, source: 'generate', state: 'rendering', code: 'print(2)\n' } },
    { type: 'candidate-generated', candidate: { id: 'c3', round: 0, source: 'generate', state: 'rendering', code: 'oops(\n' } },
    { type: 'candidate-rendered', candidateId: 'c1', png: OTHER, renderMs: 900 },
    { type: 'candidate-scored', candidateId: 'c1', score: sc(0.41) },
    { type: 'candidate-rendered', candidateId: 'c2', png: PNG, renderMs: 850 },
    { type: 'candidate-scored', candidateId: 'c2', score: sc(0.93) },
    { type: 'candidate-failed', candidateId: 'c3', stage: 'render', error: 'SyntaxError: unexpected EOF' },
    { type: 'best-changed', candidateId: 'c2', score: sc(0.93), diffPng: OTHER },
    { type: 'round-finished', round: 0, bestCandidateId: 'c2', bestScore: 0.93, improved: true },
    { type: 'stage', stage: 'refine', round: 1, message: 'refining c2' },
    { type: 'candidate-generated', candidate: { id: 'r4', round: 1, source: 'refine', parentId: 'c2', state: 'rendering', code: 'print(4)\n' } },
    { type: 'candidate-rendered', candidateId: 'r4', png: PNG, renderMs: 800 },
    { type: 'candidate-scored', candidateId: 'r4', score: sc(0.98) },
    { type: 'best-changed', candidateId: 'r4', score: sc(0.98), diffPng: PNG },
    { type: 'round-finished', round: 1, bestCandidateId: 'r4', bestScore: 0.98, improved: true },
    { type: 'critique', critique: { ranking: ['r4', 'c2'], notes: 'r4 matches the colours' } },
    {
      type: 'answer',
      answer: { question: 'Which bar is the highest?', value: 'B', computed: true, computation: 'answer = labels[values.index(max(values))]', programCandidateId: 'r4', score: sc(0.98) },
    },
    {
      type: 'run-finished',
      result: { runId: '20260101-120000-abc123', bestCandidateId: 'r4', program: 'print(4)\n', score: sc(0.98), usage: { promptTokens: 100, completionTokens: 50 }, renders: 4, durationMs: 4321 },
    },
  ];
}

test('a whole run folds into the view: candidates with states and scores, the best, the diff, rounds, the answer', () => {
  const messages = runEvents().flatMap(runEventToMessages);
  // Every message the host would post passes the page's own check.
  for (const m of messages) {
    const r = parseHostMessage(JSON.parse(JSON.stringify(m)));
    assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
  }
  const s = panelState(start(), messages);
  assert.equal(s.status, 'finished');
  assert.equal(s.runId, '20260101-120000-abc123');
  assert.equal(s.question, 'Which bar is the highest?');
  assert.deepEqual(
    s.candidates.map((c) => [c.id, c.state, c.score?.score]),
    [
      ['c1', 'scored', 0.41],
      ['c2', 'scored', 0.93],
      ['c3', 'failed', undefined],
      ['r4', 'scored', 0.98],
    ],
  );
  assert.equal(s.candidates[2].error, 'SyntaxError: unexpected EOF');
  assert.equal(s.candidates[3].parentId, 'c2');
  assert.match(s.candidates[3].renderSrc ?? '', /^data:image\/png;base64,iVBOR/);
  assert.equal(s.bestId, 'r4');
  assert.equal(s.bestScore, 0.98);
  assert.equal(s.diffSrc, `data:image/png;base64,${Buffer.from(PNG).toString('base64')}`);
  assert.deepEqual(
    s.rounds.map((r) => [r.round, r.bestCandidateId, r.improved]),
    [
      [0, 'c2', true],
      [1, 'r4', true],
    ],
  );
  assert.equal(s.answer?.value, 'B');
  assert.equal(s.answer?.computed, true);
  assert.equal(s.program, 'print(4)\n');
  assert.equal(s.durationMs, 4321);
  assert.match(s.log.map((l) => l.message).join('\n'), /model critic: r4 > c2/);
  assert.equal(s.stage, undefined);
  assert.equal(programOf(s), 'print(4)\n');
  assert.equal(programOf(s, 'c1'), 'print(1)\n');
  // What the page saves is a state a restored panel accepts.
  assert.ok(parsePanelState(JSON.parse(JSON.stringify(s))).ok);
});

test('a failed or cancelled run: the status, the reason, and no candidate left spinning', () => {
  const partial = runEvents().slice(0, 8).flatMap(runEventToMessages);
  const failed = panelState(start(), [...partial, ...runEventToMessages({ type: 'run-failed', error: "The endpoint http://127.0.0.1:1/v1 rejected the API key (401) — set the right key with \"RECODE: Set API key\".", cancelled: false })]);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /rejected the API key \(401\)/);
  // c1 was scored; c2 (rendered, not yet scored) and c3 (never rendered) did not finish.
  assert.deepEqual(failed.candidates.map((c) => c.state), ['scored', 'failed', 'failed']);
  assert.match(failed.candidates[1].error ?? '', /not finished \(run failed\)/);
  assert.match(failed.candidates[1].renderSrc ?? '', /^data:image\/png/);

  const cancelled = panelState(start(), [...partial, ...runEventToMessages({ type: 'run-failed', error: 'the run was cancelled', cancelled: true })]);
  assert.equal(cancelled.status, 'cancelled');
  assert.ok(cancelled.candidates.every((c) => c.state === 'scored' || c.state === 'failed'));
});

test('late or repeated messages do not undo a candidate’s result', () => {
  let s = panelState(start(), runEvents().slice(0, 7).flatMap(runEventToMessages));
  assert.equal(s.candidates[0].state, 'scored');
  s = reducePanel(s, { type: 'candidate', candidate: { id: 'c1', round: 0, source: 'generate', state: 'rendering' } });
  s = reducePanel(s, { type: 'candidate-render', candidateId: 'c1', png: Buffer.from(PNG).toString('base64'), renderMs: 5 });
  assert.equal(s.candidates[0].state, 'scored');
  assert.equal(s.candidates[0].score?.score, 0.41);
});

test('engine ids and scores outside the protocol’s alphabet and range are made safe, not dropped', () => {
  const msgs = runEventToMessages({ type: 'candidate-scored', candidateId: 'cand <1>/x', score: { score: 1.7, parts: { pixel: 0.5, 'bad key!': 3, nan: NaN } } });
  const m = msgs[0] as Extract<HostMessage, { type: 'candidate-scored' }>;
  assert.equal(m.candidateId, 'cand__1__x');
  assert.equal(m.score.score, 1);
  assert.deepEqual(m.score.parts, { pixel: 0.5 });
  assert.ok(parseHostMessage(m).ok);
});

// ---------------------------------------------------------------------------------------------
// The controller
// ---------------------------------------------------------------------------------------------

function harness(clock = { t: 1000 }) {
  const posted: HostMessage[] = [];
  const actions: UserAction[] = [];
  const logs: string[] = [];
  const c = new PanelController(
    start(),
    { post: (m) => posted.push(m), onAction: (a) => actions.push(a), log: (level, msg) => logs.push(`${level}: ${msg}`) },
    () => clock.t,
  );
  return { c, posted, actions, logs, clock };
}

const CONFIG: WorkerConfig = { workerUrl: 'https://r/dist/webview/pyodideWorker.js', indexUrl: 'https://r/dist/pyodide/', packages: ['matplotlib'], packageBaseUrl: 'https://r/pk/', lockFileUrl: 'https://r/pk/pyodide-lock.json' };

test('nothing is posted before the page is ready; then the whole state first, the worker, and the held programs', async () => {
  const { c, posted } = harness();
  const renderer = new WebviewRenderer((m) => c.send(m));
  c.attachRenderer(renderer, CONFIG);
  for (const e of runEvents().slice(0, 4)) c.onRunEvent(e);
  const pending = renderer.render({ code: 'print(1)', mode: 'figure', width: 600, height: 400, timeLimitMs: 5000 });
  assert.equal(posted.length, 0);
  c.receive({ type: 'ready' });
  assert.deepEqual(
    posted.map((m) => m.type),
    ['state', 'worker-config', 'render'],
  );
  const st = posted[0] as Extract<HostMessage, { type: 'state' }>;
  assert.equal(st.state.candidates.length, 2);
  // After ready, every view message goes out as it happens.
  c.onRunEvent(runEvents()[4]);
  assert.equal(posted.at(-1)?.type, 'candidate');
  // The page answers the render.
  const job = posted[2] as Extract<HostMessage, { type: 'render' }>;
  c.receive({ type: 'render-result', jobId: job.jobId, result: { ok: true, png: Buffer.from(PNG).toString('base64'), stdout: 'drawn\n', durationMs: 321 } });
  const r = await pending;
  assert.equal(r.ok, true);
  assert.deepEqual(r.png, PNG);
  assert.equal(r.stdout, 'drawn\n');
  assert.equal(r.durationMs, 321);
  // A second answer to the same job, or one to a job never asked, is ignored.
  c.receive({ type: 'render-result', jobId: job.jobId, result: { ok: false, stdout: '', durationMs: 1 } });
  c.receive({ type: 'render-result', jobId: 'j999', result: { ok: true, png: Buffer.from(PNG).toString('base64'), stdout: '', durationMs: 1 } });
  assert.equal(renderer.inFlight, 0);
});

test('a page that reloads gets the state again and the programs it was running', () => {
  const { c, posted } = harness();
  const renderer = new WebviewRenderer((m) => c.send(m));
  c.attachRenderer(renderer, CONFIG);
  c.receive({ type: 'ready' });
  void renderer.render({ code: 'x=1', mode: 'script', width: 10, height: 10, timeLimitMs: 1000 });
  posted.length = 0;
  c.receive({ type: 'ready' });
  assert.deepEqual(
    posted.map((m) => m.type),
    ['state', 'worker-config', 'render'],
  );
  void renderer.dispose();
});

test('the page’s messages are checked: malformed ones are logged and ignored, a flood is cut off', () => {
  const { c, actions, logs } = harness();
  c.receive({ type: 'ready' });
  c.receive({ type: 'open-file', path: '/etc/passwd' });
  c.receive({ type: 'export-data', format: 'exe' });
  c.receive('cancel');
  assert.equal(actions.length, 0);
  assert.equal(logs.filter((l) => l.startsWith('warn: Ignored a message from the panel')).length, 3);
  for (let i = 0; i < MAX_REJECTED + 20; i++) c.receive({ type: 'x' });
  assert.equal(logs.filter((l) => l.startsWith('warn: Ignored')).length, MAX_REJECTED);
  // Once cut off, even valid messages are not acted on.
  c.receive({ type: 'rerun' });
  assert.equal(actions.length, 0);
});

test('user actions: each once per click (double clicks and floods collapse), cancel only while running', () => {
  const { c, actions, clock } = harness();
  c.receive({ type: 'ready' });
  c.receive({ type: 'cancel' });
  c.receive({ type: 'cancel' });
  c.receive({ type: 'export-data', format: 'csv' });
  c.receive({ type: 'export-data', format: 'json' });
  for (let i = 0; i < 50; i++) c.receive({ type: 'open-program' });
  assert.deepEqual(
    actions.map((a) => JSON.stringify(a)),
    ['{"type":"cancel"}', '{"type":"export-data","format":"csv"}', '{"type":"export-data","format":"json"}', '{"type":"open-program"}'],
  );
  clock.t += ACTION_DEBOUNCE_MS + 1;
  c.receive({ type: 'open-program', candidateId: 'c1' });
  assert.equal(actions.length, 5);
  // After the run ended, cancel does nothing.
  c.apply({ type: 'run-ended', status: 'finished', program: 'x' });
  clock.t += ACTION_DEBOUNCE_MS + 1;
  c.receive({ type: 'cancel' });
  assert.equal(actions.length, 5);
});

test('a malformed render result ends its program at once, as a failure', async () => {
  const { c, posted } = harness();
  const renderer = new WebviewRenderer((m) => c.send(m));
  c.attachRenderer(renderer, CONFIG);
  c.receive({ type: 'ready' });
  const p = renderer.render({ code: 'x', mode: 'figure', width: 1, height: 1, timeLimitMs: 60_000 });
  const job = posted.find((m) => m.type === 'render') as Extract<HostMessage, { type: 'render' }>;
  c.receive({ type: 'render-result', jobId: job.jobId, result: { ok: true, png: '!!not base64!!', stdout: '', durationMs: 1 } });
  const r = await p;
  assert.equal(r.ok, false);
  assert.equal(r.errorKind, 'internal');
  assert.match(r.error ?? '', /malformed render result/);
});

test('the original as PNG: the page converts it; anything but a PNG back is refused', async () => {
  const { c, posted } = harness();
  c.receive({ type: 'ready' });
  const p1 = c.originalAsPng(5_000);
  const ask1 = posted.at(-1) as Extract<HostMessage, { type: 'convert-image' }>;
  assert.equal(ask1.type, 'convert-image');
  c.receive({ type: 'converted-image', jobId: ask1.jobId, png: Buffer.from(PNG).toString('base64') });
  assert.deepEqual(await p1, PNG);
  const p2 = c.originalAsPng(5_000);
  const ask2 = posted.at(-1) as Extract<HostMessage, { type: 'convert-image' }>;
  c.receive({ type: 'converted-image', jobId: ask2.jobId, png: Buffer.from('GIF89a-not-a-png').toString('base64') });
  await assert.rejects(p2, /not a PNG/);
  const p3 = c.originalAsPng(5_000);
  const ask3 = posted.at(-1) as Extract<HostMessage, { type: 'convert-image' }>;
  c.receive({ type: 'converted-image', jobId: ask3.jobId, error: 'could not decode the image: EncodingError' });
  await assert.rejects(p3, /EncodingError/);
  await assert.rejects(c.originalAsPng(50), /did not convert the image within/);
});

// ---------------------------------------------------------------------------------------------
// The webview renderer's own safety nets
// ---------------------------------------------------------------------------------------------

test('webview renderer: cancel posts render-cancel and resolves at once; a page that never answers times out; closing resolves the rest', async () => {
  const posted: HostMessage[] = [];
  const r = new WebviewRenderer((m) => posted.push(m), 50);
  const ac = new AbortController();
  const p1 = r.render({ code: 'while True: pass', mode: 'script', width: 1, height: 1, timeLimitMs: 60_000 }, ac.signal);
  ac.abort();
  const r1 = await p1;
  assert.equal(r1.errorKind, 'cancelled');
  assert.deepEqual(
    posted.map((m) => m.type),
    ['render', 'render-cancel'],
  );

  const t0 = Date.now();
  const r2 = await r.render({ code: 'x', mode: 'figure', width: 1, height: 1, timeLimitMs: 100 });
  assert.equal(r2.errorKind, 'timeout');
  assert.ok(Date.now() - t0 >= 140, 'waits the limit plus the allowance');

  const p3 = r.render({ code: 'x', mode: 'figure', width: 1, height: 1, timeLimitMs: 60_000 });
  await r.dispose();
  assert.equal((await p3).errorKind, 'cancelled');
  assert.equal((await r.render({ code: 'x', mode: 'figure', width: 1, height: 1, timeLimitMs: 10 })).errorKind, 'cancelled');
});

test('webview renderer: a "PNG" that is not one, or a figure with no image, is a failure, not a render', async () => {
  const posted: HostMessage[] = [];
  const r = new WebviewRenderer((m) => posted.push(m));
  const p1 = r.render({ code: 'x', mode: 'figure', width: 1, height: 1, timeLimitMs: 1000 });
  r.onResult((posted[0] as Extract<HostMessage, { type: 'render' }>).jobId, { ok: true, png: Buffer.from('<svg onload=alert(1)>').toString('base64'), stdout: '', durationMs: 1 });
  assert.equal((await p1).errorKind, 'internal');
  const p2 = r.render({ code: 'x', mode: 'figure', width: 1, height: 1, timeLimitMs: 1000 });
  r.onResult((posted[1] as Extract<HostMessage, { type: 'render' }>).jobId, { ok: true, stdout: '', durationMs: 1 });
  assert.equal((await p2).errorKind, 'no-figure');
  const p3 = r.render({ code: 'answer = 2', mode: 'script', width: 1, height: 1, timeLimitMs: 1000 });
  r.onResult((posted[2] as Extract<HostMessage, { type: 'render' }>).jobId, { ok: true, stdout: '', answer: '2', durationMs: 1 });
  const s3 = await p3;
  assert.equal(s3.ok, true);
  assert.equal(s3.answer, '2');
  await r.dispose();
});

// ---------------------------------------------------------------------------------------------
// The program editor's text
// ---------------------------------------------------------------------------------------------

test('the program opens with comments saying the question, the answer, the score and the source image', () => {
  const text = programWithHeader('import matplotlib.pyplot as plt\nplt.bar([1], [2])\n\n', {
    imageName: 'fivebars.png',
    imagePath: 'charts/fivebars.png',
    question: 'Which bar is\nthe highest?',
    answer: 'B',
    answerComputed: true,
    score: 0.98765,
    candidateId: 'r4',
    runId: 'run-1',
  });
  const lines = text.split('\n');
  assert.equal(lines[0], '# Written by a model from an image — review before running');
  assert.equal(lines[1], '# RECODE: a program that redraws fivebars.png');
  assert.equal(lines[2], '# Question: Which bar is the highest?');
  assert.equal(lines[3], '# Answer: B');
  assert.equal(lines[4], '# Score: 0.988 (pixel critic, 1 = identical) — candidate r4');
  assert.equal(lines[5], '# Source image: charts/fivebars.png');
  assert.ok(text.endsWith('plt.bar([1], [2])\n'));
  // Every header line is a comment, whatever the question holds.
  const hostile = programHeader({ imageName: 'x.png', question: 'q\nimport os; os.system("rm -rf ~")\r\n# ok', answer: 'a\u2028print(1)' });
  for (const l of hostile.trimEnd().split('\n')) assert.ok(l.startsWith('# '), l);
  assert.match(programHeader({ imageName: 'x.png', answer: '3', answerComputed: false }), /stated by the model, not computed/);
  assert.equal(programFileName('chart.PNG'), 'chart.recode.py');
  assert.equal(programFileName('photo.jpeg', 'csv'), 'photo.recode.csv');
});

// ---------------------------------------------------------------------------------------------
// The real engine into the controller
// ---------------------------------------------------------------------------------------------

test('a real derender (scripted model, local matplotlib) streams only valid messages and the panel ends where the run did', async () => {
  const fence = (code: string) => `Here is the program.\n\n\`\`\`python\n${code}\`\`\`\n`;
  const faithful = fs.readFileSync(path.join(FIXTURES, 'fivebars.py'), 'utf8').replace("fig.savefig('fivebars.png')\n", '');
  const server = await startScriptedServer({
    script: byPurpose({
      generate: [{ text: fence(faithful) }, { text: fence("import matplotlib.pyplot as plt\nvalues = [3, 7]\nraise RuntimeError('broken on purpose')\nplt.bar(['A', 'B'], values)\n") }],
      refine: [{ text: fence(faithful.replace("ax.set_title('Five bars')", "ax.set_title('Five bars', fontsize=12)")) }],
      answer: [{ text: fence('answer = max(values) - min(values)\n') }],
    }),
  });
  const renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  try {
    const { c, posted } = harness();
    c.receive({ type: 'ready' });
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'test-key', retryBaseMs: 10 });
    const outcome = await derender(
      { image: PNG, imageName: 'fivebars.png', question: 'What is the difference between the tallest and the shortest bar?' },
      { model, renderer },
      { candidates: 2, rounds: 1, numericRefineBudget: 0 },
      (e) => c.onRunEvent(e),
    );
    assert.equal(outcome.error, undefined);
    const summary = outcome.summary!;
    // Every message the page got passes the page's own check (the engine's ids, scores and texts fit the protocol).
    assert.ok(posted.length > 8);
    for (const m of posted) {
      const r = parseHostMessage(JSON.parse(JSON.stringify(m)));
      assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    }
    const s = c.state;
    assert.equal(s.status, 'finished');
    assert.equal(s.bestId, summary.bestCandidateId);
    assert.equal(s.program, summary.program);
    assert.equal(s.answer?.value, '5');
    assert.equal(s.answer?.computed, true);
    const failed = s.candidates.filter((x) => x.state === 'failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0].error ?? '', /broken on purpose/);
    const best = s.candidates.find((x) => x.id === s.bestId)!;
    assert.equal(best.state, 'scored');
    assert.ok((best.score?.score ?? 0) > 0.9, `best score ${best.score?.score}`);
    assert.match(best.renderSrc ?? '', /^data:image\/png;base64,/);
    assert.match(s.diffSrc ?? '', /^data:image\/png;base64,/);
    assert.ok(s.rounds.length >= 1);
    assert.ok(s.candidates.every((x) => x.state === 'scored' || x.state === 'failed'));
    // And the state the page would save for a restore is one a restored panel accepts.
    assert.ok(parsePanelState(JSON.parse(JSON.stringify(s))).ok);
  } finally {
    await renderer.dispose();
    await server.close();
  }
});
