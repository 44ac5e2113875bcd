/**
 * The worker_threads entry that hosts Pyodide for the Node renderer (CLI, tests, extension host).
 * esbuild bundles it to dist/pyodideWorker.js; tsc compiles it to out/src/core/render/. The
 * renderer (pyodideRenderer.ts) starts it with `workerData: WorkerInit` and talks to it with the
 * messages of pyodideWorkerMessages.ts. A worker runs ONE program and is then terminated by the renderer (it refuses a
 * second job itself too): no state of a program can reach the next one.
 *
 * Start-up: from a memory snapshot of a pristine interpreter when the renderer has one (about 10x
 * faster than a cold loadPyodide), else cold. The first worker of a renderer can be asked to make
 * that snapshot (`makeSnapshot`): right after loadPyodide and trusted imports, before any package,
 * harness or program has run; it sends it to the renderer and then goes on like any other worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RendererToWorker, WorkerToRenderer } from './pyodideWorkerMessages';
import {
  OutputSink,
  capWasmMemory,
  hardenJsRealm,
  installHarness,
  lockFileSystems,
  useCompiledModule,
  loadPackages,
  pyodideLoadOptions,
  runJob,
  SNAPSHOT_IMPORTS,
  type HarnessSession,
  type PyodideLike,
} from './pyodideSession';

export interface WorkerInit {
  /** Pyodide's core folder (pyodide.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json). */
  indexDir: string;
  /** The package folder (pyodide-lock.json + wheels), if any. */
  packageDir?: string;
  /** WebAssembly memory cap. */
  memoryLimitMb: number;
  /** How to get the packages (appended to 'missing-package' errors). */
  prepareHint: string;
  maxPixels: number;
  /** SharedArrayBuffer(4) for interrupts (time limits, cancellation). */
  interrupt: SharedArrayBuffer;
  /** A memory snapshot of a pristine interpreter (this worker's own copy) to start from. */
  snapshot?: Uint8Array;
  /** Make a snapshot right after loading (before packages, harness and programs) and send it. */
  makeSnapshot?: boolean;
  /**
   * pyodide.asm.wasm compiled once by the renderer (code only: every worker has its own memory).
   * Workers instantiate it instead of compiling their own, and share V8's optimised code.
   */
  wasmModule?: unknown;
}

type LoadedPyodide = PyodideLike & {
  version: string;
  _module?: { HEAP8?: { length: number } };
  makeMemorySnapshot?(): Uint8Array;
  FS?: Record<string, unknown> & { filesystems?: Record<string, unknown> };
  mountNodeFS?: unknown;
};

interface PyodideModuleExports {
  loadPyodide(options: Record<string, unknown>): Promise<LoadedPyodide>;
}

