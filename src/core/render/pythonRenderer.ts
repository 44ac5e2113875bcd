/**
 * The local CPython renderer: each program runs in its own fresh Python process (no state leaks
 * between programs), with the same harness as the Pyodide renderer. One spare process is kept
 * pre-started — matplotlib imported, a warm-up figure drawn, waiting on stdin for its job — so a
 * render costs about a warm render, not a cold start. Node only.
 *
 * Isolation, strongest available (detected once per Python, recorded in `sandbox`):
 *   'namespaces' (Linux user+mount+net+pid namespaces via util-linux `unshare`): no network, the
 *       whole file system read-only, a private tmpfs /tmp and working folder, the home folders and
 *       the user's working folder hidden, an own process list;
 *   'network': only a network namespace (no network);
 *   'none': no namespaces (not Linux, or unshare refused).
 * Always: a fresh temporary working folder per process (removed after), a minimal environment
 * (no user variables; MPLBACKEND=Agg, MPLCONFIGDIR and HOME in the temporary folder), cwd never
 * the user's folder, rlimits set inside the child before the program runs (address space, file
 * size, CPU seconds, no new processes, no core files), the harness's audit hook (no subprocess,
 * sockets, ctypes, frames; reads limited to Python's own folders, writes to the working folder),
 * and a wall-clock limit that kills the process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, promises as fsp, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { RenderRequest, RenderResult, Renderer } from '../types';
import { SANDBOX_UID, SECCOMP_FD, bwrapAvailable, bwrapCommand, seccompFilter } from './osSandbox';
import { decodeImage } from '../image';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_PIXELS,
  HARNESS_PY,
  failure,
  harnessJob,
  parseHarnessReply,
  toRenderResult,
  type HarnessJob,
} from './harness';

export type PythonIsolation = 'bwrap' | 'namespaces' | 'network' | 'none';

export interface PythonRendererOptions {
  /** The python to run (absolute path or a command on PATH). Default: findPython(). */
  pythonPath?: string;
  /** RLIMIT_AS of each process, MB. Default 2048. */
  memoryLimitMb?: number;
  /** Output cap per program (stdout + stderr). Default 1 MB. */
  maxOutputBytes?: number;
  /** Largest figure, in pixels. Default 40 M. */
  maxPixels?: number;
  /** Largest file a program may write (RLIMIT_FSIZE, and the private /tmp's size), MB. Default 64. */
  fileSizeLimitMb?: number;
  /**
   * Force an isolation level. 'auto' (the default): bubblewrap + seccomp ('bwrap'); where that
   * is not available the renderer refuses to run programs unless `allowUnisolated` is set, and
   * then uses the strongest of the weaker levels. 'namespaces' (util-linux unshare) and
   * 'network' are NOT isolation against a program that gets a shell: they are kept for
   * measurement and for systems without bubblewrap, and count as unisolated.
   */
  isolation?: 'auto' | PythonIsolation;
  /** Run programs even where bubblewrap cannot isolate them (the user said so explicitly). Default false. */
  allowUnisolated?: boolean;
  /** Programs running at once (each a process). Default: the number of CPUs. */
  maxConcurrent?: number;
  /** How long a process may take to start (import matplotlib). Default 60 s. */
  startupTimeoutMs?: number;
  /**
   * When the next spare process starts: 'now', as a program takes the current one (back-to-back
   * renders, e.g. numeric refinement, then find it ready), or 'after' the program ends (a lone
   * render is not slowed by a start-up beside it). Default 'now'.
   */
  spareStart?: 'now' | 'after';
}

export interface PythonInfo {
  /** sys.executable of the python used. */
  path: string;
  version: string;
  matplotlib: string | null;
  isolation: PythonIsolation;
}

export interface PythonRenderer extends Renderer {
  readonly name: 'python';
  /** What isolates programs, in words ('not started yet' until the first render or warmup()). */
  readonly sandbox: string;
  /** Finds the python, detects the isolation, starts the spare process; resolves when it is ready. */
  warmup(): Promise<PythonInfo>;
  /** How many Python processes this renderer has started (for tests and benchmarks). */
  readonly processesStarted: number;
}

