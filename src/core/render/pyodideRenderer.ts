/**
 * The Pyodide renderer for Node (CLI, tests, extension host): one warm worker thread hosting
 * Pyodide and the harness, reused across renders. Node only.
 *
 * - Pyodide's core comes from `pyodideIndexDir` (default: dist/pyodide next to the bundle, else
 *   the npm package). Packages (numpy, matplotlib…) load only from `packageDir` (a folder with a
 *   pyodide-lock.json and wheels, see pyodidePackages.ts), never from a CDN.
 * - A program over its time limit is interrupted (KeyboardInterrupt through an interrupt buffer);
 *   if it does not stop within a short grace period the worker is terminated and a fresh one is
 *   started at once. Cancellation (AbortSignal) does the same. The worker has resourceLimits (JS
 *   heap, stack) and a WebAssembly memory cap (memoryLimitMb).
 * - The worker is unref'd while idle, so an undisposed renderer never keeps a process alive;
 *   dispose() terminates it.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RenderRequest, RenderResult, Renderer } from '../types';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PIXELS, failure, harnessJob, toRenderResult, type HarnessJob } from './harness';
import { PREPARE_HINT, defaultPyodideIndexDir } from './pyodidePackages';
import type { FromWorker, WorkerInit } from './pyodideWorker';
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
  /** After a time limit or a cancel, how long the program gets to stop before the worker is killed. Default 400 ms. */
  interruptGraceMs?: number;
}

/** What a started worker reports. */
export interface PyodideWorkerInfo {
  python: string;
  matplotlib: string | null;
  packages: string[];
  packageErrors: string[];
  initMs: number;
}

export interface PyodideRenderer extends Renderer {
  readonly name: 'pyodide';
  /** What isolates programs, in words. */
  readonly sandbox: string;
  /** Starts the worker now (renders start it on demand) and resolves when it is ready. */
  warmup(): Promise<PyodideWorkerInfo>;
  /** How many workers this renderer has started (for tests and benchmarks). */
  readonly workersStarted: number;
}

type Outcome =
  | { kind: 'reply'; reply: SessionReply }
  | { kind: 'timeout' }
  | { kind: 'abort' }
  | { kind: 'death'; error: string; oom: boolean };

class WorkerHandle {
  readonly worker: Worker;
  readonly interrupt: Int32Array;
  readonly ready: Promise<PyodideWorkerInfo>;
  dead = false;
  private refs = 0;
  private nextId = 1;
  private waiters = new Map<number, (r: SessionReply) => void>();
  private deathListeners = new Set<(error: string, oom: boolean) => void>();
  private stderrTail = '';

