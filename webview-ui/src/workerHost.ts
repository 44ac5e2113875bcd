/**
 * Hosts the panel's Pyodide Web Worker: starts it from a blob of the bundled worker script (a
 * module worker: Pyodide refuses classic ones), serves its file requests (see workerMessages.ts),
 * runs one program at a time, and terminates and restarts the worker when a program runs past its
 * time limit or is cancelled — Python in wasm cannot be interrupted any other way here (no
 * SharedArrayBuffer in a webview).
 */
import { bytesToBase64, LIMITS, type RenderJobRequest, type RenderJobResult, type WorkerConfig } from '../../src/shared/protocol';
import type { FromWorker, ToWorker, WorkerRenderResult } from './workerMessages';

/** How long Pyodide (and its packages) may take to start before the worker is given up on. */
const STARTUP_LIMIT_MS = 180_000;
/** Slack on top of a program's own limit for the worker's message round trip. */
const LIMIT_SLACK_MS = 250;

export type WorkerStatus = { status: 'starting' | 'ready' | 'failed'; message?: string; ms?: number };

interface Job {
  jobId: string;
  request: RenderJobRequest;
  reply: (r: RenderJobResult) => void;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript',
  mjs: 'text/javascript',
  wasm: 'application/wasm',
  json: 'application/json',
  zip: 'application/zip',
  whl: 'application/zip',
  tar: 'application/x-tar',
};

