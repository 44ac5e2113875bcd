/**
 * The numeric refinement as the loop runs it, in data space when the chart reader read the
 * original: layout first (alignLayout), then values from the reader's marks (jumpToReading), each
 * one render to check, then the render-compare polish (refineNumbers) with the renders left. The
 * program returned is the one with the most values right by the reading (ties: the better pixel
 * score) among the seed and every step's, so it never has fewer values right than its seed.
 */
import type { Reading } from '../reader/types';
import type { RgbaImage } from '../types';
import type { PreparedOriginal } from '../critic/pixelCritic';
import { fitsWorse, type DataFit } from '../dataFit';
import type { Drawn } from './drawn';
import { alignLayout } from './layout';
import { jumpToReading } from './dataJump';
import { refineNumbers } from './numeric';

export interface DataSpaceRequest {
  program: string;
  startScore: number;
  /** Renders allowed in all (program runs that read back what was drawn count too). */
  budget: number;
  /** The reader's reading of the original, when it read it. */
  reading?: Reading;
  /** Renders and scores a program against the original; undefined when it failed. */
  score: (program: string) => Promise<number | undefined>;
  /** Renders a program as an image (for the polish's local search). */
  renderImage: (program: string) => Promise<RgbaImage | undefined>;
  original: PreparedOriginal;
  /** What a program draws, in the original's pixels. */
  drawn: (program: string) => Promise<Drawn | undefined>;
  /** How close a program's data is to the reading. */
  fit: (program: string) => Promise<DataFit | undefined>;
  signal?: AbortSignal;
}

export type DataSpaceStepName = 'layout' | 'values from the reading' | 'polish';

export interface DataSpaceStep {
  step: DataSpaceStepName;
  /** Pixel score after the step (undefined: its render failed). */
  score?: number;
  kept: boolean;
  detail: string;
}

export interface DataSpaceResult {
  program: string;
  score: number;
  rendersUsed: number;
  steps: DataSpaceStep[];
  /** The data fit of the seed and of the program returned (with a reading). */
  seedFit?: DataFit;
  fit?: DataFit;
  search: 'local' | 'global' | 'none';
  /** Values the polish changed. */
  changes: number;
}

/** A layout edit may cost this much pixel score (the original's style is not matplotlib's) and still be kept: its job is to make pixels comparable. */
const LAYOUT_SLACK = 0.02;
/**
 * Renders the polish gets after the values were set from the reader's marks: there it only
 * nudges what the reading left off (bench/loop.mjs: it changed nothing on 10 of 13 charts in 34
 * renders), and a run must stay under a minute.
 */
const POLISH_AFTER_JUMP = 24;

export async function refineInDataSpace(q: DataSpaceRequest): Promise<DataSpaceResult> {
  const steps: DataSpaceStep[] = [];
  let used = 0;
  let program = q.program;
  let score = q.startScore;
  const reading = q.reading && q.reading.chart_type !== 'pie' ? q.reading : undefined;
  const tries: { program: string; score: number; fit?: DataFit }[] = [];
  let jumped = false;

  if (reading) {
    // 1. layout: the plot area, limits and ticks of the original
    const before = await q.drawn(program);
    used++;
    const layout = before && alignLayout(program, before, reading);
    let drawnNow = before;
    if (layout) {
      const s = await q.score(layout.program);
      used++;
      const kept = s !== undefined && s >= score - LAYOUT_SLACK;
      steps.push({ step: 'layout', score: s, kept, detail: layout.lines.filter((l) => l.startsWith('ax.')).join('; ') });
      if (kept) {
        program = layout.program;
        score = s!;
        drawnNow = await q.drawn(program);
        used++;
      }
    }
    // 2. values: each from its mark on the original, through the axis map
    const jump = drawnNow && jumpToReading(program, drawnNow, reading);
    if (jump && jump.moved === 0) {
      jumped = true;
      steps.push({ step: 'values from the reading', kept: false, detail: `the ${jump.drawn} values are where the reader's marks put them already` });
    } else if (jump) {
      // one render to check, and what both programs draw: independent runs, issued at once
      const [s, fitBefore, fitAfter] = await Promise.all([q.score(jump.program), q.fit(program), q.fit(jump.program)]);
      used += 3;
      const dataBetter = !!fitAfter && (!fitBefore || fitsWorse(fitBefore, fitAfter));
      const kept = s !== undefined && (s > score || (dataBetter && s >= score - LAYOUT_SLACK));
      steps.push({ step: 'values from the reading', score: s, kept, detail: `${jump.moved} of ${jump.drawn} values set from the reader's marks` });
      tries.push({ program, score, fit: fitBefore });
      if (kept) {
        program = jump.program;
        score = s!;
        jumped = true;
        tries.push({ program, score, fit: fitAfter });
      }
    }
  }

  // 3. polish: render-compare, the renders left
  const polished = await refineNumbers({
    program,
    startScore: score,
    budget: Math.max(0, Math.min(q.budget - used, jumped ? POLISH_AFTER_JUMP : Infinity)),
    evaluate: q.score,
    renderImage: q.renderImage,
    original: q.original,
    signal: q.signal,
  });
  used += polished.rendersUsed;
  steps.push({ step: 'polish', score: polished.score, kept: polished.program !== program, detail: `${polished.changes.length} values changed in ${polished.rendersUsed} renders (${polished.search} search)` });

  // (a pie has no axes to align or marks to jump to, but its slices can still be compared with the reading's)
  if (!q.reading) {
    return { program: polished.program, score: polished.score, rendersUsed: used, steps, search: polished.search, changes: polished.changes.length };
  }
  // 4. the most values right by the reading among the seed and the steps' programs
  const polishedMoved = polished.program !== program;
  const [seedFit, polishedFit] = await Promise.all([q.fit(q.program), polishedMoved ? q.fit(polished.program) : undefined]);
  used += polishedMoved ? 2 : 1;
  tries.unshift({ program: q.program, score: q.startScore, fit: seedFit });
  if (polishedMoved) tries.push({ program: polished.program, score: polished.score, fit: polishedFit });
  else if (!tries.some((t) => t.program === program)) tries.push({ program, score });
  const better = (a: (typeof tries)[number], b: (typeof tries)[number]) => {
    if (a.fit && b.fit && (fitsWorse(a.fit, b.fit) || fitsWorse(b.fit, a.fit))) return fitsWorse(b.fit, a.fit);
    return a.score > b.score;
  };
  const best = tries.reduce((a, b) => (better(b, a) ? b : a));
  return { program: best.program, score: best.score, rendersUsed: used, steps, seedFit, fit: best.fit, search: polished.search, changes: polished.changes.length };
}