// ---------------------------------------------------------------------------------------------
// Finding a python
// ---------------------------------------------------------------------------------------------

interface Probe {
  path: string;
  version: string;
  matplotlib: string | null;
  /** Folders the python needs (prefixes, sys.path, matplotlib data): never hidden. */
  needs: string[];
  fontCache?: { name: string; text: string };
  error?: string;
}

const PROBE_PY = String.raw`
import json, os, sys, glob
out = {'path': sys.executable, 'version': sys.version.split()[0], 'matplotlib': None,
       'needs': [p for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                 os.path.dirname(os.__file__)] + sys.path if p]}
try:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.font_manager
    out['matplotlib'] = matplotlib.__version__
    out['needs'] += [matplotlib.get_data_path(), os.path.dirname(os.path.dirname(matplotlib.__file__))]
    try:
        import numpy
        out['needs'].append(os.path.dirname(os.path.dirname(numpy.__file__)))
    except Exception:
        pass
    files = sorted(glob.glob(os.path.join(matplotlib.get_cachedir(), 'fontlist-*.json')))
    if files:
        with open(files[-1], encoding='utf-8') as f:
            out['fontCache'] = {'name': os.path.basename(files[-1]), 'text': f.read()}
except Exception as e:
    out['error'] = '%s: %s' % (type(e).__name__, e)
out['needs'] = sorted(set(os.path.realpath(p) for p in out['needs']))
print(json.dumps(out))
`;

function runCapture(c: Command, opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; error?: string }> {
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

const probes = new Map<string, Promise<Probe | null>>();

/** Runs `cmd` (trusted code only) to learn its version, matplotlib and folders. Cached per command. */
function probePython(cmd: string): Promise<Probe | null> {
  let p = probes.get(cmd);
  if (!p) {
    p = (async () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'recode-probe-'));
      try {
        const r = await runCapture({ cmd, args: ['-I', '-B', '-c', PROBE_PY] }, {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, MPLCONFIGDIR: tmp, MPLBACKEND: 'Agg', LANG: 'C.UTF-8' },
          cwd: tmp,
          timeoutMs: 60_000,
        });
        if (r.code !== 0) return null;
        const line = r.stdout.trim().split('\n').pop() ?? '';
        const v = JSON.parse(line) as Probe;
        return typeof v.path === 'string' ? v : null;
      } catch {
        return null;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    })();
    probes.set(cmd, p);
  }
  return p;
}

/**
 * The first of `candidates` (default ['python3', '/usr/bin/python3', 'python']) that imports
 * matplotlib: its sys.executable and matplotlib version; null if none does.
 */
