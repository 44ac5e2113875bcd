// Issue 17, Pyodide part: no state crosses programs. Each pair below is an attacker program that
// tries to change what the NEXT program does or replies (attack 7 of the issue), then a victim
// program that must run exactly as written and get its own reply. Then attack 6: a program that
// rebuilds the JavaScript bridge (`_imp.create_builtin`) gets no way out of its worker, and the
// next program is untouched. Core Pyodide only (script mode: no matplotlib here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPyodideRenderer, type PyodideRenderer } from '../src/core/render/pyodideRenderer';
import type { RenderRequest, RenderResult } from '../src/core/types';

let renderer: PyodideRenderer;
let host: string;
const SECRET = `recode-host-secret-${process.pid}-${Date.now()}`;

before(async () => {
  host = mkdtempSync(join(tmpdir(), 'recode-pyodide-isolation-'));
  writeFileSync(join(host, 'secret.txt'), SECRET);
  renderer = createPyodideRenderer({ packageDir: join(host, 'not-prepared') });
  await renderer.warmup();
});
after(async () => {
  await renderer.dispose();
  rmSync(host, { recursive: true, force: true });
});

const script = (code: string, timeLimitMs = 15_000): RenderRequest => ({ code, mode: 'script', width: 600, height: 400, timeLimitMs });
const run = (code: string, timeLimitMs?: number): Promise<RenderResult> => renderer.render(script(code, timeLimitMs));

interface Case {
  name: string;
  attack: string;
  victim: string;
  /** What the victim must reply: its own answer and stdout, nothing else. */
  answer: string;
  stdout?: string;
}

const CASES: Case[] = [
  {
    name: 'json.JSONDecoder.decode (the next job would be replaced by the attacker’s program)',
    attack: [
      'import json',
      'orig = json.JSONDecoder.decode',
      'def decode(self, s, *a, **k):',
      '    job = orig(self, s, *a, **k)',
      '    if isinstance(job, dict) and "code" in job:',
      '        job["code"] = "answer = \'attacker ran instead\'"',
      '    return job',
      'json.JSONDecoder.decode = decode',
    ].join('\n'),
    victim: 'print("victim ran")\nanswer = "victim"',
    answer: 'victim',
    stdout: 'victim ran\n',
  },
  {
    name: 'json._default_encoder.encode (every later reply forged)',
    attack: [
      'import json',
      'json._default_encoder.encode = lambda o: \'{"ok": true, "stdout": "forged\\\\n", "answer": "forged"}\'',
    ].join('\n'),
    victim: 'print("victim ran")\nanswer = 6 * 7',
    answer: '42',
    stdout: 'victim ran\n',
  },
  {
    name: 'the stdout capture class (every later stdout replaced)',
    attack: [
      'import sys',
      'cls = type(sys.stdout)',
      'cls.text = lambda self: "forged stdout\\n"',
      'orig = cls.write',
      'cls.write = lambda self, s: orig(self, s.replace("victim", "attacker"))',
    ].join('\n'),
    victim: 'print("victim ran")\nanswer = "victim"',
    answer: 'victim',
    stdout: 'victim ran\n',
  },
  {
    name: "sys.modules['statistics'] = fake (the next import poisoned)",
    attack: [
      'import sys, types',
      'fake = types.ModuleType("statistics")',
      'fake.median = lambda data: 999',
      'sys.modules["statistics"] = fake',
    ].join('\n'),
    victim: 'import statistics\nanswer = statistics.median([3, 1, 2])',
    answer: '2',
  },
  {
    name: 'a module written into site-packages through dir_fd (the next program imports attacker code)',
    attack: [
      'import os, sys',
      'site = [p for p in sys.path if p.endswith("site-packages")][0]',
      'd = os.open(site, os.O_RDONLY)',
      'for name in ("recode_evil_mod.py", "colorsys.py"):',
      '    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=d)',
      '    os.write(fd, b"EVIL = True\\ndef rgb_to_hsv(*a):\\n    return \'evil\'\\n")',
      '    os.close(fd)',
    ].join('\n'),
    victim: [
      'try:',
      '    import recode_evil_mod',
      '    answer = "imported attacker code"',
      'except ImportError:',
      '    import colorsys',
      '    answer = colorsys.rgb_to_hsv(1.0, 0.0, 0.0)',
    ].join('\n'),
    answer: '(0.0, 1.0, 1.0)',
  },
  {
    name: 'sys.set_int_max_str_digits',
    attack: 'import sys\nsys.set_int_max_str_digits(640)',
    victim: 'answer = len(str(10 ** 700))',
    answer: '701',
  },
  {
    name: 'signal handlers',
    attack: 'import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)',
    victim: 'import signal\nanswer = signal.getsignal(signal.SIGINT) is signal.default_int_handler',
    answer: 'True',
  },
  {
    name: 'sys.path_hooks (the next import served by the attacker’s finder)',
    attack: [
      'import sys',
      'Spec = type(sys.modules["json"].__spec__)',
      'class Loader:',
      '    def create_module(self, spec):',
      '        return None',
      '    def exec_module(self, module):',
      '        module.rgb_to_hsv = lambda *a: "evil"',
      'class Finder:',
      '    def find_spec(self, name, target=None):',
      '        return Spec(name, Loader()) if name == "colorsys" else None',
      'sys.path_hooks.insert(0, lambda entry: Finder())',
      'sys.path_importer_cache.clear()',
      'sys.modules.pop("colorsys", None)',
    ].join('\n'),
    victim: 'import colorsys\nanswer = colorsys.rgb_to_hsv(1.0, 0.0, 0.0)',
    answer: '(0.0, 1.0, 1.0)',
  },
];

