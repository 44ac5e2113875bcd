// The Pyodide renderer with the core runtime (no matplotlib can be had offline here) and with a
// local package folder holding a small wheel the test builds. Few worker starts: each is ~3 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPyodideRenderer, type PyodideRenderer } from '../src/core/render/pyodideRenderer';
import { importPyodidePackages } from '../src/core/render/pyodidePackages';
import type { RenderRequest } from '../src/core/types';
import { buildWheel, writeLock } from './support/testWheel';

let core: PyodideRenderer;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'recode-pyodide-test-'));
  // a package folder that does not exist: like a machine where `recode prepare` never ran
  core = createPyodideRenderer({ packageDir: join(work, 'not-prepared') });
  await core.warmup();
});
after(async () => {
  await core.dispose();
  rmSync(work, { recursive: true, force: true });
});

const script = (code: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  code,
  mode: 'script',
  width: 600,
  height: 400,
  timeLimitMs: 10_000,
  ...extra,
});

test('the worker runs Python 3.14 with no packages when none are prepared', async () => {
  const info = await core.warmup();
  assert.match(info.python, /^3\.1[4-9]\./);
  assert.equal(info.matplotlib, null);
  assert.deepEqual(info.packages, []);
  assert.match(core.sandbox, /no JavaScript bridge/);
});

test('after the first worker, workers start from the memory snapshot of a pristine interpreter and work the same', async () => {
  await core.render(script('answer = 1'));
  const info = await core.warmup();
  assert.equal(info.fromSnapshot, true);
  assert.match(info.python, /^3\.1[4-9]\./);
  const r = await core.render(script('import sys, os\nanswer = (sys.platform, os.getcwd(), os.environ.get("MPLBACKEND"))'));
  assert.equal(r.answer, "('emscripten', '/tmp/recode-job', 'Agg')");
});

test('script mode: output, answer and the standard library', async () => {
  const r = await core.render(
    script(
      [
        'import json, statistics, sqlite3, decimal, datetime, re',
        'db = sqlite3.connect(":memory:")',
        'db.execute("create table t (v real)")',
        'db.executemany("insert into t values (?)", [(3,), (7,), (2,)])',
        'total = db.execute("select sum(v) from t").fetchone()[0]',
        'print(json.dumps({"total": total}))',
        'answer = statistics.median([3, 7, 2]) + decimal.Decimal("0.5")',
      ].join('\n'),
    ),
  );
  assert.equal(r.ok, true, r.error);
  assert.equal(r.stdout, '{"total": 12.0}\n');
  assert.equal(r.answer, '3.5');
});

test('errors: the exception, the program line, a traceback of the program only', async () => {
  const r = await core.render(script('def f(x):\n    return 10 / x\nprint("partial")\nf(0)'));
  assert.equal(r.ok, false);
  assert.equal(r.errorKind, 'python');
  assert.equal(r.error, 'ZeroDivisionError: division by zero (line 2)');
  assert.match(r.traceback ?? '', /File "<program>", line 4, in <module>\n {4}f\(0\)\n {2}File "<program>", line 2, in f\n {4}return 10 \/ x\nZeroDivisionError/);
  assert.doesNotMatch(r.traceback ?? '', /recode-harness|_pyodide/);
  assert.equal(r.stdout, 'partial\n');
  const syntax = await core.render(script('for x in range(3)\n    print(x)'));
  assert.equal(syntax.errorKind, 'python');
  assert.match(syntax.error ?? '', /^SyntaxError: .*\(line 1\)$/);
});

test('matplotlib missing is a clear missing-package error that says how to get it', async () => {
  const fig = await core.render({ ...script('import matplotlib.pyplot as plt\nplt.plot([1, 2])'), mode: 'figure' });
  assert.equal(fig.ok, false);
  assert.equal(fig.errorKind, 'missing-package');
  assert.match(fig.error ?? '', /^matplotlib is not available to the pyodide renderer: /);
  assert.match(fig.error ?? '', /not-prepared has no pyodide-lock\.json/);
  assert.match(fig.error ?? '', /recode prepare/);
  assert.equal(fig.png, undefined);
  const np = await core.render(script('import numpy as np\nanswer = np.arange(3).sum()'));
  assert.equal(np.errorKind, 'missing-package');
  assert.match(np.error ?? '', /^numpy is not available to the pyodide renderer/);
});

