/** What the numeric searches share: the request, the data literals, the render count. */
import type { RgbaImage } from '../types';
import type { PreparedOriginal } from '../critic/pixelCritic';
import type { DataList, NumericLiteral } from './literals';

export interface NumericRefineRequest {
  program: string;
  startScore: number;
  /** Renders allowed. */
  budget: number;
  /** Renders and scores a program; undefined when it failed. Used when `renderImage` is not given. */
  evaluate: (program: string) => Promise<number | undefined>;
  /**
   * Renders a program and decodes the PNG; undefined when it failed. With `original`, enables the
   * local search (many values per render).
   */
  renderImage?: (program: string) => Promise<RgbaImage | undefined>;
  /** The prepared original the renders are compared with (the same the caller scores with). */
  original?: PreparedOriginal;
  signal?: AbortSignal;
  /** Initial step as a share of each list's scale (default 0.08). */
  initialStep?: number;
  /** Stop a value when its step falls below this share of its list's scale (default 0.004). */
  minStep?: number;
}

export interface NumericRefineResult {
  program: string;
  score: number;
  rendersUsed: number;
  /** Values changed, as { list name or index, index in list, from, to }. */
  changes: { list: string; index: number; from: number; to: number }[];
  /** Which search ran. */
  search: 'local' | 'global' | 'none';
}

export interface SearchContext {
  r: NumericRefineRequest;
  lists: DataList[];
  literals: NumericLiteral[];
  /** Per literal: the scale its steps are shares of (its list's largest magnitude). */
  scale: number[];
  used: number;
}

export interface SearchOutcome {
  values: number[];
  score: number;
  search: 'local' | 'global';
}

export const aborted = (c: SearchContext) => c.r.signal?.aborted === true;

/** The probe move, as a share of the list's scale: small, so a value's territory stays compact. */
export const PROBE = 0.04;

/** Keeps data that was non-negative non-negative. */
export function clampValue(c: SearchContext, i: number, v: number): number {
  return c.literals[i].value >= 0 && v < 0 ? 0 : v;
}
