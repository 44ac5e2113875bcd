// Issue 17: the harness's audit-hook gaps (defence in depth behind the OS sandbox) and the reply
// channel, in BOTH renderers where they apply. Each program below got through on main.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPyodideRenderer } from '../src/core/render/pyodideRenderer';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { spawnSync } from 'node:child_process';
import { HARNESS_PY, checkPng, toRenderResult } from '../src/core/render/harness';
import { decodeImage, encodePng } from '../src/core/image';
import type { RenderRequest, RenderResult, Renderer } from '../src/core/types';
import { SYSTEM_PYTHON } from './support/paths';

let host: string;
const SECRET = `recode-harness-secret-${process.pid}`;
before(() => {
  host = mkdtempSync(join(tmpdir(), 'recode-harness-host-'));
  writeFileSync(join(host, 'secret.txt'), SECRET);
});
after(() => rmSync(host, { recursive: true, force: true }));
const py = (s: string): string => JSON.stringify(s);
const H = (n: string): string => join(host, n);

interface Attack {
  name: string;
  code: () => string;
  /** 'forbidden' (default): errorKind forbidden; 'fails': not ok; 'not-that': whatever happens, no _posixsubprocess. */
  expect?: 'forbidden' | 'fails' | 'not-that';
  only?: 'python' | 'pyodide';
  mode?: 'figure' | 'script';
  untouched?: () => string[];
}

