// The whole loop on a real chart (R's InsectSprays bar chart), with the real openai client against
// the scripted server and real matplotlib (Debian's, through the local python renderer). These tests
// are about the model's part of the loop, so the chart reader is off here (reader: false); the reader
// in the loop is tested in reader-loop.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { derender, compareProgram } from '../src/core/loop';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { createPythonRenderer, type PythonRenderer } from '../src/core/render/pythonRenderer';
import { extractData, dataToCsv } from '../src/core/data';
import type { Renderer, RunEvent } from '../src/core/types';
import { startScriptedServer, byPurpose, type ScriptedServer } from './support/scriptedServer';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

const PROGRAMS = join(ROOT, 'test', 'fixtures', 'programs');
const prog = (name: string) => readFileSync(join(PROGRAMS, name), 'utf8');
const fence = (code: string, prose = 'Here is the program.') => `${prose}\n\n\`\`\`python\n${code}\`\`\`\n`;
const chart = readFileSync(join(FIXTURES, 'insectsprays-bar.png'));
const QUESTION = 'What is the mean count for spray F?';
const ANSWER_REPLY = fence("answer = round(mean_count[sprays.index('F')], 2)\n", 'The value of F is in mean_count.') + 'Explanation: F is the last bar.';

let renderer: Renderer;
before(() => {
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
});
after(async () => {
  await renderer.dispose();
});

function scriptedRun(server: ScriptedServer, opts: { rounds?: number; numeric?: number; question?: string } = {}) {
  const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'test-key', retryBaseMs: 10, supportsN: true });
  const events: RunEvent[] = [];
  const run = derender(
    { image: new Uint8Array(chart), imageName: 'insectsprays-bar.png', question: opts.question ?? QUESTION },
    { model, renderer },
    { candidates: 3, rounds: opts.rounds ?? 1, numericRefineBudget: opts.numeric ?? 0, reader: false },
    (e) => events.push(e),
  );
  return { run, events };
}

test('derender: the faithful candidate wins, refinement improves it, and the answer is computed by running code', async () => {
  const server = await startScriptedServer({
    script: byPurpose({
      generate: [{ texts: [fence(prog('insectsprays-wrong.py')), fence(prog('insectsprays-close.py')), fence(prog('insectsprays-broken.py'))] }],
      refine: [{ text: fence(prog('insectsprays-styled.py'), 'I matched the colours and the axis.') }],
      answer: [{ text: ANSWER_REPLY }],
    }),
  });
  try {
    const { run, events } = scriptedRun(server, { rounds: 1, numeric: 0 });
    const outcome = await run;
    assert.equal(outcome.error, undefined);
    const s = outcome.summary!;
    const scored = events.filter((e): e is Extract<RunEvent, { type: 'candidate-scored' }> => e.type === 'candidate-scored');
    const failed = events.filter((e): e is Extract<RunEvent, { type: 'candidate-failed' }> => e.type === 'candidate-failed');
    // three candidates generated; the broken one fails at render with Python's own reason
    assert.equal(failed.length, 1);
    assert.match(failed[0].error, /shape mismatch|ValueError/);
    const byId = new Map(scored.map((e) => [e.candidateId, e.score.score]));
    const [wrongId, closeId] = ['c1', 'c2'];
    assert.ok(byId.get(closeId)! > byId.get(wrongId)!, `faithful ${byId.get(closeId)} should beat wrong ${byId.get(wrongId)}`);
    const firstBest = events.find((e) => e.type === 'best-changed') as Extract<RunEvent, { type: 'best-changed' }>;
    assert.equal(firstBest.candidateId, closeId);
    assert.ok(firstBest.diffPng && firstBest.diffPng.length > 100, 'a diff heat-map comes with the best');
    // the refinement round improved the score and its program became the best
    const rounds = events.filter((e): e is Extract<RunEvent, { type: 'round-finished' }> => e.type === 'round-finished');
    assert.equal(rounds.length, 2);
    assert.ok(rounds[1].improved);
    assert.ok(rounds[1].bestScore > rounds[0].bestScore + 0.02, `refined ${rounds[1].bestScore} vs ${rounds[0].bestScore}`);
    assert.equal(s.bestCandidateId, 'r4');
    assert.match(s.program, /\[14\.5, 15\.33, 2\.08, 4\.92, 3\.5, 16\.67\]/);
    // the answer was computed by running the model's code over the recovered program
    assert.ok(s.answer);
    assert.equal(s.answer.value, '16.67');
    assert.equal(s.answer.computed, true);
    assert.match(s.answer.computation, /mean_count\[sprays\.index\('F'\)\]/);
    // the model saw the image, the refine request the original, the render and the diff
    const gen = server.requests.find((r) => r.purpose === 'generate')!;
    assert.ok(gen.images >= 1);
    assert.equal(server.requests.find((r) => r.purpose === 'refine')!.images, 3);
    // the run record holds every call, render and score, and the usage is summed
    const rec = outcome.record;
    assert.equal(rec.status, 'finished');
    assert.equal(rec.modelCalls.filter((c) => c.purpose === 'generate').length, 1);
    assert.equal(rec.candidates.length, 4);
    assert.ok(rec.candidates.every((c) => c.render));
    assert.ok(rec.usage.promptTokens > 0 && rec.usage.completionTokens > 0);
    assert.ok(!JSON.stringify(rec).includes('test-key'), 'the key never enters the record');
  } finally {
    await server.close();
  }
});

