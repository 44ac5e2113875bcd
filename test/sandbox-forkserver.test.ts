// Issue 16: the fork server (zygote) of the local CPython renderer. Two kinds of tests:
//  - the OS walls alone: the real zygote.py under the real bubblewrap command and outer filter,
//    but with a bare harness (no audit hook, ctypes allowed), so that only the child's namespaces,
//    its private /tmp, /dev and /proc, the strict seccomp filter and the zygote's non-dumpability
//    stand in the way of native attacks;
//  - the product path: createPythonRenderer serving programs from the fork server, with the
//    harness, where nothing a program changes reaches the next (or a concurrent) program.
// Linux with bubblewrap only (CI installs it); also run unprivileged by test/run-unprivileged.sh.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, CLONE_NS_FLAGS, bwrapAvailable, seccompProgram } from '../src/core/render/osSandbox';
import { probePython, type Probe } from '../src/core/render/probe';
import { harnessEnv } from '../src/core/render/process';
import { Zygote } from '../src/core/render/zygote';
import { createPythonRenderer, type PythonRenderer } from '../src/core/render/pythonRenderer';
import { SYSTEM_PYTHON } from './support/paths';

const avail = bwrapAvailable();
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = avail.ok ? false : `bubblewrap is not usable here: ${avail.reason}`;

/** Runs a classic BPF seccomp program on one syscall (seccomp_data: nr, arch, args[0] low word). */
function bpfRun(prog: ReturnType<typeof seccompProgram>, arch: number, nr: number, arg0 = 0): number {
  let acc = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc];
    if (i.code === 0x20) acc = i.k === 0 ? nr : i.k === 4 ? arch : i.k === 16 ? arg0 : 0;
    else if (i.code === 0x15) pc += acc >>> 0 === i.k >>> 0 ? i.jt : i.jf;
    else if (i.code === 0x35) pc += acc >>> 0 >= i.k >>> 0 ? i.jt : i.jf;
    else if (i.code === 0x45) pc += (acc & i.k) !== 0 ? i.jt : i.jf;
    else if (i.code === 0x06) return i.k >>> 0;
    else throw new Error(`unknown BPF instruction ${i.code}`);
  }
  throw new Error('fell off the end');
}

test("the fork server's outer filter refuses everything the program's filter refuses but fork, vfork, clone (no thread, no namespace), unshare and mount", () => {
  const strict = seccompProgram();
  const outer = seccompProgram({ forkServer: true });
  const ALLOW = 0x7fff0000;
  const allowedOuter: Record<number, Record<number, boolean>> = {
    [AUDIT_ARCH_X86_64]: { 57: true, 58: true, 272: true, 165: true },
    [AUDIT_ARCH_AARCH64]: { 97: true, 40: true },
  };
  let differ = 0;
  for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64]) {
    const clone = arch === AUDIT_ARCH_X86_64 ? 56 : 220;
    for (let nr = 0; nr < 460; nr++) {
      if (nr === clone) continue;
      const a = bpfRun(strict, arch, nr);
      const b = bpfRun(outer, arch, nr);
      if (allowedOuter[arch][nr]) {
        assert.equal(b, ALLOW, `outer filter: syscall ${nr} is needed`);
        if (a !== ALLOW) differ++;
      } else assert.equal(b, a, `arch ${arch.toString(16)} syscall ${nr}: the outer filter must answer like the program's`);
    }
    // clone: a thread passes both; a process only the outer; namespace flags neither
    assert.equal(bpfRun(strict, arch, clone, 0x00010000 | 0x100), ALLOW);
    assert.notEqual(bpfRun(strict, arch, clone, 0x11), ALLOW);
    assert.equal(bpfRun(outer, arch, clone, 0x11), ALLOW);
    assert.notEqual(bpfRun(outer, arch, clone, 0x11 | CLONE_NS_FLAGS), ALLOW);
    assert.notEqual(bpfRun(outer, arch, clone, 0x11 | 0x10000000), ALLOW, 'CLONE_NEWUSER');
  }
  assert.equal(differ, 6, 'exactly those syscalls differ');
  assert.equal(bpfRun(outer, 0x40000003, 1), 0x80000000, 'an unknown architecture is killed');
});

