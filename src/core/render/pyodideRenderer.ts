/**
 * The Pyodide renderer for Node (CLI, tests, extension host). Node only.
 *
 * - One interpreter per program: each program runs in a fresh worker thread (its own Pyodide, its
 *   own JavaScript realm) that is terminated as soon as the program ends, so nothing a program
 *   changes (modules, classes, the harness, sys settings, files) can reach another program —
 *   candidates of one run never share an interpreter. A spare worker is always warming in the
 *   background, so a render takes a ready interpreter instead of waiting for one to load.
 * - Workers start from a memory snapshot of a pristine interpreter (made once per renderer by its
 *   first worker, right after Pyodide loaded and before any package, harness or program ran): a
 *   restore costs a fraction of a cold loadPyodide. `memorySnapshot: false` turns this off.
 * - Pyodide's core comes from `pyodideIndexDir` (default: dist/pyodide next to the bundle, else
 *   the npm package). Packages (numpy, matplotlib…) load only from `packageDir` (a folder with a
 *   pyodide-lock.json and wheels, see pyodidePackages.ts), never from a CDN.
 * - A program over its time limit, or cancelled (AbortSignal), has its worker terminated at once.
 *   The worker has resourceLimits (JS heap, stack) and a WebAssembly memory cap (memoryLimitMb).
 * - Every reply is checked on this side (replyCheck.ts): strict shape, capped strings, PNG
 *   signature and size.
 * - Workers are unref'd while idle, so an undisposed renderer never keeps a process alive;
 *   dispose() terminates them.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { RenderRequest, RenderResult, Renderer } from '../types';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PIXELS, failure, harnessJob, toRenderResult, type HarnessJob } from './harness';
import { REPLY_LIMITS, checkRenderReply } from './replyCheck';
import { PREPARE_HINT, defaultPyodideIndexDir } from './pyodidePackages';
import type { WorkerInit } from './pyodideWorker';
import { parseWorkerToRenderer } from './pyodideWorkerMessages';
import type { SessionReply } from './pyodideSession';

export interface PyodideRendererOptions {
  /** Pyodide's core folder. Default: dist/pyodide next to the bundle, else the npm package. */
  pyodideIndexDir?: string;
  /** The package folder (pyodide-lock.json + wheels). Without it, matplotlib is unavailable. */
  packageDir?: string;
  /** WebAssembly memory cap for the interpreter, MB. Default 2048. */
  memoryLimitMb?: number;
  /** Output cap per program (stdout + stderr). Default 1 MB. */
  maxOutputBytes?: number;
  /** Largest figure, in pixels. Default 40 M. */
  maxPixels?: number;
  /** How long a worker may take to start (load Pyodide and the packages). Default 120 s. */
  startupTimeoutMs?: number;
  /** Unused since every program has its own worker (which is terminated at once); kept for callers. */
  interruptGraceMs?: number;
  /** Start workers from a memory snapshot of a pristine interpreter (default true). */
  memorySnapshot?: boolean;
  /** Compile Pyodide's wasm once and let every worker instantiate it (default true). */
  shareCompiledWasm?: boolean;
}

/** What a started worker reports. */
export interface PyodideWorkerInfo {
  python: string;
  matplotlib: string | null;
  packages: string[];
  packageErrors: string[];
  initMs: number;
  /** Whether this worker started from the memory snapshot. */
  fromSnapshot: boolean;
  /** Whether this worker instantiated the renderer's compiled wasm (instead of compiling its own). */
  sharedWasm: boolean;
}

export interface PyodideRenderer extends Renderer {
  readonly name: 'pyodide';
  /** What isolates programs, in words. */
  readonly sandbox: string;
  /** Starts the spare worker now (renders start it on demand) and resolves when it is ready. */
  warmup(): Promise<PyodideWorkerInfo>;
  /** How many workers (one per program, plus the spare) this renderer has started. */
  readonly workersStarted: number;
}

type Outcome =
  | { kind: 'reply'; reply: SessionReply }
  | { kind: 'timeout' }
  | { kind: 'abort' }
  | { kind: 'death'; error: string; oom: boolean };

type HandleInit = Omit<WorkerInit, 'interrupt'>;

