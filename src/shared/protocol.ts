/**
 * The one typed message protocol between the extension host and the RECODE panel (a webview),
 * declared as schemas (zod, views.ts and below) from which the TypeScript types are inferred.
 *
 * One union per direction, a message per thing the user can see or do:
 *   HostMessage     extension host → panel  (what the panel shows, and programs for its Pyodide worker)
 *   WebviewMessage  panel → extension host  (what the user did, and render results)
 *
 * Messages from the panel are untrusted (the page runs model-written programs in its worker): the
 * host checks every one with `parseWebviewMessage` before acting on it. The panel checks what it
 * receives with `parseHostMessage`, and the host checks a restored panel's saved state with
 * `parsePanelState`. Images travel as base64 strings so every message is plain JSON (it also goes
 * through the webview's saved state).
 *
 * Browser-safe: no Node or `vscode` imports; used by src/extension and webview-ui alike.
 */

import * as z from 'zod/mini';
import { RENDER_ERROR_KINDS } from '../core/types';
import { parseMarks } from '../core/render/marks';
import { isPlainObject } from './plainObject';
import { LIMITS, arr, b64, bool, code, id, num, obj, oneOf, output, parseWith, resourceUrl, text, str, type Parsed } from './schema';
import {
  answerView,
  candidateFields,
  logLine,
  panelState,
  readingView,
  rendererView,
  roundView,
  runOptions,
  scoreView,
  size,
  stageName,
  usage,
  type PanelState,
} from './views';

export { LIMITS, type Parsed } from './schema';
export type {
  AnswerView,
  CandidateSourceView,
  CandidateState,
  CandidateView,
  LogLevel,
  LogLine,
  PanelState,
  ReadingView,
  RendererView,
  RoundView,
  RunStatus,
  ScoreView,
  StageName,
} from './views';

/** One message: its `type` and its fields. */
const message = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) => obj({ type: z.literal(type), ...shape });
type MessageOf<Table extends Record<string, z.ZodMiniType>> = { [K in keyof Table]: z.infer<Table[K]> }[keyof Table];

// ---------------------------------------------------------------------------------------------
// Host → panel
// ---------------------------------------------------------------------------------------------

/** A program for the panel's Pyodide worker (mirrors core RenderRequest). */
const renderJobRequest = obj({
  code,
  mode: oneOf(['figure', 'script']),
  width: num(1, 20_000, true),
  height: num(1, 20_000, true),
  timeLimitMs: num(1, 3_600_000),
});
export type RenderJobRequest = z.infer<typeof renderJobRequest>;

/** Where the panel's Pyodide worker finds its files (all webview URIs, same origin as the page's resources). */
const workerConfig = obj({
  /** dist/webview/pyodideWorker.js */
  workerUrl: resourceUrl,
  /** dist/pyodide/ (ends with '/') */
  indexUrl: resourceUrl,
  /** The prepared package folder (ends with '/'), when prepared. */
  packageBaseUrl: z.optional(resourceUrl),
  /** pyodide-lock.json to use for packages (defaults to the core's). */
  lockFileUrl: z.optional(resourceUrl),
  /** Packages to load once at start, e.g. ['matplotlib']. */
  packages: arr(str(64, /^[A-Za-z0-9_.-]+$/), LIMITS.packages),
});
export type WorkerConfig = z.infer<typeof workerConfig>;

const HOST_MESSAGES = {
  /** The whole view at once: after the panel (re)loads, and for a restored run. */
  state: message('state', { state: panelState }),
  'run-started': message('run-started', { runId: id, image: size, question: z.optional(text), options: runOptions, model: z.optional(text) }),
  stage: message('stage', { stage: stageName, round: num(0, 10_000, true), message: text }),
  candidate: message('candidate', { candidate: obj(candidateFields) }),
  'candidate-render': message('candidate-render', { candidateId: id, png: b64(LIMITS.pngChars), renderMs: num(0, 1e9) }),
  'candidate-scored': message('candidate-scored', { candidateId: id, score: scoreView }),
  'candidate-failed': message('candidate-failed', { candidateId: id, stage: oneOf(['generate', 'render']), error: text }),
  best: message('best', { candidateId: id, score: scoreView, diffPng: z.optional(b64(LIMITS.pngChars)) }),
  round: message('round', { round: roundView }),
  answer: message('answer', { answer: answerView }),
  log: message('log', { line: logLine }),
  'run-ended': message('run-ended', {
    status: oneOf(['finished', 'failed', 'cancelled']),
    error: z.optional(text),
    program: z.optional(code),
    bestCandidateId: z.optional(id),
    durationMs: z.optional(num(0, 1e12)),
    usage: z.optional(usage),
  }),
  renderer: message('renderer', { renderer: rendererView }),
  reading: message('reading', { reading: readingView }),
  'reading-failed': message('reading-failed', { reason: text }),
  'model-note': message('model-note', { note: text }),
  /** Start (or restart with new packages) the panel's Pyodide worker. */
  'worker-config': message('worker-config', { config: workerConfig }),
  /** Run a program in the panel's Pyodide worker; answered by a 'render-result' with the same jobId. */
  render: message('render', { jobId: id, request: renderJobRequest }),
  'render-cancel': message('render-cancel', { jobId: id }),
  /** Decode the original (e.g. WebP, which the engine cannot) and send it back as PNG ('converted-image'). */
  'convert-image': message('convert-image', { jobId: id }),
};
export type HostMessage = MessageOf<typeof HOST_MESSAGES>;