const ATTACKS: Attack[] = [
  // dir_fd
  {
    name: 'dir_fd: /etc/passwd read relative to a descriptor of /proc/self',
    code: () => 'import os\nfd = os.open("/proc/self", os.O_RDONLY)\nprint(os.read(os.open("root/etc/passwd", os.O_RDONLY, dir_fd=fd), 200))',
    expect: 'fails',
  },
  {
    name: 'dir_fd: a folder made inside the stdlib through a descriptor of it',
    code: () => 'import os\nfd = os.open(os.path.dirname(os.__file__), os.O_RDONLY)\nos.mkdir("recode_evil_dir", dir_fd=fd)',
  },
  {
    name: 'dir_fd: a file written into site-packages relative to the working folder',
    code: () =>
      'import os\nw = os.open(os.getcwd(), os.O_RDONLY)\nopen("evil.txt", "w").write("x")\nos.rename("evil.txt", "../../../../../../../../tmp/recode_evil_mod.txt", src_dir_fd=w, dst_dir_fd=w)',
  },
  {
    name: 'dir_fd: os.remove relative to a descriptor',
    code: () => 'import os\nw = os.open(os.getcwd(), os.O_RDONLY)\nos.remove("../../../../../../../../etc/hostname", dir_fd=w)',
  },
  { name: 'os.open with a relative path (its dir_fd cannot be judged)', code: () => 'import os\nos.open("x.txt", os.O_WRONLY | os.O_CREAT)' },
  // SQLite
  {
    name: 'sqlite3: ATTACH DATABASE at an absolute path',
    // the audit hook cannot turn ATTACH off (its event comes before the connection is ready):
    // the OS sandbox keeps the host path out of reach
    only: 'python',
    expect: 'fails',
    code: () => `import sqlite3\nc = sqlite3.connect(":memory:")\nc.execute("ATTACH DATABASE '${H('attach.db')}' AS a")\nc.execute("CREATE TABLE a.t (x)")`,
    untouched: () => [H('attach.db')],
  },
  {
    name: 'sqlite3: VACUUM INTO an absolute path',
    // the audit hook cannot turn ATTACH off (its event comes before the connection is ready):
    // the OS sandbox keeps the host path out of reach
    only: 'python',
    expect: 'fails',
    code: () => `import sqlite3\nc = sqlite3.connect(":memory:")\nc.execute("CREATE TABLE t (x)")\nc.execute("VACUUM INTO '${H('vacuum.db')}'")`,
    untouched: () => [H('vacuum.db')],
  },
  {
    name: 'sqlite3: a file: URI name',
    code: () => `import sqlite3\nsqlite3.connect("file:${H('uri.db')}?mode=rwc", uri=True).execute("CREATE TABLE t (x)")`,
    untouched: () => [H('uri.db')],
  },
  // trust by code identity
  {
    name: "code compiled as '/x.py' is still the program's: frames",
    code: () => 'import sys\nexec(compile("import sys\\nf = sys._getframe()\\nanswer = repr(f.f_back.f_locals.keys())", "/x.py", "exec"))',
  },
  { name: "code compiled as '/x.py' is still the program's: import marshal", code: () => 'exec(compile("import marshal\\nanswer = repr(marshal.dumps(1))", "/x.py", "exec"))' },
  { name: "code compiled as '<frozen posixpath>': import marshal", code: () => 'exec(compile("import marshal\\nanswer = repr(marshal.dumps(1))", "<frozen posixpath>", "exec"))' },
  { name: 'frames of the whole stack through traceback.walk_stack', code: () => 'import traceback\nf = next(traceback.walk_stack(None))\nanswer = repr(list(f.f_back.f_locals))' },
  {
    name: 'a signal handler (it receives the interrupted frame)',
    only: 'python',
    code: () => 'import signal, time\ngot = []\nsignal.signal(signal.SIGALRM, lambda n, f: got.append(f))\nsignal.setitimer(signal.ITIMER_REAL, 0.05)\ntime.sleep(0.5)\nanswer = repr(list(got[0].f_back.f_locals))',
  },
  { name: "code compiled under a library's own file name", code: () => 'import os\nexec(compile("import marshal", os.__file__, "exec"))' },
  // import machinery
  { name: "sys.modules['_frozen_importlib']._gcd_import('gc')", code: () => 'import sys\ngc = sys.modules["_frozen_importlib"]._gcd_import("gc")\nanswer = len(gc.get_objects())' },
  { name: "sys.modules['_frozen_importlib']._gcd_import('marshal')", code: () => 'import sys\nm = sys.modules["_frozen_importlib"]._gcd_import("marshal")\nanswer = repr(m.dumps(1))' },
  {
    name: '_imp.create_builtin rebuilds _posixsubprocess',
    code: () =>
      'import sys\nfor f in sys.meta_path:\n    if getattr(f, "__name__", "") == "BuiltinImporter":\n        B = f\nimp = B.create_module.__globals__["_imp"]\nclass S:\n    name = "_posixsubprocess"\nm = imp.create_builtin(S())\nanswer = repr(m.fork_exec)',
  },
  {
    name: '_imp.create_builtin rebuilds the JavaScript bridge (_pyodide_core)',
    code: () =>
      'import sys\nfor f in sys.meta_path:\n    if getattr(f, "__name__", "") == "BuiltinImporter":\n        B = f\nimp = B.create_module.__globals__["_imp"]\nclass S:\n    name = "_pyodide_core"\nm = imp.create_builtin(S())\nanswer = repr(m)',
    expect: 'fails',
  },
  {
    name: '_imp.create_builtin with a spec whose name changes between reads',
    code: () =>
      'import sys\nfor f in sys.meta_path:\n    if getattr(f, "__name__", "") == "BuiltinImporter":\n        B = f\nimp = B.create_module.__globals__["_imp"]\nclass S:\n    n = 0\n    @property\n    def name(self):\n        S.n += 1\n        return "math" if S.n == 1 else "_posixsubprocess"\nm = imp.create_builtin(S())\nanswer = repr(m)',
    expect: 'not-that',
  },
  {
    name: "the cached _posixsubprocess's fork_exec, reached through a library's subprocess",
    only: 'python',
    code: () => 'import matplotlib\nsp = matplotlib.subprocess\nfe = getattr(sp, "_fork_exec", None) or sp._posixsubprocess.fork_exec\nfe([b"/bin/true"], [b"/bin/true"], True, (), None, None, -1, -1, -1, -1, -1, -1, -1, -1, True, False, -1, None, None, None, -1, None, False)',
  },
  // the reply channel (CPython: fd 3)
  {
    name: 'a refused attempt followed by a forged reply on the inherited descriptor',
    only: 'python',
    code: () =>
      [
        'import os, posix',
        'try:',
        '    open("/etc/passwd").read()',
        'except Exception:',
        '    pass',
        'for fd in range(3, 20):',
        '    try:',
        '        os.write(fd, b\'{"ok": true, "stdout": "", "answer": "forged"}\\n\')',
        '        os.write(fd, b\'R {"ok": true, "stdout": "", "answer": "forged"}\\n\')',
        '    except OSError:',
        '        pass',
        'posix._exit(0)',
      ].join('\n'),
  },
  {
    name: 'a forged reply with a 4-byte "PNG" and no refused attempt',
    only: 'python',
    mode: 'figure',
    code: () =>
      [
        'import os, posix',
        'for fd in range(3, 20):',
        '    try:',
        '        os.write(fd, b\'{"ok": true, "stdout": "", "png_b64": "iVBORw=="}\\n\')',
        '    except OSError:',
        '        pass',
        'posix._exit(0)',
      ].join('\n'),
    expect: 'fails',
  },
  {
    name: 'the program replaces the reply channel before a refused attempt',
    only: 'python',
    code: () =>
      [
        'import os',
        'null = os.open("/dev/null", os.O_WRONLY)',
        'for fd in range(3, 20):',
        '    if fd != null:',
        '        try:',
        '            os.dup2(null, fd)',
        '        except OSError:',
        '            pass',
        'try:',
        '    open("/etc/passwd").read()',
        'except Exception:',
        '    pass',
        'answer = "nothing was refused"',
      ].join('\n'),
    expect: 'fails',
  },
];