class WorkerHandle {
  readonly worker: Worker;
  readonly ready: Promise<PyodideWorkerInfo>;
  readonly fromSnapshot: boolean;
  dead = false;
  /** Whether a program was given to this worker (it never gets a second). */
  used = false;
  private refs = 0;
  private nextId = 1;
  private waiters = new Map<number, (r: unknown) => void>();
  private deathListeners = new Set<(error: string, oom: boolean) => void>();
  private stderrTail = '';

  constructor(file: string, init: HandleInit, startupTimeoutMs: number, onSnapshot: (bytes: Uint8Array | undefined, error?: string) => void) {
    const sab = new SharedArrayBuffer(4);
    this.fromSnapshot = !!init.snapshot;
    this.worker = new Worker(file, {
      workerData: { ...init, interrupt: sab } satisfies WorkerInit,
      transferList: init.snapshot ? [init.snapshot.buffer as ArrayBuffer] : [],
      resourceLimits: { maxOldGenerationSizeMb: 1024, stackSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.resume();
    this.worker.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    this.worker.unref();
    let snapshotPending = !!init.makeSnapshot;
    this.ready = new Promise<PyodideWorkerInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Pyodide did not start within ${Math.round(startupTimeoutMs / 1000)} s`));
        void this.terminate();
      }, startupTimeoutMs);
      timer.unref();
      this.worker.on('message', (raw: unknown) => {
        const m = parseWorkerToRenderer(raw);
        if (!m) return;
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve({
            python: m.python.slice(0, 100),
            matplotlib: m.matplotlib === null ? null : m.matplotlib.slice(0, 100),
            packages: m.packages,
            packageErrors: m.packageErrors,
            initMs: m.initMs,
            fromSnapshot: this.fromSnapshot,
            sharedWasm: m.sharedWasm,
          });
        } else if (m.type === 'init-error') {
          clearTimeout(timer);
          reject(new Error(`Pyodide could not start: ${m.error}`));
          void this.terminate();
        } else if (m.type === 'snapshot' || m.type === 'snapshot-error') {
          // only the worker asked to make one, only once, and only before it has run a program
          if (!snapshotPending || this.used) return;
          snapshotPending = false;
          if (m.type === 'snapshot' && m.bytes instanceof Uint8Array) onSnapshot(m.bytes);
          else onSnapshot(undefined, m.type === 'snapshot-error' ? m.error : 'not bytes');
        } else if (m.type === 'reply') {
          const w = this.waiters.get(m.id);
          this.waiters.delete(m.id);
          w?.(m.reply);
        }
      });
      const die = (error: string, oom: boolean): void => {
        if (this.dead) return;
        this.dead = true;
        clearTimeout(timer);
        reject(new Error(`the Pyodide worker stopped while starting: ${error}`));
        if (snapshotPending) onSnapshot(undefined, error);
        for (const l of this.deathListeners) l(error, oom);
      };
      this.worker.on('error', (e: Error & { code?: string }) => die(e.message.split('\n')[0], e.code === 'ERR_WORKER_OUT_OF_MEMORY'));
      this.worker.on('exit', (code) => die(`exit code ${code}${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').pop()}` : ''}`, false));
    });
    this.ready.catch(() => {});
  }

  ref(): void {
    if (this.refs++ === 0) this.worker.ref();
  }
  unref(): void {
    if (--this.refs === 0) this.worker.unref();
  }

  /** Runs this worker's one job; resolves with how it ended. A time limit or abort terminates the worker. */
  run(job: HarnessJob, timeLimitMs: number, signal?: AbortSignal): Promise<Outcome> {
    this.used = true;
    return new Promise<Outcome>((resolve) => {
      const id = this.nextId++;
      let settled = false;
      const finish = (o: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(limitTimer);
        signal?.removeEventListener('abort', onAbort);
        this.deathListeners.delete(onDeath);
        this.waiters.delete(id);
        resolve(o);
      };
      const stop = (why: 'timeout' | 'abort'): void => {
        if (settled) return;
        finish({ kind: why });
        void this.terminate();
      };
      const onAbort = (): void => stop('abort');
      const onDeath = (error: string, oom: boolean): void => finish({ kind: 'death', error, oom });
      const limitTimer = setTimeout(() => stop('timeout'), Math.max(1, timeLimitMs));
      this.waiters.set(id, (reply) => finish({ kind: 'reply', reply: reply as SessionReply }));
      this.deathListeners.add(onDeath);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.dead) return onDeath('the worker is not running', false);
      this.worker.postMessage({ type: 'job', id, job });
    });
  }

  async terminate(): Promise<void> {
    if (!this.dead) {
      this.dead = true;
      for (const l of this.deathListeners) l('terminated', false);
    }
    await this.worker.terminate().catch(() => 0);
  }
}

/** The Pyodide renderer. See the module comment. */
export function createPyodideRenderer(opts: PyodideRendererOptions = {}): PyodideRenderer {
  const indexDir = opts.pyodideIndexDir ?? defaultPyodideIndexDir();
  const memoryLimitMb = opts.memoryLimitMb ?? 2048;
  const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const startupTimeoutMs = opts.startupTimeoutMs ?? 120_000;
  const workerFile = path.join(__dirname, 'pyodideWorker.js');
  /** The next program's worker: started, never given a program. */
  let spare: WorkerHandle | undefined;
  /** Workers running a program (one at a time; a set so dispose() finds them). */
  const running = new Set<WorkerHandle>();
  let started = 0;
  let disposed = false;
  let tail: Promise<unknown> = Promise.resolve();
  let snapshot: Uint8Array | undefined;
  // Pyodide's wasm compiled once here (asynchronously, off this thread's critical path); workers
  // started once it is ready instantiate it: their own memory, shared (and shared-optimised) code
  let wasmModule: unknown;
  if (opts.shareCompiledWasm !== false) {
    try {
      const WA = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;
      WA.compile(readFileSync(path.join(indexDir, 'pyodide.asm.wasm'))).then(
        (m) => (wasmModule = m),
        () => undefined, // each worker compiles its own
      );
    } catch {
      /* each worker compiles its own */
    }
  }
  let snapshotState: 'off' | 'none' | 'making' | 'ready' = opts.memorySnapshot === false ? 'off' : 'none';

  const onSnapshot = (bytes: Uint8Array | undefined): void => {
    if (snapshotState !== 'making') return;
    if (bytes && bytes.length > 0) {
      snapshot = bytes;
      snapshotState = 'ready';
    } else snapshotState = 'off'; // could not make one: cold starts from now on
  };

  const start = (): WorkerHandle => {
    started++;
    const makeSnapshot = snapshotState === 'none';
    if (makeSnapshot) snapshotState = 'making';
    const h = new WorkerHandle(
      workerFile,
      {
        indexDir,
        packageDir: opts.packageDir,
        memoryLimitMb,
        prepareHint: PREPARE_HINT,
        maxPixels,
        // each worker gets its own copy (transferred): no memory is shared between interpreters
        snapshot: snapshotState === 'ready' && snapshot ? snapshot.slice() : undefined,
        makeSnapshot,
        wasmModule,
      },
      startupTimeoutMs,
      onSnapshot,
    );
    return h;
  };
  /** Starts a spare if there is none (after `after`, so it does not slow a worker still starting). */
  const warmSpare = (after?: Promise<unknown>): void => {
    const go = (): void => {
      if (!disposed && (!spare || spare.dead)) spare = start();
    };
    if (after) void after.then(go, go);
    else go();
  };
  /** A pristine worker for one program; a new spare starts warming. */
  const take = (): WorkerHandle => {
    const h = spare && !spare.dead ? spare : start();
    spare = undefined;
    warmSpare(h.ready);
    return h;
  };
  /** A worker that could not start from the snapshot: give up snapshots, start cold. */
  const snapshotFailed = (h: WorkerHandle): boolean => {
    if (!h.fromSnapshot || snapshotState !== 'ready') return false;
    snapshotState = 'off';
    snapshot = undefined;
    if (spare?.fromSnapshot) {
      void spare.terminate();
      spare = undefined;
    }
    return true;
  };

  const renderOne = async (req: RenderRequest, signal: AbortSignal | undefined, t0: number): Promise<RenderResult> => {
    const ms = (): number => Math.round(performance.now() - t0);
    if (disposed) return failure('cancelled', 'the Pyodide renderer was disposed', ms());
    if (signal?.aborted) return failure('cancelled', 'the render was cancelled', ms());
    let h = take();
    running.add(h);
    h.ref();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await new Promise<PyodideWorkerInfo>((resolve, reject) => {
            const onAbort = (): void => reject(new Error('cancelled'));
            signal?.addEventListener('abort', onAbort, { once: true });
            h.ready.then(resolve, reject).finally(() => signal?.removeEventListener('abort', onAbort));
          });
          break;
        } catch (e) {
          if (signal?.aborted) return failure('cancelled', 'the render was cancelled while Pyodide was starting', ms());
          if (disposed) return failure('cancelled', 'the Pyodide renderer was disposed', ms());
          if (attempt === 0 && snapshotFailed(h)) {
            // try once more, cold
            void h.terminate();
            h.unref();
            running.delete(h);
            h = take();
            running.add(h);
            h.ref();
            continue;
          }
          return failure('internal', (e as Error).message, ms());
        }
      }
      const job = harnessJob(req, { maxOutputBytes, maxPixels });
      const outcome = await h.run(job, req.timeLimitMs, signal);
      switch (outcome.kind) {
        case 'reply': {
          const b64 = (outcome.reply as { png_b64?: unknown }).png_b64;
          if (typeof b64 === 'string' && b64.length > (REPLY_LIMITS.pngBytes / 3) * 4 + 4) {
            return failure('limit', `the render is over the limit of ${REPLY_LIMITS.pngBytes} bytes`, ms());
          }
          const r = toRenderResult(outcome.reply, 0);
          return checkRenderReply(r, job, ms(), { stdoutChars: maxOutputBytes });
        }
        case 'timeout':
          return failure('timeout', `the program ran longer than its time limit of ${(req.timeLimitMs / 1000).toFixed(1)} s and was stopped`, ms());
        case 'abort':
          return failure('cancelled', 'the render was cancelled', ms());
        case 'death':
          if (disposed) return failure('cancelled', 'the Pyodide renderer was disposed', ms());
          return outcome.oom
            ? failure('limit', 'the program used more memory than the Pyodide worker allows; the worker was stopped', ms())
            : failure('internal', `the Pyodide worker stopped (${outcome.error})`, ms());
      }
    } finally {
      // one program per interpreter: this worker is never used again
      h.unref();
      running.delete(h);
      void h.terminate();
    }
  };

  const renderer: PyodideRenderer = {
    name: 'pyodide',
    get sandbox() {
      return (
        `Pyodide (CPython in WebAssembly) in a fresh worker thread per program (no state crosses programs): in-memory file system, no JavaScript bridge for programs ` +
        `(empty js globals, bridge modules scrubbed, code generation from strings disabled, no file system mounts), child processes and network ` +
        `globals disabled, audit hook against subprocess/sockets/ctypes/frames, WebAssembly memory capped at ${memoryLimitMb} MB, ` +
        `time limit by worker termination, replies checked by the host`
      );
    },
    get workersStarted() {
      return started;
    },
    async warmup() {
      if (disposed) throw new Error('the Pyodide renderer was disposed');
      warmSpare();
      const h = spare as WorkerHandle;
      h.ref(); // keep the process alive while someone waits for the worker
      try {
        return await h.ready;
      } catch (e) {
        if (snapshotFailed(h)) {
          warmSpare();
          return (spare as WorkerHandle).ready;
        }
        throw e;
      } finally {
        h.unref();
      }
    },
    render(req, signal) {
      const t0 = performance.now();
      const p = tail.then(() => renderOne(req, signal, t0));
      tail = p.catch(() => undefined);
      return p.catch((e: unknown) => failure('internal', `the Pyodide renderer failed: ${(e as Error)?.message ?? e}`, Math.round(performance.now() - t0)));
    },
    async dispose() {
      disposed = true;
      const all = [...running, ...(spare ? [spare] : [])];
      spare = undefined;
      running.clear();
      await Promise.all(all.map((h) => h.terminate()));
    },
  };
  return renderer;
}