/** Why packages are missing, and how to get them: ends up in 'missing-package' errors. */
function missingHint(init: WorkerInit, packageErrors: string[], packageFolderOk: boolean): string {
  if (!init.packageDir) return `(no package folder is set up). ${init.prepareHint}`;
  if (!packageFolderOk) return `(the package folder ${init.packageDir} has no pyodide-lock.json). ${init.prepareHint}`;
  if (packageErrors.length) return `(loading ${init.packageDir} failed: ${packageErrors[0]}). ${init.prepareHint}`;
  return `(the package folder ${init.packageDir} does not hold it). ${init.prepareHint}`;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pyodideWorker.js must run as a worker thread');
  const init = workerData as WorkerInit;
  const t0 = Date.now();
  const post = (m: WorkerToRenderer): void => port.postMessage(m);
  let session: HarnessSession;
  let out: OutputSink;
  let heap: () => number;
  try {
    capWasmMemory(init.memoryLimitMb);
    const indexDir = init.indexDir.endsWith(path.sep) ? init.indexDir : init.indexDir + path.sep;
    const mod = (await import(pathToFileURL(path.join(indexDir, 'pyodide.mjs')).href)) as PyodideModuleExports;
    out = new OutputSink(1_000_000);
    const coreLock = JSON.parse(readFileSync(path.join(indexDir, 'pyodide-lock.json'), 'utf8')) as { info: Record<string, unknown> };
    const folderLock = init.packageDir ? path.join(init.packageDir, 'pyodide-lock.json') : undefined;
    const packageFolderOk = !!folderLock && existsSync(folderLock);
    const options: Record<string, unknown> = {
      indexURL: indexDir,
      ...pyodideLoadOptions(
        packageFolderOk
          ? { out, lockFileURL: folderLock, packageBaseUrl: path.resolve(init.packageDir as string) + path.sep }
          : { out, emptyLockInfo: coreLock.info, packageBaseUrl: path.join(indexDir, 'no-packages') + path.sep },
      ),
    };
    if (packageFolderOk) options.packageCacheDir = path.resolve(init.packageDir as string);
    if (init.snapshot) options._loadSnapshot = init.snapshot;
    else if (init.makeSnapshot) options._makeSnapshot = true;
    const shared = init.wasmModule ? useCompiledModule(init.wasmModule) : { restore: () => {}, used: () => false };
    const pyodide = await mod.loadPyodide(options).finally(shared.restore);
    if (init.makeSnapshot && !init.snapshot) {
      try {
        const s0 = Date.now();
        pyodide.runPython(SNAPSHOT_IMPORTS, { filename: '<recode-snapshot>' });
        const bytes = pyodide.makeMemorySnapshot?.();
        if (!bytes) throw new Error('this Pyodide cannot make memory snapshots');
        port.postMessage({ type: 'snapshot', bytes, ms: Date.now() - s0 } satisfies WorkerToRenderer, [bytes.buffer as ArrayBuffer]);
      } catch (e) {
        post({ type: 'snapshot-error', error: String((e as Error)?.message ?? e).split('\n')[0] });
      }
    }
    let packages: string[] = [];
    let packageErrors: string[] = [];
    if (packageFolderOk) {
      const lock = JSON.parse(readFileSync(folderLock as string, 'utf8')) as { packages?: Record<string, unknown> };
      const r = await loadPackages(pyodide, Object.keys(lock.packages ?? {}));
      packages = r.loaded;
      packageErrors = r.errors;
    }
    const interrupt = new Int32Array(init.interrupt);
    session = installHarness(pyodide, {
      missingHint: missingHint(init, packageErrors, packageFolderOk),
      interrupt,
      maxPixels: init.maxPixels,
      out,
    });
    const python = session.python;
    const module = pyodide._module;
    heap = () => Math.round((module?.HEAP8?.length ?? 0) / 1048576);
    // Close the host doors of this thread before any program runs.
    // the module object itself (an `import * as` namespace would be a copy): emscripten's system()
    // looks spawnSync up on it at call time
    const cp = require('node:child_process') as Record<string, unknown>;
    const refused = (): object => ({ status: 127, signal: null, pid: 0, output: [], stdout: '', stderr: '', error: new Error('child processes are disabled in the RECODE sandbox') });
    for (const k of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
      try {
        Object.defineProperty(cp, k, { value: refused, writable: false, configurable: false });
      } catch {
        /* already locked */
      }
    }
    // No host file system can be mounted into this interpreter (NODEFS reads the real disk).
    lockFileSystems(pyodide);
    hardenJsRealm(globalThis);
    post({ type: 'ready', python, matplotlib: session.matplotlib, packages, packageErrors, initMs: Date.now() - t0, sharedWasm: shared.used() });
  } catch (e) {
    post({ type: 'init-error', error: String((e as Error)?.message ?? e).split('\n')[0] });
    return;
  }
  let used = false;
  port.on('message', (m: RendererToWorker) => {
    if (!m || m.type !== 'job') return;
    if (used) {
      // one program per interpreter: the renderer never sends a second one; refuse it if it did
      post({ type: 'reply', id: m.id, reply: { ok: false, stdout: '', error: 'this interpreter already ran a program', error_kind: 'internal', fatal: true }, heapMb: heap() });
      return;
    }
    used = true;
    const reply = runJob(session, m.job, out);
    post({ type: 'reply', id: m.id, reply, heapMb: heap() });
  });
}


void main();
