/**
 * Hosts the panel's Pyodide Web Workers: starts them from a blob of the bundled worker script (a
 * module worker: Pyodide refuses classic ones), serves their file requests (see workerMessages.ts)
 * and runs programs, ONE PROGRAM PER WORKER: a worker is terminated as soon as its program ends
 * (or runs past its time limit, or is cancelled — Python in wasm cannot be interrupted any other
 * way here: no SharedArrayBuffer in a webview), so nothing a program changes reaches the next one.
 * A spare worker is always loading in the background so that the next program does not wait for
 * Pyodide to start. Everything a worker sends is checked like a message from outside: its shape,
 * its strings (capped, control characters removed), its PNG (signature, size, byte cap); its file
 * requests are served only for plain paths under the Pyodide and package folders.
 */
import { LIMITS, type RenderJobRequest, type RenderJobResult, type WorkerConfig } from '../../src/shared/protocol';
import { cleanText } from '../../src/core/render/replyCheck';
import { errorText } from '../../src/core/text';
import { parseWorkerToPage, plainResourceUrl, toWire, type PageToWorker, type WorkerToPage } from './workerMessages';

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

/** One worker: one interpreter, for one program. */
interface Slot {
  worker: Worker | undefined;
  phase: 'starting' | 'ready' | 'dead';
  startedAt: number;
  startupTimer: ReturnType<typeof setTimeout> | undefined;
  python?: string;
  packages?: string[];
  /** Asked to make the memory snapshot; started from it. */
  makeSnapshot: boolean;
  fromSnapshot: boolean;
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
  /** The worker the next program runs in (loading or ready); never one that ran a program. */
  private active: Slot | undefined;
  /** The worker after that, loading in the background. */
  private spare: Slot | undefined;
  private initError: { error: string; kind: 'missing-package' | 'internal' } | undefined;
  private queue: Job[] = [];
  private current: { job: Job; slot: Slot; timer: ReturnType<typeof setTimeout>; startedAt: number } | undefined;
  /** Failed starts in a row (a worker that cannot start is not restarted forever). */
  private failedStarts = 0;
  /** Whether the page was told a worker is ready (status messages on changes only, not per program). */
  private announcedReady = false;
  private disposed = false;
  /** A memory snapshot of a pristine interpreter (from the first worker, before it ran anything). */
  private snapshot: Uint8Array | undefined;
  private snapshotState: 'none' | 'making' | 'ready' | 'off' = 'none';
  /** Pyodide's wasm compiled once by the page; every worker instantiates it (its own memory). */
  private wasmModule: Promise<unknown> | undefined;
  /** Files fetched for the worker, kept for restarts (Pyodide's core is ~13 MB). */
  private readonly files = new Map<string, Promise<Blob>>();
  private readonly blobUrls = new Map<string, Promise<string>>();

  constructor(
    private config: WorkerConfig,
    private readonly onStatus: (s: WorkerStatus) => void,
  ) {}

  /** New files (e.g. packages just prepared): start over with them. */
  reconfigure(config: WorkerConfig): void {
    if (config.indexUrl !== this.config.indexUrl) {
      this.wasmModule = undefined;
      this.snapshot = undefined;
      this.snapshotState = 'none';
    }
    this.config = config;
    this.initError = undefined;
    this.failedStarts = 0;
    if (this.current) this.finish(this.current.job, failure('cancelled', 'the renderer was restarted with new packages', 0));
    this.stopAll();
    this.start();
  }

  run(jobId: string, request: RenderJobRequest, reply: (r: RenderJobResult) => void): void {
    if (this.initError) {
      reply(failure(this.initError.kind, this.initError.error, 0));
      return;
    }
    this.queue.push({ jobId, request, reply });
    this.start();
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
    this.disposed = true;
    for (const j of this.queue.splice(0)) j.reply(failure('cancelled', 'the panel closed', 0));
    if (this.current) this.finish(this.current.job, failure('cancelled', 'the panel closed', 0));
    this.stopAll();
  }

