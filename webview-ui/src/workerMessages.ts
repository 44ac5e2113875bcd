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
import * as z from 'zod/mini';
import { bytesToBase64, LIMITS, type RenderJobRequest, type RenderJobResult, type WorkerConfig } from '../../src/shared/protocol';
import { checkRenderReply } from '../../src/core/render/replyCheck';

/** Page → its Pyodide worker (the page's own messages: not parsed by the worker). */
export type PageToWorker =
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

const text = (max: number) => z.string().check(z.maxLength(max));

const workerToPage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), ms: z.catch(z.number(), 0), python: text(200), packages: z.array(text(200)).check(z.maxLength(LIMITS.packages)) }),
  z.object({ type: z.literal('init-failed'), error: text(LIMITS.outputChars), kind: z.enum(['missing-package', 'internal']) }),
  /** fatal: the interpreter itself broke (e.g. its stack overflowed): the page starts a fresh worker. */
  z.object({
    type: z.literal('result'),
    id: text(LIMITS.idChars),
    /** Checked whole by checkRenderReply (replyCheck.ts) before anything uses it. */
    result: z.custom<WorkerRenderResult>((v) => typeof v === 'object' && v !== null),
    fatal: z.optional(z.unknown()),
  }),
  z.object({ type: z.literal('fetch'), id: z.number().check(z.refine((v) => Number.isSafeInteger(v))), url: text(LIMITS.urlChars) }),
  z.object({ type: z.literal('snapshot'), bytes: z.custom<Uint8Array>((b) => b instanceof Uint8Array && b.length > 0 && b.length <= 1024 * 1024 * 1024) }),
]);

/** Its Pyodide worker → the page, as parsed (parseWorkerToPage). */
export type WorkerToPage = z.infer<typeof workerToPage>;

/** A message from a worker, checked (the right shape and sizes), or undefined. */
export function parseWorkerToPage(raw: unknown): WorkerToPage | undefined {
  const r = workerToPage.safeParse(raw);
  return r.success ? r.data : undefined;
}

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

/**
 * The worker's result, checked (replyCheck.ts: shape, PNG signature and size, caps, control
 * characters), as the protocol carries it: PNG as base64, texts within the protocol's limits.
 */
export function toWire(raw: WorkerRenderResult, request: RenderJobRequest): RenderJobResult {
  const r = checkRenderReply(raw, request, typeof raw.durationMs === 'number' ? raw.durationMs : 0, {
    stdoutChars: LIMITS.outputChars,
    tracebackChars: LIMITS.outputChars,
    errorChars: LIMITS.textChars,
    answerChars: LIMITS.textChars,
    pngBytes: Math.floor((LIMITS.pngChars / 4) * 3),
  });
  const out: RenderJobResult = { ok: r.ok, stdout: r.stdout, durationMs: r.durationMs };
  if (r.error !== undefined) out.error = r.error;
  if (r.errorKind !== undefined) out.errorKind = r.errorKind;
  if (r.traceback !== undefined) out.traceback = r.traceback;
  if (r.answer !== undefined) out.answer = r.answer;
  if (r.png) out.png = bytesToBase64(r.png);
  if (r.marks) out.marks = r.marks;
  return out;
}