test('every job gets a fresh interpreter, and jobs do not leak state into each other', async () => {
  const started = core.workersStarted;
  const a = await core.render(
    script(
      [
        'import builtins, json, os, sys',
        'builtins.leak = 1',
        'json.dumps = None',
        'sys.setrecursionlimit(50)',
        'os.environ["LEAK"] = "1"',
        'open("left-behind.txt", "w").write("x")',
        'secret = 42',
        'answer = os.getcwd()',
      ].join('\n'),
    ),
  );
  assert.equal(a.ok, true, a.error);
  const b = await core.render(
    script(
      [
        'import builtins, json, os, sys',
        'answer = (hasattr(builtins, "leak"), json.dumps([1]), sys.getrecursionlimit() > 50,',
        '          "LEAK" in os.environ, os.listdir("."), "secret" in globals())',
      ].join('\n'),
    ),
  );
  assert.equal(b.ok, true, b.error);
  assert.equal(b.answer, "(False, '[1]', True, False, [], False)");
  assert.ok(core.workersStarted >= started + 2, 'each program had a worker of its own');
});

test('output written below Python (os.write) is captured too, and floods are cut', async () => {
  const r = await core.render(script('import os\nprint("py")\nos.write(1, b"raw\\n")'));
  assert.equal(r.ok, true, r.error);
  assert.match(r.stdout, /py\n/);
  assert.match(r.stdout, /raw\n/);
  const flood = await core.render(script('while True:\n    print("x" * 1000)'));
  assert.equal(flood.errorKind, 'limit');
  assert.ok(flood.stdout.length <= 1_000_000);
});

test('a program over its time limit has its worker terminated; the next program runs at once', async () => {
  const r = await core.render(script('while True:\n    pass', { timeLimitMs: 1000 }));
  assert.equal(r.errorKind, 'timeout');
  assert.match(r.error ?? '', /time limit of 1\.0 s/);
  const next = await core.render(script('answer = "next"'));
  assert.equal(next.answer, 'next');
});

test('a program that swallows KeyboardInterrupt is stopped all the same (its worker is terminated)', async () => {
  const r = await core.render(
    script('while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass', { timeLimitMs: 800 }),
  );
  assert.equal(r.errorKind, 'timeout');
  assert.ok(r.durationMs < 5000, `answered after ${r.durationMs} ms`);
  const next = await core.render(script('answer = 6 * 7'));
  assert.equal(next.answer, '42');
});

test('an AbortSignal cancels a running program; queued renders run in order', async () => {
  const ac = new AbortController();
  const p = core.render(script('while True:\n    pass', { timeLimitMs: 60_000 }), ac.signal);
  setTimeout(() => ac.abort(), 300);
  assert.equal((await p).errorKind, 'cancelled');
  const results = await Promise.all([1, 2, 3].map((i) => core.render(script(`answer = ${i} * 10`))));
  assert.deepEqual(
    results.map((r) => r.answer),
    ['10', '20', '30'],
  );
});

test('packages load from a local package folder (a wheel the test builds), never from a CDN', async () => {
  const wheels = join(work, 'wheels');
  mkdirSync(wheels);
  const w = buildWheel(wheels, { name: 'recode-testpkg', module: 'recode_testpkg', source: 'VALUE = 42\ndef double(x):\n    return 2 * x\n' });
  const lockFile = join(work, 'test-lock.json');
  writeLock(lockFile, [w]);
  const packageDir = join(work, 'packages');
  const imported = await importPyodidePackages(wheels, packageDir, { packages: ['recode-testpkg'], lockFile });
  assert.deepEqual(imported.imported, ['recode-testpkg']);
  const r = createPyodideRenderer({ packageDir });
  try {
    const info = await r.warmup();
    assert.deepEqual(info.packages, ['recode-testpkg']);
    assert.deepEqual(info.packageErrors, []);
    const ok = await r.render(script('import recode_testpkg\nanswer = recode_testpkg.double(recode_testpkg.VALUE)'));
    assert.equal(ok.ok, true, ok.error);
    assert.equal(ok.answer, '84');
    const fig = await r.render({ ...script('import matplotlib'), mode: 'figure' });
    assert.equal(fig.errorKind, 'missing-package');
    assert.match(fig.error ?? '', /package folder .*packages does not hold it.*recode prepare/);
    // a worker restored from the snapshot (made before packages loaded) loads the packages too
    const again = await r.render(script('import recode_testpkg\nanswer = recode_testpkg.VALUE'));
    assert.equal(again.answer, '42', again.error);
    assert.equal((await r.warmup()).fromSnapshot, true);
  } finally {
    await r.dispose();
  }
  assert.equal((await r.render(script('answer = 1'))).errorKind, 'cancelled', 'a disposed renderer refuses work');
});