/** A harness with no audit hook: the program's code runs as native-capable Python (ctypes, os). */
const BARE = String.raw`
import os, sys, json
def _recode_font_cache(init):
    pass
def _recode_preload():
    pass
def _recode_main(init=None, job=None):
    chan = os.fdopen(3, 'w')
    chan.write(json.dumps({'ready': True}) + '\n')
    chan.flush()
    if job is None:
        job = sys.stdin.readline()  # a spare child: the job comes once the zygote has one
    g = {'__name__': '__main__'}
    try:
        exec(json.loads(job)['code'], g)
        reply = {'ok': True, 'stdout': '', 'answer': json.dumps(g.get('answer'))}
    except BaseException as e:
        reply = {'ok': False, 'stdout': '', 'error': '%s: %s' % (type(e).__name__, e), 'error_kind': 'python'}
    chan.write('R ' + json.dumps(reply) + '\n')
    chan.flush()
    os._exit(0)
`;

describe('the fork server against native code (no harness, no audit hook: the OS walls alone)', { skip }, () => {
  let z: Zygote;
  let zpid = 0;
  before(async () => {
    const probe = (await probePython(SYSTEM_PYTHON)) as Probe;
    z = new Zygote({
      python: SYSTEM_PYTHON,
      needs: probe.needs,
      tmpfsMb: 16,
      asNobody: root,
      env: harnessEnv('/tmp/recode-job/home', '/tmp/recode-job/mpl', '/tmp/recode-job/work'),
      init: { config: { workdir: '/tmp/recode-job/work' } },
      replyLimit: 1 << 20,
      rawLimit: 1 << 16,
      harness: BARE,
    });
    z.ref(true);
    const r = (await z.ready) as { ready: boolean; pid?: number; error?: string };
    assert.equal(r.ready, true, r.error);
    zpid = r.pid ?? 0;
    assert.ok(zpid > 0);
  });
  after(async () => {
    z.kill();
    await z.exited;
  });
  /** Runs `code` in a child; resolves with its `answer` (JSON-decoded) or throws with its error. */
  const run = async (code: string): Promise<unknown> => {
    const j = z.job();
    j.send({ code, mode: 'script', width: 1, height: 1, maxOutputBytes: 1 << 16, maxPixels: 1 });
    const line = await j.reply;
    assert.ok(line, `no reply: ${j.startError ?? j.raw}`);
    const reply = JSON.parse(line) as { ok: boolean; answer?: string; error?: string };
    assert.equal(reply.ok, true, reply.error);
    return JSON.parse(reply.answer ?? 'null');
  };

  test('a program cannot make a process (fork, libc fork, clone without CLONE_THREAD)', async () => {
    const a = await run(`
import os, ctypes
out = []
try:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    out.append('forked')
except OSError as e:
    out.append(e.errno)
libc = ctypes.CDLL(None, use_errno=True)
r = libc.fork()
if r == 0:
    libc._exit(0)
out.append(r if r > 0 else -ctypes.get_errno())
answer = out`);
    assert.deepEqual(a, [1, -1], 'EPERM both ways');
  });

  test('kill(-1), killing its parent or the zygote by pid reaches nothing: the zygote and a concurrent program live on', async () => {
    const slow = run('import time\ntime.sleep(2)\nanswer = "alive"');
    const a = await run(`
import os, signal
out = {'pid': os.getpid(), 'ppid': os.getppid()}
for name, target in (('all', -1), ('zygote', ${zpid}), ('zygote+1', ${zpid + 1})):
    try:
        os.kill(target, signal.SIGKILL)
        out[name] = 'sent'
    except OSError as e:
        out[name] = e.errno
answer = out`);
    assert.deepEqual(a, { pid: 1, ppid: 0, all: 3, zygote: 3, 'zygote+1': 3 }, 'pid 1 of its own namespace: ESRCH for everything else');
    assert.equal(await slow, 'alive');
    assert.equal(z.dead, false);
    assert.equal(await run('answer = 2'), 2);
  });

  test("the zygote's memory cannot be opened through /proc (/proc/<ppid>/mem, /proc/1/mem, /proc/<zygote>/mem); /proc shows only the program", async () => {
    const a = (await run(`
import os
out = {'proc': sorted(os.listdir('/proc'))}
for p in ('/proc/%d/mem' % ${zpid}, '/proc/1/mem', '/proc/2/mem', '/proc/self/../%d/mem' % ${zpid}):
    try:
        with open(p, 'r+b'):
            out[p] = 'opened'  # opened for writing is the breach: nothing is written
    except OSError as e:
        out[p] = e.errno
answer = out`)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(a)) if (k !== 'proc') assert.equal(typeof v, 'number', `${k}: ${String(v)}`);
    assert.deepEqual(a.proc, ['cpuinfo', 'meminfo', 'self']);
    assert.equal(z.dead, false);
  });

  test('the OS state of the child: pid 1, no capability in any set, no_new_privs, two filters, no network interface up but its own', async () => {
    const a = (await run(`
st = {}
for line in open('/proc/self/status'):
    k, _, v = line.partition(':')
    st[k] = v.strip()
answer = {k: st.get(k) for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters')}`)) as Record<string, string>;
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.match(a[k], /^0+$/, `${k} ${a[k]}`);
    assert.equal(a.NoNewPrivs, '1');
    assert.equal(a.Seccomp, '2');
    assert.ok(Number(a.Seccomp_filters) >= 2, `filters: ${a.Seccomp_filters}`);
  });

  test('a thread left running and files left in /tmp, /dev/shm and the job folder are gone for the next program', async () => {
    await run(`
import threading, time, os
def spin():
    n = 0
    while True:
        n += 1
        for d in ('/tmp', '/dev/shm', '/tmp/recode-job/work'):
            try:
                with open(d + '/left-%d' % (n % 3), 'w') as f:
                    f.write('x')
            except OSError:
                pass
        time.sleep(0.01)
threading.Thread(target=spin, daemon=False).start()
time.sleep(0.1)
answer = 1`);
    await new Promise((r) => setTimeout(r, 300));
    const a = (await run(`
import os
answer = {d: sorted(x for x in os.listdir(d) if x.startswith('left')) for d in ('/tmp', '/dev/shm', '/tmp/recode-job/work')}`)) as Record<string, string[]>;
    assert.deepEqual(a, { '/tmp': [], '/dev/shm': [], '/tmp/recode-job/work': [] });
  });

  test('a port listened on in one program is not reachable from the next or a concurrent one', async () => {
    const listener = run(`
import socket, time
out = 'listening'
try:
    s = socket.socket()
    s.bind(('127.0.0.1', 47611))
    s.listen()
except OSError as e:
    out = 'cannot listen: %d' % e.errno
time.sleep(2)
answer = out`);
    await new Promise((r) => setTimeout(r, 500));
    const connect = `
import socket
try:
    socket.create_connection(('127.0.0.1', 47611), timeout=2).close()
    answer = 'connected'
except OSError as e:
    answer = 'refused %s' % e.errno`;
    assert.match(String(await run(connect)), /^refused/);
    await listener;
    assert.match(String(await run(connect)), /^refused/);
  });

  test('the file system stays read-only and the mounts cannot be undone (mount, umount, unshare refused)', async () => {
    const a = await run(`
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
out = []
out.append(libc.umount2(b'/proc', 2) == 0)
out.append(libc.mount(b'proc', b'/tmp', b'proc', 0, None) == 0)
out.append(libc.unshare(0x10000000) == 0)
try:
    open('/usr/recode-x', 'w')
    out.append(True)
except OSError:
    out.append(False)
answer = out`);
    assert.deepEqual(a, [false, false, false, false]);
  });
});

