/**
 * The chart reader on the command line, and what `recode derender` does with it:
 *   recode read IMAGE [--json] [--csv] [--overlay OUT.png]
 *     what the built-in chart reader reads: a summary, the reading as one JSON object, or the data
 *     table as CSV; --overlay draws what was read over the original (never onto an existing file).
 *     An image it cannot read: exit code 3 and one line saying why.
 *   recode derender with no model configured: the reader's program, tuned numerically (loop.ts);
 *     its data table and overlay are written beside the program (writeReadingFiles).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeImage, encodePng, MAX_IMAGE_BYTES } from '../core/image';
import { readInputFile, InputFileError, writeFileAtomic } from '../core/files';
import { createOcr, drawOverlay, readChart, readingToCsv, readingToJson, type Ocr, type Reading } from '../core/reader';
import type { ReadStage } from '../core/read';
import type { RunOutcome } from '../core/loop';

/** An error that ends the command with its own exit code (3: the image could not be read). */
export class ExitCodeError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const EXIT_UNREADABLE = 3;

/** True when the environment names no model at all (a half-done configuration is an error to fix, not "no model"). */
export function noModelConfigured(env: Record<string, string | undefined>): boolean {
  return ['RECODE_BASE_URL', 'OPENAI_BASE_URL', 'RECODE_MODEL', 'RECODE_API_KEY', 'OPENAI_API_KEY'].every((k) => !env[k]?.trim());
}

/** A warm OCR engine for one command (when `use`), ended when it is done (so the process can exit). */
export async function withOcr<T>(use: boolean, fn: (ocr: Ocr | undefined) => Promise<T>): Promise<T> {
  if (!use) return fn(undefined);
  let ocr: Ocr;
  try {
    ocr = await createOcr();
  } catch {
    // the reader tries again and says why it cannot read; a model's run goes on without it
    return fn(undefined);
  }
  try {
    return await fn(ocr);
  } finally {
    await ocr.terminate().catch(() => undefined);
  }
}

export function registerRead(program: Command): void {
  program
    .command('read')
    .description('read a chart with the built-in reader (no model): chart type, axes, series, texts; exit code 3 if it cannot')
    .argument('<image>', 'a PNG or JPEG chart')
    .option('--json', 'print the reading as one JSON object', false)
    .option('--csv', 'print the data table as CSV', false)
    .option('--overlay <png>', 'also draw what was read over the original into this PNG (never overwrites a file)')
    .action(async (imagePath: string, o: { json: boolean; csv: boolean; overlay?: string }) => {
      if (o.json && o.csv) throw new Error('choose one of --json and --csv');
      const overlayPath = o.overlay !== undefined ? resolve(o.overlay) : undefined;
      if (overlayPath !== undefined && existsSync(overlayPath)) throw new Error(`${o.overlay} exists; choose another name (recode never overwrites a file)`);
      let bytes: Uint8Array;
      try {
        bytes = await readInputFile(imagePath, 'image', MAX_IMAGE_BYTES);
      } catch (e) {
        throw e instanceof InputFileError ? new Error(e.message) : e;
      }
      const image = decodeImage(bytes, imagePath);
      const result = await withOcr(true, (ocr) => readChart(image, { ocr }));
      if (!result.ok) throw new ExitCodeError(`cannot read ${imagePath}: ${oneLine(result.reason)}`, EXIT_UNREADABLE);
      const r = result.reading;
      if (overlayPath !== undefined) await writeFileAtomic(overlayPath, encodePng(drawOverlay(image, r)));
      if (o.json) process.stdout.write(JSON.stringify(readingToJson(r), null, 2) + '\n');
      else if (o.csv) process.stdout.write(readingToCsv(r));
      else process.stdout.write(summary(r) + (overlayPath ? `overlay written to ${overlayPath}\n` : ''));
    });
}

/** A reading for people: what was read, then its data table. */
function summary(r: Reading): string {
  const axis = (name: string, a: Reading['x_axis']) => {
    if (a.scale === 'category') return `${name}: categories${a.title ? ` “${a.title}”` : ''}${a.categories?.length ? ` (${a.categories.length})` : ''}`;
    const lim = a.min !== undefined && a.max !== undefined ? ` ${fmt(a.min)} … ${fmt(a.max)}` : '';
    return `${name}: ${a.scale}${lim}${a.title ? ` “${a.title}”` : ''}, ${a.ticks.length} ticks`;
  };
  const lines = [
    `${r.chart_type}${r.title ? ` “${r.title}”` : ''} — ${r.series.length} series, ${r.series.reduce((n, s) => n + s.points.length, 0)} values, confidence ${r.confidence.toFixed(2)}`,
  ];
  if (r.chart_type !== 'pie') lines.push(axis('x axis', r.x_axis), axis('y axis', r.y_axis));
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push('', readingToCsv(r).trimEnd());
  return lines.join('\n') + '\n';
}

/** After a derender: the reading's data table and overlay beside the program (when the reader read the image). */
export async function writeReadingFiles(out: string, read: ReadStage | undefined): Promise<string[]> {
  const written: string[] = [];
  if (read?.csv) {
    await writeFileAtomic(join(out, 'data.csv'), read.csv);
    written.push('data.csv');
  }
  if (read?.overlayPng && read.overlayPng.length > 0) {
    await writeFileAtomic(join(out, 'overlay.png'), read.overlayPng);
    written.push('overlay.png');
  }
  return written;
}

/** The lines `recode derender` adds for a run with no model. */
export function noModelLines(outcome: RunOutcome, question: string | undefined): string[] {
  const r = outcome.read?.result;
  const lines = [
    `no model configured: this is the chart reader's program${r?.ok ? ` (${r.reading.chart_type}, confidence ${r.reading.confidence.toFixed(2)})` : ''}, tuned numerically against the original`,
  ];
  if (question) lines.push('questions need a model: the question was not answered (set RECODE_BASE_URL, RECODE_MODEL and RECODE_API_KEY)');
  return lines;
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** `npm run demo` with no model: the bundled example derendered by the chart reader alone. */
export async function demoWithoutModel(chart: string, problem: string, run: (args: string[]) => Promise<unknown>): Promise<void> {
  process.stdout.write(`${problem}\nWithout a model, RECODE derenders with its built-in chart reader: the program, tuned against the original, with the data table and an overlay of what was read.\n`);
  const out = join('recode-runs', 'demo');
  process.stdout.write(`$ recode derender ${chart} --out ${out}\n`);
  await run(['derender', chart, '--out', out]);
}
