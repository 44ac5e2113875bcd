/**
 * The loop's first stage, read: the built-in chart reader (src/core/reader) on the original, and
 * what the rest of the loop takes from it — the reader's program (a candidate like the model's, and
 * with no model the derender itself), the OCR'd text with where each piece sits (for the generation
 * prompt), the data table and the overlay (what was read, drawn over the original).
 */
import type { RgbaImage } from './types';
import { encodePng } from './image';
import {
  drawOverlay,
  readChart,
  readingToCsv,
  readingToProgram,
  readTexts,
  textForPrompt,
  type Ocr,
  type ReadResult,
  type Reading,
  type TextItem,
} from './reader';

export interface ReadStage {
  /** The reading, or the one sentence saying why the image could not be read. */
  result: ReadResult;
  /** The reader's matplotlib program (when read). */
  program?: string;
  /** The data table as CSV (when read). */
  csv?: string;
  /** PNG: what was read drawn over the original (when read). */
  overlayPng?: Uint8Array;
  /** The OCR'd text for the generation prompt (also when the chart as a whole could not be read, if texts were found). */
  promptText?: string;
  durationMs: number;
}

/** What the run record keeps of the read stage (the whole reading: the critic and the refinement work from it). */
export type ReadRecord = ({ ok: true; reading: Reading } | { ok: false; reason: string }) & { durationMs: number };

export interface ReadStageOptions {
  signal?: AbortSignal;
  /** A warm OCR engine to reuse. */
  ocr?: Ocr;
  /** Also find the text for the prompt when the chart as a whole cannot be read (a second OCR pass). */
  promptText: boolean;
}

export class ReadCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * Reads the chart. Never throws for an image it cannot read or a failure inside the reader (the
 * result says why); throws ReadCancelled when the signal aborts, at once (the reader may finish in
 * the background).
 */
export async function runReadStage(image: RgbaImage, opts: ReadStageOptions): Promise<ReadStage> {
  const t0 = Date.now();
  const { signal } = opts;
  let result: ReadResult;
  try {
    result = await abortable(readChart(image, { signal, ocr: opts.ocr }), signal);
  } catch (e) {
    if (e instanceof ReadCancelled || signal?.aborted) throw new ReadCancelled();
    result = { ok: false, reason: `the chart reader failed: ${message(e)}` };
  }
  if (!result.ok) {
    let promptText: string | undefined;
    if (opts.promptText) {
      try {
        promptText = textsForPrompt(await abortable(readTexts(image, { signal, ocr: opts.ocr }), signal)) || undefined;
      } catch (e) {
        if (e instanceof ReadCancelled || signal?.aborted) throw new ReadCancelled();
        // no text for the prompt: the model reads the image alone
      }
    }
    return { result, promptText, durationMs: Date.now() - t0 };
  }
  const reading = result.reading;
  // Everything derived from the reading: a failure in one part loses only that part.
  const tryOr = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const program = tryOr(() => readingToProgram(reading));
  const csv = tryOr(() => readingToCsv(reading));
  const overlayPng = tryOr(() => encodePng(drawOverlay(image, reading)));
  const promptText = tryOr(() => textForPrompt(reading)) || undefined;
  if (!program) {
    return { result: { ok: false, reason: 'the chart reader read the chart but could not write a program for it' }, csv, overlayPng, promptText, durationMs: Date.now() - t0 };
  }
  return { result, program, csv, overlayPng, promptText, durationMs: Date.now() - t0 };
}

export function readRecord(r: ReadStage): ReadRecord {
  return r.result.ok ? { ok: true, reading: r.result.reading, durationMs: r.durationMs } : { ok: false, reason: r.result.reason, durationMs: r.durationMs };
}

/** Texts found when the chart as a whole could not be read, one short line each (the reader's own format is for readings). */
export function textsForPrompt(items: TextItem[]): string {
  const lines = items
    .filter((t) => t.text.trim() !== '')
    .slice(0, 80)
    .map((t) => {
      return `- "${t.text.trim().replace(/\s+/g, ' ').slice(0, 120)}" (${t.role}) at [${t.box.map((v) => Math.round(v)).join(', ')}]`;
    })
    .join('\n');
  return lines ? `Text read from the image (box = x, y, width, height in pixels from the top left; the chart as a whole could not be read):\n${lines}` : '';
}

/** The data table of a reading as columns and rows of text (for a view). */
export function readingTable(r: Reading): { columns: string[]; rows: string[][] } {
  if (r.chart_type === 'scatter') {
    const columns = ['series', 'x', 'y'];
    const rows = r.series.flatMap((s) => s.points.map((p) => [s.name, fmt(p.x), fmt(p.y)]));
    return { columns, rows };
  }
  const xs: (string | number)[] = [];
  const seen = new Set<string>();
  for (const s of r.series) {
    for (const p of s.points) {
      const k = String(p.x);
      if (!seen.has(k)) {
        seen.add(k);
        xs.push(p.x);
      }
    }
  }
  const first = r.chart_type === 'pie' ? 'label' : r.x_axis.title?.trim() || (r.chart_type === 'horizontal bar' ? 'category' : 'x');
  const columns = [first, ...r.series.map((s, i) => s.name?.trim() || (r.series.length === 1 ? (r.chart_type === 'pie' ? 'share' : 'value') : `series ${i + 1}`))];
  const rows = xs.map((x) => [fmt(x), ...r.series.map((s) => {
    const p = s.points.find((q) => String(q.x) === String(x));
    return p ? fmt(p.y) : '';
  })]);
  return { columns, rows };
}

function fmt(v: string | number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').slice(0, 300);
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new ReadCancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ReadCancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
