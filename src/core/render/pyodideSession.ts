/**
 * Running the RECODE harness inside a loaded Pyodide — shared by the Node worker
 * (pyodideWorker.ts) and the webview's Web Worker. Browser-safe: no Node imports, no DOM types.
 *
 * How a host (Node worker_thread or browser Web Worker) uses it, in this order:
 *
 *   capWasmMemory(limitMb)                         // before or after loadPyodide: caps heap growth
 *   const out = new OutputSink()
 *   const pyodide = await loadPyodide({ indexURL, ...pyodideLoadOptions({ out, lock… }) })
 *   const packages = await loadPackages(pyodide, names)   // from the local package folder only
 *   const interrupt = new Int32Array(new SharedArrayBuffer(4))   // optional (needs SAB)
 *   const session = installHarness(pyodide, { missingHint, interrupt, out })
 *   hardenJsRealm(globalThis)                      // AFTER everything above: no more eval/fetch…
 *   …then per job:  const reply = runJob(session, job, out)   // synchronous, never throws
 *
 * What closes which door (issue 7):
 *   - `jsglobals` is an empty null-prototype object, so Python's `js` module reaches nothing;
 *     `js` and `pyodide_js` are unregistered; every `pyodide*` / `_pyodide*` / `js` module is
 *     removed from sys.modules and its namespace cleared, so no JsProxy stays reachable from Python.
 *   - the harness's audit hook refuses importing the bridge again, os.system/subprocess/fork/exec,
 *     sockets, ctypes, frames, code-object building, gc walks, writes outside the job folder.
 *   - hardenJsRealm() disables code generation from strings (Function, AsyncFunction,
 *     GeneratorFunction constructors and eval throw), so even a JsProxy that leaked could not turn
 *     `.constructor.constructor('return process')` into host access; it also removes network and
 *     host globals (fetch, XMLHttpRequest, WebSocket, importScripts, require, process…).
 *   - capWasmMemory() refuses WebAssembly memory growth past the limit: Python gets MemoryError.
 *   - a time limit is the host's job: set `interrupt[0] = 2` (KeyboardInterrupt) and, if the
 *     program does not stop within a grace period, terminate the worker.
 *
 * In a browser Web Worker (the webview): pass lockFileURL / packageBaseUrl as webview URIs of the
 * package folder; SharedArrayBuffer needs cross-origin isolation, which webviews usually lack —
 * without an interrupt buffer a time limit means terminating the worker (and starting a new one).
 * The Node worker additionally disables node:child_process (emscripten's system() calls it).
 * After installHarness, pyodide.runPython / loadPackage no longer work: runJob is the only way in.
 */
import { HARNESS_PY, parseHarnessReply, type HarnessJob, type HarnessReply } from './harness';

/**
 * Modules imported (by trusted code) in the interpreter a memory snapshot is made of, right after
 * loadPyodide and before any package, harness or program: workers restored from it start warm.
 */
export const SNAPSHOT_IMPORTS =
  'import json, base64, io, math, warnings, weakref, _thread, tempfile, logging, linecache, traceback, statistics, decimal, fractions, datetime, re, sqlite3, random, collections, itertools, functools, string, textwrap';

/** Where programs run inside Pyodide's in-memory file system (their cwd; emptied after each job). */
export const PYODIDE_WORKDIR = '/tmp/recode-job';

/** The small part of the Pyodide API this module uses (structural, so no dependency on its types). */
export interface PyodideLike {
  runPython(code: string, options?: { globals?: unknown; filename?: string }): unknown;
  globals: { get(name: string): unknown };
  loadPackage(
    names: string | string[],
    options?: { messageCallback?: (m: string) => void; errorCallback?: (m: string) => void; checkIntegrity?: boolean },
  ): Promise<unknown>;
  setInterruptBuffer?(buffer: Int32Array): void;
  unregisterJsModule?(name: string): void;
  setStdout?(options: { write: (buffer: Uint8Array) => number }): void;
  setStderr?(options: { write: (buffer: Uint8Array) => number }): void;
}

/** A Python callable as seen from JS (a PyProxy). */
interface PyCallable {
  (...args: unknown[]): unknown;
  destroy?(): void;
}
interface PyDict {
  get(key: string): unknown;
  delete(key: string): void;
  destroy?(): void;
}

