// The local CPython renderer with Debian's matplotlib: real renders compared with the fixture,
// exact sizes, script answers, errors, time limits, fresh processes, and no leftovers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { createPythonRenderer, findPython, type PythonRenderer } from '../src/core/render/pythonRenderer';
import type { RenderRequest } from '../src/core/types';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

const FIVEBARS = readFileSync(join(FIXTURES, 'fivebars.py'), 'utf8');
let renderer: PythonRenderer;

before(async () => {
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  await renderer.warmup();
});
after(async () => {
  await renderer.dispose();
});

const req = (code: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  code,
  mode: 'figure',
  width: 600,
  height: 400,
  timeLimitMs: 20_000,
  ...extra,
});

/** Children of this process (pids), from /proc. */
function children(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

test('findPython picks the first python that imports matplotlib', async () => {
  const found = await findPython(['/nonexistent/python3', SYSTEM_PYTHON]);
  assert.ok(found, 'Debian python3 has matplotlib');
  assert.match(found.matplotlib, /^\d+\.\d+/);
  assert.equal(await findPython(['/nonexistent/python3']), null);
  const auto = await findPython();
  assert.ok(auto, 'one of python3, /usr/bin/python3, python has matplotlib');
});

test('fivebars.py renders at 600×400 like the fixture drawn by the same program', async () => {
  const r = await renderer.render(req(FIVEBARS));
  assert.equal(r.ok, true, r.error);
  assert.ok(r.png);
  const got = PNG.sync.read(Buffer.from(r.png));
  const want = PNG.sync.read(readFileSync(join(FIXTURES, 'fivebars.png')));
  assert.equal(got.width, 600);
  assert.equal(got.height, 400);
  let diff = 0;
  for (let i = 0; i < got.data.length; i++) diff += Math.abs(got.data[i] - want.data[i]);
  const mad = diff / got.data.length;
  assert.ok(mad < 1.5, `mean absolute difference ${mad.toFixed(3)} per channel`);
  assert.equal(r.stdout, '');
});

test('the render has exactly the requested size, whatever figsize/dpi the program chose', async () => {
  for (const [w, h] of [
    [333, 211],
    [800, 600],
  ]) {
    const r = await renderer.render(req(FIVEBARS.replace('figsize=(6, 4), dpi=100', 'figsize=(11, 3), dpi=72'), { width: w, height: h }));
    assert.equal(r.ok, true, r.error);
    const png = PNG.sync.read(Buffer.from(r.png as Uint8Array));
    assert.deepEqual([png.width, png.height], [w, h]);
  }
});

test('script mode returns stdout and str(answer), and runs without matplotlib', async () => {
  const r = await renderer.render(req('import statistics\nvalues = [3, 7, 2, 5, 4]\nprint("max", max(values))\nanswer = statistics.mean(values)', { mode: 'script' }));
  assert.equal(r.ok, true, r.error);
  assert.equal(r.stdout, 'max 7\n');
  assert.equal(r.answer, '4.2');
  assert.equal(r.png, undefined);
});

test('sys.stdout.buffer takes bytes (UTF-8) into the same captured output', async () => {
  const r = await renderer.render(req('import sys\nprint("a")\nsys.stdout.buffer.write("π=3.14\\n".encode())\nsys.stdout.buffer.flush()\nanswer = 1', { mode: 'script' }));
  assert.equal(r.ok, true, r.error);
  assert.equal(r.stdout, 'a\nπ=3.14\n');
});

test('a failing program gives its error, a traceback of its own frames and its output so far', async () => {
  const r = await renderer.render(req('import matplotlib.pyplot as plt\nprint("before")\nvalues = [1, 2]\nplt.bar(["a", "b", "c"], values)\n'));
  assert.equal(r.ok, false);
  assert.equal(r.errorKind, 'python');
  assert.match(r.error ?? '', /ValueError.*\(line 4\)/);
  assert.match(r.traceback ?? '', /File "<program>", line 4, in <module>\n {4}plt\.bar\(\["a", "b", "c"\], values\)/);
  assert.doesNotMatch(r.traceback ?? '', /recode-harness/);
  assert.equal(r.stdout, 'before\n');
  const s = await renderer.render(req('x = (1,\n'));
  assert.equal(s.errorKind, 'python');
  assert.match(s.error ?? '', /SyntaxError/);
});

test('figure mode without a figure is no-figure; savefig to a path and show() are neutralised', async () => {
  const none = await renderer.render(req('x = 1'));
  assert.equal(none.errorKind, 'no-figure');
  const empty = await renderer.render(req('import matplotlib.pyplot as plt\nplt.figure()'));
  assert.equal(empty.errorKind, 'no-figure');
  const before = readdirSync(ROOT).sort();
  const r = await renderer.render(req('import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.savefig("chart.png")\nplt.savefig("/tmp/recode-should-not-exist.png")\nplt.show()'));
  assert.equal(r.ok, true, r.error);
  assert.deepEqual(readdirSync(ROOT).sort(), before, "the user's working folder is untouched");
  assert.equal(readdirSync('/tmp').includes('recode-should-not-exist.png'), false);
});

test('every program gets a fresh process: nothing leaks from one to the next', async () => {
  const n = renderer.processesStarted;
  const a = await renderer.render(req('import builtins, matplotlib\nbuiltins.leaked = 1\nmatplotlib.rcParams["lines.linewidth"] = 9\nanswer = 1', { mode: 'script' }));
  assert.equal(a.answer, '1');
  const b = await renderer.render(
    req('import builtins, matplotlib\nanswer = (hasattr(builtins, "leaked"), matplotlib.rcParams["lines.linewidth"])', { mode: 'script' }),
  );
  assert.equal(b.answer, '(False, 1.5)');
  // b cannot have run in a's process (a process serves one program): at least one new process
  // started for the two (the spare for b may still be starting when a's process ends, so not two)
  assert.ok(renderer.processesStarted >= n + 1, `${renderer.processesStarted - n} new processes`);
});

test('a program over its time limit is killed and the next one is served at once', async () => {
  const r = await renderer.render(req('while True:\n    pass', { mode: 'script', timeLimitMs: 1500 }));
  assert.equal(r.errorKind, 'timeout');
  assert.match(r.error ?? '', /time limit of 1\.5 s/);
  assert.ok(r.durationMs < 6000, `stopped after ${r.durationMs} ms`);
  const next = await renderer.render(req('answer = "alive"', { mode: 'script' }));
  assert.equal(next.answer, 'alive');
});

test('cancelling through an AbortSignal kills the program', async () => {
  const ac = new AbortController();
  const p = renderer.render(req('import time\nwhile True:\n    time.sleep(0.01)', { mode: 'script' }), ac.signal);
  setTimeout(() => ac.abort(), 800);
  const r = await p;
  assert.equal(r.errorKind, 'cancelled');
  const pre = new AbortController();
  pre.abort();
  assert.equal((await renderer.render(req('answer = 1', { mode: 'script' }), pre.signal)).errorKind, 'cancelled');
});

test('a python without matplotlib: figure mode says so, script mode still runs', async (t) => {
  const candidates = ['python3', 'python'];
  const bare = [];
  for (const c of candidates) if (!(await findPython([c]))) bare.push(c);
  if (bare.length === 0) {
    t.skip('every python on PATH has matplotlib here');
    return;
  }
  const r = createPythonRenderer({ pythonPath: bare[0] });
  try {
    const fig = await r.render(req(FIVEBARS));
    assert.equal(fig.errorKind, 'missing-package');
    assert.match(fig.error ?? '', /^matplotlib is not available to the python renderer: /);
    const script = await r.render(req('answer = sum(range(10))', { mode: 'script' }));
    assert.equal(script.ok, true, script.error);
    assert.equal(script.answer, '45');
  } finally {
    await r.dispose();
  }
});

test('dispose leaves no process behind', async () => {
  const r = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  await r.warmup();
  const slow = r.render(req('import time\ntime.sleep(30)', { mode: 'script', timeLimitMs: 60_000 }));
  await new Promise((res) => setTimeout(res, 300));
  assert.ok(children().length > 0);
  await r.dispose();
  assert.equal((await slow).errorKind, 'cancelled');
  await renderer.dispose();
  assert.deepEqual(children(), [], 'no child process is left');
  renderer = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
});