  /** Starts a worker now if none is loading or ready (Pyodide takes seconds: do it before the first program). */
  start(): void {
    if (this.disposed || this.initError) return;
    if (!this.active) {
      if (this.spare) {
        this.active = this.spare;
        this.spare = undefined;
      } else {
        this.active = this.launch();
        if (!this.announcedReady) this.onStatus({ status: 'starting' });
      }
    }
    // the spare loads once the active worker is ready and no program runs (two loads at once
    // would slow both; at most two interpreters are alive)
    if (!this.spare && this.active.phase === 'ready' && !this.current) this.spare = this.launch();
  }

  private launch(): Slot {
    const makeSnapshot = this.snapshotState === 'none';
    if (makeSnapshot) this.snapshotState = 'making';
    const slot: Slot = {
      worker: undefined,
      phase: 'starting',
      startedAt: performance.now(),
      startupTimer: undefined,
      makeSnapshot,
      fromSnapshot: this.snapshotState === 'ready' && !!this.snapshot,
    };
    slot.startupTimer = setTimeout(() => {
      if (slot.phase === 'starting') this.startFailed(slot, `Pyodide did not start within ${STARTUP_LIMIT_MS / 1000} s`, 'internal');
    }, STARTUP_LIMIT_MS);
    void this.boot(slot);
    return slot;
  }

  private async boot(slot: Slot): Promise<void> {
    const index = this.config.indexUrl;
    let script: string, pyodide: string, asm: string;
    try {
      [script, pyodide, asm] = await Promise.all([this.blobUrl(this.config.workerUrl), this.blobUrl(index + 'pyodide.mjs'), this.blobUrl(index + 'pyodide.asm.mjs')]);
    } catch (e) {
      this.startFailed(slot, `could not load the Pyodide files: ${errorText(e)}`, 'internal');
      return;
    }
    if (slot.phase !== 'starting') return;
    let worker: Worker;
    try {
      worker = new Worker(script, { type: 'module', name: 'recode-pyodide' });
    } catch (e) {
      this.startFailed(slot, `could not start the Pyodide worker: ${errorText(e)}`, 'internal');
      return;
    }
    slot.worker = worker;
    worker.onmessage = (ev: MessageEvent<unknown>) => this.onWorkerMessage(slot, ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.onWorkerCrash(slot, ev.message || 'the Pyodide worker failed to load');
    };
    worker.onmessageerror = () => this.onWorkerCrash(slot, 'a message from the Pyodide worker could not be read');
    // each worker gets its own copy of the snapshot (transferred): no memory is shared between interpreters
    const snapshot = slot.fromSnapshot && this.snapshot ? this.snapshot.slice() : undefined;
    const wasmModule = await this.compiledWasm();
    if (slot.phase !== 'starting') {
      worker.terminate();
      return;
    }
    const init: PageToWorker = { type: 'init', config: this.config, modules: { pyodide, asm }, snapshot, makeSnapshot: slot.makeSnapshot, wasmModule };
    worker.postMessage(init, snapshot ? [snapshot.buffer as ArrayBuffer] : []);
  }

  private send(worker: Worker, msg: PageToWorker): void {
    worker.postMessage(msg);
  }

