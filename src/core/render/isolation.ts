/**
 * The isolation of the local CPython renderer's processes: the levels ('bwrap', 'namespaces',
 * 'network', 'none'), how a process is launched under each, and the detection (once per python) of
 * the strongest that works here, checked by running a program under it. Node only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { SECCOMP_FD, bwrapAvailable, bwrapCommand, seccompFilter } from './osSandbox';

export type PythonIsolation = 'bwrap' | 'namespaces' | 'network' | 'none';

/** A python found for the renderer (by `probePython`, probe.ts). */
export interface Probe {
  path: string;
  version: string;
  matplotlib: string | null;
  /** Folders the python needs (prefixes, sys.path, matplotlib data): never hidden. */
  needs: string[];
  fontCache?: { name: string; text: string };
  error?: string;
}

export function runCapture(c: Command, opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; error?: string }> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawnLaunch(c, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', error: (e as Error).message });
      return;
    }
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    child.stdout?.on('data', (d: Buffer) => {
      if (stdout.length < 4 << 20) stdout += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
    });
    const timer = setTimeout(() => {
      error = `timed out after ${Math.round(opts.timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      error = e.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, error });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Isolation
// ---------------------------------------------------------------------------------------------

/**
 * Runs inside the new namespaces (as root of the user namespace): everything read-only, a private
 * /tmp, /dev/shm, /var/tmp, the given folders hidden, a private working folder; then exec python.
 * $1 base folder, $2 tmpfs size (MB), then folders to hide, '--', the command.
 */
const NAMESPACE_SCRIPT = String.raw`base=$1; sz="$2"m; shift 2
while read -r _ _ _ _ mp opts _; do
  case "$mp" in *\\*) continue ;; esac
  case "$opts" in ro | ro,*) continue ;; esac
  mount -o remount,bind,ro "$mp" 2>/dev/null
done < /proc/self/mountinfo
mount -t tmpfs -o "size=$sz,mode=1777,nosuid,nodev" recode-tmp /tmp || exit 97
[ -d /dev/shm ] && mount -t tmpfs -o size=1m,nosuid,nodev recode-shm /dev/shm 2>/dev/null
[ -d /var/tmp ] && mount -t tmpfs -o size=1m,nosuid,nodev recode-vartmp /var/tmp 2>/dev/null
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  if [ -d "$1" ]; then mount -t tmpfs -o size=4k,mode=755,ro recode-hidden "$1" || exit 98; fi
  shift
