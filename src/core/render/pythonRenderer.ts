/**
 * The local CPython renderer: each program runs in its own Python process (no state leaks between
 * programs), with the same harness as the Pyodide renderer. Under bubblewrap the processes are
 * forked from a warm fork server (zygote.ts / zygote.py: matplotlib imported once, each child in
 * namespaces of its own), so a render costs about a warm in-process render. Elsewhere, or where the
 * children cannot enter their namespaces, a fresh process per program (process.ts), with one spare
 * kept pre-started — matplotlib imported, a warm-up figure drawn, waiting on stdin for its job.
 * Up to `maxConcurrent` programs run at once; further calls queue. Node only.
 *
 * The parts: probe.ts (finding a python), isolation.ts (the isolation levels and their detection),
 * process.ts (one fresh process), zygote.ts (the fork server), this file (the renderer and its pool).
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
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RenderRequest, RenderResult, Renderer } from '../types';
import { SANDBOX_UID, bwrapAvailable } from './osSandbox';
import { decodeImage } from '../image';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PIXELS, failure, harnessJob, parseHarnessReply, toRenderResult } from './harness';
import { findPython, probePython, type Probe } from './probe';
import { BWRAP_BASE, UNISOLATED_WARNING, detectLaunch, type Launch, type PythonIsolation } from './isolation';
import { PyProcess, allLive, harnessEnv, installExitHook, oneLine, type Ready, type RenderProcess } from './process';
import { Zygote, checkForkServer } from './zygote';

export { findPython } from './probe';
export { UNISOLATED_WARNING, UnisolatedError, isIsolated, type PythonIsolation } from './isolation';

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
  /**
   * Serve programs from a warm fork server (zygote.py) where the isolation is bubblewrap: one
   * CPython imports matplotlib once and forks a sandboxed child per program. Where the children
   * cannot enter their namespaces, each program gets a fresh process instead, and `sandbox` says
   * why. Default true.
   */
  forkServer?: boolean;
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
  /** How many Python processes this renderer has started (for tests and benchmarks): a fork server's children count. */
  readonly processesStarted: number;
  /** Whether programs are served by the fork server ('fork-server'), or a fresh process each ('fresh'); undefined before the setup. */
  readonly mode: 'fork-server' | 'fresh' | undefined;
  /** The fork server's process id outside the sandbox (benchmarks: its memory), if one runs. */
  readonly forkServerPid: number | undefined;
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


