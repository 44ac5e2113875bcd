/** What an evaluation is given and gives back: its modes, options, dependencies, events and result lines. */
import type { DerenderOptions, ModelClient, Renderer, RgbaImage, TokenUsage } from '../types';
import type { TableScore } from './table';

export type EvalMode = 'direct' | 'recode' | 'reader';
export const EVAL_MODES: EvalMode[] = ['direct', 'recode', 'reader'];

/** One line of items.jsonl. */
export interface ItemLine {
  /** The question's id, or `<image id>#table` for a table line. */
  id: string;
  kind: 'answer' | 'table';
  mode: EvalMode;
  image_id: string;
  image: string;
  benchmark: string;
  chart_type?: string;
  scoring?: string;
  question?: string;
  expected?: string;
  choices?: string[];
  answer?: string;
  /** What the answer was read as (a number, a choice letter) when that differs. */
  read_as?: string;
  correct?: boolean;
  /** recode: computed by running code over the recovered program (false: the model's own words). */
  computed?: boolean;
  /** With --judge: the judge's verdict, and the normalised exact match kept beside it. */
  judge?: boolean;
  exact?: boolean;
  table_score?: TableScore;
  tokens: TokenUsage;
  ms: number;
  /** The run's folder, relative to DIR. */
  run?: string;
  /** A later question answered over an earlier question's derender. */
  shared_run?: boolean;
  error?: string;
  at: string;
}

/** The chart reader as eval needs it: a data table (CSV) from an image, or a reason. */
export type TableReader = (image: RgbaImage, signal?: AbortSignal) => Promise<{ ok: true; csv: string } | { ok: false; reason: string }>;

export interface EvalOptions {
  outDir: string;
  modes: EvalMode[];
  concurrency: number;
  /** At most this many questions (in input order). */
  limit?: number;
  resume: boolean;
  maxCostTokens?: number;
  maxMinutes?: number;
  judge: boolean;
  derender: Partial<DerenderOptions>;
  /** Written to DIR/eval.json. */
  describe: { input: string; model?: string; renderer?: string; argv?: string[] };
}

export interface EvalDeps {
  model?: ModelClient;
  /** Created on first use (direct mode needs none). */
  renderer?: () => Promise<Renderer>;
  reader?: TableReader;
}

export type EvalEvent =
  | { type: 'planned'; total: number; done: number; skipped: number }
  | { type: 'line'; line: ItemLine }
  | { type: 'progress'; done: number; total: number; running: number; tokens: number; elapsedMs: number }
  | { type: 'stopping'; reason: string }
  | { type: 'warning'; message: string };

export interface EvalOutcome {
  lines: ItemLine[];
  /** Why it stopped before the end (cancelled, token or time budget). */
  stopped?: string;
  startedAt: string;
  finishedAt: string;
}

export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}