test('derender: numeric refinement never makes the score worse', async () => {
  const server = await startScriptedServer({
    script: byPurpose({
      generate: [{ texts: [fence(prog('insectsprays-styled.py').replace('14.5, 15.33', '13.0, 16.5'))] }],
      answer: [{ text: ANSWER_REPLY }],
    }),
  });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', supportsN: true });
    const events: RunEvent[] = [];
    const outcome = await derender({ image: new Uint8Array(chart) }, { model, renderer }, { candidates: 1, rounds: 0, numericRefineBudget: 8, reader: false }, (e) => events.push(e));
    assert.equal(outcome.error, undefined);
    const first = (events.find((e) => e.type === 'candidate-scored') as Extract<RunEvent, { type: 'candidate-scored' }>).score.score;
    assert.ok(outcome.summary!.score.score >= first);
    assert.ok(outcome.record.renders <= 1 + 8 + 1);
  } finally {
    await server.close();
  }
});

test('derender: a wrong API key fails the run at once with one clear reason, and the record is kept', async () => {
  const server = await startScriptedServer({ apiKey: 'the-right-key', script: byPurpose({}) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'a-wrong-key', retryBaseMs: 10, supportsN: true });
    const outcome = await derender({ image: new Uint8Array(chart) }, { model, renderer }, { candidates: 2 });
    assert.equal(outcome.summary, undefined);
    assert.match(outcome.error!, /401|API key/);
    assert.ok(!outcome.error!.includes('a-wrong-key'));
    assert.equal(outcome.record.status, 'failed');
    assert.equal(server.requests.length, 1, 'no retries on 401');
  } finally {
    await server.close();
  }
});

test('derender: replies with no code fail those candidates; the run goes on with the ones that work', async () => {
  const server = await startScriptedServer({
    script: byPurpose({
      generate: [{ texts: ["I'm sorry, I can't redraw images.", fence(prog('insectsprays-rough.py')), '```js\nconsole.log(1)\n```'] }],
    }),
  });
  try {
    const events: RunEvent[] = [];
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', supportsN: true });
    const outcome = await derender({ image: new Uint8Array(chart) }, { model, renderer }, { candidates: 3, rounds: 0, numericRefineBudget: 0, reader: false }, (e) => events.push(e));
    assert.equal(outcome.error, undefined);
    const failed = events.filter((e): e is Extract<RunEvent, { type: 'candidate-failed' }> => e.type === 'candidate-failed');
    assert.deepEqual(failed.map((f) => f.stage), ['generate', 'generate']);
    assert.match(failed[0].error, /declined/);
    assert.match(failed[1].error, /another language/);
    assert.equal(outcome.summary!.bestCandidateId, 'c2');
  } finally {
    await server.close();
  }
});

test('derender: cancelling mid-run stops within a second and reports cancelled', async () => {
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ hang: true }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', supportsN: true });
    const ac = new AbortController();
    const events: RunEvent[] = [];
    const p = derender({ image: new Uint8Array(chart) }, { model, renderer }, {}, (e) => events.push(e), ac.signal);
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    ac.abort();
    const outcome = await p;
    assert.ok(Date.now() - t < 1000, `stopped after ${Date.now() - t} ms`);
    assert.equal(outcome.cancelled, true);
    assert.equal(outcome.record.status, 'cancelled');
    assert.ok(events.some((e) => e.type === 'run-failed' && e.cancelled));
  } finally {
    await server.close();
  }
});

