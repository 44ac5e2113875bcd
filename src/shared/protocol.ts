/**
 * The one typed message protocol between the extension host and the RECODE panel (a webview).
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

import { isPlainObject } from './plainObject';

// ---------------------------------------------------------------------------------------------
// What the panel shows
// ---------------------------------------------------------------------------------------------

export type RunStatus = 'running' | 'finished' | 'failed' | 'cancelled';
export type CandidateState = 'generating' | 'rendering' | 'scored' | 'failed';
export type CandidateSourceView = 'generate' | 'refine' | 'numeric' | 'given' | 'reader';
export type StageName = 'read' | 'generate' | 'render' | 'critique' | 'refine' | 'numeric' | 'answer';
export type LogLevel = 'info' | 'warn' | 'error';

export interface ScoreView {
  /** Combined score in [0,1]. */
  score: number;
  parts: Record<string, number>;
}

export interface CandidateView {
  id: string;
  round: number;
  source: CandidateSourceView;
  parentId?: string;
  state: CandidateState;
  error?: string;
  score?: ScoreView;
  renderMs?: number;
  /** The render as a data: URL (image/png). */
  renderSrc?: string;
  /** The candidate's program, when known. */
  code?: string;
}

export interface RoundView {
  round: number;
  bestCandidateId: string;
  bestScore: number;
  improved: boolean;
}

export interface AnswerView {
  question: string;
  value: string;
  /** True when computed by running code over the program. */
  computed: boolean;
  computation: string;
  programCandidateId: string;
  score: number;
  explanation?: string;
}

/** The renderer a run uses, and whether the panel's Pyodide has its packages. */
export interface RendererView {
  /** 'webview' (Pyodide in this panel), 'python' (local CPython), 'none' … */
  name: string;
  /** One line shown under the header, e.g. 'local Python 3.11 with matplotlib 3.6.3'. */
  detail?: string;
  /** 'ready' | 'missing' (show the prepare button) | 'preparing'. */
  pyodidePackages: 'ready' | 'missing' | 'preparing';
  /** Why preparing is needed / what failed, shown next to the prepare button. */
  note?: string;
}

export interface LogLine {
  level: LogLevel;
  message: string;
}

/** What the built-in chart reader read: the overlay a person checks it with, and its data table. */
export interface ReadingView {
  chartType: string;
  title?: string;
  /** 0..1 */
  confidence: number;
  warnings: string[];
  /** What was read drawn over the original, data: URL (image/png). */
  overlaySrc?: string;
  table: { columns: string[]; rows: string[][] };
}

/** Everything the panel shows; the webview is a function of it. Also the webview's saved state. */
export interface PanelState {
  v: 1;
  kind: 'derender' | 'compare';
  runId?: string;
  imageName: string;
  /** The original as a data: URL (image/png, image/jpeg or image/webp). */
  imageSrc: string;
  imageSize?: { width: number; height: number };
  question?: string;
  status: RunStatus;
  error?: string;
  stage?: { stage: StageName; round: number; message: string };
  options?: { candidates: number; rounds: number; modelCritic: boolean };
  model?: string;
  candidates: CandidateView[];
  bestId?: string;
  bestScore?: number;
  /** Heat-map of best vs original, data: URL. */
  diffSrc?: string;
  rounds: RoundView[];
  answer?: AnswerView;
  /** The winning program (when the run finished). */
  program?: string;
  renderer: RendererView;
  log: LogLine[];
  durationMs?: number;
  usage?: { promptTokens: number; completionTokens: number };
  /** The chart reader's reading, when it read the image. */
  reading?: ReadingView;
  /** Why the chart reader could not read the image. */
  readingError?: string;
  /** Said when the run has no model (e.g. that questions need one). */
  modelNote?: string;
}

// ---------------------------------------------------------------------------------------------
// Host → panel
// ---------------------------------------------------------------------------------------------

/** A program for the panel's Pyodide worker (mirrors core RenderRequest). */
export interface RenderJobRequest {
  code: string;
  mode: 'figure' | 'script';
  width: number;
  height: number;
  timeLimitMs: number;
}

