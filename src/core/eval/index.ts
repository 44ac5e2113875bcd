/**
 * Evaluation: inputs (../manifest.ts), the run (run.ts), scoring (score.ts, table.ts), the summary
 * (summary.ts) and the report (report.ts). `evaluate()` runs it all and writes DIR/summary.json and
 * DIR/report.html at the end — also when it stopped early (Ctrl-C, a budget), from what was done.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../files';
import type { LoadedInput } from '../manifest';
import { runEval, type EvalDeps, type EvalEvent, type EvalOptions, type EvalOutcome } from './run';
import { summarise, type Summary } from './summary';
import { buildReport } from './report';

export * from './run';
export { summarise, type Summary } from './summary';
export { buildReport } from './report';

export interface EvaluateResult extends EvalOutcome {
  summary: Summary;
  summaryPath: string;
  reportPath: string;
}

export async function evaluate(input: LoadedInput, opts: EvalOptions, deps: EvalDeps, onEvent?: (e: EvalEvent) => void, signal?: AbortSignal): Promise<EvaluateResult> {
  const outcome = await runEval(input, opts, deps, onEvent, signal);
  const summary = summarise(outcome.lines, {
    input: opts.describe.input,
    format: input.format,
    model: opts.describe.model,
    modes: opts.modes,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    stopped: outcome.stopped,
    skipped: input.warnings.length,
  });
  const summaryPath = join(opts.outDir, 'summary.json');
  const reportPath = join(opts.outDir, 'report.html');
  // these two are the evaluation's own files in its own folder: a resumed run brings them up to date
  await writeFileAtomic(summaryPath, JSON.stringify({ ...summary, warnings: input.warnings.slice(0, 1000) }, null, 2) + '\n', true);
  await writeFileAtomic(reportPath, await buildReport(summary, outcome.lines, opts.outDir), true);
  return { ...outcome, summary, summaryPath, reportPath };
}