describe('createPythonRenderer through the fork server', { skip }, () => {
  let r: PythonRenderer;
  before(() => {
    r = createPythonRenderer({ pythonPath: SYSTEM_PYTHON, memoryLimitMb: 1024, maxConcurrent: 2 });
  });
  after(async () => {
    await r.dispose();
  });
  const script = (code: string, timeLimitMs = 30_000) => r.render({ code, mode: 'script', width: 320, height: 240, timeLimitMs });

  test('programs are served by the fork server, and the sandbox description says so', async () => {
    await r.warmup();
    assert.equal(r.mode, 'fork-server', r.sandbox);
    assert.match(r.sandbox, /fork server/);
    const f = await r.render({ code: 'import matplotlib.pyplot as plt\nplt.bar(["a", "b"], [1, 2])', mode: 'figure', width: 400, height: 300, timeLimitMs: 30_000 });
    assert.equal(f.ok, true, f.error);
  });

  test("matplotlib's global state (rcParams, the font cache, a monkeypatched module) never reaches the next or a concurrent program", async () => {
    const dirty = [
      'import matplotlib, matplotlib.pyplot as plt, matplotlib.font_manager as fm, json, time',
      'matplotlib.rcParams["lines.linewidth"] = 9',
      'fm.fontManager.ttflist = []',
      'json.dumps = lambda *a, **k: "patched"',
      'plt.plot = None',
      'time.sleep(1.5)',
      'answer = "dirtied"',
    ].join('\n');
    const check = [
      'import matplotlib, matplotlib.pyplot as plt, matplotlib.font_manager as fm, json',
      'answer = (matplotlib.rcParams["lines.linewidth"], len(fm.fontManager.ttflist) > 0, json.dumps(1), plt.plot is not None)',
    ].join('\n');
    const a = script(dirty);
    await new Promise((res) => setTimeout(res, 700));
    const during = await script(check);
    assert.equal((await a).answer, 'dirtied');
    const after = await script(check);
    assert.equal(during.answer, "(1.5, True, '1', True)", during.error);
    assert.equal(after.answer, "(1.5, True, '1', True)", after.error);
  });

  test('a program over its time limit is killed through the fork server, which serves the next one', async () => {
    const pid = r.forkServerPid;
    assert.ok(pid);
    const t = await script('while True:\n    pass', 1500);
    assert.equal(t.errorKind, 'timeout', t.error);
    const n = await script('answer = 3');
    assert.equal(n.answer, '3', n.error);
    assert.equal(r.forkServerPid, pid, 'the same fork server');
  });

  test('concurrent renders run side by side, each in its own child', async () => {
    const res = await Promise.all([1, 2, 3].map((i) => script(`import os\nanswer = (os.getpid(), ${i})`)));
    assert.deepEqual(
      res.map((x) => x.answer),
      ['(1, 1)', '(1, 2)', '(1, 3)'],
    );
  });

  test('a fork server that dies is started again for the next program', async () => {
    const pid = r.forkServerPid as number;
    process.kill(pid, 'SIGKILL');
    await new Promise((res) => setTimeout(res, 300));
    const n = await script('answer = 4');
    assert.equal(n.answer, '4', n.error);
    assert.ok(r.forkServerPid && r.forkServerPid !== pid);
  });
});

describe('where namespaces cannot be entered after fork', { skip }, () => {
  test('each program gets a fresh process, and the renderer says why', async () => {
    process.env.RECODE_TEST_NO_USERNS = '1';
    const warn = console.warn;
    const warned: string[] = [];
    console.warn = (m: string) => warned.push(m);
    const r = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
    try {
      await r.warmup();
      assert.equal(r.mode, 'fresh');
      assert.match(r.sandbox, /fork server is not available here: .*RECODE_TEST_NO_USERNS/);
      assert.match(warned.join('\n'), /fork server is not available/);
      const x = await r.render({ code: 'answer = 5', mode: 'script', width: 1, height: 1, timeLimitMs: 30_000 });
      assert.equal(x.answer, '5', x.error);
    } finally {
      delete process.env.RECODE_TEST_NO_USERNS;
      console.warn = warn;
      await r.dispose();
    }
  });
});

