/**
 * The panel's Pyodide Web Worker (a module worker, started by workerHost.ts from a blob that
 * imports this bundle). It loads Pyodide's core from the extension (dist/pyodide/) and the prepared
 * packages from the extension's storage, then runs one program at a time through the same harness
 * and sandbox as the Node renderer (src/core/render/pyodideSession.ts): the JavaScript bridge is
 * closed and this worker's realm hardened (no fetch, no eval, no importScripts) before any program
 * runs. It runs ONE program: the page terminates it when the program ends (and it refuses a
 * second program itself), so no state crosses programs. Time limits are the page's job: it
 * terminates this worker (no SharedArrayBuffer in a webview, so no interrupt). What it replies is
 * checked by the page (workerHost.ts), not trusted.
 */
import type { PageToWorker, WorkerRenderResult, WorkerToPage } from './workerMessages';
import type { RenderJobRequest, WorkerConfig } from '../../src/shared/protocol';
import {
  OutputSink,
  capWasmMemory,
  hardenJsRealm,
  installHarness,
  loadPackages,
  lockFileSystems,
  pyodideLoadOptions,
  runJob,
  SNAPSHOT_IMPORTS,
  useCompiledModule,
  type HarnessSession,
  type PyodideLike,
} from '../../src/core/render/pyodideSession';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PIXELS, harnessJob, toRenderResult } from '../../src/core/render/harness';

/** WebAssembly memory for one interpreter (a memory bomb gets MemoryError, not the renderer's tab). */
const MEMORY_LIMIT_MB = 1536;
const MISSING_HINT =
  'Run "RECODE: Prepare renderer" once (it downloads numpy and matplotlib and checks their sha256, or imports them from a folder), or set "recode.renderer" to "python".';

