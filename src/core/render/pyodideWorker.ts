/**
 * The worker_threads entry that hosts Pyodide for the Node renderer (CLI, tests, extension host).
 * esbuild bundles it to dist/pyodideWorker.js; tsc compiles it to out/src/core/render/. The
 * renderer (pyodideRenderer.ts) starts it with `workerData: WorkerInit` and talks to it with the
 * messages below. Jobs run synchronously, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HarnessJob } from './harness';
import {
  OutputSink,
  capWasmMemory,
  hardenJsRealm,
  installHarness,
  loadPackages,
  pyodideLoadOptions,
  runJob,
  type HarnessSession,
  type PyodideLike,
  type SessionReply,
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
}

export type ToWorker = { type: 'job'; id: number; job: HarnessJob };

export type FromWorker =
  | {
      type: 'ready';
      python: string;
      matplotlib: string | null;
      packages: string[];
      packageErrors: string[];
      initMs: number;
    }
  | { type: 'init-error'; error: string }
  | { type: 'reply'; id: number; reply: SessionReply; heapMb: number };

interface PyodideModuleExports {
  loadPyodide(options: Record<string, unknown>): Promise<PyodideLike & { version: string; _module?: { HEAP8?: { length: number } } }>;
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
  const post = (m: FromWorker): void => port.postMessage(m);
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
    const pyodide = await mod.loadPyodide(options);
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
    hardenJsRealm(globalThis);
    post({ type: 'ready', python, matplotlib: session.matplotlib, packages, packageErrors, initMs: Date.now() - t0 });
  } catch (e) {
    post({ type: 'init-error', error: String((e as Error)?.message ?? e).split('\n')[0] });
    return;
  }
  port.on('message', (m: ToWorker) => {
    if (!m || m.type !== 'job') return;
    const reply = runJob(session, m.job, out);
    post({ type: 'reply', id: m.id, reply, heapMb: heap() });
  });
}

void main();