/**
 * Collects what Python writes at the C level (os.write(1, …), C extensions) through Pyodide's
 * stdout/stderr handlers; runJob appends it to the job's output. Capped at `limit` bytes.
 */
export class OutputSink {
  private parts: string[] = [];
  private size = 0;
  private decoder = new TextDecoder('utf-8');
  overflow = false;
  constructor(public limit = 1_000_000) {}
  /** A batched (line) handler: loadPyodide's `stdout` / `stderr` options, used while loading. */
  readonly write = (line: string): void => {
    this.push(line + '\n', line.length + 1);
  };
  /** A raw handler: pyodide.setStdout({ write }) — unbuffered, so floods without newlines are cut too. */
  readonly writeBytes = (buf: Uint8Array): number => {
    if (!this.overflow) {
      const room = this.limit - this.size;
      const part = buf.length > room ? buf.subarray(0, Math.max(0, room)) : buf;
      this.push(this.decoder.decode(part, { stream: true }), part.length);
      if (buf.length > room) this.overflow = true;
    }
    return buf.length;
  };
  private push(s: string, bytes: number): void {
    if (this.overflow) return;
    if (this.size + bytes > this.limit) {
      this.parts.push(s.slice(0, Math.max(0, this.limit - this.size)));
      this.size = this.limit;
      this.overflow = true;
      return;
    }
    this.parts.push(s);
    this.size += bytes;
  }
  take(): string {
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.overflow = false;
    return s;
  }
}

export interface LoadOptionsInput {
  out: OutputSink;
  /** URL / path of the package folder's pyodide-lock.json (packages load from there only). */
  lockFileURL?: string;
  /** Folder (URL / path, ending in '/') the lock's file names are relative to. */
  packageBaseUrl?: string;
  /** When there is no package folder: the core lock's `info`, so loadPyodide needs no file. */
  emptyLockInfo?: Record<string, unknown>;
}

/**
 * The sandbox-relevant options for loadPyodide (merge with indexURL and, in Node,
 * packageCacheDir). `jsglobals` is an empty null-prototype object: Python's `js` module sees nothing.
 */
export function pyodideLoadOptions(input: LoadOptionsInput): Record<string, unknown> {
  const opts: Record<string, unknown> = {
    jsglobals: Object.create(null) as object,
    stdout: input.out.write,
    stderr: input.out.write,
    env: { HOME: '/home/pyodide', MPLBACKEND: 'Agg', TMPDIR: PYODIDE_WORKDIR, OPENBLAS_NUM_THREADS: '1' },
  };
  if (input.lockFileURL) {
    opts.lockFileURL = input.lockFileURL;
    if (input.packageBaseUrl) opts.packageBaseUrl = input.packageBaseUrl;
  } else {
    opts.lockFileContents = JSON.stringify({ info: input.emptyLockInfo ?? {}, packages: {} });
    // never the CDN: with an empty lock nothing can be loaded anyway
    opts.packageBaseUrl = input.packageBaseUrl ?? './no-packages/';
  }
  return opts;
}

/**
 * Loads packages from the folder given to loadPyodide. Offline, Pyodide's loadPackage does not
 * throw: it reports through errorCallback and resolves — so errors are collected and returned.
 */
export async function loadPackages(pyodide: PyodideLike, names: string[]): Promise<{ loaded: string[]; errors: string[] }> {
  if (names.length === 0) return { loaded: [], errors: [] };
  const errors: string[] = [];
  let loaded: string[] = [];
  try {
    const r = await pyodide.loadPackage(names, {
      messageCallback: () => {},
      errorCallback: (m: string) => errors.push(m.split('\n')[0]),
      checkIntegrity: true,
    });
    if (Array.isArray(r)) loaded = r.map((p: unknown) => (typeof p === 'object' && p !== null && 'name' in p ? String((p as { name: unknown }).name) : String(p)));
  } catch (e) {
    errors.push((e as Error).message.split('\n')[0]);
  }
  return { loaded, errors };
}

interface WasmMemoryLike {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** The global WebAssembly object (typed locally: the project's lib has no WebAssembly types). */
function wasmMemoryProto(): WasmMemoryLike & { __recodeCap?: number } {
  const wa = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemoryLike & { __recodeCap?: number } } } }).WebAssembly;
  return wa.Memory.prototype;
}

