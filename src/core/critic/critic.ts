/**
 * The critic the loop runs: the pixel critic (./pixelCritic) and, when the chart reader read the
 * original and the renderer reported where the candidate's marks were drawn, the data part
 * (./dataCritic), combined. The original is prepared and read once per run; each render is scored
 * against both. When there is no reading (the reader could not read the original, or was off) or a
 * render reported no marks, the score is the pixel critic's alone and the critic says so
 * (`basis`, `fallback`): the run record keeps it, the panel and the CLI can show it.
 */
import type { DrawnAxes, RgbaImage, Score } from '../types';
import type { Reading } from '../reader/types';
import { prepareOriginal, scorePair, DEFAULT_CRITIC, type PixelCriticOptions, type PreparedOriginal } from './pixelCritic';
import { scoreData } from './dataCritic';

/**
 * The data part's weight in the combined score (the pixel critic's is 1 − this). Calibrated on
 * the candidate sets of bench/candidates (bench/critic.mjs --calibrate): top-1 is flat from 0.6 to
 * 0.9 there; the pixel parts keep separating candidates whose data read the same.
 */
export const DATA_WEIGHT = 0.75;

export interface CriticOptions {
  pixel: PixelCriticOptions;
  dataWeight: number;
}
export const DEFAULT_CRITIC_OPTIONS: CriticOptions = { pixel: DEFAULT_CRITIC, dataWeight: DATA_WEIGHT };

/** What a run's critic compares with: the prepared original and, when read, its reading. */
export interface Critic {
  original: PreparedOriginal;
  reading?: Reading;
  /** Why the data part is off for this run (no reading). */
  unread?: string;
  options: CriticOptions;
  /** The data parts of the renders scored so far that were not drawn from the reading itself. */
  seenData: number[];
}

/** How a render was scored. */
export interface CriticScore extends Score {
  basis: 'data+pixels' | 'pixels';
  /** Why only pixels (when `basis` is 'pixels'). */
  fallback?: string;
}

/** What the run record keeps: the basis of the run's scores and, when pixels alone, why. */
export interface CriticRecord {
  basis: 'data+pixels' | 'pixels' | 'mixed';
  fallback?: string;
}

/**
 * Prepares the critic once per run. `reading`: the read stage's result (undefined when the reader
 * did not run).
 */
export function prepareCritic(
  image: RgbaImage,
  reading: { ok: true; reading: Reading } | { ok: false; reason: string } | undefined,
  options: CriticOptions = DEFAULT_CRITIC_OPTIONS,
): Critic {
  return criticFor(prepareOriginal(image, options.pixel), reading, options);
}

/** The critic for an original already prepared (the loop prepares it before the read stage). */
export function criticFor(
  original: PreparedOriginal,
  reading: { ok: true; reading: Reading } | { ok: false; reason: string } | undefined,
  options: CriticOptions = DEFAULT_CRITIC_OPTIONS,
): Critic {
  if (!reading) return { original, unread: 'the chart reader did not run', options, seenData: [] };
  if (!reading.ok) return { original, unread: `the chart reader could not read the original (${reading.reason})`, options, seenData: [] };
  if (reading.reading.series.every((s) => s.points.length === 0)) return { original, unread: 'the chart reader found no values on the original', options, seenData: [] };
  return { original, reading: reading.reading, options, seenData: [] };
}

/**
 * Scores one render (decoded) with the marks its renderer reported (undefined: none reported).
 * `fromReading`: the program was written from the reading itself (the reader's candidate), so its
 * agreement with the reading is no evidence — a misread chart would always win. Its data part is
 * then the best of the other candidates' so far (its own when there are none): it competes on pixels.
 */
export function scoreRender(critic: Critic, render: RgbaImage, marks: DrawnAxes[] | undefined, fromReading = false): CriticScore {
  const px = scorePair(critic.original, render, critic.options.pixel);
  const pixelsOnly = (fallback: string): CriticScore => ({ score: px.score, parts: { ...px.parts }, basis: 'pixels', fallback });
  if (!critic.reading) return pixelsOnly(critic.unread ?? 'no reading of the original');
  if (!marks) return pixelsOnly('the renderer did not report where the marks were drawn');
  const data = scoreData(critic.reading, marks);
  if (!data) return pixelsOnly('the render has no axes to compare with the reading');
  let dataScore = data.score;
  if (fromReading && critic.seenData.length > 0) dataScore = Math.max(...critic.seenData);
  else if (!fromReading) critic.seenData.push(data.score);
  const w = critic.options.dataWeight;
  return {
    score: round4(w * dataScore + (1 - w) * px.score),
    parts: { ...px.parts, pixels: px.score, data: dataScore, dataWithin2: data.values ? round4(data.within2 / data.values) : 0 },
    basis: 'data+pixels',
  };
}

/** The run's basis from its candidates' scores. */
export function criticRecord(scores: CriticScore[]): CriticRecord | undefined {
  if (scores.length === 0) return undefined;
  const pix = scores.filter((s) => s.basis === 'pixels');
  if (pix.length === 0) return { basis: 'data+pixels' };
  const reasons = [...new Set(pix.map((s) => s.fallback).filter(Boolean))].join('; ');
  return { basis: pix.length === scores.length ? 'pixels' : 'mixed', fallback: reasons || undefined };
}

/** The pixel critic's part of a score (all of it when the data part was off). */
export function pixelPart(s: Score): number {
  return s.parts.pixels ?? s.score;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