for (const c of CASES) {
  test(`attack 7 — ${c.name}: the next program runs as written and its reply is its own`, async () => {
    await run(c.attack); // succeeds or is refused: either way it must not reach the next program
    const v = await run(c.victim);
    assert.equal(v.ok, true, `${v.errorKind}: ${v.error}`);
    assert.equal(v.answer, c.answer);
    assert.equal(v.stdout, c.stdout ?? '');
    // and once more, in case the attacker's change waited one program
    const again = await run(c.victim);
    assert.equal(again.answer, c.answer);
  });
}

test('candidates of one run never share an interpreter: every program gets a fresh one', async () => {
  const marks = await Promise.all(
    [1, 2, 3].map((i) => run(['import sys', `seen = getattr(sys, "recode_mark", None)`, `sys.recode_mark = ${i}`, 'answer = seen'].join('\n'))),
  );
  assert.deepEqual(
    marks.map((r) => r.answer),
    ['None', 'None', 'None'],
  );
});

// Attack 6: the bridge rebuilt with _imp.create_builtin. Whatever JavaScript values the program
// reaches, it finds no way to run code from strings, no host globals, no host files, no mounts.
const BRIDGE = String.raw`
import sys
found = []
def note(*a):
    found.append(' '.join(str(x) for x in a)[:200])
core = None
try:
    imp = sys.modules.get('_imp') or sys.modules['_frozen_importlib']._imp
    Spec = type(sys.modules['json'].__spec__)
    core = imp.create_builtin(Spec('_pyodide_core', None))
    note('rebuilt')
except BaseException as e:
    note('no-rebuild', type(e).__name__)
def attempt(label, f):
    try:
        v = f()
        note('GOT', label, repr(v)[:120])
    except BaseException as e:
        note('refused', label, type(e).__name__)
if core is not None and hasattr(core, 'to_js'):
    o = core.to_js({})
    O = o.constructor
    F = O.constructor
    attempt('Function', lambda: F('return globalThis')())
    attempt('Function.call', lambda: F.call(None, 'return 1')())
    for name in ('process', 'require', 'fetch', 'globalThis', 'module', 'Deno', 'importScripts'):
        attempt('global ' + name, lambda name=name: getattr(F('return ' + name)(), 'toString')())
    try:
        err = None
        try:
            O.defineProperty(1, 'x', core.to_js({}))
        except BaseException as e:
            err = getattr(e, 'js_error', None)
        if err is not None:
            E = O.getPrototypeOf(err.constructor)
            note('error ctor', str(E)[:40])
            def prep(e, sites):
                for s in sites:
                    for getter in ('getThis', 'getFunction'):
                        try:
                            t = getattr(s, getter)()
                        except BaseException:
                            continue
                        if t is None:
                            continue
                        note('GOT', 'call site', getter, str(t)[:60])
                        for k in ('FS', 'mountNodeFS'):
                            try:
                                v = getattr(t, k)
                            except BaseException:
                                continue
                            try:
                                if k == 'FS':
                                    v.mkdir('/host')
                                    v.mount(v.filesystems.NODEFS, core.to_js({'root': '/'}), '/host')
                                else:
                                    v('/host2', '/')
                                note('GOT', 'mounted the host')
                            except BaseException as e2:
                                note('refused', 'mount', type(e2).__name__)
                return 'x'
            try:
                E.prepareStackTrace = core.create_proxy(prep)
            except BaseException as e:
                note('refused', 'prepareStackTrace', type(e).__name__)
            if E.prepareStackTrace is not None:
                note('GOT', 'prepareStackTrace installed')
            try:
                O.defineProperty(1, 'x', core.to_js({}))
            except BaseException as e:
                s = str(getattr(getattr(e, 'js_error', None), 'stack', ''))
    except BaseException as e:
        note('stack-probe', type(e).__name__, str(e)[:80])
import os
for p in ('/host', '/host2'):
    try:
        for root, dirs, files in os.walk(p):
            for f in files:
                if f == 'secret.txt':
                    note('GOT', 'host file', open(os.path.join(root, f)).read())
    except BaseException as e:
        pass
answer = '\n'.join(found)
`;

test('attack 6 — the rebuilt JavaScript bridge gives no escape, and the next program is untouched', async () => {
  const r = await run(BRIDGE, 30_000);
  const text = `${r.answer ?? ''}\n${r.stdout}\n${r.error ?? ''}`;
  console.log(`# attack 6 probe: ${JSON.stringify(text.slice(0, 1500))}`);
  assert.doesNotMatch(text, /\bGOT\b/, text);
  assert.ok(!text.includes(SECRET), 'a host file was read');
  const next = await run('import sys\nanswer = sorted(m for m in sys.modules if "pyodide" in m or m == "js")');
  assert.equal(next.ok, true, next.error);
  assert.equal(next.answer, '[]');
  const plain = await run('import json\nanswer = json.dumps({"a": [1, 2]})');
  assert.equal(plain.answer, '{"a": [1, 2]}');
});

test('a program that forges its own reply gets only checked data through (no PNG in script mode, capped, no control characters)', async () => {
  const forged = [
    'import json',
    'reply = {"ok": True, "stdout": "\\x1b[2J\\x1b]8;;command:evil\\x07click\\x00" + "y" * 2_000_000, "answer": "a" * 100_000,',
    '         "png_b64": "iVBORw0KGgo=", "error_kind": "rootkit"}',
    'json._default_encoder.encode = lambda o, _r=json.dumps(reply): _r',
  ].join('\n');
  const r = await run(forged);
  assert.equal(r.png, undefined, 'a script-mode reply carries no PNG');
  assert.ok(r.stdout.length <= 1_000_000, `stdout of ${r.stdout.length} characters`);
  assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  assert.ok((r.answer ?? '').length <= 16 * 1024, `answer of ${(r.answer ?? '').length} characters`);
});