export async function findPython(candidates?: string | string[]): Promise<{ path: string; matplotlib: string } | null> {
  const list = candidates === undefined ? ['python3', '/usr/bin/python3', 'python'] : Array.isArray(candidates) ? candidates : [candidates];
  for (const c of list) {
    const p = await probePython(c);
    if (p?.matplotlib) return { path: p.path, matplotlib: p.matplotlib };
  }
  return null;
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

interface Command {
  cmd: string;
  args: string[];
  /** Run the launcher as this uid/gid (root hosts: bwrap as an unprivileged user). */
  uid?: number;
  gid?: number;
  /** The seccomp filter to write on fd SECCOMP_FD (bwrap reads it from there). */
  seccomp?: Buffer;
}

interface Launch {
  isolation: PythonIsolation;
  /** The command line for a process whose temporary base folder is `base`. */
  command(base: string, python: string, pyArgs: string[]): Command;
  detail: string;
  /** The job folder's base path is fixed inside the sandbox (bwrap): nothing on the host. */
  fixedBase?: string;
}

/** The job folder inside the bubblewrap sandbox (its private /tmp). */
const BWRAP_BASE = '/tmp/recode-job';

function makeLaunch(isolation: PythonIsolation, hide: string[], tmpfsMb: number, detail = '', needs: string[] = []): Launch {
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
function spawnLaunch(c: Command, o: { env: NodeJS.ProcessEnv; cwd: string; stdio: Array<'pipe' | 'ignore'>; detached?: boolean }): ChildProcess {
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
function detectLaunch(probe: Probe, tmpfsMb: number, force: 'auto' | PythonIsolation, allowUnisolated: boolean): Promise<Launch> {
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

/**
 * Whether the local Python renderer can isolate programs here (bubblewrap with user namespaces,
 * checked by running a program under it). For `renderer: auto` choices: never pick the local
 * renderer silently when this is false.
 */
export async function pythonIsolationAvailable(pythonPath?: string): Promise<{ ok: boolean; reason?: string }> {
  const avail = bwrapAvailable();
  if (!avail.ok) return { ok: false, reason: avail.reason };
  const found = await findPython(pythonPath ? [pythonPath] : undefined);
  const probe = found ? await probePython(found.path) : null;
  if (!probe) return { ok: false, reason: 'no python with matplotlib found' };
  try {
    const l = await detectLaunch(probe, 64, 'bwrap', false);
    return l.isolation === 'bwrap' ? { ok: true } : { ok: false, reason: l.detail };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** The words every panel and CLI run shows when programs are not isolated. */
export const UNISOLATED_WARNING = 'UNISOLATED: generated programs run on this machine without the bubblewrap sandbox';

function describe(info: PythonInfo, launch: Launch, memoryLimitMb: number, fileSizeLimitMb: number): string {
  const who = `a fresh CPython ${info.version} process per program (${info.path}, matplotlib ${info.matplotlib ?? 'not available'})`;
  const common =
    `rlimits (address space ${memoryLimitMb} MB, files ${fileSizeLimitMb} MB, CPU seconds); ` +
    `an audit hook refusing subprocess, sockets, ctypes, frames, reads outside Python's folders and writes outside the working folder; ` +
    `a minimal environment; a wall-clock limit that kills the whole sandbox`;
  if (launch.isolation === 'bwrap') {
    return `${who} in a bubblewrap sandbox: own user (uid ${SANDBOX_UID}, no capabilities, no_new_privs), mount, PID, network, IPC and UTS namespaces; a seccomp filter (no mounts, namespaces, new processes, ptrace, bpf, keyrings, io_uring); only /usr, Python's folders and font settings visible, read-only; a private /tmp job folder; no network; ${common}`;
  }
  if (launch.isolation === 'namespaces') {
    return `${UNISOLATED_WARNING} (unshare namespaces only: a shell inside could undo its mounts; ${launch.detail}); ${who}; ${common}`;
  }
  if (launch.isolation === 'network') {
    return `${UNISOLATED_WARNING} (only a network namespace; ${launch.detail}); ${who}; ${common}`;
  }
  return `${UNISOLATED_WARNING} (no namespaces: ${launch.detail}); ${who}; ${common}`;
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface Ready {
  ready: boolean;
  python?: string;
  matplotlib?: string | null;
  error?: string;
}

class PyProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<Ready>;
  readonly reply: Promise<string | null>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  raw = '';
  rawOverflow = false;
  killedBy?: 'timeout' | 'abort' | 'dispose' | 'reply-size' | 'startup';
  /** The temporary folder on the host, while it exists. */
  hostDir?: string;
  private refd = true;
  private readonly chan: Readable;
  private signalByStatus = false;
  /** What the audit hook refused, as the host received it (first 20). */
  readonly violations: string[] = [];
  /** Set when the reply channel carried something the harness does not write. */
  tampered?: string;

  constructor(
    readonly base: string,
    launch: Launch,
    python: string,
    init: object,
    private readonly rawLimit: number,
    replyLimit: number,
  ) {
    this.hostDir = base;
    const work = path.join(base, 'work');
    const mpl = path.join(base, 'mpl');
    const home = path.join(base, 'home');
    // With namespaces the folders exist only inside the sandbox (a tmpfs that vanishes with it);
    // otherwise they are a real temporary folder, removed when the process ends.
    const onHost = launch.isolation !== 'namespaces' && launch.isolation !== 'bwrap';
    if (onHost) for (const d of [work, mpl, home]) mkdirSync(d, { recursive: true });
    else this.hostDir = undefined;
    const boot =
      "import sys\ng = {'__name__': 'recode_harness'}\nexec(compile(sys.argv[1], '<recode-harness>', 'exec'), g)\ng['_recode_main']()\n";
    const c = launch.command(base, python, ['-I', '-B', '-c', boot, HARNESS_PY]);
    // bwrap passes on the exit status of the program, 128 + N when signal N killed it
    this.signalByStatus = launch.isolation === 'bwrap';
    this.child = spawnLaunch(c, {
      cwd: onHost ? work : os.tmpdir(),
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        MPLBACKEND: 'Agg',
        MPLCONFIGDIR: mpl,
        TMPDIR: work,
        LANG: 'C.UTF-8',
        LC_ALL: 'C.UTF-8',
        OPENBLAS_NUM_THREADS: '1',
        OMP_NUM_THREADS: '1',
        MKL_NUM_THREADS: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole (bwrap: its PID namespace dies with it)
    });
    this.chan = this.child.stdio[3] as Readable;
    const collect = (d: Buffer): void => {
      if (this.rawOverflow) return;
      const s = d.toString('utf8');
      if (this.raw.length + s.length > this.rawLimit) {
        this.raw += s.slice(0, Math.max(0, this.rawLimit - this.raw.length));
        this.rawOverflow = true;
      } else this.raw += s;
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.raw += `\n${e.message}`;
      });
      this.child.on('close', (code, signal) => {
        if (this.signalByStatus && signal === null && code !== null && code > 128 && code < 128 + 65) {
          const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
          if (name) return resolve({ code: null, signal: name });
        }
        resolve({ code, signal });
      });
    });
    // fd 3, read as untrusted data (the program can write on it too): line 1 = ready; then any
    // number of 'V <violation>' lines, appended by the audit hook before it raises (so a refused
    // attempt is known here even if the program then forges a reply); then one 'R <reply>' line.
    // Anything else, or a second reply, is tampering.
    let buf = '';
    let lines = 0;
    let replied = false;
    let resolveReady!: (r: Ready) => void;
    let resolveReply!: (r: string | null) => void;
    this.ready = new Promise((r) => (resolveReady = r));
    this.reply = new Promise((r) => (resolveReply = r));
    this.chan.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      if (buf.length > replyLimit) {
        this.kill('reply-size');
        buf = '';
        return;
      }
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines++;
        if (lines === 1) {
          try {
            resolveReady(JSON.parse(line) as Ready);
          } catch {
            resolveReady({ ready: false, error: 'the harness did not start' });
          }
        } else if (line.startsWith('V ')) {
          if (this.violations.length < 20) this.violations.push(oneLine(line.slice(2), 400));
        } else if (line.startsWith('R ') && !replied) {
          replied = true;
          resolveReply(line.slice(2));
        } else {
          if (!this.tampered) this.tampered = replied ? 'a second reply' : 'a line that is neither a violation nor a reply';
        }
      }
    });
    void this.exited.then(() => {
      resolveReady({ ready: false, error: this.startError() });
      resolveReply(null);
      if (this.hostDir) void fsp.rm(this.hostDir, { recursive: true, force: true }).catch(() => {});
      this.hostDir = undefined;
    });
    this.child.stdin?.on('error', () => {});
    this.child.stdin?.write(JSON.stringify(init) + '\n');
    this.setRef(false);
  }

  private startError(): string {
    const tail = this.raw.trim().split('\n').filter(Boolean).pop();
    return tail ? tail.slice(0, 300) : 'the Python process exited before it was ready';
  }

  setRef(on: boolean): void {
    if (on === this.refd) return;
    this.refd = on;
    const handles: Array<{ ref?: () => void; unref?: () => void } | null | undefined> = [
      this.child,
      this.child.stdin as unknown as { ref?: () => void; unref?: () => void },
      this.child.stdout as unknown as { ref?: () => void; unref?: () => void },
      this.child.stderr as unknown as { ref?: () => void; unref?: () => void },
      this.chan as unknown as { ref?: () => void; unref?: () => void },
    ];
    for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
  }

  send(job: HarnessJob): void {
    const stdin = this.child.stdin as Writable;
    stdin.write(JSON.stringify(job) + '\n');
    stdin.end();
  }

  kill(why: NonNullable<PyProcess['killedBy']>): void {
    if (!this.killedBy) this.killedBy = why;
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    try {
      this.child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** s on one line, at most n characters, control characters removed. */
function oneLine(s: string, n: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
}

/** Every process of every renderer: their temporary folders are removed if Node exits first. */
const allLive = new Set<PyProcess>();
let exitHook = false;
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const p of allLive) {
      p.kill('dispose');
      if (p.hostDir) rmSync(p.hostDir, { recursive: true, force: true });
    }
  });
}

