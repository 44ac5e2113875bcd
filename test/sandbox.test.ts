// Issue 7: generated programs are hostile. Every attempt below must fail safely in BOTH renderers
// (Pyodide in a worker, local CPython) — and leave no trace on the host — and after every limit
// the renderer must serve the next program.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { createPyodideRenderer } from '../src/core/render/pyodideRenderer';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import type { RenderRequest, RenderResult, Renderer } from '../src/core/types';
import { ROOT, SYSTEM_PYTHON } from './support/paths';

let host: string; // a folder on the host the programs must not touch
let server: Server;
let port = 0;
const connections: string[] = [];
const SECRET = `recode-secret-${process.pid}-${Date.now()}`;
const ROOT_PROBE = join(ROOT, `.recode-sandbox-probe-${process.pid}`);

before(async () => {
  host = mkdtempSync(join(tmpdir(), 'recode-sandbox-host-'));
  writeFileSync(join(host, 'secret.txt'), SECRET);
  server = createServer((req, res) => {
    connections.push(req.url ?? '');
    res.end('hello');
  });
  server.on('connection', () => connections.push('tcp'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(host, { recursive: true, force: true });
  rmSync(ROOT_PROBE, { force: true });
});

const F = (name: string): string => join(host, name);
const py = (s: string): string => JSON.stringify(s); // a Python string literal

interface Attempt {
  name: string;
  code: () => string;
  /** What must hold: the default is errorKind 'forbidden'. */
  expect?: 'forbidden' | 'fails' | 'zero';
  /** Host paths that must not exist afterwards. */
  untouched?: () => string[];
  only?: 'pyodide' | 'python';
}

const ATTEMPTS: Attempt[] = [
  // the JavaScript bridge (measured escape: js.process → fs.writeFileSync)
  {
    name: 'js.process → fs.writeFileSync on the host',
    code: () => `from js import process\nprocess.getBuiltinModule("fs").writeFileSync(${py(F('js-fs'))}, "pwned")`,
    untouched: () => [F('js-fs')],
  },
  { name: 'import pyodide_js (the Pyodide API, its Module and FS)', code: () => 'import pyodide_js\nanswer = pyodide_js._module.FS' },
  { name: 'pyodide.code.run_js', code: () => 'import pyodide.code\npyodide.code.run_js("globalThis.process")' },
  { name: 'pyodide.ffi.to_js', code: () => 'from pyodide.ffi import to_js\nanswer = to_js([]).constructor.constructor("return process")()' },
  { name: '_pyodide_core (the C side of the bridge)', code: () => 'import _pyodide_core\nanswer = _pyodide_core.to_js([])' },
  { name: '__import__("js")', code: () => 'js = __import__("js")' },
  { name: 'importlib.import_module("js")', code: () => 'import importlib\njs = importlib.import_module("js")' },
  { name: 'the frozen import machinery, reached through sys.modules', code: () => 'import sys\njs = sys.modules["_frozen_importlib"]._gcd_import("js")' },
  {
    name: 'no JsProxy and no bridge module is reachable through object.__subclasses__() and sys.modules',
    expect: 'zero',
    code: () =>
      [
        'import sys, types',
        'BRIDGE = ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip")',
        'found, seen = [], set()',
        'def check(v, where):',
        '    try:',
        '        mro = type(v).__mro__',
        '        if any(k.__name__ in ("JsProxy", "Py2JsConverter", "Js2PyConverter") for k in mro) \\',
        '                or (isinstance(v, types.ModuleType) and str(getattr(v, "__name__", "")).split(".")[0] in BRIDGE):',
        '            found.append(where)',
        '    except Exception:',
        '        pass',
        'def walk(cls):',
        '    try:',
        '        subs = type.__subclasses__(cls) if isinstance(cls, type) else []',
        '    except TypeError:',
        '        subs = []',
        '    for c in subs:',
        '        if id(c) in seen:',
        '            continue',
        '        seen.add(id(c))',
        '        for k, v in list(vars(c).items()):',
        '            try:',
        '                f = getattr(v, "__func__", v)',
        '                g = getattr(f, "__globals__", None)',
        '                if isinstance(g, dict):',
        '                    for gk, gv in list(g.items()):',
        '                        check(gv, c.__name__ + "." + k + " -> " + str(gk))',
        '                check(v, c.__name__ + "." + k)',
        '            except Exception:',
        '                pass',
        '        walk(c)',
        'walk(object)',
        'for name, m in list(sys.modules.items()):',
        '    check(m, name)',
        '    for k, v in list(getattr(m, "__dict__", {}).items()):',
        '        check(v, name + "." + str(k))',
        'print(found[:20])',
        'answer = len(found)',
      ].join('\n'),
  },
  {
    name: "the bridge's classes found through object.__subclasses__() cannot make JavaScript values",
    only: 'pyodide',
    code: () =>
      [
        'subs = {}',
        'def walk(cls):',
        '    for c in type.__subclasses__(cls):',
        '        subs.setdefault(c.__name__, []).append(c)',
        '        walk(c)',
        'walk(object)',
        'made = []',
        'for name in ("JsProxy", "JsException", "JsArray", "JsBuffer", "Json", "Deep", "CodeRunner", "JsFinder"):',
        '    for c in subs.get(name, []):',
        '        for attempt in (lambda: c(), lambda: c("x"), lambda: c.new("x"), lambda: c.py2js.py2js_convert([1]),',
        '                        lambda: c().run("1"), lambda: c.register_js_module("x", {})):',
        '            try:',
        '                made.append(attempt())',
        '            except Exception:',
        '                pass',
        'if made:',
        '    answer = repr(made)  # the program ends without an error: the test fails',
        'else:',
        '    raise PermissionError("nothing was made")',
      ].join('\n'),
    expect: 'fails',
  },
  // host processes (measured escape: os.system('touch F'))
  { name: 'os.system', code: () => `import os\nos.system(${py(`touch ${F('system')}`)})`, untouched: () => [F('system')] },
  { name: 'posix.system', code: () => `import posix\nposix.system(${py(`touch ${F('posix')}`)})`, untouched: () => [F('posix')] },
  { name: 'subprocess.run', code: () => `import subprocess\nsubprocess.run(["touch", ${py(F('subprocess'))}])`, untouched: () => [F('subprocess')] },
  {
    name: 'subprocess reached through a library that imported it',
    only: 'python',
    code: () => `import matplotlib\nmatplotlib.subprocess.run(["touch", ${py(F('mpl-subprocess'))}])`,
    untouched: () => [F('mpl-subprocess')],
  },
  { name: 'os.popen', code: () => `import os\nos.popen(${py(`touch ${F('popen')}`)})`, untouched: () => [F('popen')] },
  { name: 'os.execv', code: () => `import os\nos.execv("/bin/sh", ["sh", "-c", ${py(`touch ${F('exec')}`)}])`, untouched: () => [F('exec')] },
  { name: 'os.fork', code: () => 'import os\npid = os.fork()' },
  { name: 'os.kill of the host process', code: () => `import os\nos.kill(${process.pid}, 9)` },
  { name: 'ctypes', code: () => `import ctypes\nctypes.CDLL(None).system(${py(`touch ${F('ctypes')}`).replace(/^"/, 'b"')})`, untouched: () => [F('ctypes')] },
  {
    name: 'ctypes reached through numpy',
    only: 'python',
    code: () => `import numpy\nnumpy.ctypeslib.ctypes.CDLL(None).system(${py(`touch ${F('np-ctypes')}`).replace(/^"/, 'b"')})`,
    untouched: () => [F('np-ctypes')],
  },
  // host files
  { name: 'open() of a host path for writing', code: () => `open(${py(F('open-w'))}, "w").write("x")`, untouched: () => [F('open-w')] },
  { name: "writing into the user's working folder", code: () => `open(${py(ROOT_PROBE)}, "w").write("x")`, untouched: () => [ROOT_PROBE] },
  {
    name: 'shutil.copy to a host path',
    expect: 'fails',
    code: () => `import shutil\nopen("mine.txt", "w").write("x")\nshutil.copy("mine.txt", ${py(F('copied'))})`,
    untouched: () => [F('copied')],
  },
  { name: 'reading a host file', expect: 'fails', code: () => `print(open(${py(F('secret.txt'))}).read())` },
  { name: "listing the user's working folder", expect: 'fails', code: () => `import os\nprint(os.listdir(${py(ROOT)}))` },
  { name: 'sqlite3 writing a host database', expect: 'fails', code: () => `import sqlite3\nsqlite3.connect(${py(F('db.sqlite'))}).execute("create table t (x)")`, untouched: () => [F('db.sqlite')] },
  // network
  { name: 'socket.create_connection', code: () => `import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=2).sendall(b"GET /socket HTTP/1.0\\r\\n\\r\\n")` },
  { name: 'urllib.request.urlopen', code: () => `import urllib.request\nprint(urllib.request.urlopen("http://127.0.0.1:${port}/urllib", timeout=2).read())` },
  { name: 'http.client', code: () => `import http.client\nc = http.client.HTTPConnection("127.0.0.1", ${port}, timeout=2)\nc.request("GET", "/http-client")\nprint(c.getresponse().read())` },
  // interpreter internals
  { name: 'sys._getframe', code: () => 'import sys\nf = sys._getframe()\nanswer = f.f_back' },
  { name: 'frames through a traceback', code: () => 'try:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__.tb_frame\n    answer = f.f_back.f_locals' },
  { name: 'gc.get_objects', code: () => 'import gc\nanswer = len(gc.get_objects())' },
  { name: 'building a code object by hand', code: () => 'c = (lambda: 0).__code__\nc2 = c.replace(co_code=b"\\x00\\x00")' },
  { name: 'marshal.loads', code: () => 'import marshal\nmarshal.loads(b"\\xe3")' },
  { name: 'sys.settrace', code: () => 'import sys\nsys.settrace(lambda *a: None)' },
];

/** A program that is fine: after every limit the renderer must serve it. */
const HEALTHY = 'answer = sum(range(10))';

interface Limit {
  name: string;
  code: string;
  kind: 'timeout' | 'limit';
  mode?: 'figure' | 'script';
  timeLimitMs?: number;
  only?: 'pyodide' | 'python';
}

const LIMITS: Limit[] = [
  { name: 'an infinite loop', code: 'while True:\n    pass', kind: 'timeout', timeLimitMs: 1500 },
  { name: 'deep recursion (after raising the recursion limit)', code: 'import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1)\nf(0)', kind: 'limit' },
  { name: 'recursion through C (repr)', code: 'class A:\n    def __repr__(self):\n        return repr(A())\nrepr(A())', kind: 'limit' },
  { name: 'a huge allocation', code: 'x = bytearray(1536 * 1024 * 1024)', kind: 'limit' },
  { name: 'a memory bomb growing step by step', code: 'chunks = []\nwhile True:\n    chunks.append(bytearray(32 * 1024 * 1024))', kind: 'limit' },
  { name: 'a huge numpy array', code: 'import numpy as np\na = np.ones((100000, 100000))', kind: 'limit', only: 'python' },
  { name: 'a huge figure', code: 'import matplotlib.pyplot as plt\nplt.figure(figsize=(400, 400), dpi=1000)\nplt.plot([1, 2])', kind: 'limit', mode: 'figure', only: 'python' },
  {
    name: 'a huge dpi when saving to memory',
    code: 'import io\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig(io.BytesIO(), dpi=30000)',
    kind: 'limit',
    mode: 'figure',
    only: 'python',
  },
  { name: 'an output flood (print)', code: 'while True:\n    print("spam" * 250)', kind: 'limit' },
  { name: 'an output flood below Python (os.write)', code: 'import os\nfor i in range(100):\n    os.write(1, b"x" * 100000)', kind: 'limit' },
];

function sandboxSuite(kind: 'pyodide' | 'python', make: () => Renderer): void {
  describe(`${kind} renderer`, () => {
    let r: Renderer;
    const run = (code: string, extra: Partial<RenderRequest> = {}): Promise<RenderResult> =>
      r.render({ code, mode: 'script', width: 320, height: 240, timeLimitMs: 20_000, ...extra });
    const attempts = ATTEMPTS.filter((a) => !a.only || a.only === kind);
    const limits = LIMITS.filter((l) => !l.only || l.only === kind);
    // Every program is started at once (the python renderer runs as many as there are CPUs, the
    // Pyodide one queues them); each test then checks its own outcome.
    const attemptResults = new Map<string, Promise<RenderResult>>();
    const limitResults = new Map<string, Promise<{ res: RenderResult; next: RenderResult }>>();
    before(() => {
      r = make();
      for (const a of attempts) attemptResults.set(a.name, run(a.code()));
      for (const l of limits) {
        limitResults.set(
          l.name,
          (async () => {
            // generous limits: on a loaded machine a memory bomb takes a while to reach its limit
            const res = await run(l.code, { mode: l.mode ?? 'script', timeLimitMs: l.timeLimitMs ?? 60_000 });
            const next = await run(HEALTHY);
            return { res, next };
          })(),
        );
      }
    });
    after(async () => {
      await Promise.allSettled([...attemptResults.values(), ...limitResults.values()]);
      await r.dispose();
    });

    for (const a of attempts) {
      test(`refuses: ${a.name}`, async () => {
        const res = await (attemptResults.get(a.name) as Promise<RenderResult>);
        const expect = a.expect ?? 'forbidden';
        if (expect === 'zero') {
          assert.equal(res.ok, true, res.error);
          assert.equal(res.answer, '0', res.stdout);
        } else {
          assert.equal(res.ok, false, `the program succeeded: ${res.stdout} ${res.answer ?? ''}`);
          if (expect === 'forbidden') assert.equal(res.errorKind, 'forbidden', `${res.errorKind}: ${res.error}`);
          else assert.ok(res.errorKind === 'forbidden' || res.errorKind === 'python', `${res.errorKind}: ${res.error}`);
        }
        assert.doesNotMatch(res.stdout, new RegExp(SECRET));
        assert.doesNotMatch(res.stdout + (res.answer ?? ''), /package\.json/, "the user's folder was not listed");
        for (const p of a.untouched?.() ?? []) assert.equal(existsSync(p), false, `${p} was created on the host`);
        assert.deepEqual(connections, [], 'nothing reached the network');
      });
    }

    for (const l of limits) {
      test(`stops ${l.name} and serves the next program`, async () => {
        const { res, next } = await (limitResults.get(l.name) as Promise<{ res: RenderResult; next: RenderResult }>);
        assert.equal(res.ok, false);
        assert.equal(res.errorKind, l.kind, `${res.errorKind}: ${res.error}`);
        assert.ok(res.error && !res.error.includes('\n'), 'a one-line reason');
        assert.ok(res.stdout.length <= 1_000_000);
        assert.equal(next.answer, '45', `${next.errorKind}: ${next.error}`);
      });
    }

    test('the host folder holds only what the test put there', async () => {
      await Promise.allSettled([...attemptResults.values(), ...limitResults.values()]);
      assert.deepEqual(readdirSync(host), ['secret.txt']);
      assert.equal(existsSync(ROOT_PROBE), false);
      assert.deepEqual(connections, []);
    });
  });
}

sandboxSuite('pyodide', () => createPyodideRenderer({ memoryLimitMb: 1024 }));
sandboxSuite('python', () => createPythonRenderer({ pythonPath: SYSTEM_PYTHON, memoryLimitMb: 1024 }));

test('the JS realm of the interpreter: no code generation from strings, no network or host globals', async () => {
  const module = join(__dirname, '..', 'src', 'core', 'render', 'pyodideSession.js');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { hardenJsRealm } = require(workerData.module);
    hardenJsRealm(globalThis);
    const r = {};
    const attempt = (name, f) => { try { r[name] = 'ran: ' + String(f()); } catch (e) { r[name] = 'blocked: ' + e.constructor.name; } };
    attempt('Function via a constructor', () => (function () {}).constructor('return process')());
    attempt('Function global', () => Function('return 1')());
    attempt('AsyncFunction', () => Object.getPrototypeOf(async function () {}).constructor('return 1'));
    attempt('GeneratorFunction', () => Object.getPrototypeOf(function* () {}).constructor('yield 1'));
    attempt('eval', () => eval('1 + 1'));
    attempt('indirect eval', () => (0, globalThis.eval)('1 + 1'));
    r.fetch = typeof globalThis.fetch;
    r.getBuiltinModule = typeof globalThis.process.getBuiltinModule;
    r.processEnv = JSON.stringify(globalThis.process.env);
    parentPort.postMessage(r);
  `;
  const w = new Worker(code, { eval: true, workerData: { module }, env: { SECRET_FOR_TEST: 'x' } });
  const r = await new Promise<Record<string, string>>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  for (const k of ['Function via a constructor', 'Function global', 'AsyncFunction', 'GeneratorFunction', 'eval', 'indirect eval']) {
    assert.equal(r[k], 'blocked: EvalError', k);
  }
  assert.equal(r.fetch, 'undefined');
  assert.equal(r.getBuiltinModule, 'undefined');
  assert.equal(r.processEnv, '{}');
});