test('derender: the model critic breaks a near-tie and its notes reach the refine prompt; a critic reply with no ranking leaves the pixel critic\'s choice', async () => {
  const events: RunEvent[] = [];
  const scores = (): { id: string; score: number }[] =>
    events.filter((e): e is Extract<RunEvent, { type: 'candidate-scored' }> => e.type === 'candidate-scored').map((e) => ({ id: e.candidateId, score: e.score.score }));
  // the critic prefers the candidate the pixel critic ranked second
  let criticCalls = 0;
  const critic = (): { text: string } => {
    if (criticCalls++ > 0) return { text: 'I would say the first one looks best.' };
    const [first, second] = scores().sort((a, b) => b.score - a.score);
    return { text: `Looking closely: {"ranking": ["${second.id}", "${first.id}"], "notes": "The third bar is too short."}` };
  };
  const server = await startScriptedServer({
    script: byPurpose({
      generate: [{ texts: [fence(prog('insectsprays-styled.py')), fence(prog('insectsprays-close.py'))] }, { texts: [fence(prog('insectsprays-styled.py')), fence(prog('insectsprays-close.py'))] }],
      critic,
      refine: [{ text: fence(prog('insectsprays-wrong.py')) }, { text: fence(prog('insectsprays-wrong.py')) }],
    }),
  });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'scripted-vision', apiKey: 'k', retryBaseMs: 10, supportsN: true });
    const opts = { candidates: 2, rounds: 1, numericRefineBudget: 0, modelCritic: true, nearTie: 0.5, reader: false };
    const outcome = await derender({ image: new Uint8Array(chart) }, { model, renderer }, opts, (e) => events.push(e));
    assert.equal(outcome.error, undefined);
    const [pixelBest, pixelSecond] = scores().sort((a, b) => b.score - a.score);
    const critique = events.find((e): e is Extract<RunEvent, { type: 'critique' }> => e.type === 'critique');
    assert.ok(critique, 'the model critic was asked');
    assert.deepEqual(critique.critique.ranking, [pixelSecond.id, pixelBest.id]);
    assert.equal(outcome.summary!.bestCandidateId, pixelSecond.id, 'the critic broke the near-tie');
    const refineReq = server.chatRequests().find((r) => r.purpose === 'refine');
    assert.ok(refineReq, 'a refine request was made');
    assert.match(refineReq.text, /A reviewer noted: The third bar is too short\./);
    assert.equal(server.chatRequests().find((r) => r.purpose === 'critic')?.images, 3, 'the critic saw the original and both renders');

    // a reply with no ranking: a warning, and the pixel critic's choice stands
    events.length = 0;
    const again = await derender({ image: new Uint8Array(chart) }, { model, renderer }, opts, (e) => events.push(e));
    assert.equal(again.error, undefined);
    const best = scores().sort((a, b) => b.score - a.score)[0];
    assert.equal(again.summary!.bestCandidateId, best.id);
    assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /model critic skipped: .*without a ranking/.test(e.message)));
    assert.equal(events.some((e) => e.type === 'critique'), false);
  } finally {
    await server.close();
  }
});