  constructor(file: string, init: Omit<WorkerInit, 'interrupt'>, startupTimeoutMs: number) {
    const sab = new SharedArrayBuffer(4);
    this.interrupt = new Int32Array(sab);
    this.worker = new Worker(file, {
      workerData: { ...init, interrupt: sab } satisfies WorkerInit,
      resourceLimits: { maxOldGenerationSizeMb: 1024, stackSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.resume();
    this.worker.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    this.worker.unref();
    this.ready = new Promise<PyodideWorkerInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Pyodide did not start within ${Math.round(startupTimeoutMs / 1000)} s`));
        void this.terminate();
      }, startupTimeoutMs);
      timer.unref();
      this.worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve({ python: m.python, matplotlib: m.matplotlib, packages: m.packages, packageErrors: m.packageErrors, initMs: m.initMs });
        } else if (m.type === 'init-error') {
          clearTimeout(timer);
          reject(new Error(`Pyodide could not start: ${m.error}`));
          void this.terminate();
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

  /** Runs a job; resolves with how it ended. */
  run(job: HarnessJob, timeLimitMs: number, graceMs: number, signal?: AbortSignal): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const id = this.nextId++;
      let settled = false;
      let stopping: 'timeout' | 'abort' | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const finish = (o: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(limitTimer);
        clearTimeout(graceTimer);
        signal?.removeEventListener('abort', onAbort);
        this.deathListeners.delete(onDeath);
        this.waiters.delete(id);
        resolve(o);
      };
      const stop = (why: 'timeout' | 'abort'): void => {
        if (stopping || settled) return;
        stopping = why;
        Atomics.store(this.interrupt, 0, 2); // SIGINT → KeyboardInterrupt inside Python
        graceTimer = setTimeout(() => {
          void this.terminate();
          finish({ kind: why });
        }, graceMs);
      };
      const onAbort = (): void => stop('abort');
      const onDeath = (error: string, oom: boolean): void => finish(stopping ? { kind: stopping } : { kind: 'death', error, oom });
      const limitTimer = setTimeout(() => stop('timeout'), Math.max(1, timeLimitMs));
      this.waiters.set(id, (reply) => finish(stopping ? { kind: stopping } : { kind: 'reply', reply }));
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
  const graceMs = opts.interruptGraceMs ?? 400;
  const workerFile = path.join(__dirname, 'pyodideWorker.js');
  let current: WorkerHandle | undefined;
  let started = 0;
  let disposed = false;
  let tail: Promise<unknown> = Promise.resolve();

  const start = (): WorkerHandle => {
    started++;
    const h = new WorkerHandle(
      workerFile,
      { indexDir, packageDir: opts.packageDir, memoryLimitMb, prepareHint: PREPARE_HINT, maxPixels },
      startupTimeoutMs,
    );
    current = h;
    return h;
  };
  const replace = (h: WorkerHandle): void => {
    void h.terminate();
    if (current === h) current = undefined;
    if (!disposed) start(); // a fresh worker starts now, so the next render does not wait long
  };

  const renderOne = async (req: RenderRequest, signal: AbortSignal | undefined, t0: number): Promise<RenderResult> => {
    const ms = (): number => Math.round(performance.now() - t0);
    if (disposed) return failure('cancelled', 'the Pyodide renderer was disposed', ms());
    if (signal?.aborted) return failure('cancelled', 'the render was cancelled', ms());
    const h = current && !current.dead ? current : start();
    h.ref();
    try {
      try {
        await new Promise<PyodideWorkerInfo>((resolve, reject) => {
          const onAbort = (): void => reject(new Error('cancelled'));
          signal?.addEventListener('abort', onAbort, { once: true });
          h.ready.then(resolve, reject).finally(() => signal?.removeEventListener('abort', onAbort));
        });
      } catch (e) {
        if (signal?.aborted) return failure('cancelled', 'the render was cancelled while Pyodide was starting', ms());
        if (current === h) current = undefined;
        return failure('internal', (e as Error).message, ms());
      }
      const outcome = await h.run(harnessJob(req, { maxOutputBytes, maxPixels }), req.timeLimitMs, graceMs, signal);
      switch (outcome.kind) {
        case 'reply':
          if (outcome.reply.fatal) replace(h);
          return toRenderResult(outcome.reply, ms());
        case 'timeout':
          if (h.dead) replace(h);
          return failure('timeout', `the program ran longer than its time limit of ${(req.timeLimitMs / 1000).toFixed(1)} s and was stopped`, ms());
        case 'abort':
          if (h.dead) replace(h);
          return failure('cancelled', 'the render was cancelled', ms());
        case 'death':
          replace(h);
          if (disposed) return failure('cancelled', 'the Pyodide renderer was disposed', ms());
          return outcome.oom
            ? failure('limit', 'the program used more memory than the Pyodide worker allows; the worker was restarted', ms())
            : failure('internal', `the Pyodide worker stopped (${outcome.error}); it was restarted`, ms());
      }
    } finally {
      h.unref();
    }
  };

  const renderer: PyodideRenderer = {
    name: 'pyodide',
    get sandbox() {
      return (
        `Pyodide (CPython in WebAssembly) in a worker thread: in-memory file system, no JavaScript bridge for programs ` +
        `(empty js globals, bridge modules scrubbed, code generation from strings disabled), child processes and network ` +
        `globals disabled, audit hook against subprocess/sockets/ctypes/frames, WebAssembly memory capped at ${memoryLimitMb} MB, ` +
        `time limit by interrupt then worker termination`
      );
    },
    get workersStarted() {
      return started;
    },
    async warmup() {
      const h = current && !current.dead ? current : start();
      h.ref(); // keep the process alive while someone waits for the worker
      try {
        return await h.ready;
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
      const h = current;
      current = undefined;
      if (h) await h.terminate();
    },
  };
  return renderer;
}