done
shift
mkdir -p "$base" && mount -t tmpfs -o "size=$sz,mode=700,nosuid,nodev" recode-work "$base" || exit 99
mkdir -p "$base/work" "$base/mpl" "$base/home" && cd "$base/work" || exit 99
exec "$@"
`;

const UNSHARE_NS = ['--user', '--map-root-user', '--net', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private'];

function unshareBinary(): string | undefined {
  for (const p of ['/usr/bin/unshare', '/bin/unshare', '/usr/sbin/unshare']) if (existsSync(p)) return p;
  return undefined;
}

/** Folders to hide in 'namespaces' mode: homes and the user's working folder, minus what Python needs. */
function foldersToHide(needs: string[]): string[] {
  const system = new Set(['/', '/usr', '/etc', '/lib', '/lib32', '/lib64', '/bin', '/sbin', '/proc', '/sys', '/dev', '/tmp', '/var', '/run', '/boot']);
  const cands = [os.homedir(), process.cwd(), '/home', '/root', '/mnt', '/media', '/srv', '/run/user', '/opt'];
  const out: string[] = [];
  for (const c of cands) {
    let real: string;
    try {
      real = realpathSync(c);
    } catch {
      continue;
    }
    if (system.has(real) || real === os.tmpdir() || out.includes(real)) continue;
    if (needs.some((n) => n === real || n.startsWith(real + '/') || real.startsWith(n + '/'))) continue;
    if (!existsSync(real)) continue;
    out.push(real);
  }
  return out;
}

export interface Command {
  cmd: string;
  args: string[];
  /** Run the launcher as this uid/gid (root hosts: bwrap as an unprivileged user). */
  uid?: number;
  gid?: number;
  /** The seccomp filter to write on fd SECCOMP_FD (bwrap reads it from there). */
  seccomp?: Buffer;
}

export interface Launch {
  isolation: PythonIsolation;
  /** The command line for a process whose temporary base folder is `base`. */
  command(base: string, python: string, pyArgs: string[]): Command;
  detail: string;
  /** The job folder's base path is fixed inside the sandbox (bwrap): nothing on the host. */
  fixedBase?: string;
}

/** The job folder inside the bubblewrap sandbox (its private /tmp). */
export const BWRAP_BASE = '/tmp/recode-job';

export function makeLaunch(isolation: PythonIsolation, hide: string[], tmpfsMb: number, detail = '', needs: string[] = []): Launch {
  if (isolation === 'bwrap') {
    const asNobody = detail === 'as-nobody';
    const filter = seccompFilter();
    return {
      isolation,
      detail,
      fixedBase: BWRAP_BASE,
      command: (_b, python, pyArgs) => bwrapCommand([python, ...pyArgs], { base: BWRAP_BASE, tmpfsMb, needs }, { asNobody, filter }),
    };
  }
  const unshare = unshareBinary() ?? 'unshare';
  if (isolation === 'namespaces') {
    return {
      isolation,
      detail,
      command: (base, python, pyArgs) => ({
        cmd: unshare,
        args: [...UNSHARE_NS, '/bin/sh', '-c', NAMESPACE_SCRIPT, 'recode-sandbox', base, String(tmpfsMb), ...hide, '--', python, ...pyArgs],
      }),
    };
  }
  if (isolation === 'network') {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const flags = detail === 'net-only' && root ? ['--net'] : ['--user', '--map-root-user', '--net'];
    return { isolation, detail, command: (_b, python, pyArgs) => ({ cmd: unshare, args: [...flags, python, ...pyArgs] }) };
  }
  return { isolation, detail, command: (_b, python, pyArgs) => ({ cmd: python, args: pyArgs }) };
}

/** Spawns a launch's command with the given stdio (the seccomp filter, if any, goes on its fd). */
export function spawnLaunch(c: Command, o: { env: NodeJS.ProcessEnv; cwd: string; stdio: Array<'pipe' | 'ignore'>; detached?: boolean }): ChildProcess {
  const stdio: Array<'pipe' | 'ignore'> = [...o.stdio];
  if (c.seccomp) {
    while (stdio.length < SECCOMP_FD) stdio.push('ignore');
    stdio[SECCOMP_FD] = 'pipe';
  }
  const child = spawn(c.cmd, c.args, {
    env: o.env,
    cwd: c.uid !== undefined ? '/' : o.cwd,
    stdio,
    detached: o.detached,
    ...(c.uid !== undefined ? { uid: c.uid, gid: c.gid } : {}),
  });
  if (c.seccomp) {
    const w = child.stdio[SECCOMP_FD] as Writable | null;
    w?.on('error', () => {});
    w?.end(c.seccomp);
  }
  return child;
}

const CHECK_PY = String.raw`
import json, os, sys
marker, cwd = sys.argv[1], sys.argv[2]
ifaces = None
try:
    with open('/proc/self/net/dev') as f:
        ifaces = sorted(line.split(':')[0].strip() for line in f.read().splitlines()[2:] if ':' in line)
except OSError:
    pass
status = {}
try:
    with open('/proc/self/status') as f:
        for line in f:
            k, _, v = line.partition(':')
            status[k] = v.strip()
except OSError:
    pass
r = {'ifaces': ifaces, 'markerVisible': os.path.exists(marker), 'cwdVisible': os.path.exists(cwd), 'cwdWritable': False,
     'uid': os.getuid(), 'noNewPrivs': status.get('NoNewPrivs'), 'seccomp': status.get('Seccomp'), 'capEff': status.get('CapEff')}
