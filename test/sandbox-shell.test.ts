// Issue 17: the local CPython renderer's walls must hold when a program gets a shell or runs native
// code. These tests run attackers directly under the renderer's own bubblewrap command line (the
// same arguments, the same seccomp filter), without the harness or its audit hook, so nothing but
// the operating system stands in the way; and through createPythonRenderer with the exploits found
// against the old `unshare` sandbox. Linux with bubblewrap only (CI installs it).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { SECCOMP_FD, bwrapAvailable, bwrapCommand, seccompFilter, seccompProgram, type SandboxCommand } from '../src/core/render/osSandbox';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { ROOT, SYSTEM_PYTHON } from './support/paths';

const avail = bwrapAvailable();
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = avail.ok ? false : `bubblewrap is not usable here: ${avail.reason}`;

let hostDir: string; // a host folder the attacker must not read or write
let homeSecret: string | undefined; // a file in the user's home
let server: Server;
let port = 0;
let connections = 0;
const SECRET = `recode-host-secret-${process.pid}-${Date.now()}`;

before(async () => {
  hostDir = mkdtempSync(join(tmpdir(), 'recode-shell-host-'));
  writeFileSync(join(hostDir, 'secret.txt'), SECRET);
  try {
    homeSecret = join(homedir(), `.recode-shell-secret-${process.pid}`);
    writeFileSync(homeSecret, SECRET);
  } catch {
    homeSecret = undefined;
  }
  server = createServer((s) => {
    connections++;
    s.end('hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(hostDir, { recursive: true, force: true });
  if (homeSecret) rmSync(homeSecret, { force: true });
});

function run(c: SandboxCommand, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const stdio: Array<'pipe' | 'ignore'> = ['ignore', 'pipe', 'pipe', 'ignore', 'pipe'];
    const child = spawn(c.cmd, c.args, { stdio, cwd: '/', env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, ...(c.uid !== undefined ? { uid: c.uid, gid: c.gid } : {}) });
    (child.stdio[SECCOMP_FD] as Writable).end(c.seccomp);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

const layout = { base: '/tmp/recode-job', tmpfsMb: 16, needs: [] as string[] };

/** Native code with every syscall it wants (ctypes, no harness): what the OS lets through. */
const NATIVE_ATTACK = String.raw`
import ctypes, errno, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
host_dir, home_secret, port, workspace = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
r = {}
def sysc(name, *a):
    rc = libc.syscall(*a)
    r[name] = 0 if rc == 0 else -ctypes.get_errno() if rc < 0 else rc
def attempt(name, f):
    try:
        r[name] = 'ok: ' + repr(f())[:80]
    except BaseException as e:
        r[name] = type(e).__name__ + ': ' + str(getattr(e, 'errno', '') or e)[:80]
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x20000
MS_REMOUNT, MS_BIND, MNT_DETACH = 32, 4096, 2
r['uid'] = os.getuid()
r['unshare_user'] = libc.unshare(CLONE_NEWUSER) and -ctypes.get_errno()
r['unshare_mount'] = libc.unshare(CLONE_NEWNS) and -ctypes.get_errno()
r['remount_usr_rw'] = libc.mount(None, b'/usr', None, MS_REMOUNT | MS_BIND, None) and -ctypes.get_errno()
r['umount_tmp'] = libc.umount2(b'/tmp', MNT_DETACH) and -ctypes.get_errno()
r['umount_usr'] = libc.umount2(b'/usr', MNT_DETACH) and -ctypes.get_errno()
r['mount_tmpfs'] = libc.mount(b'x', b'/usr', b'tmpfs', 0, None) and -ctypes.get_errno()
r['chroot'] = libc.chroot(b'/tmp') and -ctypes.get_errno()
r['setns'] = libc.setns(0, 0) and -ctypes.get_errno()
sysc('clone3', 435, 0, 0)
sysc('personality', 135, 0xffffffff)
sysc('bpf', 321, 0, 0, 0)
sysc('io_uring_setup', 425, 1, 0)
sysc('userfaultfd', 323, 0)
sysc('keyctl', 250, 0, 0)
sysc('ptrace_attach_1', 101, 16, 1, 0, 0)
attempt('fork', os.fork)
attempt('read_host_secret', lambda: open(host_dir + '/secret.txt').read())
attempt('read_home_secret', lambda: open(home_secret).read())
attempt('list_workspace', lambda: os.listdir(workspace))
attempt('write_usr', lambda: open('/usr/recode-pwned', 'w').write('x'))
attempt('write_etc', lambda: open('/etc/recode-pwned', 'w').write('x'))
attempt('write_host_tmp', lambda: open(host_dir + '/pwned', 'w').write('x'))
attempt('connect_localhost', lambda: socket.create_connection(('127.0.0.1', port), timeout=3).recv(10))
attempt('read_shadow', lambda: open('/etc/shadow').read())
attempt('write_job', lambda: open('/tmp/recode-job/work/ok.txt', 'w').write('fine'))
r['root_entries'] = sorted(os.listdir('/'))
r['etc_entries'] = sorted(os.listdir('/etc'))
with open('/proc/self/status') as f:
    st = dict(l.rstrip('\n').split(':\t', 1) for l in f if ':\t' in l)
r['status'] = {k: st.get(k) for k in ('NoNewPrivs', 'Seccomp', 'CapEff', 'CapPrm', 'CapBnd')}
r['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print(json.dumps(r))
`;

describe('the bubblewrap sandbox against native code (no harness, no audit hook)', { skip }, () => {
  for (const asNobody of root ? [true, false] : [false]) {
    test(`${asNobody ? 'bwrap run as nobody by root' : 'bwrap as this user'}: no mount, namespace, process, host file or network`, async () => {
      const c = bwrapCommand([SYSTEM_PYTHON, '-I', '-c', NATIVE_ATTACK, hostDir, homeSecret ?? '/nonexistent', String(port), ROOT], layout, { asNobody });
      const out = await run(c);
      assert.equal(out.code, 0, out.stderr);
      const r = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
      const EPERM = -1;
      assert.notEqual(r.uid, 0, 'not root inside');
      for (const k of ['unshare_user', 'unshare_mount', 'remount_usr_rw', 'umount_tmp', 'umount_usr', 'mount_tmpfs', 'chroot', 'setns']) {
        assert.equal(r[k], EPERM, `${k} was not refused: ${r[k]}`);
      }
      assert.equal(r.clone3, -38, 'clone3 → ENOSYS');
      for (const k of ['personality', 'bpf', 'io_uring_setup', 'userfaultfd', 'keyctl', 'ptrace_attach_1']) assert.equal(r[k], EPERM, `${k}: ${r[k]}`);
      assert.match(r.fork, /^PermissionError/, 'no new process (no shell)');
      assert.match(r.read_host_secret, /^FileNotFoundError/);
      assert.match(r.read_home_secret, /^FileNotFoundError/);
      assert.match(r.list_workspace, /^FileNotFoundError/);
      assert.match(r.write_usr, /^OSError: 30|^PermissionError/, `write /usr: ${r.write_usr}`); // EROFS
      assert.match(r.write_etc, /^OSError: 30|^PermissionError/, `write /etc: ${r.write_etc}`);
      assert.match(r.write_host_tmp, /^FileNotFoundError/);
      assert.match(r.connect_localhost, /^ConnectionRefusedError/);
      assert.match(r.read_shadow, /^FileNotFoundError/);
      assert.equal(r.write_job, "ok: 4", 'the job folder is writable');
      const allowed = new Set(['bin', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'sbin', 'tmp', 'usr']);
      assert.deepEqual(r.root_entries.filter((e: string) => !allowed.has(e)), [], `only the minimal view: ${r.root_entries}`);
      assert.ok(!r.root_entries.includes('home') && !r.root_entries.includes('root'), 'no home folders');
      assert.ok(!r.etc_entries.includes('passwd') && !r.etc_entries.includes('shadow'), `minimal /etc: ${r.etc_entries}`);
      assert.equal(r.status.NoNewPrivs, '1');
      assert.equal(r.status.Seccomp, '2');
      assert.match(r.status.CapEff, /^0+$/);
      assert.match(r.status.CapBnd, /^0+$/);
      assert.ok(r.pids.length <= 3, `own process list: ${r.pids}`);
      assert.equal(connections, 0, 'nothing reached the listener on 127.0.0.1');
      assert.deepEqual(readdirSync(hostDir), ['secret.txt']);
      assert.equal(existsSync('/usr/recode-pwned'), false);
    });
  }

  test('a real shell (process creation let through for this test only) cannot undo a mount, write outside its job folder, read host files or reach 127.0.0.1', async () => {
    const marker = join(tmpdir(), `recode-shell-pwned-${process.pid}`);
    const script = [
      'exec 2>&1',
      `umount -l /tmp && echo UMOUNT_TMP_OK`,
      `umount -l /usr && echo UMOUNT_USR_OK`,
      `mount -o remount,bind,rw / && echo REMOUNT_ROOT_OK`,
      `mount -o remount,bind,rw /usr && echo REMOUNT_USR_OK`,
      `unshare -Urm sh -c 'mount -o remount,bind,rw /usr && touch /usr/recode-pwned' && echo UNSHARE_OK`,
      `touch ${marker} && echo HOST_TMP_WRITE_OK`,
      `touch /usr/recode-pwned && echo USR_WRITE_OK`,
      `touch /recode-pwned /etc/recode-pwned && echo ROOT_WRITE_OK`,
      `cat ${join(hostDir, 'secret.txt')}`,
      homeSecret ? `cat ${homeSecret}` : 'true',
      `ls ${ROOT} && echo WORKSPACE_VISIBLE`,
      `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), timeout=3); print('CONNECT_OK')"`,
      'touch /tmp/recode-job/work/fine && echo JOB_WRITE_OK',
      'id -u',
    ].join('\n');
    const c = bwrapCommand(['/bin/sh', '-c', script], layout, { asNobody: root, filter: seccompFilter({ allowProcesses: true }) });
    const out = await run(c);
    const text = out.stdout + out.stderr;
    // (touching the marker's path writes into the sandbox's own /tmp: the host's must not get it)
    for (const bad of ['UMOUNT_TMP_OK', 'UMOUNT_USR_OK', 'REMOUNT_ROOT_OK', 'REMOUNT_USR_OK', 'UNSHARE_OK', 'USR_WRITE_OK', 'ROOT_WRITE_OK', 'WORKSPACE_VISIBLE', 'CONNECT_OK', SECRET]) {
      assert.doesNotMatch(text, new RegExp(bad), text);
    }
    assert.match(text, /JOB_WRITE_OK/, 'the shell did run');
    assert.match(text, /^65534$/m);
    assert.equal(existsSync(marker), false);
    assert.equal(existsSync('/usr/recode-pwned'), false);
    assert.equal(connections, 0);
  });

  test('with the real filter a shell cannot even start a command', async () => {
    const c = bwrapCommand(['/bin/sh', '-c', `touch ${join(hostDir, 'sh-pwned')}; /bin/true && echo RAN_A_COMMAND; echo done`], layout, { asNobody: root });
    const out = await run(c);
    assert.doesNotMatch(out.stdout, /RAN_A_COMMAND/);
    assert.match(out.stderr, /fork|Operation not permitted/i, out.stderr);
    assert.deepEqual(readdirSync(hostDir), ['secret.txt']);
  });

  test('the seccomp program checks the architecture first and has no jump out of range', () => {
    const p = seccompProgram();
    assert.equal(p[0].code, 0x20);
    assert.equal(p[0].k, 4, 'loads seccomp_data.arch');
    assert.equal(p[3].k, 0x80000000, 'an unknown architecture is killed');
    assert.equal(seccompFilter().length, p.length * 8);
  });
});

describe('createPythonRenderer: the exploits found against the old unshare sandbox', { skip }, () => {
  let r: ReturnType<typeof createPythonRenderer>;
  const host = (n: string): string => join(hostDir, n);
  before(() => {
    r = createPythonRenderer({ pythonPath: SYSTEM_PYTHON, memoryLimitMb: 1024 });
  });
  after(async () => {
    await r.dispose();
  });
  const runIt = (code: string) => r.render({ code, mode: 'script', width: 320, height: 240, timeLimitMs: 30_000 });

  test('the renderer runs under bubblewrap', async () => {
    const info = await r.warmup();
    assert.equal(info.isolation, 'bwrap', r.sandbox);
    assert.match(r.sandbox, /bubblewrap/);
  });

  test('a shell through the cached _posixsubprocess cannot undo the mounts, write a host file or read a secret', async () => {
    const cmd = `umount -l /tmp; mount -o remount,bind,rw /; touch ${host('posixsub')}; cat ${host('secret.txt')}`;
    const code = [
      'import sys, os',
      'ps = sys.modules.get("_posixsubprocess")',
      'if ps is None:',
      '    import _imp, importlib.machinery',
      '    ps = _imp.create_builtin(importlib.machinery.ModuleSpec("_posixsubprocess", None))',
      'r, w = os.pipe()',
      `args = [b"/bin/sh", b"-c", ${JSON.stringify(cmd)}.encode()]`,
      'try:',
      '    pid = ps.fork_exec(args, [b"/bin/sh"], True, (w,), None, None, -1, -1, -1, w, -1, w, r, w, True, False, -1, None, None, None, -1, None, False)',
      'except TypeError:',
      '    pid = ps.fork_exec(args, [b"/bin/sh"], True, (w,), None, None, -1, -1, -1, w, -1, w, r, w, True, False, None, None, None, -1, None, False)',
      'os.close(w)',
      'print(os.read(r, 10000))',
    ].join('\n');
    const res = await runIt(code);
    assert.equal(res.ok, false, `the program succeeded: ${res.stdout}`);
    assert.doesNotMatch(res.stdout, new RegExp(SECRET));
    assert.equal(existsSync(host('posixsub')), false);
  });

  test('the program does not see the home folder, the workspace or host /tmp, even by native paths', async () => {
    const res = await runIt(`import os\nanswer = repr([os.path.exists(p) for p in (${JSON.stringify(ROOT)}, ${JSON.stringify(hostDir)}, ${JSON.stringify(homedir())})])`);
    // reads outside Python's folders are refused by the audit hook; if they were not, the paths are absent
    assert.ok(res.ok === false || res.answer === '[False, False, False]', `${res.answer} ${res.error}`);
  });
});