function typeOf(url: string): string {
  const m = /\.([A-Za-z0-9]+)(?:[?#].*)?$/.exec(url);
  return (m && TYPES[m[1].toLowerCase()]) || 'application/octet-stream';
}

export class PyodideWorkerHost {
  private worker: Worker | undefined;
  /** 'idle' (no worker), 'starting' (loading files or Pyodide), 'ready'. */
  private phase: 'idle' | 'starting' | 'ready' = 'idle';
  /** Bumped on every start/stop: late callbacks of an old worker are ignored. */
  private generation = 0;
  private startedAt = 0;
  private startupTimer: ReturnType<typeof setTimeout> | undefined;
  private initError: { error: string; kind: 'missing-package' | 'internal' } | undefined;
  private queue: Job[] = [];
  private current: { job: Job; timer: ReturnType<typeof setTimeout>; startedAt: number } | undefined;
  /** Restarts in a row without a ready worker (a worker that cannot start is not restarted forever). */
  private failedStarts = 0;
  /** Files fetched for the worker, kept for restarts (Pyodide's core is ~13 MB). */
  private readonly files = new Map<string, Promise<Blob>>();
  private readonly blobUrls = new Map<string, Promise<string>>();

  constructor(
    private config: WorkerConfig,
    private readonly onStatus: (s: WorkerStatus) => void,
  ) {}

  /** New files (e.g. packages just prepared): start over with them. */
  reconfigure(config: WorkerConfig): void {
    this.config = config;
    this.initError = undefined;
    this.failedStarts = 0;
    if (this.current) this.finish(this.current.job, failure('cancelled', 'the renderer was restarted with new packages', 0));
    this.stopWorker();
    this.start();
  }

  run(jobId: string, request: RenderJobRequest, reply: (r: RenderJobResult) => void): void {
    if (this.initError) {
      reply(failure(this.initError.kind, this.initError.error, 0));
      return;
    }
    this.queue.push({ jobId, request, reply });
    if (this.phase === 'idle') this.start();
    this.pump();
  }

  cancel(jobId: string): void {
    const i = this.queue.findIndex((j) => j.jobId === jobId);
    if (i >= 0) {
      const [job] = this.queue.splice(i, 1);
      job.reply(failure('cancelled', 'cancelled', 0));
      return;
    }
    if (this.current?.job.jobId === jobId) this.kill('cancelled');
  }

  dispose(): void {
    for (const j of this.queue.splice(0)) j.reply(failure('cancelled', 'the panel closed', 0));
    if (this.current) this.finish(this.current.job, failure('cancelled', 'the panel closed', 0));
    this.stopWorker();
  }

  /** Starts a worker now (Pyodide takes seconds to load: do it before the first program). */
  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'starting';
    const gen = ++this.generation;
    this.startedAt = performance.now();
    this.onStatus({ status: 'starting' });
    this.startupTimer = setTimeout(() => {
      if (this.generation === gen && this.phase === 'starting') this.startFailed(`Pyodide did not start within ${STARTUP_LIMIT_MS / 1000} s`, 'internal');
    }, STARTUP_LIMIT_MS);
    void this.launch(gen);
  }

  private async launch(gen: number): Promise<void> {
    const index = this.config.indexUrl;
    let script: string, pyodide: string, asm: string;
    try {
      [script, pyodide, asm] = await Promise.all([this.blobUrl(this.config.workerUrl), this.blobUrl(index + 'pyodide.mjs'), this.blobUrl(index + 'pyodide.asm.mjs')]);
    } catch (e) {
      if (gen === this.generation) this.startFailed(`could not load the Pyodide files: ${errorText(e)}`, 'internal');
      return;
    }
    if (gen !== this.generation) return;
    let worker: Worker;
    try {
      worker = new Worker(script, { type: 'module', name: 'recode-pyodide' });
    } catch (e) {
      this.startFailed(`could not start the Pyodide worker: ${errorText(e)}`, 'internal');
      return;
    }
    this.worker = worker;
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.onWorkerMessage(worker, ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.onWorkerCrash(worker, ev.message || 'the Pyodide worker failed to load');
    };
    worker.onmessageerror = () => this.onWorkerCrash(worker, 'a message from the Pyodide worker could not be read');
    this.send(worker, { type: 'init', config: this.config, modules: { pyodide, asm } });
  }

  private send(worker: Worker, msg: ToWorker): void {
    worker.postMessage(msg);
  }

  /** A file, fetched once by the page (which the webview's service worker serves). */
  private file(url: string): Promise<Blob> {
    let p = this.files.get(url);
    if (!p) {
      p = fetch(url).then(async (res) => {
        if (!res.ok) throw new Error(`${url.split('/').pop()}: HTTP ${res.status}`);
        return new Blob([await res.arrayBuffer()], { type: typeOf(url) });
      });
      p.catch(() => this.files.delete(url));
      this.files.set(url, p);
    }
    return p;
  }

  private blobUrl(url: string): Promise<string> {
    let p = this.blobUrls.get(url);
    if (!p) {
      p = this.file(url).then((b) => URL.createObjectURL(b));
      p.catch(() => this.blobUrls.delete(url));
      this.blobUrls.set(url, p);
    }
    return p;
  }

  /** Only Pyodide's own files and the prepared packages are served to the worker. */
  private allowed(raw: string): boolean {
    let url: string;
    try {
      url = new URL(raw).href; // resolves ./ ../ and their %2e spellings
    } catch {
      return false;
    }
    const c = this.config;
    const under = (prefix: string | undefined) => !!prefix && url.startsWith(prefix) && !/[?#]/.test(url);
    return url === c.lockFileUrl || under(c.indexUrl) || under(c.packageBaseUrl);
  }

  private serveFetch(worker: Worker, id: number, url: string): void {
    if (typeof url !== 'string' || url.length > LIMITS.urlChars || !this.allowed(url)) {
      this.send(worker, { type: 'fetched', id, ok: false, status: 403, error: 'not a Pyodide file' });
      return;
    }
    this.file(url).then(
      (blob) => worker === this.worker && this.send(worker, { type: 'fetched', id, ok: true, status: 200, blob }),
      (e) => worker === this.worker && this.send(worker, { type: 'fetched', id, ok: false, status: 404, error: errorText(e) }),
    );
  }

  private onWorkerMessage(worker: Worker, msg: FromWorker): void {
    if (worker !== this.worker) return;
    switch (msg.type) {
      case 'fetch':
        this.serveFetch(worker, msg.id, msg.url);
        return;
      case 'ready':
        if (this.phase !== 'starting') return;
        this.phase = 'ready';
        this.failedStarts = 0;
        clearTimeout(this.startupTimer);
        this.onStatus({
          status: 'ready',
          ms: Math.round(performance.now() - this.startedAt),
          message: `Python ${msg.python}${msg.packages.length ? ` with ${msg.packages.join(', ')}` : ''}`,
        });
        this.pump();
        return;
      case 'init-failed':
        this.startFailed(msg.error, msg.kind);
        return;
      case 'result': {
        const cur = this.current;
        if (!cur || cur.job.jobId !== msg.id) return;
        this.finish(cur.job, toWire(msg.result));
        if (msg.fatal) {
          // The interpreter broke: the next program gets a fresh one.
          this.stopWorker();
          this.start();
          return;
        }
        this.pump();
        return;
      }
    }
  }

  private onWorkerCrash(worker: Worker, message: string): void {
    if (worker !== this.worker) return;
    if (this.phase !== 'ready') {
      this.startFailed(message, 'internal');
      return;
    }
    // A crash mid-program (e.g. out of memory): that program fails, the next gets a fresh worker.
    const cur = this.current;
    this.stopWorker();
    if (cur) this.finish(cur.job, failure('internal', `the Pyodide worker crashed: ${message}`, performance.now() - cur.startedAt));
    if (this.queue.length > 0) this.start();
  }

  private startFailed(error: string, kind: 'missing-package' | 'internal'): void {
    this.stopWorker();
    this.failedStarts++;
    this.onStatus({ status: 'failed', message: error });
    // Every waiting program fails with the reason; a later program tries once more (unless it is a
    // missing package, which needs the user to prepare the renderer first).
    for (const j of this.queue.splice(0)) j.reply(failure(kind, error, 0));
    if (kind === 'missing-package' || this.failedStarts >= 3) this.initError = { error, kind };
  }

  private pump(): void {
    if (!this.worker || this.phase !== 'ready' || this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    const timer = setTimeout(() => this.kill('timeout'), job.request.timeLimitMs + LIMIT_SLACK_MS);
    this.current = { job, timer, startedAt: performance.now() };
    this.send(this.worker, { type: 'run', id: job.jobId, request: job.request });
  }

  /** Stops the running program the only way possible: terminate the worker, then start a new one. */
  private kill(reason: 'timeout' | 'cancelled'): void {
    const cur = this.current;
    if (!cur) return;
    this.stopWorker();
    const ms = performance.now() - cur.startedAt;
    this.finish(
      cur.job,
      reason === 'timeout'
        ? failure('timeout', `the program ran past its time limit of ${fmtSeconds(cur.job.request.timeLimitMs)} and was stopped`, ms)
        : failure('cancelled', 'cancelled', ms),
    );
    // The next program (now or later) gets a fresh worker; start it right away.
    this.start();
  }

  private finish(job: Job, result: RenderJobResult): void {
    if (this.current?.job === job) {
      clearTimeout(this.current.timer);
      this.current = undefined;
    }
    job.reply(result);
  }

  private stopWorker(): void {
    this.generation++;
    clearTimeout(this.startupTimer);
    if (this.worker) {
      this.worker.onmessage = null;
      this.worker.onerror = null;
      this.worker.terminate();
    }
    this.worker = undefined;
    this.phase = 'idle';
    if (this.current) clearTimeout(this.current.timer);
  }
}

/** The worker's result as the protocol carries it: PNG as base64, texts within the protocol's limits. */
function toWire(r: WorkerRenderResult): RenderJobResult {
  const { png, ...rest } = r;
  const out: RenderJobResult = { ...rest, stdout: clip(rest.stdout, LIMITS.outputChars), durationMs: Math.max(0, Math.round(rest.durationMs)) };
  if (rest.error !== undefined) out.error = clip(rest.error, LIMITS.textChars);
  if (rest.traceback !== undefined) out.traceback = clip(rest.traceback, LIMITS.outputChars);
  if (rest.answer !== undefined) out.answer = clip(rest.answer, LIMITS.textChars);
  if (png) out.png = bytesToBase64(png);
  return out;
}

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function failure(kind: NonNullable<RenderJobResult['errorKind']>, error: string, ms: number): RenderJobResult {
  return { ok: false, stdout: '', error, errorKind: kind, durationMs: Math.round(ms) };
}

function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