/** Where the panel's Pyodide worker finds its files (all webview URIs, same origin as the page's resources). */
export interface WorkerConfig {
  /** dist/webview/pyodideWorker.js */
  workerUrl: string;
  /** dist/pyodide/ (ends with '/') */
  indexUrl: string;
  /** The prepared package folder (ends with '/'), when prepared. */
  packageBaseUrl?: string;
  /** pyodide-lock.json to use for packages (defaults to the core's). */
  lockFileUrl?: string;
  /** Packages to load once at start, e.g. ['matplotlib']. */
  packages: string[];
}

export type HostMessage =
  /** The whole view at once: after the panel (re)loads, and for a restored run. */
  | { type: 'state'; state: PanelState }
  | { type: 'run-started'; runId: string; image: { width: number; height: number }; question?: string; options: { candidates: number; rounds: number; modelCritic: boolean }; model?: string }
  | { type: 'stage'; stage: StageName; round: number; message: string }
  | { type: 'candidate'; candidate: Omit<CandidateView, 'renderSrc'> }
  | { type: 'candidate-render'; candidateId: string; png: string; renderMs: number }
  | { type: 'candidate-scored'; candidateId: string; score: ScoreView }
  | { type: 'candidate-failed'; candidateId: string; stage: 'generate' | 'render'; error: string }
  | { type: 'best'; candidateId: string; score: ScoreView; diffPng?: string }
  | { type: 'round'; round: RoundView }
  | { type: 'answer'; answer: AnswerView }
  | { type: 'log'; line: LogLine }
  | { type: 'run-ended'; status: Exclude<RunStatus, 'running'>; error?: string; program?: string; bestCandidateId?: string; durationMs?: number; usage?: { promptTokens: number; completionTokens: number } }
  | { type: 'renderer'; renderer: RendererView }
  | { type: 'reading'; reading: ReadingView }
  | { type: 'reading-failed'; reason: string }
  | { type: 'model-note'; note: string }
  /** Start (or restart with new packages) the panel's Pyodide worker. */
  | { type: 'worker-config'; config: WorkerConfig }
  /** Run a program in the panel's Pyodide worker; answered by a 'render-result' with the same jobId. */
  | { type: 'render'; jobId: string; request: RenderJobRequest }
  | { type: 'render-cancel'; jobId: string }
  /** Decode the original (e.g. WebP, which the engine cannot) and send it back as PNG ('converted-image'). */
  | { type: 'convert-image'; jobId: string };

// ---------------------------------------------------------------------------------------------
// Panel → host
// ---------------------------------------------------------------------------------------------

export type RenderErrorKindView =
  | 'timeout'
  | 'python'
  | 'no-figure'
  | 'missing-package'
  | 'limit'
  | 'forbidden'
  | 'cancelled'
  | 'internal';

/** Mirrors core RenderResult, PNG as base64. */
export interface RenderJobResult {
  ok: boolean;
  png?: string;
  stdout: string;
  error?: string;
  errorKind?: RenderErrorKindView;
  traceback?: string;
  answer?: string;
  durationMs: number;
}

export type WebviewMessage =
  /** The page is up and listening (first load, or reload of its content). */
  | { type: 'ready' }
  | { type: 'cancel' }
  | { type: 'open-program'; candidateId?: string }
  | { type: 'copy-program'; candidateId?: string }
  | { type: 'export-data'; format: 'csv' | 'json' }
  /** The chart reader's reading: its data table (csv) or the whole reading (json), in a new editor. */
  | { type: 'export-reading'; format: 'csv' | 'json' }
  | { type: 'rerun' }
  | { type: 'save-record' }
  | { type: 'prepare-renderer' }
  | { type: 'render-result'; jobId: string; result: RenderJobResult }
  | { type: 'worker-status'; status: 'starting' | 'ready' | 'failed'; message?: string; ms?: number }
  /** The original as PNG (answer to 'convert-image'), or why not. */
  | { type: 'converted-image'; jobId: string; png?: string; error?: string }
  /** Something went wrong in the page itself (goes to the RECODE log). */
  | { type: 'page-error'; message: string };

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

