/**
 * The contracts of the RECODE loop: what a renderer, a model and a critic are, the options of a
 * run, the events it streams and the record it leaves. Pure types: no `vscode`, no Node-only APIs.
 */

import type { Reading } from './reader/types';

/** An RGBA raster: `data.length === width * height * 4`. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Renderers
// ---------------------------------------------------------------------------------------------

export interface RenderRequest {
  /** The Python program (untrusted). */
  code: string;
  /**
   * 'figure': run the program, then save the current matplotlib figure as a PNG of exactly
   *   width × height pixels.
   * 'script': run the program (and no figure is saved); used for the answer computation.
   */
  mode: 'figure' | 'script';
  width: number;
  height: number;
  /** Wall-clock limit for this program; the renderer kills it past that. */
  timeLimitMs: number;
}

/** How a render failed, one name per cause (the panel's protocol checks against this list too). */
export const RENDER_ERROR_KINDS = [
  'timeout', // over its time limit; the worker / process was killed
  'python', // the program raised
  'no-figure', // figure mode but the program drew nothing
  'missing-package', // matplotlib (or another package) is not available to the renderer
  'limit', // a resource limit (memory, output bytes, figure pixels)
  'forbidden', // the sandbox refused something (js bridge, subprocess, host files, network…)
  'cancelled',
  'internal',
] as const;
export type RenderErrorKind = (typeof RENDER_ERROR_KINDS)[number];

export interface RenderResult {
  ok: boolean;
  /** PNG bytes, present when ok and mode === 'figure'. */
  png?: Uint8Array;
  /** Captured stdout + stderr of the program (capped). */
  stdout: string;
  /** A one-line reason when !ok. */
  error?: string;
  errorKind?: RenderErrorKind;
  /** The Python traceback, when the program raised. */
  traceback?: string;
  /** In script mode: `str(answer)` if the program defined a global named `answer`. */
  answer?: string;
  /**
   * Figure mode: where the render's data marks were drawn, as the harness reports them (per axes;
   * absent when the renderer does not report them). For the critic's data part.
   */
  marks?: DrawnAxes[];
  durationMs: number;
}

/** One matplotlib axes of a render and the data marks drawn in it (px from the top left). */
export interface DrawnAxes {
  /** x, y, w, h of the axes box in render px. */
  box: [number, number, number, number];
  xscale: string;
  yscale: string;
  xlim: [number, number];
  ylim: [number, number];
  /** Major ticks: [data value, label text]. */
  xticks: [number, string][];
  yticks: [number, string][];
  artists: DrawnArtist[];
}

/**
 * One artist's marks. `items` per kind — bar: [x, y, w, h (data), px x, px y, px w, px h];
 * line and points: [x, y (data), px x, px y]; slice: [share, theta1, theta2].
 */
export interface DrawnArtist {
  kind: 'bar' | 'line' | 'points' | 'slice';
  orientation?: 'vertical' | 'horizontal';
  label: string;
  /** Wedge labels (slices). */
  labels?: string[];
  color?: [number, number, number];
  marker?: string;
  items: number[][];
}