/** Python processes below this test process (the renderer's: programs and the warm spare), with their CPU ticks. */
function pythonDescendants(): Map<number, number> {
  const parent = new Map<number, number>();
  const info = new Map<number, { comm: string; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' '); // f[0] state, f[1] ppid, f[11] utime, f[12] stime
      if (f[0] === 'Z') continue;
      info.set(Number(d), { comm: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(f[11]) + Number(f[12]) });
      parent.set(Number(d), Number(f[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && p > 1 && hops < 20; p = parent.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  return new Map([...info].filter(([pid, i]) => /^python/.test(i.comm) && below(pid)).map(([pid, i]) => [pid, i.ticks]));
}

test('derender: cancelling while a program renders (an endless loop) stops within a second and kills the process running it', async () => {
  const spin = fence('import matplotlib.pyplot as plt\nplt.bar([1, 2], [3, 4])\nwhile True:\n    pass\n');
  const server = await startScriptedServer({ script: byPurpose({ generate: [{ texts: [spin, spin, spin] }] }) });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', apiKey: 'k', supportsN: true });
    const ac = new AbortController();
    const events: RunEvent[] = [];
    // the spare process that will run the first program is started and idle now; the spare started
    // when it takes the program imports matplotlib (busy too, for a while): it is not the program's
    await (renderer as PythonRenderer).warmup();
    const existing = new Set(pythonDescendants().keys());
    const p = derender({ image: new Uint8Array(chart) }, { model, renderer }, { candidates: 3, renderTimeLimitMs: 120_000, reader: false }, (e) => events.push(e), ac.signal);
    // wait until a program is running: the python process whose CPU time grows
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'stage' && e.stage === 'render'); i++) await new Promise((r) => setTimeout(r, 50));
    let spinning: number[] = [];
    // (the three candidates render at once, each in its own process, on a shared machine: a
    // second's window, so a spinning process shows its CPU time growing even with little of it)
    for (let i = 0; i < 15 && spinning.length === 0; i++) {
      const a = pythonDescendants();
      await new Promise((r) => setTimeout(r, 1000));
      const b = pythonDescendants();
      spinning = [...b].filter(([pid, ticks]) => existing.has(pid) && a.has(pid) && ticks - a.get(pid)! >= 10).map(([pid]) => pid);
    }
    assert.ok(spinning.length >= 1, 'a python process runs the endless loop');
    const t = Date.now();
    ac.abort();
    const outcome = await p;
    assert.ok(Date.now() - t < 1000, `stopped after ${Date.now() - t} ms`);
    assert.equal(outcome.cancelled, true);
    assert.equal(outcome.record.status, 'cancelled');
    assert.equal(events.filter((e) => e.type === 'candidate-scored').length, 0);
    // the looping program's process is gone within a second of the cancel (no zombie, no orphan)
    let alive = spinning;
    for (let i = 0; i < 10 && alive.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alive = spinning.filter((pid) => pythonDescendants().has(pid));
    }
    assert.deepEqual(alive, [], 'the program processes were killed');
    const orphans = spinning.filter((pid) => {
      try {
        return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    assert.deepEqual(orphans, [], 'no process lives on outside the renderer either');
  } finally {
    await server.close();
  }
});

test('compare works with no model: the fixture program scores ~1 against its own chart', async () => {
  const c = await compareProgram(new Uint8Array(readFileSync(join(FIXTURES, 'fivebars.png'))), readFileSync(join(FIXTURES, 'fivebars.py'), 'utf8'), renderer);
  assert.ok(c.score, c.render.error);
  assert.ok(c.score.score > 0.97, `score ${c.score.score}`);
});

test('the recovered data can be exported: bars come back with their labels and heights', async () => {
  const { tables } = await extractData(prog('insectsprays-styled.py'), renderer);
  assert.equal(tables.length, 1);
  assert.equal(tables[0].kind, 'bar');
  assert.deepEqual(tables[0].rows.map((r) => r[0]), ['A', 'B', 'C', 'D', 'E', 'F']);
  assert.deepEqual(tables[0].rows.map((r) => r[1]), [14.5, 15.33, 2.08, 4.92, 3.5, 16.67]);
  assert.match(dataToCsv(tables), /^table,category,value,base\n/);
});

test('CLI: derender a fixture chart against the scripted server and print the computed answer', async () => {
  const server = await startScriptedServer({
    script: byPurpose({
      generate: [{ texts: [fence(prog('insectsprays-close.py')), fence(prog('insectsprays-wrong.py'))] }],
      refine: [{ text: fence(prog('insectsprays-styled.py')) }],
      answer: [{ text: ANSWER_REPLY }],
    }),
  });
  try {
    const out = join(mkdtempSync(join(tmpdir(), 'recode-cli-')), 'run');
    const r = await runCli(['derender', join(FIXTURES, 'insectsprays-bar.png'), '-q', QUESTION, '-n', '2', '-k', '1', '--numeric-budget', '0', '--no-reader', '--renderer', 'python', '--python', SYSTEM_PYTHON, '--out', out], {
      RECODE_BASE_URL: server.url,
      RECODE_MODEL: 'scripted-vision',
      RECODE_API_KEY: 'k',
      RECODE_SUPPORTS_N: '1',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /answer: 16\.67 {2}\(computed by running code over the recovered program\)/);
    for (const f of ['program.py', 'render.png', 'diff.png', 'answer.json', 'run.json']) assert.ok(existsSync(join(out, f)), f);
    assert.ok(readdirSync(join(out, 'renders')).length >= 2);
  } finally {
    await server.close();
  }
});

test('CLI: with no model configured and the chart reader turned off, derender says exactly how to configure one (non-zero exit, one line)', async () => {
  const r = await runCli(['derender', join(FIXTURES, 'insectsprays-bar.png'), '--no-reader'], {});
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^recode: No model configured\. Set RECODE_BASE_URL .*RECODE_MODEL .*RECODE_API_KEY/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('CLI: score --json prints one object with a score in [0,1]; render and compare work without a model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recode-cli-'));
  const png = join(dir, 'out.png');
  const rr = await runCli(['render', join(FIXTURES, 'fivebars.py'), '-o', png, '--size', '600x400', '--renderer', 'python', '--python', SYSTEM_PYTHON], {});
  assert.equal(rr.status, 0, rr.stderr);
  const again = await runCli(['render', join(FIXTURES, 'fivebars.py'), '-o', png, '--renderer', 'python', '--python', SYSTEM_PYTHON], {});
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists/);
  const s = await runCli(['score', join(FIXTURES, 'fivebars.png'), png, '--json'], {});
  assert.equal(s.status, 0, s.stderr);
  const obj = JSON.parse(s.stdout) as { score: number; parts: Record<string, number> };
  assert.ok(obj.score > 0.97 && obj.score <= 1);
  const bad = await runCli(['score', join(FIXTURES, 'fivebars.png'), join(FIXTURES, 'fivebars.csv')], {});
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^recode: .*not a PNG or JPEG/);
});

async function runCli(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  const cli = join(ROOT, 'dist', 'cli.js');
  const clean: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'recode.js'), ...args], { env: clean });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
    void cli;
  });
}
void spawnSync;