export const LIMITS = {
  /** ids of candidates, runs and render jobs */
  idChars: 64,
  /** base64 PNG (a 4k×4k render is well under this) */
  pngChars: 48 * 1024 * 1024,
  /** a data: URL of the original */
  imageSrcChars: 90 * 1024 * 1024,
  /** a program */
  codeChars: 512 * 1024,
  /** stdout / traceback of a render */
  outputChars: 256 * 1024,
  /** one-line messages, errors, answers */
  textChars: 16 * 1024,
  candidates: 500,
  rounds: 100,
  logLines: 200,
  scoreParts: 24,
  packages: 64,
  urlChars: 4096,
  /** the reading's data table */
  tableRows: 20_000,
  tableColumns: 200,
  cellChars: 1024,
  warnings: 100,
} as const;

// ---------------------------------------------------------------------------------------------
// A small hand-written validator
// ---------------------------------------------------------------------------------------------

/** Returns an error message (with the path of the bad field) or undefined when `v` fits. */
type Check = (v: unknown, path: string) => string | undefined;

const ID_RE = /^[A-Za-z0-9_.:-]+$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_IMAGE_RE = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}$/;
/** Keys an object must never carry (prototype pollution). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const str =
  (max: number, re?: RegExp): Check =>
  (v, p) => {
    if (typeof v !== 'string') return `${p} must be a string`;
    if (v.length > max) return `${p} is too long (${v.length} > ${max} characters)`;
    if (re && !re.test(v)) return `${p} has characters that are not allowed`;
    return undefined;
  };
const id: Check = (v, p) => (v === '' ? `${p} is empty` : str(LIMITS.idChars, ID_RE)(v, p));
const b64 = (max: number): Check => str(max, B64_RE);
const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : `${p} must be true or false`);
const num =
  (min: number, max: number, integer = false): Check =>
  (v, p) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${p} must be a finite number`;
    if (integer && !Number.isInteger(v)) return `${p} must be an integer`;
    if (v < min || v > max) return `${p} must be within [${min}, ${max}]`;
    return undefined;
  };
const oneOf =
  (...values: readonly string[]): Check =>
  (v, p) =>
    typeof v === 'string' && values.includes(v) ? undefined : `${p} must be one of ${values.join('|')}`;
const opt =
  (c: Check): Check =>
  (v, p) =>
    v === undefined ? undefined : c(v, p);
const arr =
  (c: Check, max: number): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return `${p} must be an array`;
    if (v.length > max) return `${p} has too many items (${v.length} > ${max})`;
    for (let i = 0; i < v.length; i++) {
      const e = c(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };
/** An object with exactly these keys (optional ones may be missing); unknown keys are refused. */
const obj =
  (shape: Record<string, Check>): Check =>
  (v, p) => {
    if (!isPlainObject(v)) return `${p} must be an object`;
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return `${p} has a forbidden key "${k}"`;
      if (!Object.prototype.hasOwnProperty.call(shape, k)) return `${p} has an unknown field "${k.slice(0, 40)}"`;
    }
    for (const [k, c] of Object.entries(shape)) {
      const e = c(v[k], `${p}.${k}`);
      if (e) return e;
    }
    return undefined;
  };
/** A small record of finite numbers (score parts). */
const numRecord: Check = (v, p) => {
  if (!isPlainObject(v)) return `${p} must be an object`;
  const keys = Object.keys(v);
  if (keys.length > LIMITS.scoreParts) return `${p} has too many parts`;
  for (const k of keys) {
    if (FORBIDDEN_KEYS.has(k) || !/^[A-Za-z0-9_.-]{1,32}$/.test(k)) return `${p} has a bad key "${k.slice(0, 40)}"`;
    const e = num(-1e9, 1e9)(v[k], `${p}.${k}`);
    if (e) return e;
  }
  return undefined;
};
const dataImage =
  (max: number): Check =>
  (v, p) => {
    if (typeof v !== 'string') return `${p} must be a string`;
    if (v.length > max) return `${p} is too large`;
    return DATA_IMAGE_RE.test(v) ? undefined : `${p} must be a data:image/(png|jpeg|webp);base64 URL`;
  };
