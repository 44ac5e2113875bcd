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
  | { type: 'init'; config: WorkerConfig; modules: { pyodide: string; asm: string } }
  | { type: 'run'; id: string; request: RenderJobRequest }
  | { type: 'fetched'; id: number; ok: boolean; status: number; blob?: Blob; error?: string };

export type FromWorker =
  | { type: 'ready'; ms: number; python: string; packages: string[] }
  | { type: 'init-failed'; error: string; kind: 'missing-package' | 'internal' }
  /** fatal: the interpreter itself broke (e.g. its stack overflowed): the page starts a fresh worker. */
  | { type: 'result'; id: string; result: WorkerRenderResult; fatal?: boolean }
  | { type: 'fetch'; id: number; url: string };

/** A render result with the PNG as bytes (transferred, not copied). */
export type WorkerRenderResult = Omit<RenderJobResult, 'png'> & { png?: Uint8Array };