export interface Renderer {
  /** 'pyodide' | 'python' | 'webview' … */
  readonly name: string;
  render(req: RenderRequest, signal?: AbortSignal): Promise<RenderResult>;
  /** Stops every worker / process it owns. */
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

export type ContentPart = { type: 'text'; text: string } | { type: 'image'; dataUrl: string };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

export type ModelPurpose = 'generate' | 'refine' | 'critic' | 'answer';

export interface ModelRequest {
  purpose: ModelPurpose;
  messages: ChatMessage[];
  temperature?: number;
  /** How many completions; clients without `n` make that many requests. */
  n?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ModelReply {
  /** One text per completion (length n, or fewer if some failed). */
  texts: string[];
  usage: TokenUsage;
  model: string;
  durationMs: number;
  /** Completions that failed while others succeeded (n > 1 made as separate requests): one reason each. */
  failures?: { message: string }[];
}

export type ModelErrorKind =
  | 'auth' // 401 / 403: the key is wrong or lacks access
  | 'not-found' // 404: wrong model name or wrong base URL
  | 'rate-limit' // 429 after every retry
  | 'server' // 5xx after every retry
  | 'timeout' // the request took longer than its time limit
  | 'network' // connection refused / reset
  | 'bad-request' // 400 / 422: e.g. the model does not accept images
  | 'cancelled'
  | 'config'; // nothing configured (no base URL / model / key)

export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export interface ModelClient {
  /** e.g. 'gpt-4o @ https://api.openai.com/v1' — never holds the key. */
  readonly description: string;
  complete(req: ModelRequest): Promise<ModelReply>;
}

// ---------------------------------------------------------------------------------------------
// Critic
// ---------------------------------------------------------------------------------------------

/** How faithful a render is to the original; every part in [0,1], higher is more faithful. */
export interface Score {
  /** The combined score in [0,1]. */
  score: number;
  /** The parts it was combined from, e.g. { pixel: 0.93, ssim: 0.81, colour: 0.97, edges: 0.88 }. */
  parts: Record<string, number>;
}

export interface ModelCritique {
  /** Candidate ids, most faithful first. */
  ranking: string[];
  /** What differs, in words, for the refine prompt. */
  notes: string;
}

// ---------------------------------------------------------------------------------------------
// A run
// ---------------------------------------------------------------------------------------------

export type DiagramKind = 'chart' | 'geometry' | 'auto';

export interface DerenderOptions {
  /** Candidates generated in the first round (N). */
  candidates: number;
  /** Refinement rounds with the model (K). */
  rounds: number;
  /** Sampling temperature for generation (> 0 for diversity). */
  temperature: number;
  /** Ask the model to rank renders (breaks near-ties, explains differences). */
  modelCritic: boolean;
  /** Score difference under which two candidates are a near-tie for the model critic. */
  nearTie: number;
  /** Render budget for numeric refinement of the data literals (0 = off). */
  numericRefineBudget: number;
  /** Time limit for each program run. */
  renderTimeLimitMs: number;
  /** 'chart' | 'geometry' prompts; 'auto' lets the model decide. */
  kind: DiagramKind;
  /** Text read from the image (labels, ticks) to help the model, if an OCR pass ran. */
  ocrText?: string;
  /** Read the chart first (built-in reader): its OCR text goes into the prompt, its program joins the candidates; with no model it is the derender. */
  reader: boolean;
}

export const DEFAULT_OPTIONS: DerenderOptions = {
  candidates: 3,
  rounds: 2,
  temperature: 0.7,
  modelCritic: false,
  nearTie: 0.01,
  numericRefineBudget: 200,
  renderTimeLimitMs: 20_000,
  kind: 'auto',
  reader: true,
};

export type CandidateSource = 'generate' | 'refine' | 'numeric' | 'given' | 'reader';

export interface CandidateInfo {
  id: string;
  round: number;
  source: CandidateSource;
  /** The candidate it was derived from (refinement). */
  parentId?: string;
  code?: string;
  state: 'generating' | 'rendering' | 'scored' | 'failed';
  error?: string;
  score?: Score;
  renderMs?: number;
}

export interface Answer {
  question: string;
  /** The computed answer, as printed by the computation. */
  value: string;
  /** True when `value` came from running code over the program; false if the model only said it. */
  computed: boolean;
  /** The code that computed it (appended to the program when run). */
  computation: string;
  /** The program whose data it was computed from. */
  programCandidateId: string;
  score: Score;
  /** Any explanation from the model. */
  explanation?: string;
  /** Set when `value` is only the start of what the computation produced (cut at this many characters). */
  truncatedAt?: number;
}

export type RunEvent =
  /** What the built-in chart reader read (the overlay: what was read drawn over the original; the CSV: its data table). */
  | { type: 'reading'; reading: Reading; overlayPng: Uint8Array; csv: string }
  /** The reader could not read the image (one plain sentence); a model's run goes on without it. */
  | { type: 'reading-failed'; reason: string }
  | { type: 'run-started'; runId: string; image: { width: number; height: number }; question?: string; options: DerenderOptions }
  | { type: 'stage'; stage: 'read' | 'generate' | 'render' | 'critique' | 'refine' | 'numeric' | 'answer'; round: number; message: string }
  | { type: 'candidate-generated'; candidate: CandidateInfo }
  | { type: 'candidate-rendered'; candidateId: string; png: Uint8Array; renderMs: number }
  | { type: 'candidate-scored'; candidateId: string; score: Score }
  | { type: 'candidate-failed'; candidateId: string; stage: 'generate' | 'render'; error: string }
  | { type: 'best-changed'; candidateId: string; score: Score; diffPng?: Uint8Array }
  | { type: 'round-finished'; round: number; bestCandidateId: string; bestScore: number; improved: boolean }
  | { type: 'critique'; critique: ModelCritique }
  | { type: 'answer'; answer: Answer }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'run-finished'; result: DerenderSummary }
  | { type: 'run-failed'; error: string; cancelled: boolean };

export interface DerenderSummary {
  runId: string;
  bestCandidateId: string;
  program: string;
  score: Score;
  answer?: Answer;
  usage: TokenUsage;
  renders: number;
  durationMs: number;
}