// ---------------------------------------------------------------------------------------------
// Panel → host
// ---------------------------------------------------------------------------------------------

/** A marks report, as parseMarks (marks.ts) rebuilds it; anything malformed becomes undefined. */
const marksReport = z.pipe(
  z.unknown(),
  z.transform((v) => parseMarks(v)),
);

/** Mirrors core RenderResult, PNG as base64. */
const renderJobResult = obj({
  ok: bool,
  png: z.optional(b64(LIMITS.pngChars)),
  stdout: output,
  error: z.optional(text),
  errorKind: z.optional(oneOf(RENDER_ERROR_KINDS)),
  traceback: z.optional(output),
  answer: z.optional(text),
  /** Where the marks were drawn (the critic's data part): rebuilt by parseMarks; a malformed report is dropped, the render kept. */
  marks: z.optional(marksReport),
  durationMs: num(0, 1e9),
});
export type RenderJobResult = z.infer<typeof renderJobResult>;

const WEBVIEW_MESSAGES = {
  /** The page is up and listening (first load, or reload of its content). */
  ready: message('ready', {}),
  cancel: message('cancel', {}),
  'open-program': message('open-program', { candidateId: z.optional(id) }),
  'copy-program': message('copy-program', { candidateId: z.optional(id) }),
  'export-data': message('export-data', { format: oneOf(['csv', 'json']) }),
  /** The chart reader's reading: its data table (csv) or the whole reading (json), in a new editor. */
  'export-reading': message('export-reading', { format: oneOf(['csv', 'json']) }),
  rerun: message('rerun', {}),
  'save-record': message('save-record', {}),
  'prepare-renderer': message('prepare-renderer', {}),
  'render-result': message('render-result', { jobId: id, result: renderJobResult }),
  'worker-status': message('worker-status', { status: oneOf(['starting', 'ready', 'failed']), message: z.optional(text), ms: z.optional(num(0, 1e9)) }),
  /** The original as PNG (answer to 'convert-image'), or why not. */
  'converted-image': message('converted-image', { jobId: id, png: z.optional(b64(LIMITS.imageSrcChars)), error: z.optional(text) }),
  /** Something went wrong in the page itself (goes to the RECODE log). */
  'page-error': message('page-error', { message: text }),
};
export type WebviewMessage = MessageOf<typeof WEBVIEW_MESSAGES>;

function parseMessage<T>(table: Record<string, z.ZodMiniType>, raw: unknown, what: string): Parsed<T> {
  if (!isPlainObject(raw)) return { ok: false, error: `${what} is not an object` };
  const type = raw.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) {
    return { ok: false, error: `${what} has an unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}` };
  }
  const r = parseWith(table[type] as z.ZodMiniType<T>, raw, type);
  return r.ok ? r : { ok: false, error: `${what}: ${r.error}` };
}

/** Checks a message from the panel (untrusted) before the host acts on it. */
export function parseWebviewMessage(raw: unknown): Parsed<WebviewMessage> {
  return parseMessage<WebviewMessage>(WEBVIEW_MESSAGES, raw, 'panel message');
}

/** Checks a message from the host (the panel's own defence in depth). */
export function parseHostMessage(raw: unknown): Parsed<HostMessage> {
  return parseMessage<HostMessage>(HOST_MESSAGES, raw, 'host message');
}

/** Checks a panel state (e.g. one the webview saved, handed back by the serializer after a reload). */
export function parsePanelState(raw: unknown): Parsed<PanelState> {
  return parseWith(panelState, raw, 'state');
}

// ---------------------------------------------------------------------------------------------
// Bytes on the wire
// ---------------------------------------------------------------------------------------------

interface NodeBufferLike {
  from(b: Uint8Array | string, enc?: string): { toString(enc: string): string; buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToBytes(b64s: string): Uint8Array {
  if (NodeBuffer) {
    const b = NodeBuffer.from(b64s, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const bin = atob(b64s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function pngDataUrl(b64s: string): string {
  return `data:image/png;base64,${b64s}`;
}