/** A URL the page may load from: https only (webview resource URIs), or http on 127.0.0.1 (tests). */
const resourceUrl: Check = (v, p) => {
  const e = str(LIMITS.urlChars)(v, p);
  if (e) return e;
  return /^(https:\/\/|http:\/\/127\.0\.0\.1(:\d+)?\/)[^\s"'<>\\]*$/.test(v as string) ? undefined : `${p} must be an https resource URL`;
};
const text = str(LIMITS.textChars);
const code = str(LIMITS.codeChars);
const output = str(LIMITS.outputChars);

const score01 = num(0, 1);
const scoreView: Check = obj({ score: score01, parts: numRecord });
const stageName = oneOf('read', 'generate', 'render', 'critique', 'refine', 'numeric', 'answer');
const candidateState = oneOf('generating', 'rendering', 'scored', 'failed');
const candidateSource = oneOf('generate', 'refine', 'numeric', 'given', 'reader');
const runOptions = obj({ candidates: num(0, 1000, true), rounds: num(0, 1000, true), modelCritic: bool });
const usage = obj({ promptTokens: num(0, 1e12, true), completionTokens: num(0, 1e12, true) });
const size = obj({ width: num(1, 1_000_000, true), height: num(1, 1_000_000, true) });

const candidateFields = {
  id,
  round: num(0, 10_000, true),
  source: candidateSource,
  parentId: opt(id),
  state: candidateState,
  error: opt(text),
  score: opt(scoreView),
  renderMs: opt(num(0, 1e9)),
  code: opt(code),
};
const candidateMsg: Check = obj(candidateFields);
const candidateView: Check = obj({ ...candidateFields, renderSrc: opt(dataImage(LIMITS.pngChars + 64)) });
const roundView: Check = obj({ round: num(0, 10_000, true), bestCandidateId: id, bestScore: score01, improved: bool });
const answerView: Check = obj({
  question: text,
  value: text,
  computed: bool,
  computation: code,
  programCandidateId: id,
  score: score01,
  explanation: opt(text),
});
const rendererView: Check = obj({
  name: str(64, /^[A-Za-z0-9_. -]+$/),
  detail: opt(text),
  pyodidePackages: oneOf('ready', 'missing', 'preparing'),
  note: opt(text),
});
const logLine: Check = obj({ level: oneOf('info', 'warn', 'error'), message: text });
const runStatus = oneOf('running', 'finished', 'failed', 'cancelled');
const readingView: Check = obj({
  chartType: str(64),
  title: opt(text),
  confidence: num(0, 1),
  warnings: arr(text, LIMITS.warnings),
  overlaySrc: opt(dataImage(LIMITS.pngChars + 64)),
  table: obj({ columns: arr(str(LIMITS.cellChars), LIMITS.tableColumns), rows: arr(arr(str(LIMITS.cellChars), LIMITS.tableColumns), LIMITS.tableRows) }),
});

const panelStateCheck: Check = obj({
  v: (v, p) => (v === 1 ? undefined : `${p} must be 1`),
  kind: oneOf('derender', 'compare'),
  runId: opt(id),
  imageName: str(1024),
  imageSrc: dataImage(LIMITS.imageSrcChars),
  imageSize: opt(size),
  question: opt(text),
  status: runStatus,
  error: opt(text),
  stage: opt(obj({ stage: stageName, round: num(0, 10_000, true), message: text })),
  options: opt(runOptions),
  model: opt(text),
  candidates: arr(candidateView, LIMITS.candidates),
  bestId: opt(id),
  bestScore: opt(score01),
  diffSrc: opt(dataImage(LIMITS.pngChars + 64)),
  rounds: arr(roundView, LIMITS.rounds),
  answer: opt(answerView),
  program: opt(code),
  renderer: rendererView,
  log: arr(logLine, LIMITS.logLines),
  durationMs: opt(num(0, 1e12)),
  usage: opt(usage),
  reading: opt(readingView),
  readingError: opt(text),
  modelNote: opt(text),
});

const renderJobRequest: Check = obj({
  code,
  mode: oneOf('figure', 'script'),
  width: num(1, 20_000, true),
  height: num(1, 20_000, true),
  timeLimitMs: num(1, 3_600_000),
});
const workerConfig: Check = obj({
  workerUrl: resourceUrl,
  indexUrl: resourceUrl,
  packageBaseUrl: opt(resourceUrl),
  lockFileUrl: opt(resourceUrl),
  packages: arr(str(64, /^[A-Za-z0-9_.-]+$/), LIMITS.packages),
});

const HOST_MESSAGES: Record<HostMessage['type'], Record<string, Check>> = {
  state: { state: panelStateCheck },
  'run-started': { runId: id, image: size, question: opt(text), options: runOptions, model: opt(text) },
  stage: { stage: stageName, round: num(0, 10_000, true), message: text },
  candidate: { candidate: candidateMsg },
  'candidate-render': { candidateId: id, png: b64(LIMITS.pngChars), renderMs: num(0, 1e9) },
  'candidate-scored': { candidateId: id, score: scoreView },
  'candidate-failed': { candidateId: id, stage: oneOf('generate', 'render'), error: text },
  best: { candidateId: id, score: scoreView, diffPng: opt(b64(LIMITS.pngChars)) },
  round: { round: roundView },
  answer: { answer: answerView },
  log: { line: logLine },
  'run-ended': {
    status: oneOf('finished', 'failed', 'cancelled'),
    error: opt(text),
    program: opt(code),
    bestCandidateId: opt(id),
    durationMs: opt(num(0, 1e12)),
    usage: opt(usage),
  },
  renderer: { renderer: rendererView },
  reading: { reading: readingView },
  'reading-failed': { reason: text },
  'model-note': { note: text },
  'worker-config': { config: workerConfig },
  render: { jobId: id, request: renderJobRequest },
  'render-cancel': { jobId: id },
  'convert-image': { jobId: id },
};

const renderJobResult: Check = obj({
  ok: bool,
  png: opt(b64(LIMITS.pngChars)),
  stdout: output,
  error: opt(text),
  errorKind: opt(oneOf('timeout', 'python', 'no-figure', 'missing-package', 'limit', 'forbidden', 'cancelled', 'internal')),
  traceback: opt(output),
  answer: opt(text),
  durationMs: num(0, 1e9),
});

const WEBVIEW_MESSAGES: Record<WebviewMessage['type'], Record<string, Check>> = {
  ready: {},
  cancel: {},
  'open-program': { candidateId: opt(id) },
  'copy-program': { candidateId: opt(id) },
  'export-data': { format: oneOf('csv', 'json') },
  'export-reading': { format: oneOf('csv', 'json') },
  rerun: {},
  'save-record': {},
  'prepare-renderer': {},
  'render-result': { jobId: id, result: renderJobResult },
  'worker-status': { status: oneOf('starting', 'ready', 'failed'), message: opt(text), ms: opt(num(0, 1e9)) },
  'converted-image': { jobId: id, png: opt(b64(LIMITS.imageSrcChars)), error: opt(text) },
  'page-error': { message: text },
};

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(table: Record<string, Record<string, Check>>, raw: unknown, what: string): Parsed<T> {
  if (!isPlainObject(raw)) return { ok: false, error: `${what} is not an object` };
  const type = raw.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) {
    return { ok: false, error: `${what} has an unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}` };
  }
  const e = obj({ type: () => undefined, ...table[type] })(raw, type);
  return e ? { ok: false, error: `${what}: ${e}` } : { ok: true, message: raw as T };
}

/** Checks a message from the panel (untrusted) before the host acts on it. */
export function parseWebviewMessage(raw: unknown): Parsed<WebviewMessage> {
  return parseWith<WebviewMessage>(WEBVIEW_MESSAGES, raw, 'panel message');
}

/** Checks a message from the host (the panel's own defence in depth). */
export function parseHostMessage(raw: unknown): Parsed<HostMessage> {
  return parseWith<HostMessage>(HOST_MESSAGES, raw, 'host message');
}

/** Checks a panel state (e.g. one the webview saved, handed back by the serializer after a reload). */
export function parsePanelState(raw: unknown): Parsed<PanelState> {
  const e = panelStateCheck(raw, 'state');
  return e ? { ok: false, error: e } : { ok: true, message: raw as PanelState };
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