/** Refuses WebAssembly.Memory growth past `limitMb`: Python sees MemoryError instead. */
export function capWasmMemory(limitMb: number): void {
  const proto = wasmMemoryProto();
  const limit = Math.max(64, limitMb) * 1024 * 1024;
  if (proto.__recodeCap === undefined) {
    const grow = proto.grow;
    Object.defineProperty(proto, 'grow', {
      configurable: false,
      writable: false,
      value: function (this: WasmMemoryLike, pages: number): number {
        const cap = proto.__recodeCap ?? Infinity;
        if (this.buffer.byteLength + pages * 65536 > cap) throw new RangeError('RECODE: WebAssembly memory limit reached');
        return grow.call(this, pages);
      },
    });
  }
  Object.defineProperty(proto, '__recodeCap', { value: limit, writable: true, configurable: false, enumerable: false });
}

export interface HarnessSession {
  /** The harness's run(job_json) -> reply_json, as a PyProxy. */
  readonly run: PyCallable;
  /** Python's version inside this Pyodide. */
  readonly python: string;
  /** matplotlib's version inside this Pyodide, or null when it is not available. */
  readonly matplotlib: string | null;
  /** The interrupt buffer, when one was given (the host sets [0] = 2 to interrupt). */
  readonly interrupt?: Int32Array;
}

export interface InstallOptions {
  /** Appended to "matplotlib is not available to the pyodide renderer: …" (how to get it). */
  missingHint: string;
  /** A SharedArrayBuffer-backed Int32Array for time limits (pyodide.setInterruptBuffer). */
  interrupt?: Int32Array;
  /** Ceiling for sys.setrecursionlimit (the JS stack must hold it; 3000 fits a 16 MB stack). */
  maxRecursion?: number;
  maxPixels?: number;
  /** Where output written below Python goes (unbuffered); give the sink passed to runJob. */
  out?: OutputSink;
  /** The harness restores the interpreter after each job (the old reuse; renderers run one job per interpreter). */
  reuse?: boolean;
}

/**
 * Runs the harness in `pyodide` and closes the JavaScript bridge. Call once, after the packages
 * are loaded (nothing can be loaded afterwards), and before hardenJsRealm(). Afterwards the only
 * way into Python is `runJob` (pyodide.runPython and loadPackage no longer work: the Python side
 * of Pyodide's API is scrubbed).
 */
export function installHarness(pyodide: PyodideLike, opts: InstallOptions): HarnessSession {
  // versions, read by trusted code before the sandbox closes (also warms the matplotlib import);
  // pyodide.runPython itself stops working once the harness has scrubbed the bridge
  const probe = pyodide.runPython(
    'def _v():\n    import sys\n    try:\n        import matplotlib\n        m = str(matplotlib.__version__)\n    except BaseException:\n        m = ""\n    return sys.version.split()[0] + " " + m\n_v()',
    { filename: '<recode-probe>' },
  );
  const [python, mpl] = String(probe ?? '').split(' ');
  if (opts.interrupt && pyodide.setInterruptBuffer) pyodide.setInterruptBuffer(opts.interrupt);
  if (opts.out) {
    pyodide.setStdout?.({ write: opts.out.writeBytes });
    pyodide.setStderr?.({ write: opts.out.writeBytes });
  }
  for (const m of ['js', 'pyodide_js']) {
    try {
      pyodide.unregisterJsModule?.(m);
    } catch {
      /* not registered */
    }
  }
  const dictCtor = pyodide.globals.get('dict') as PyCallable;
  const ns = dictCtor() as PyDict;
  pyodide.runPython(HARNESS_PY, { globals: ns, filename: '<recode-harness>' });
  const install = ns.get('_recode_install') as PyCallable;
  ns.delete('_recode_install');
  ns.delete('_recode_main');
  const config = {
    renderer: 'pyodide',
    workdir: PYODIDE_WORKDIR,
    // one program per interpreter: nothing to restore after it (true only for the bench's baseline)
    reuse: opts.reuse === true,
    restrictReads: false,
    missingHint: opts.missingHint,
    maxRecursion: opts.maxRecursion ?? 3000,
    maxPixels: opts.maxPixels ?? 40_000_000,
  };
  const run = install(JSON.stringify(config)) as PyCallable;
  install.destroy?.();
  ns.destroy?.();
  dictCtor.destroy?.();
  return { run, python: python ?? '', matplotlib: mpl ? mpl : null, interrupt: opts.interrupt };
}