interface WorkerScope {
  postMessage(msg: WorkerToPage, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<PageToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
// Captured before the realm is hardened.
const postMessage = scope.postMessage.bind(scope);
const now = performance.now.bind(performance);

// Every fetch of this worker goes through the page (see workerMessages.ts). Installed before
// Pyodide loads; hardenJsRealm() removes it with the rest before any program runs.
const fetches = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
let fetchSeq = 0;
function proxyFetch(input: RequestInfo | URL): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return new Promise((resolve, reject) => {
    const id = ++fetchSeq;
    fetches.set(id, { resolve, reject });
    post({ type: 'fetch', id, url });
  });
}
(globalThis as unknown as { fetch: typeof proxyFetch }).fetch = proxyFetch;

function onFetched(m: Extract<PageToWorker, { type: 'fetched' }>): void {
  const f = fetches.get(m.id);
  if (!f) return;
  fetches.delete(m.id);
  if (m.ok && m.blob) f.resolve(new Response(m.blob, { status: 200, headers: { 'Content-Type': m.blob.type || 'application/octet-stream' } }));
  else if (m.status === 404) f.resolve(new Response(null, { status: 404, statusText: m.error ?? 'Not Found' }));
  else f.reject(new TypeError(`fetch refused: ${m.error ?? m.status}`));
}

let session: HarnessSession | undefined;
let out: OutputSink | undefined;
let busy: Promise<void> = Promise.resolve();

function post(msg: WorkerToPage, transfer: Transferable[] = []): void {
  postMessage(msg, transfer);
}

function oneLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

async function init(config: WorkerConfig, modules: { pyodide: string; asm: string }, snapshot?: Uint8Array, makeSnapshot?: boolean, wasmModule?: unknown): Promise<void> {
  const t0 = now();
  try {
    capWasmMemory(MEMORY_LIMIT_MB);
    // Pyodide's two modules come as blob URLs made by the page (a webview resource cannot be imported from here).
    const mod = (await import(/* webpackIgnore: true */ modules.pyodide)) as {
      loadPyodide(opts: Record<string, unknown>): Promise<PyodideLike>;
    };
    const asm = (await import(/* webpackIgnore: true */ modules.asm)) as { default: unknown };
    out = new OutputSink(DEFAULT_MAX_OUTPUT_BYTES);
    let load: Record<string, unknown>;
    if (config.lockFileUrl && config.packageBaseUrl) {
      load = pyodideLoadOptions({ out, lockFileURL: config.lockFileUrl, packageBaseUrl: config.packageBaseUrl });
    } else {
      // No package folder: an empty lock (with the core's info), so nothing is ever fetched from a CDN.
      const res = await fetch(config.indexUrl + 'pyodide-lock.json');
      if (!res.ok) throw new Error(`could not read Pyodide's lock file (HTTP ${res.status})`);
      const core = (await res.json()) as { info?: Record<string, unknown> };
      load = pyodideLoadOptions({ out, emptyLockInfo: core.info ?? {}, packageBaseUrl: config.indexUrl + 'no-packages/' });
    }
    if (snapshot) load._loadSnapshot = snapshot;
    else if (makeSnapshot) load._makeSnapshot = true;
    const shared = useCompiledModule(wasmModule);
    const pyodide = (await mod.loadPyodide({ indexURL: config.indexUrl, createPyodideModule: asm.default, ...load }).finally(shared.restore)) as PyodideLike & {
      makeMemorySnapshot?(): Uint8Array;
    };
    if (makeSnapshot && !snapshot) {
      // trusted code only so far: this interpreter is pristine (a failure just means cold starts)
      try {
        pyodide.runPython(SNAPSHOT_IMPORTS);
        const bytes = pyodide.makeMemorySnapshot?.();
        if (bytes) post({ type: 'snapshot', bytes }, [bytes.buffer as ArrayBuffer]);
      } catch {
        /* no snapshot */
      }
    }
    let packageProblem: string | undefined;
    if (config.packages.length > 0) {
      const r = await loadPackages(pyodide, config.packages);
      const missing = config.packages.filter((p) => !r.loaded.includes(p));
      if (missing.length > 0 || r.errors.length > 0) {
        packageProblem = `the Pyodide packages could not be loaded (${missing.join(', ') || 'errors'}${r.errors.length ? `: ${r.errors[0].slice(0, 300)}` : ''})`;
      }
    }
    // Read before the harness closes the bridge (runPython needs the pyodide modules it removes).
    const python = String(pyodide.runPython('import sys; sys.version.split()[0]') ?? '');
    session = installHarness(pyodide, {
      missingHint: packageProblem ? `(${packageProblem}). ${MISSING_HINT}` : `(the Pyodide packages are not prepared). ${MISSING_HINT}`,
      maxPixels: DEFAULT_MAX_PIXELS,
    });
    const loaded = session.matplotlib ? [`matplotlib ${session.matplotlib}`] : [];
    // Close this realm's doors before any program runs (postMessage was captured above).
    lockFileSystems(pyodide as Parameters<typeof lockFileSystems>[0]);
    fetches.clear();
    hardenJsRealm(globalThis);
    if (packageProblem) {
      post({ type: 'init-failed', error: `${packageProblem}. ${MISSING_HINT}`, kind: 'missing-package' });
      return;
    }
    post({ type: 'ready', ms: Math.round(now() - t0), python, packages: loaded });
  } catch (e) {
    post({ type: 'init-failed', error: `Pyodide could not start: ${oneLine(e)}`, kind: 'internal' });
  }
}

let used = false;

function run(id: string, request: RenderJobRequest): void {
  let result: WorkerRenderResult;
  let fatal = false;
  if (used) {
    result = { ok: false, stdout: '', error: 'this interpreter already ran a program', errorKind: 'internal', durationMs: 0 };
    fatal = true;
  } else if (!session) {
    result = { ok: false, stdout: '', error: 'Pyodide is not loaded', errorKind: 'internal', durationMs: 0 };
  } else {
    used = true;
    const t0 = now();
    const reply = runJob(
      session,
      harnessJob(request, { maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES, maxPixels: DEFAULT_MAX_PIXELS }),
      out,
    );
    fatal = reply.fatal === true;
    result = toRenderResult(reply, Math.round(now() - t0));
  }
  post({ type: 'result', id, result, fatal }, result.png ? [result.png.buffer as ArrayBuffer] : []);
}

scope.onmessage = (ev: MessageEvent<PageToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'fetched') {
    onFetched(msg);
    return;
  }
  // One thing at a time, in order: a 'run' that arrives while Pyodide loads waits for it.
  busy = busy.then(() => (msg.type === 'init' ? init(msg.config, msg.modules, msg.snapshot, msg.makeSnapshot, msg.wasmModule) : run(msg.id, msg.request)));
};