probe = os.path.join(cwd, '.recode-sandbox-probe-%d' % os.getpid())
try:
    fd = os.open(probe, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.remove(probe)
    r['cwdWritable'] = True
except OSError:
    pass
print(json.dumps(r))
`;

interface CheckResult {
  ifaces: string[] | null;
  markerVisible: boolean;
  cwdVisible: boolean;
  cwdWritable: boolean;
  uid: number;
  noNewPrivs?: string;
  seccomp?: string;
  capEff?: string;
}

const launches = new Map<string, Promise<Launch>>();

/** Isolation levels that hold against a program with a shell: only bubblewrap + seccomp. */
export function isIsolated(iso: PythonIsolation): boolean {
  return iso === 'bwrap';
}

/**
 * Detects (once per python) the strongest isolation that works here. A level is taken only when a
 * check program run under it sees what it must: no network, no host file, not the user's folder,
 * and for bwrap also no capabilities, no_new_privs, a seccomp filter and a non-root uid.
 */
export function detectLaunch(probe: Probe, tmpfsMb: number, force: 'auto' | PythonIsolation, allowUnisolated: boolean): Promise<Launch> {
  const key = `${probe.path}\0${force}\0${tmpfsMb}\0${allowUnisolated}`;
  let l = launches.get(key);
  if (!l) {
    l = (async () => {
      const hide = foldersToHide(probe.needs);
      const reasons: string[] = [];
      const tries: Array<[PythonIsolation, string]> = [];
      const root = typeof process.getuid === 'function' && process.getuid() === 0;
      if (force === 'auto' || force === 'bwrap') {
        const avail = bwrapAvailable();
        if (!avail.ok) reasons.push(`bwrap: ${avail.reason}`);
        else {
          if (root) tries.push(['bwrap', 'as-nobody']);
          tries.push(['bwrap', '']);
        }
      }
      const weakAllowed = force !== 'auto' && force !== 'bwrap' ? true : allowUnisolated;
      if (weakAllowed && process.platform === 'linux' && unshareBinary()) {
        if (force === 'auto' || force === 'namespaces') tries.push(['namespaces', '']);
        if (force === 'auto' || force === 'network') tries.push(['network', ''], ['network', 'net-only']);
      } else if (weakAllowed && force !== 'none') {
        reasons.push(process.platform !== 'linux' ? `not Linux (${process.platform})` : 'util-linux unshare not found');
      }
      const hostTmp = mkdtempSync(path.join(os.tmpdir(), 'recode-check-'));
      const marker = path.join(hostTmp, 'marker');
      writeFileSync(marker, 'x');
      const cwd = process.cwd();
      try {
        if (force !== 'none') {
          for (const [iso, detail] of tries) {
            const launch = makeLaunch(iso, hide, tmpfsMb, detail, probe.needs);
            const base = launch.fixedBase ?? mkdtempSync(path.join(os.tmpdir(), 'recode-check-'));
            try {
              const c = launch.command(base, probe.path, ['-I', '-B', '-c', CHECK_PY, marker, cwd]);
              const r = await runCapture(c, { env: { PATH: '/usr/bin:/bin' }, cwd: launch.fixedBase ? os.tmpdir() : base, timeoutMs: 30_000 });
              const line = r.stdout.trim().split('\n').pop() ?? '';
              let v: CheckResult | undefined;
              try {
                v = JSON.parse(line);
              } catch {
                v = undefined;
              }
              const label = detail ? `${iso} (${detail})` : iso;
              if (r.code !== 0 || !v) {
                reasons.push(`${label}: ${(r.error ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`).slice(0, 160)}`);
                continue;
              }
              const noNet = Array.isArray(v.ifaces) && v.ifaces.every((i) => i === 'lo');
              if (!noNet) {
                reasons.push(`${label}: the network was still visible`);
                continue;
              }
              if ((iso === 'namespaces' || iso === 'bwrap') && (v.markerVisible || v.cwdWritable)) {
                reasons.push(`${label}: the file system was not isolated`);
                continue;
              }
              if (iso === 'bwrap' && (v.cwdVisible || v.uid === 0 || v.noNewPrivs !== '1' || v.seccomp !== '2' || !/^0+$/.test(v.capEff ?? ''))) {
                reasons.push(`${label}: the sandbox was incomplete (${JSON.stringify(v)})`);
                continue;
              }
              launch.detail = reasons.length && iso !== 'bwrap' ? reasons.join('; ') : launch.detail;
              return launch;
            } finally {
              if (!launch.fixedBase) rmSync(base, { recursive: true, force: true });
            }
          }
        }
      } finally {
        rmSync(hostTmp, { recursive: true, force: true });
      }
      if (force === 'none' || weakAllowed) return makeLaunch('none', hide, tmpfsMb, force === 'none' ? 'chosen' : reasons.join('; ') || 'no isolation available');
      throw new UnisolatedError(
        `programs cannot be isolated here (${reasons.join('; ') || 'no sandbox available'}); install bubblewrap (Debian: apt-get install bubblewrap) with user namespaces enabled, use the Pyodide renderer, or allow unisolated local Python explicitly (CLI: --unisolated; VS Code: "recode.allowUnisolatedPython")`,
      );
    })();
    launches.set(key, l);
    l.catch(() => launches.delete(key));
  }
  return l;
}

/** The local Python renderer cannot isolate programs here and was not allowed to run them unisolated. */
export class UnisolatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnisolatedError';
  }
}

/** The words every panel and CLI run shows when programs are not isolated. */
export const UNISOLATED_WARNING = 'UNISOLATED: generated programs run on this machine without the bubblewrap sandbox';