/** A reply, plus `fatal` when Pyodide itself broke (the host must start a fresh interpreter). */
export type SessionReply = HarnessReply & { fatal?: boolean };

/**
 * Runs one program (synchronously) and returns the harness's reply; never throws. Output written
 * at the C level (collected by `out`) is appended to the reply's stdout.
 */
export function runJob(session: HarnessSession, job: HarnessJob, out?: OutputSink): SessionReply {
  if (session.interrupt) Atomics.store(session.interrupt, 0, 0);
  out?.take();
  let reply: SessionReply;
  try {
    const json = session.run(JSON.stringify(job));
    reply = typeof json === 'string' ? parseHarnessReply(json) : { ok: false, stdout: '', error: 'the harness returned no reply', error_kind: 'internal' };
  } catch (e) {
    const err = e as Error & { pyodide_fatal_error?: boolean };
    const msg = String(err?.message ?? e);
    const stack = /Maximum call stack size exceeded/.test(msg);
    reply = {
      ok: false,
      stdout: '',
      error: stack
        ? 'the program recursed too deeply for the interpreter stack (Pyodide stopped)'
        : `Pyodide failed while running the program: ${msg.split('\n')[0]}`,
      error_kind: stack ? 'limit' : 'internal',
      fatal: true,
    };
  }
  if (out) {
    const overflow = out.overflow;
    const raw = out.take();
    if (raw || overflow) {
      const room = Math.max(0, job.maxOutputBytes - reply.stdout.length);
      reply.stdout += raw.slice(0, room);
      if ((overflow || raw.length > room) && reply.ok !== false) {
        reply.ok = false;
        reply.error = `the program printed more than ${job.maxOutputBytes} bytes of output`;
        reply.error_kind = 'limit';
        delete reply.png_b64;
      }
    }
  }
  return reply;
}

/** Globals removed by hardenJsRealm (network, host access, script loading). */
export const REMOVED_GLOBALS = [
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'EventSource',
  'importScripts',
  'require',
  'module',
  'Deno',
  'Bun',
  'BroadcastChannel',
  'indexedDB',
  'caches',
  'Worker',
  'SharedWorker',
  'open',
  'WebTransport',
  'RTCPeerConnection',
] as const;

/**
 * Hardens the JavaScript realm the interpreter lives in. Call after loadPyodide, loadPackages and
 * installHarness (Pyodide needs fetch/eval-free paths only from then on), and after the host has
 * captured whatever it still needs (postMessage, its message port…).
 *   - Function / AsyncFunction / GeneratorFunction / AsyncGeneratorFunction constructors and
 *     eval throw EvalError (no code generation from strings: the classic JsProxy escape);
 *   - Error.prepareStackTrace is fixed to undefined (V8's call sites would hand out the frames'
 *     receivers and functions);
 *   - network and host globals are deleted (REMOVED_GLOBALS);
 *   - `process` (Node) is replaced by an inert stub exposing only what Pyodide calls at run time.
 * `keep` lists globals not to delete.
 */
