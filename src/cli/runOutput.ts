/**
 * Where `recode derender` puts its results, so that no run is lost: the folder is checked (created,
 * proven writable) before the first model call, and when writing into it fails later anyway (the
 * disk filled up, it was removed or made read-only meanwhile), everything goes to a fallback folder
 * under the OS temp dir instead, and the user is told where.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWritableDir, freshDir, writeErrorText, writeFileAtomic } from '../core/files';
import { decodeImage } from '../core/image';
import { prepareOriginal, diffHeatmap } from '../core/critic/pixelCritic';
import { runRecordToJson } from '../core/runRecord';
import type { RunOutcome } from '../core/loop';
import { writeReadingFiles } from './read';

export interface OutputPlan {
  /** The folder given with --out, or the parent of the per-run folders (./recode-runs). */
  base: string;
  /** True when --out names the run's folder itself. */
  explicit: boolean;
}

/** Run before any model call: refuses (one sentence) an --out that cannot be written. */
export async function planOutput(out: string | undefined, resolvePath: (p: string) => string): Promise<OutputPlan> {
  const plan = { base: resolvePath(out ?? 'recode-runs'), explicit: out !== undefined };
  await ensureWritableDir(plan.base);
  return plan;
}

export interface Written {
  /** The folder the results are in. */
  dir: string;
  /** Set when they could not go where planned: one sentence saying why and where they went. */
  fallback?: string;
  /** The chart reader's files written beside the results (data.csv, overlay.png). */
  readingFiles: string[];
}

/** Writes the results of a run (the record first: it is kept whatever happened), with the fallback. */
export async function writeRunOutput(plan: OutputPlan, outcome: RunOutcome, image: Uint8Array): Promise<Written> {
  const runId = outcome.record.runId;
  let planned = plan.explicit ? plan.base : join(plan.base, runId);
  try {
    planned = await freshDir(planned, runId);
    const readingFiles = await writeResults(planned, outcome, image);
    return { dir: planned, readingFiles };
  } catch (e) {
    const why = writeErrorText(e, planned);
    const fb = await freshDir(join(tmpdir(), 'recode-runs', runId), runId);
    const readingFiles = await writeResults(fb, outcome, image);
    return { dir: fb, fallback: `${why}; the results were written to ${fb} instead`, readingFiles };
  }
}

async function writeResults(out: string, outcome: RunOutcome, image: Uint8Array): Promise<string[]> {
  await writeFileAtomic(join(out, 'run.json'), runRecordToJson(outcome.record));
  for (const [id, png] of outcome.renders) await writeFileAtomic(join(out, 'renders', `${id}.png`), png);
  const readingFiles = await writeReadingFiles(out, outcome.read);
  const s = outcome.summary;
  if (!s) return readingFiles;
  await writeFileAtomic(join(out, 'program.py'), s.program);
  const best = outcome.renders.get(s.bestCandidateId);
  if (best) {
    await writeFileAtomic(join(out, 'render.png'), best);
    await writeFileAtomic(join(out, 'diff.png'), diffHeatmap(prepareOriginal(decodeImage(image)), decodeImage(best)));
  }
  if (s.answer) await writeFileAtomic(join(out, 'answer.json'), JSON.stringify(s.answer, null, 2) + '\n');
  return readingFiles;
}