function describe(info: PythonInfo, launch: Launch, memoryLimitMb: number, fileSizeLimitMb: number, forkServer?: { ok: boolean; reason?: string }): string {
  const lib = `${info.path}, matplotlib ${info.matplotlib ?? 'not available'}`;
  const who = forkServer?.ok
    ? `a warm CPython ${info.version} fork server (${lib}) that forks one child per program: the child enters its own user, mount, PID, network and IPC namespaces (a private /tmp, /dev and /proc showing only itself), drops every capability and installs the seccomp filter and audit hook before the program runs; the server itself runs no program`
    : `a fresh CPython ${info.version} process per program (${lib})${forkServer && !forkServer.ok ? ` (the fork server is not available here: ${forkServer.reason ?? 'unknown reason'})` : ''}`;
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

interface Setup {
  info: PythonInfo;
  launch: Launch;
  probe: Probe;
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
  let setup: Promise<Setup> | undefined;
  let spare: PyProcess | undefined;
  const spareStart = opts.spareStart ?? 'now';
  const live = new Set<RenderProcess>();
  let running = 0;
  const queue: Array<() => void> = [];

  let zygote: Zygote | undefined;
  /** Whether the fork server serves programs (decided once, at the setup, by a check job). */
  let forkServer: { ok: boolean; reason?: string } | undefined;
  const replyLimit = 64 * 1024 * 1024 + 4 * maxOutputBytes;

  const harnessInit = (s: Setup, base: string): { config: object; fontCache?: unknown } => ({
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
  });

  /** The running fork server, started (again) if it is not running. */
  const getZygote = (s: Setup): Zygote => {
    if (!zygote || zygote.dead) {
      const base = BWRAP_BASE;
      const z = new Zygote({
        python: s.info.path,
        needs: s.probe.needs,
        tmpfsMb: fileSizeLimitMb,
        asNobody: s.launch.detail === 'as-nobody',
        env: harnessEnv(path.join(base, 'home'), path.join(base, 'mpl'), path.join(base, 'work')),
        init: harnessInit(s, base),
        replyLimit,
        rawLimit: maxOutputBytes,
      });
      const handle = { kill: (): void => z.kill() };
      allLive.add(handle);
      void z.exited.then(() => allLive.delete(handle));
      zygote = z;
    }
    return zygote;
  };

  /** Starts the fork server and runs its check program in a child (zygote.ts); kills it if that fails. */
  const startForkServer = async (s: Setup): Promise<{ ok: boolean; reason?: string }> => {
    const z = getZygote(s);
    const r = await checkForkServer(z, { maxOutputBytes, maxPixels }, startupTimeoutMs);
    if (!r.ok && zygote === z) zygote = undefined;
    return r;
  };

  const useForkServer = (s: Setup): boolean => s.launch.isolation === 'bwrap' && forkServer?.ok === true;

  const getSetup = (): Promise<Setup> => {
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
        const s: Setup = { info, launch, probe };
        if (launch.isolation === 'bwrap' && opts.forkServer !== false) {
          forkServer = await startForkServer(s);
          // said in the log and, through `sandbox`, wherever the renderer is described
          if (!forkServer.ok) console.warn(`recode: the python renderer's fork server is not available here (${forkServer.reason}); each program runs in a fresh process`);
        }
        sandbox = describe(info, launch, memoryLimitMb, fileSizeLimitMb, forkServer);
        return s;
      })();
      setup.catch(() => {
        setup = undefined; // try again next time
      });
    }
    return setup;
  };

  const spawnProcess = (s: Setup): PyProcess => {
    const base = s.launch.fixedBase
      ? s.launch.fixedBase
      : s.launch.isolation === 'namespaces'
        ? path.join(os.tmpdir(), `recode-py-${process.pid}-${randomBytes(6).toString('hex')}`)
        : mkdtempSync(path.join(os.tmpdir(), 'recode-py-'));
    started++;
    const p = new PyProcess(base, s.launch, s.info.path, harnessInit(s, base), maxOutputBytes, replyLimit);
    live.add(p);
    allLive.add(p);
    void p.exited.then(() => {
      live.delete(p);
      allLive.delete(p);
    });
    return p;
  };

  const ensureSpare = (s: Setup): void => {
    if (!disposed && !spare) spare = spawnProcess(s);
  };

  const takeProcess = (s: Setup): RenderProcess => {
    if (useForkServer(s)) {
      started++;
      const j = getZygote(s).job();
      live.add(j);
      void j.exited.then(() => live.delete(j));
      return j;
    }
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
    let s: Setup;
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
      if (p.running()) {
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
    get mode() {
      return forkServer === undefined && !setup ? undefined : forkServer?.ok ? 'fork-server' : 'fresh';
    },
    get forkServerPid() {
      return zygote && !zygote.dead ? zygote.child.pid : undefined;
    },
    async warmup() {
      const s = await getSetup();
      if (useForkServer(s)) {
        const z = getZygote(s);
        z.ref(true);
        try {
          const r = await z.ready;
          if (!r.ready) throw new Error(`the fork server could not start: ${r.error ?? 'unknown error'}`);
        } finally {
          z.ref(false);
        }
        return s.info;
      }
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
      const z = zygote;
      zygote = undefined;
      if (z) {
        z.ref(true); // wait for it to be gone (its jobs go with it)
        z.kill();
        await z.exited;
      }
      await Promise.all(all.map((p) => p.exited));
    },
  };
  return renderer;
}
