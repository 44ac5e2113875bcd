/**
 * Messages between the panel page and its Pyodide Web Worker (internal to the webview).
 *
 * Why the page fetches for the worker: in VS Code a webview's resources come through its service
 * worker, which answers only the page itself — a request from a worker started from a blob hangs
 * (measured in code-server 4.139: a fetch of a webview resource from a blob worker never
 * resolves). So the page loads the worker's script and Pyodide's modules and turns them into blob
 * URLs, and the worker's `fetch` (Pyodide's wasm, standard library, lock file and wheels) is a proxy
 * that asks the page, which serves only URLs under the Pyodide and package folders.
 */
import type { RenderJobRequest, RenderJobResult, WorkerConfig } from '../../src/shared/protocol';

export type ToWorker =
  /**
   * snapshot: a memory snapshot of a pristine interpreter (this worker's own copy) to start from;
   * makeSnapshot: make one right after loading (before packages, harness and programs) and send it.
   */
  | {
      type: 'init';
      config: WorkerConfig;
      modules: { pyodide: string; asm: string };
      snapshot?: Uint8Array;
      makeSnapshot?: boolean;
      /** pyodide.asm.wasm compiled once by the page (a WebAssembly.Module): code only, no memory. */
      wasmModule?: unknown;
    }
  | { type: 'run'; id: string; request: RenderJobRequest }
  | { type: 'fetched'; id: number; ok: boolean; status: number; blob?: Blob; error?: string };

export type FromWorker =
  | { type: 'ready'; ms: number; python: string; packages: string[] }
  | { type: 'init-failed'; error: string; kind: 'missing-package' | 'internal' }
  /** fatal: the interpreter itself broke (e.g. its stack overflowed): the page starts a fresh worker. */
  | { type: 'result'; id: string; result: WorkerRenderResult; fatal?: boolean }
  | { type: 'fetch'; id: number; url: string }
  | { type: 'snapshot'; bytes: Uint8Array };

/** A render result with the PNG as bytes (transferred, not copied). */
export type WorkerRenderResult = Omit<RenderJobResult, 'png'> & { png?: Uint8Array };

/**
 * Whether a URL a worker asks for is a plain path: no encoded separators or dots (`%2F`, `%5C`,
 * `%2E`, `%25` for double encoding), no backslash, no `.` or `..` segment, no query or fragment.
 * (A server that decodes `%2F` after the prefix check would otherwise serve files outside the folder.)
 */
export function plainResourceUrl(raw: string): boolean {
  if (/%(2f|5c|2e|25|00)|\\|[?#]|[\u0000-\u001f\u007f]/i.test(raw)) return false;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(raw);
  if (!m) return false;
  return !(m[1] ?? '').split('/').some((seg) => seg === '.' || seg === '..');
}