export function hardenJsRealm(realm: typeof globalThis = globalThis, keep: string[] = []): void {
  const g = realm as unknown as Record<string, unknown>;
  if (g.__recodeHardened) return; // idempotent: the properties below cannot be redefined
  Object.defineProperty(realm, '__recodeHardened', { value: true, enumerable: false });
  const ctors: Array<{ prototype: object; name: string }> = [
    Function,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ];
  for (const C of ctors) {
    const stub = function () {
      throw new EvalError('code generation from strings is disabled in the RECODE sandbox');
    };
    Object.defineProperty(stub, 'name', { value: C.name });
    Object.defineProperty(stub, 'prototype', { value: C.prototype });
    Object.defineProperty(C.prototype, 'constructor', { value: stub, writable: false, configurable: false });
    if (g[C.name] === C) Object.defineProperty(realm, C.name, { value: stub, writable: false, configurable: false });
  }
  // No stack-trace hook: V8's call sites (getThis / getFunction) hand out the receivers and functions
  // of the frames on the stack (a WebAssembly.Instance, the realm's global for sloppy frames).
  const ErrorCtor = (g.Error ?? Error) as object;
  try {
    Object.defineProperty(ErrorCtor, 'prepareStackTrace', { value: undefined, writable: false, configurable: false });
  } catch {
    /* already fixed */
  }
  Object.defineProperty(realm, 'eval', {
    value: function () {
      throw new EvalError('eval is disabled in the RECODE sandbox');
    },
    writable: false,
    configurable: false,
  });
  for (const name of REMOVED_GLOBALS) {
    if (keep.includes(name)) continue;
    try {
      delete g[name];
    } catch {
      /* non-configurable */
    }
    if (name in g) {
      try {
        Object.defineProperty(realm, name, { value: undefined, writable: false, configurable: false });
      } catch {
        /* leave it */
      }
    }
  }
  const proc = g.process as { versions?: Record<string, string>; version?: string; platform?: string } | undefined;
  if (proc && typeof proc === 'object' && !keep.includes('process')) {
    const stub: Record<string, unknown> = { exitCode: undefined };
    const fixed: Record<string, unknown> = {
      version: String(proc.version ?? ''),
      versions: Object.freeze({ ...(proc.versions ?? {}) }),
      platform: String(proc.platform ?? ''),
      browser: false,
      argv: Object.freeze([]),
      env: Object.freeze({}),
      getuid: () => 0,
      umask: () => 0o022,
    };
    for (const [k, v] of Object.entries(fixed)) Object.defineProperty(stub, k, { value: v, enumerable: true });
    try {
      Object.defineProperty(realm, 'process', { value: stub, writable: false, configurable: false });
    } catch {
      /* leave it */
    }
  }
}

/**
 * Makes Pyodide's file system unable to mount anything (NODEFS would expose the host's files, the
 * native file system API the user's): call after loading, before any program runs.
 */
export function lockFileSystems(pyodide: { FS?: Record<string, unknown> & { filesystems?: Record<string, unknown> }; mountNodeFS?: unknown; mountNativeFS?: unknown }): void {
  const refuse = (): never => {
    throw new Error('mounting file systems is disabled in the RECODE sandbox');
  };
  const fs = pyodide.FS;
  if (fs) {
    for (const k of ['mount', 'unmount', 'createLazyFile', 'createPreloadedFile']) {
      try {
        Object.defineProperty(fs, k, { value: refuse, writable: false, configurable: false });
      } catch {
        /* already locked */
      }
    }
    const fss = fs.filesystems;
    if (fss && typeof fss === 'object') {
      for (const k of Object.keys(fss)) if (k !== 'MEMFS') delete fss[k];
      Object.freeze(fss);
    }
  }
  for (const k of ['mountNodeFS', 'mountNativeFS']) {
    try {
      Object.defineProperty(pyodide, k, { value: refuse, writable: false, configurable: false });
    } catch {
      /* leave it */
    }
  }
}

/**
 * Until `restore()` is called, the first WebAssembly.instantiate of raw bytes or
 * instantiateStreaming (Pyodide's pyodide.asm.wasm) instantiates `module` instead: the host
 * compiled Pyodide's wasm once and every interpreter gets its own instance (its own memory) of it.
 */
export function useCompiledModule(module: unknown): { restore: () => void; used: () => boolean } {
  type WA = {
    instantiate: (src: unknown, imports?: unknown) => Promise<unknown>;
    instantiateStreaming?: (src: unknown, imports?: unknown) => Promise<unknown>;
    Module: new (...a: never[]) => unknown;
  };
  const wa = (globalThis as unknown as { WebAssembly: WA }).WebAssembly;
  if (!(module instanceof wa.Module)) return { restore: () => {}, used: () => false };
  const instantiate = wa.instantiate;
  const streaming = wa.instantiateStreaming;
  let done = false;
  const fromModule = (imports: unknown): Promise<unknown> => {
    done = true;
    return instantiate.call(wa, module, imports).then((instance) => ({ instance, module }));
  };
  wa.instantiate = function (src: unknown, imports?: unknown): Promise<unknown> {
    if (!done && (src instanceof ArrayBuffer || ArrayBuffer.isView(src))) return fromModule(imports);
    return instantiate.call(wa, src, imports);
  };
  if (streaming) {
    wa.instantiateStreaming = function (src: unknown, imports?: unknown): Promise<unknown> {
      if (!done) return fromModule(imports);
      return streaming.call(wa, src, imports);
    };
  }
  return {
    restore: () => {
      wa.instantiate = instantiate;
      if (streaming) wa.instantiateStreaming = streaming;
    },
    used: () => done,
  };
}