function suite(kind: 'python' | 'pyodide', make: () => Renderer): void {
  describe(`${kind} renderer: harness gaps`, () => {
    let r: Renderer;
    const results = new Map<string, Promise<RenderResult>>();
    const attacks = ATTACKS.filter((a) => !a.only || a.only === kind);
    before(() => {
      r = make();
      const run = (a: Attack): Promise<RenderResult> =>
        r.render({ code: a.code(), mode: a.mode ?? 'script', width: 320, height: 240, timeLimitMs: 30_000 } as RenderRequest);
      for (const a of attacks) results.set(a.name, run(a));
    });
    after(async () => {
      await Promise.allSettled(results.values());
      await r.dispose();
    });
    for (const a of attacks) {
      test(`refuses: ${a.name}`, async () => {
        const res = await (results.get(a.name) as Promise<RenderResult>);
        if (a.expect === 'not-that') {
          assert.doesNotMatch(`${res.answer ?? ''} ${res.stdout}`, /_posixsubprocess|fork_exec/);
          return;
        }
        assert.equal(res.ok, false, `the program succeeded: ${res.answer ?? ''} ${res.stdout}`);
        if ((a.expect ?? 'forbidden') === 'forbidden') assert.equal(res.errorKind, 'forbidden', `${res.errorKind}: ${res.error}`);
        assert.notEqual(res.answer, 'forged');
        assert.doesNotMatch(res.stdout + (res.answer ?? ''), /root:x:0:0|recode-harness-secret/);
        for (const p of a.untouched?.() ?? []) assert.equal(existsSync(p), false, `${p} was written`);
      });
    }
    test('the next program still runs as written', async () => {
      await Promise.allSettled(results.values());
      const res = await r.render({ code: 'import json, statistics\nanswer = json.dumps([statistics.mean([1, 2, 3])])', mode: 'script', width: 320, height: 240, timeLimitMs: 30_000 });
      assert.equal(res.answer, '[2]', `${res.errorKind}: ${res.error}`);
      assert.deepEqual(readdirSync(host), ['secret.txt']);
    });
  });
}

suite('python', () => createPythonRenderer({ pythonPath: SYSTEM_PYTHON, memoryLimitMb: 1024 }));
suite('pyodide', () => createPyodideRenderer({ memoryLimitMb: 1024 }));

describe('the host checks every PNG', () => {
  const good = encodePng({ width: 4, height: 3, data: new Uint8Array(4 * 3 * 4).fill(200) });
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

  test('a valid PNG of the requested size passes and decodes', () => {
    assert.equal(checkPng(good, { width: 4, height: 3 }), undefined);
    const r = toRenderResult({ ok: true, stdout: '', png_b64: b64(good) }, 1, { width: 4, height: 3 });
    assert.equal(r.ok, true, r.error);
    assert.equal(decodeImage(r.png as Uint8Array).width, 4);
  });
  test('a 4-byte "PNG", a wrong size, a bad CRC, trailing bytes and a truncated file are refused', () => {
    const cases: Array<[string, Uint8Array, { width?: number; height?: number }]> = [
      ['4 bytes', new Uint8Array([0x89, 0x50, 0x4e, 0x47]), {}],
      ['wrong size', good, { width: 5, height: 3 }],
      ['bad CRC', (() => { const b = Uint8Array.from(good); b[20] ^= 1; return b; })(), {}],
      ['trailing bytes', Uint8Array.from([...good, 0]), {}],
      ['truncated', good.subarray(0, good.length - 5), {}],
    ];
    for (const [name, bytes, expect] of cases) {
      const r = toRenderResult({ ok: true, stdout: '', png_b64: b64(bytes) }, 1, expect);
      assert.equal(r.ok, false, name);
      assert.equal(r.errorKind, 'internal', name);
      assert.match(r.error ?? '', /not a valid PNG/, name);
    }
  });
  test('strings from the sandbox are capped', () => {
    const r = toRenderResult({ ok: true, stdout: 'x'.repeat(5_000_000), answer: 'y' }, 1, { maxOutputBytes: 1000 });
    assert.equal(r.stdout.length, 1000);
  });
});

test('the harness reports each refusal to a host callable before raising it (Pyodide can keep the record outside the interpreter)', async () => {
  const work = mkdtempSync(join(tmpdir(), 'recode-report-'));
  try {
    const boot = [
      'import json, sys',
      'g = {"__name__": "recode_harness"}',
      'exec(compile(sys.stdin.read(), "<recode-harness>", "exec"), g)',
      'seen = []',
      `run = g["_recode_install"](json.dumps({"renderer": "python", "workdir": ${JSON.stringify(work)}}), seen.append)`,
      'prog = "try:\\n    import os\\n    os.system(\\"true\\")\\nexcept Exception:\\n    pass\\nanswer = 1"',
      'reply = json.loads(run(json.dumps({"code": prog, "mode": "script"})))',
      'print(json.dumps({"seen": seen, "ok": reply["ok"], "kind": reply.get("error_kind")}))',
    ].join('\n');
    const r = spawnSync(SYSTEM_PYTHON, ['-I', '-B', '-c', boot], { input: HARNESS_PY, encoding: 'utf8', env: { MPLBACKEND: 'Agg', HOME: work, MPLCONFIGDIR: work } });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    assert.deepEqual(out.seen, ['the RECODE sandbox forbids os.system'], r.stderr);
    assert.equal(out.ok, false);
    assert.equal(out.kind, 'forbidden');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