  /** Pyodide's wasm, compiled once (undefined if that fails: each worker then compiles its own). */
  private compiledWasm(): Promise<unknown> {
    this.wasmModule ??= this.file(this.config.indexUrl + 'pyodide.asm.wasm')
      .then((b) => b.arrayBuffer())
      .then((bytes) => (globalThis as unknown as { WebAssembly: { compile(b: ArrayBuffer): Promise<unknown> } }).WebAssembly.compile(bytes))
      .catch(() => undefined);
    return this.wasmModule;
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

  /** Only Pyodide's own files and the prepared packages are served to the worker, by plain paths. */
  private allowed(raw: string): boolean {
    if (!plainResourceUrl(raw)) return false;
    let url: string;
    try {
      url = new URL(raw).href;
    } catch {
      return false;
    }
    const c = this.config;
    const under = (prefix: string | undefined) => !!prefix && url.startsWith(prefix);
    return url === c.lockFileUrl || under(c.indexUrl) || under(c.packageBaseUrl);
  }

  private serveFetch(worker: Worker, id: number, url: string): void {
    if (url.length > LIMITS.urlChars || !this.allowed(url)) {
      this.send(worker, { type: 'fetched', id, ok: false, status: 403, error: 'not a Pyodide file' });
      return;
    }
    this.file(url).then(
      (blob) => this.send(worker, { type: 'fetched', id, ok: true, status: 200, blob }),
      (e) => this.send(worker, { type: 'fetched', id, ok: false, status: 404, error: cleanText(errorText(e), 300, true) }),
    );
  }

  private onWorkerMessage(slot: Slot, raw: unknown): void {
    if (slot.phase === 'dead' || !slot.worker) return;
    const msg = checkFromWorker(raw);
    if (!msg) {
      // a worker that speaks out of protocol is not trusted with anything more
      this.onWorkerCrash(slot, 'the Pyodide worker sent a malformed message');
      return;
    }
    switch (msg.type) {
      case 'fetch':
        // files are for loading; a worker that has started running programs gets none
        if (slot.phase !== 'starting') {
          this.send(slot.worker, { type: 'fetched', id: msg.id, ok: false, status: 403, error: 'not while running a program' });
          return;
        }
        this.serveFetch(slot.worker, msg.id, msg.url);
        return;
      case 'ready': {
        if (slot.phase !== 'starting') return;
        slot.phase = 'ready';
        clearTimeout(slot.startupTimer);
        slot.python = msg.python;
        slot.packages = msg.packages;
        if (slot.makeSnapshot && this.snapshotState === 'making') this.snapshotState = 'off'; // it made none
        this.failedStarts = 0;
        if (slot === this.active && !this.announcedReady) {
          this.announcedReady = true;
          this.onStatus({
            status: 'ready',
            ms: Math.round(performance.now() - slot.startedAt),
            message: `Python ${msg.python}${msg.packages.length ? ` with ${msg.packages.join(', ')}` : ''}`,
          });
        }
        this.start(); // the spare, now that this one is ready
        this.pump();
        return;
      }
      case 'snapshot':
        // only from the worker asked to make it, and only while it loads (before any program)
        if (!slot.makeSnapshot || slot.phase !== 'starting' || this.snapshotState !== 'making') return;
        slot.makeSnapshot = false;
        this.snapshot = msg.bytes;
        this.snapshotState = 'ready';
        return;
      case 'init-failed':
        if (slot.fromSnapshot && this.snapshotState === 'ready') {
          // could not start from the snapshot: cold starts from now on, and this start does not count
          this.snapshotState = 'off';
          this.snapshot = undefined;
          const wasActive = slot === this.active;
          this.retire(slot);
          if (wasActive) this.start();
          return;
        }
        this.startFailed(slot, msg.error, msg.kind);
        return;
      case 'result': {
        const cur = this.current;
        if (!cur || cur.slot !== slot || cur.job.jobId !== msg.id) return;
        this.finish(cur.job, toWire(msg.result, cur.job.request));
        // one program per interpreter: this worker is done; the spare takes the next program
        this.retire(slot);
        this.start();
        this.pump();
        return;
      }
    }
  }

  private onWorkerCrash(slot: Slot, message: string): void {
    if (slot.phase === 'dead') return;
    if (slot.phase === 'starting') {
      this.startFailed(slot, message, 'internal');
      return;
    }
    // A crash mid-program (e.g. out of memory) or out of protocol: that program fails, the next gets a fresh worker.
    const cur = this.current;
    this.retire(slot);
    if (cur && cur.slot === slot) this.finish(cur.job, failure('internal', `the Pyodide worker crashed: ${cleanText(message, 300, true)}`, performance.now() - cur.startedAt));
    if (this.queue.length > 0) this.start();
    this.pump();
  }

  private startFailed(slot: Slot, error: string, kind: 'missing-package' | 'internal'): void {
    if (slot.phase === 'dead') return;
    const wasActive = slot === this.active;
    this.retire(slot);
    if (!wasActive) return; // a spare that failed: the next start tries again
    this.failedStarts++;
    this.announcedReady = false;
    this.onStatus({ status: 'failed', message: error });
    // Every waiting program fails with the reason; a later program tries once more (unless it is a
    // missing package, which needs the user to prepare the renderer first).
    for (const j of this.queue.splice(0)) j.reply(failure(kind, error, 0));
    if (kind === 'missing-package' || this.failedStarts >= 3) {
      this.initError = { error, kind };
      this.stopAll();
    }
  }

  private pump(): void {
    const slot = this.active;
    if (!slot || slot.phase !== 'ready' || !slot.worker || this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    // this worker now belongs to this program; the spare becomes the next active one
    this.active = undefined;
    const timer = setTimeout(() => this.kill('timeout'), job.request.timeLimitMs + LIMIT_SLACK_MS);
    this.current = { job, slot, timer, startedAt: performance.now() };
    this.send(slot.worker, { type: 'run', id: job.jobId, request: job.request });
    this.start();
  }

  /** Stops the running program the only way possible: terminate its worker. */
  private kill(reason: 'timeout' | 'cancelled'): void {
    const cur = this.current;
    if (!cur) return;
    this.retire(cur.slot);
    const ms = performance.now() - cur.startedAt;
    this.finish(
      cur.job,
      reason === 'timeout'
        ? failure('timeout', `the program ran past its time limit of ${fmtSeconds(cur.job.request.timeLimitMs)} and was stopped`, ms)
        : failure('cancelled', 'cancelled', ms),
    );
    this.start();
    this.pump();
  }

  private finish(job: Job, result: RenderJobResult): void {
    if (this.current?.job === job) {
      clearTimeout(this.current.timer);
      this.current = undefined;
    }
    job.reply(result);
  }

  /** Terminates a worker for good. */
  private retire(slot: Slot): void {
    if (slot.makeSnapshot && this.snapshotState === 'making') this.snapshotState = 'none';
    slot.phase = 'dead';
    clearTimeout(slot.startupTimer);
    if (slot.worker) {
      slot.worker.onmessage = null;
      slot.worker.onerror = null;
      slot.worker.terminate();
    }
    slot.worker = undefined;
    if (this.active === slot) this.active = undefined;
    if (this.spare === slot) this.spare = undefined;
  }

  private stopAll(): void {
    for (const s of [this.active, this.spare, this.current?.slot]) if (s) this.retire(s);
    if (this.current) clearTimeout(this.current.timer);
    this.announcedReady = false;
  }
}

/** A message from a worker, checked, with its texts cleaned of control characters. */
function checkFromWorker(raw: unknown): WorkerToPage | undefined {
  const m = parseWorkerToPage(raw);
  if (m?.type === 'ready') return { ...m, python: cleanText(m.python, 200, true), packages: m.packages.map((p) => cleanText(p, 200, true)) };
  if (m?.type === 'init-failed') return { ...m, error: cleanText(m.error, LIMITS.textChars, true) };
  if (m?.type === 'result') return { ...m, fatal: m.fatal === true };
  return m;
}

function failure(kind: NonNullable<RenderJobResult['errorKind']>, error: string, ms: number): RenderJobResult {
  return { ok: false, stdout: '', error, errorKind: kind, durationMs: Math.round(ms) };
}

function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