/** The local CPython renderer. See the module comment. */
export function createPythonRenderer(opts: PythonRendererOptions = {}): PythonRenderer {
  const memoryLimitMb = opts.memoryLimitMb ?? 2048;
  const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const fileSizeLimitMb = opts.fileSizeLimitMb ?? 64;
  const startupTimeoutMs = opts.startupTimeoutMs ?? 60_000;
  const maxConcurrent = Math.max(1, opts.maxConcurrent ?? os.cpus().length);
  installExitHook();
  let disposed = false;
  let started = 0;
  let sandbox = 'not started yet';
  let setup: Promise<{ info: PythonInfo; launch: Launch; probe: Probe }> | undefined;
  let spare: PyProcess | undefined;
  const spareStart = opts.spareStart ?? 'now';
  const live = new Set<PyProcess>();
  let running = 0;
  const queue: Array<() => void> = [];

  const getSetup = (): Promise<{ info: PythonInfo; launch: Launch; probe: Probe }> => {
    if (!setup) {
      setup = (async () => {
        let probe: Probe | null;
        if (opts.pythonPath) {
          probe = await probePython(opts.pythonPath);
          if (!probe) throw new Error(`${opts.pythonPath} did not run as Python (is it installed?)`);
        } else {
          const found = await findPython();
          if (!found) throw new Error('no python with matplotlib found (tried python3, /usr/bin/python3, python): install it (Debian: apt-get install python3-matplotlib)');
          probe = await probePython(found.path);
          if (!probe) throw new Error(`${found.path} did not run as Python`);
        }
        const launch = await detectLaunch(probe, fileSizeLimitMb, opts.isolation ?? 'auto', opts.allowUnisolated ?? false);
        const info: PythonInfo = { path: probe.path, version: probe.version, matplotlib: probe.matplotlib, isolation: launch.isolation };
        sandbox = describe(info, launch, memoryLimitMb, fileSizeLimitMb);
        return { info, launch, probe };
      })();
      setup.catch(() => {
        setup = undefined; // try again next time
      });
    }
    return setup;
  };

  const spawnProcess = (s: { info: PythonInfo; launch: Launch; probe: Probe }): PyProcess => {
    const base = s.launch.fixedBase
      ? s.launch.fixedBase
      : s.launch.isolation === 'namespaces'
        ? path.join(os.tmpdir(), `recode-py-${process.pid}-${randomBytes(6).toString('hex')}`)
        : mkdtempSync(path.join(os.tmpdir(), 'recode-py-'));
    const init = {
      config: {
        renderer: 'python',
        workdir: path.join(base, 'work'),
        restrictReads: true,
        writeRoots: [path.join(base, 'mpl')],
        memoryLimitMb,
        fileSizeLimitMb,
        maxPixels,
        maxRecursion: 4000,
        missingHint: `(${s.info.path} has no matplotlib: install it, e.g. apt-get install python3-matplotlib, or choose another python)`,
      },
      fontCache: s.probe.fontCache,
    };
    started++;
    const p = new PyProcess(base, s.launch, s.info.path, init, maxOutputBytes, 64 * 1024 * 1024 + 4 * maxOutputBytes);
    live.add(p);
    allLive.add(p);
    void p.exited.then(() => {
      live.delete(p);
      allLive.delete(p);
    });
    return p;
  };

  const ensureSpare = (s: { info: PythonInfo; launch: Launch; probe: Probe }): void => {
    if (!disposed && !spare) spare = spawnProcess(s);
  };

  const takeProcess = (s: { info: PythonInfo; launch: Launch; probe: Probe }): PyProcess => {
    const p = spare ?? spawnProcess(s);
    spare = undefined;
    // The next spare starts now (its start-up, mostly importing matplotlib, overlaps this program:
    // the next render finds it ready), or when this program ends unless others are waiting.
    if (spareStart === 'now' || running > 1) ensureSpare(s);
    else void p.exited.then(() => ensureSpare(s));
    return p;
  };

  const acquire = (): Promise<void> =>
    new Promise((resolve) => {
      if (running < maxConcurrent) {
        running++;
        resolve();
      } else queue.push(() => {
        running++;
        resolve();
      });
    });
  const release = (): void => {
    running--;
    queue.shift()?.();
  };

  const renderOne = async (req: RenderRequest, signal: AbortSignal | undefined, t0: number): Promise<RenderResult> => {
    const ms = (): number => Math.round(performance.now() - t0);
    if (disposed) return failure('cancelled', 'the Python renderer was disposed', ms());
    if (signal?.aborted) return failure('cancelled', 'the render was cancelled', ms());
    let s: { info: PythonInfo; launch: Launch; probe: Probe };
    try {
      s = await getSetup();
    } catch (e) {
      const msg = (e as Error).message;
      return /^no python with matplotlib/.test(msg)
        ? failure('missing-package', `matplotlib is not available to the python renderer: ${msg}`, ms())
        : failure('internal', `the python renderer could not start: ${msg}`, ms());
    }
    // (an abort while the setup was awaited fires no listener added later: check it now)
    if (signal?.aborted) return failure('cancelled', 'the render was cancelled', ms());
    const p = takeProcess(s);
    p.setRef(true);
    try {
      // wait until it has imported matplotlib (not counted in the program's time limit)
      const ready = await new Promise<Ready | 'abort' | 'startup-timeout'>((resolve) => {
        if (signal?.aborted) return resolve('abort');
        const onAbort = (): void => resolve('abort');
        const timer = setTimeout(() => resolve('startup-timeout'), startupTimeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        void p.ready.then((r) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        });
      });
      if (ready === 'abort') {
        p.kill('abort');
        return failure('cancelled', 'the render was cancelled', ms());
      }
      if (ready === 'startup-timeout') {
        p.kill('startup');
        return failure('internal', `the Python process did not start within ${Math.round(startupTimeoutMs / 1000)} s`, ms());
      }
      if (!ready.ready) {
        if (disposed) return failure('cancelled', 'the Python renderer was disposed', ms());
        return failure('internal', `the Python process could not start: ${ready.error ?? 'unknown error'}`, ms(), p.raw.slice(0, maxOutputBytes));
      }
      p.send(harnessJob(req, { maxOutputBytes, maxPixels, cpuSeconds: Math.ceil(req.timeLimitMs / 1000) + 1 }));
      const onAbort = (): void => p.kill('abort');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) p.kill('abort');
      const timer = setTimeout(() => p.kill('timeout'), Math.max(1, req.timeLimitMs));
      const line = await p.reply;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (line !== null && !p.killedBy) {
        const reply = parseHarnessReply(line);
        // output written below Python (os.write) before the reply is already in its pipe: one
        // short turn of the event loop collects it (waiting for the exit would cost 30-150 ms of
        // process teardown)
        await new Promise((r) => setTimeout(r, 3));
        if (p.raw) {
          const room = Math.max(0, maxOutputBytes - reply.stdout.length);
          reply.stdout += p.raw.slice(0, room);
          if ((p.raw.length > room || p.rawOverflow) && reply.ok) {
            return failure('limit', `the program printed more than ${maxOutputBytes} bytes of output`, ms(), reply.stdout);
          }
        }
        // the host's own record decides, not the reply the program could have forged
        if (p.violations.length) return failure('forbidden', p.violations[0], ms(), reply.stdout.slice(0, maxOutputBytes));
        if (p.tampered) return failure('forbidden', `the program wrote on the sandbox's reply channel (${p.tampered})`, ms(), reply.stdout.slice(0, maxOutputBytes));
        const res = toRenderResult(reply, ms(), {
          maxOutputBytes,
          ...(req.mode === 'figure' ? { width: Math.round(req.width), height: Math.round(req.height) } : {}),
        });
        if (res.ok && res.png) {
          // decoded in full on the host: a PNG the scorer cannot read never reaches it
          try {
            const img = decodeImage(res.png, 'the render');
            if (req.mode === 'figure' && (img.width !== Math.round(req.width) || img.height !== Math.round(req.height))) throw new Error(`it is ${img.width} x ${img.height} px`);
          } catch (e) {
            return failure('internal', `the render is not a valid PNG of the requested size (${oneLine((e as Error).message, 200)})`, ms(), res.stdout);
          }
        }
        return res;
      }
      const { code, signal: sig } = await p.exited;
      const out = p.raw.slice(0, maxOutputBytes);
      if (p.violations.length && p.killedBy !== 'abort' && p.killedBy !== 'dispose') return failure('forbidden', p.violations[0], ms(), out);
      switch (p.killedBy) {
        case 'timeout':
          return failure('timeout', `the program ran longer than its time limit of ${(req.timeLimitMs / 1000).toFixed(1)} s and was killed`, ms(), out);
        case 'abort':
          return failure('cancelled', 'the render was cancelled', ms(), out);
        case 'dispose':
          return failure('cancelled', 'the Python renderer was disposed', ms(), out);
        case 'reply-size':
          return failure('limit', 'the program produced a render over the size limit', ms(), out);
        default:
          break;
      }
      if (sig === 'SIGXCPU') return failure('timeout', 'the program used more CPU time than its time limit and was killed', ms(), out);
      if (sig === 'SIGXFSZ') return failure('limit', `the program wrote a file over ${fileSizeLimitMb} MB and was killed`, ms(), out);
      if (sig === 'SIGSEGV' || sig === 'SIGBUS' || sig === 'SIGABRT') {
        return failure('limit', `the Python process crashed (${sig}), e.g. recursion too deep for the C stack or memory exhausted`, ms(), out);
      }
      if (sig === 'SIGKILL') return failure('limit', 'the Python process was killed (out of memory?)', ms(), out);
      const tail = p.raw.trim().split('\n').filter(Boolean).pop();
      return failure('internal', `the Python process ended without a reply (exit ${code ?? sig})${tail ? `: ${tail.slice(0, 200)}` : ''}`, ms(), out);
    } finally {
      p.setRef(false);
      if (p.child.exitCode === null && p.child.signalCode === null) {
        // a process serves one program only
        setTimeout(() => p.kill('dispose'), 1000).unref();
      }
    }
  };

  const renderer: PythonRenderer = {
    name: 'python',
    get sandbox() {
      return sandbox;
    },
    get processesStarted() {
      return started;
    },
    async warmup() {
      const s = await getSetup();
      ensureSpare(s);
      const p = spare as PyProcess;
      p.setRef(true); // keep the process alive while someone waits for it
      let r: Ready;
      try {
        r = await p.ready;
      } finally {
        if (spare === p) p.setRef(false);
      }
      if (!r.ready) throw new Error(`the Python process could not start: ${r.error ?? 'unknown error'}`);
      return s.info;
    },
    async render(req, signal) {
      const t0 = performance.now();
      await acquire();
      try {
        return await renderOne(req, signal, t0);
      } catch (e) {
        return failure('internal', `the Python renderer failed: ${(e as Error)?.message ?? e}`, Math.round(performance.now() - t0));
      } finally {
        release();
      }
    },
    async dispose() {
      disposed = true;
      spare = undefined;
      const all = [...live];
      for (const p of all) {
        p.setRef(true); // wait for them to be gone
        p.kill('dispose');
      }
      await Promise.all(all.map((p) => p.exited));
    },
  };
  return renderer;
}
