/**
 * What the panel shows, declared once as schemas (zod): the TypeScript types are inferred from
 * them, and the same schemas check every message and saved state that carries them. PanelState is
 * everything the panel shows; the webview is a function of it (and it is the webview's saved state).
 * Browser-safe.
 */
import * as z from 'zod/mini';
import { LIMITS, arr, bool, code, dataImage, id, num, numRecord, obj, oneOf, score01, str, text } from './schema';

export const runStatus = oneOf(['running', 'finished', 'failed', 'cancelled']);
export const candidateState = oneOf(['generating', 'rendering', 'scored', 'failed']);
export const candidateSource = oneOf(['generate', 'refine', 'numeric', 'given', 'reader']);
export const stageName = oneOf(['read', 'generate', 'render', 'critique', 'refine', 'numeric', 'answer']);
export const logLevel = oneOf(['info', 'warn', 'error']);

export type RunStatus = z.infer<typeof runStatus>;
export type CandidateState = z.infer<typeof candidateState>;
export type CandidateSourceView = z.infer<typeof candidateSource>;
export type StageName = z.infer<typeof stageName>;
export type LogLevel = z.infer<typeof logLevel>;

export const scoreView = obj({
  /** Combined score in [0,1]. */
  score: score01,
  parts: numRecord,
});
export type ScoreView = z.infer<typeof scoreView>;

/** A candidate as its messages carry it (its render travels on its own). */
export const candidateFields = {
  id,
  round: num(0, 10_000, true),
  source: candidateSource,
  parentId: z.optional(id),
  state: candidateState,
  error: z.optional(text),
  score: z.optional(scoreView),
  renderMs: z.optional(num(0, 1e9)),
  /** The candidate's program, when known. */
  code: z.optional(code),
};
export const candidateView = obj({
  ...candidateFields,
  /** The render as a data: URL (image/png). */
  renderSrc: z.optional(dataImage(LIMITS.pngChars + 64)),
});
export type CandidateView = z.infer<typeof candidateView>;

export const roundView = obj({ round: num(0, 10_000, true), bestCandidateId: id, bestScore: score01, improved: bool });
export type RoundView = z.infer<typeof roundView>;

export const answerView = obj({
  question: text,
  value: text,
  /** True when computed by running code over the program. */
  computed: bool,
  computation: code,
  programCandidateId: id,
  score: score01,
  explanation: z.optional(text),
});
export type AnswerView = z.infer<typeof answerView>;

/** The renderer a run uses, and whether the panel's Pyodide has its packages. */
export const rendererView = obj({
  /** 'webview' (Pyodide in this panel), 'python' (local CPython), 'none' … */
  name: str(64, /^[A-Za-z0-9_. -]+$/),
  /** One line shown under the header, e.g. 'local Python 3.11 with matplotlib 3.6.3'. */
  detail: z.optional(text),
  /** 'missing': show the prepare button. */
  pyodidePackages: oneOf(['ready', 'missing', 'preparing']),
  /** Why preparing is needed / what failed, shown next to the prepare button. */
  note: z.optional(text),
});
export type RendererView = z.infer<typeof rendererView>;

export const logLine = obj({ level: logLevel, message: text });
export type LogLine = z.infer<typeof logLine>;

/** What the built-in chart reader read: the overlay a person checks it with, and its data table. */
export const readingView = obj({
  chartType: str(64),
  title: z.optional(text),
  /** 0..1 */
  confidence: num(0, 1),
  warnings: arr(text, LIMITS.warnings),
  /** What was read drawn over the original, data: URL (image/png). */
  overlaySrc: z.optional(dataImage(LIMITS.pngChars + 64)),
  table: obj({ columns: arr(str(LIMITS.cellChars), LIMITS.tableColumns), rows: arr(arr(str(LIMITS.cellChars), LIMITS.tableColumns), LIMITS.tableRows) }),
});
export type ReadingView = z.infer<typeof readingView>;

export const runOptions = obj({ candidates: num(0, 1000, true), rounds: num(0, 1000, true), modelCritic: bool });
export const usage = obj({ promptTokens: num(0, 1e12, true), completionTokens: num(0, 1e12, true) });
export const size = obj({ width: num(1, 1_000_000, true), height: num(1, 1_000_000, true) });

/** Everything the panel shows; the webview is a function of it. Also the webview's saved state. */
export const panelState = obj({
  v: z.literal(1, { error: 'must be 1' }),
  kind: oneOf(['derender', 'compare']),
  runId: z.optional(id),
  imageName: str(1024),
  /** The original as a data: URL (image/png, image/jpeg or image/webp). */
  imageSrc: dataImage(LIMITS.imageSrcChars),
  imageSize: z.optional(size),
  question: z.optional(text),
  status: runStatus,
  error: z.optional(text),
  stage: z.optional(obj({ stage: stageName, round: num(0, 10_000, true), message: text })),
  options: z.optional(runOptions),
  model: z.optional(text),
  candidates: arr(candidateView, LIMITS.candidates),
  bestId: z.optional(id),
  bestScore: z.optional(score01),
  /** Heat-map of best vs original, data: URL. */
  diffSrc: z.optional(dataImage(LIMITS.pngChars + 64)),
  rounds: arr(roundView, LIMITS.rounds),
  answer: z.optional(answerView),
  /** The winning program (when the run finished). */
  program: z.optional(code),
  renderer: rendererView,
  log: arr(logLine, LIMITS.logLines),
  durationMs: z.optional(num(0, 1e12)),
  usage: z.optional(usage),
  /** The chart reader's reading, when it read the image. */
  reading: z.optional(readingView),
  /** Why the chart reader could not read the image. */
  readingError: z.optional(text),
  /** Said when the run has no model (e.g. that questions need one). */
  modelNote: z.optional(text),
});
export type PanelState = z.infer<typeof panelState>;
