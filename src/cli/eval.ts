/**
 * `recode eval INPUT --out DIR`: direct vs RECODE (vs the chart reader) on our manifest or a
 * benchmark's own files, with results written as they arrive (see src/core/eval/).
 * `recode eval convert INPUT OUTPUT.jsonl`: our manifest from any input eval reads.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_OPTIONS } from '../core/types';
import { modelConfigFromEnv } from '../core/model/config';
import { createOpenAIModel } from '../core/model/openaiModel';
import { loadInput, toManifestLines, ManifestError } from '../core/manifest';
import { evaluate, EVAL_MODES, EvalError, type EvalMode, type EvalEvent, type TableReader } from '../core/eval/index';
import { writeFileAtomic } from '../core/files';
import { UNISOLATED_HELP, chooseRenderer, type RendererChoice } from './renderers';
import { readChart, readingToCsv } from '../core/reader/index';

/** The reader mode: the built-in chart reader's data table (no model). */
const reader: TableReader = async (image, signal) => {
  const r = await readChart(image, { signal });
  return r.ok ? { ok: true, csv: readingToCsv(r.reading) } : { ok: false, reason: r.reason };
};

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const seconds = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 3600)) throw new InvalidArgumentError('must be a number of seconds between 0 and 3600');
  return n;
};
const modesArg = (v: string): EvalMode[] => {
  const ms = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ms.filter((m) => !EVAL_MODES.includes(m as EvalMode));
  if (bad.length || ms.length === 0) throw new InvalidArgumentError(`modes are ${EVAL_MODES.join(', ')} (comma-separated)`);
  return [...new Set(ms)] as EvalMode[];
};

/** Untrusted text (a model's answer) with control characters made visible. */
export function visible(s: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

class EvalProgress {
  private readonly tty: boolean;
  private bar = false;
  constructor(private readonly out: NodeJS.WriteStream, private readonly quiet: boolean) {
    this.tty = !!out.isTTY && !quiet;
  }
  event(e: EvalEvent): void {
    if (this.quiet) return;
    switch (e.type) {
      case 'planned':
        return this.print(`${e.total} results to compute${e.done ? `, ${e.done} already in the folder (resumed)` : ''}${e.skipped ? `; ${e.skipped} questions left out of the input (see summary.json)` : ''}`);
      case 'line': {
        if (this.tty) return;
        const l = e.line;
        const what = l.kind === 'table' ? `table RMS-F1 ${l.table_score ? l.table_score.f1.toFixed(3) : '—'}` : `${l.correct ? 'right' : 'wrong'}: ${visible(l.answer ?? '')}`;
        return this.print(`${l.mode.padEnd(6)} ${visible(l.id, 60)}  ${what}${l.error ? ` (${visible(l.error)})` : ''}`);
      }
      case 'progress':
        return this.progress(e);
      case 'stopping':
        return this.print(`stopping: ${e.reason}${e.reason === 'cancelled' ? ' (what was in flight is redone by --resume)' : ''}`);
      case 'warning':
        return this.print(`warning: ${visible(e.message, 300)}`);
    }
  }
  private progress(e: Extract<EvalEvent, { type: 'progress' }>): void {
    if (!this.tty) return;
    const width = Math.max(10, Math.min(40, (this.out.columns || 80) - 60));
    const f = e.total ? e.done / e.total : 1;
    const filled = Math.round(f * width);
    const t = Math.round(e.elapsedMs / 1000);
    const clock = `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${e.done}/${e.total}  ${e.running} running  ${e.tokens} tokens  ${clock}`;
    this.out.write(`\r\x1b[K${line}`);
    this.bar = true;
  }
  print(s: string): void {
    if (this.quiet) return;
    if (this.bar) {
      this.out.write('\r\x1b[K');
      this.bar = false;
    }
    this.out.write(s + '\n');
  }
  done(): void {
    if (this.bar) this.out.write('\n');
    this.bar = false;
  }
}

export function registerEval(program: Command): void {
  const ev = program
    .command('eval')
    .description('evaluate on a manifest or a benchmark (ChartQA, CharXiv, Geometry3K files as published): direct vs recode vs reader')
    .argument('<input>', 'our .jsonl manifest, ChartQA test_*.json, CharXiv reasoning_*.json, or a Geometry3K folder')
    .option('-o, --out <dir>', '(required) a new folder for items.jsonl, summary.json, report.html and the runs (an existing one only with --resume)')
    .option('--modes <list>', `comma-separated: ${EVAL_MODES.join(', ')}`, modesArg)
    .option('--concurrency <n>', 'items worked on at once', int('--concurrency', 1, 64), 2)
    .option('--limit <n>', 'only the first n questions', int('--limit', 1, 10_000_000))
    .option('--resume', 'continue the evaluation in --out, skipping every result already there', false)
    .option('--max-cost-tokens <t>', 'start no new item once this many tokens (prompt + completion) are spent', int('--max-cost-tokens', 1, Number.MAX_SAFE_INTEGER))
    .option('--max-minutes <m>', 'stop after this many minutes (what is in flight is redone by --resume)', positive('--max-minutes'))
    .option('--judge', 'CharXiv: let the model grade answers as the CharXiv paper does (exact match kept beside it)', false)
    .option('-n, --candidates <n>', 'candidate programs per image (recode)', int('--candidates', 1, 16), DEFAULT_OPTIONS.candidates)
    .option('-k, --rounds <k>', 'refinement rounds with the model (recode)', int('--rounds', 0, 20), DEFAULT_OPTIONS.rounds)
    .option('--numeric-budget <renders>', 'renders for tuning the numbers without the model (0 = off)', int('--numeric-budget', 0, 2000), DEFAULT_OPTIONS.numericRefineBudget)
    .option('--model-critic', 'let the model rank near-tied renders', false)
    .option('--no-reader', 'recode mode: do not read the chart with the built-in reader first (its OCR text and program)')
    .option('--kind <kind>', 'chart, geometry or auto (default: from the input)', 'auto')
    .option('--temperature <t>', 'sampling temperature for generation', parseFloat, DEFAULT_OPTIONS.temperature)
    .addOption(new Option('--renderer <kind>', 'where programs run: pyodide, python or auto').choices(['auto', 'pyodide', 'python']).default('auto'))
    .option('--unisolated', UNISOLATED_HELP)
    .option('--python <path>', 'python with matplotlib for the python renderer')
    .option('--packages <dir>', 'folder with Pyodide packages')
    .option('--time-limit <s>', 'time limit per program run, seconds', seconds, DEFAULT_OPTIONS.renderTimeLimitMs / 1000)
    .option('-m, --model <name>', 'model name (else RECODE_MODEL)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (else RECODE_BASE_URL)')
    .option('--quiet', 'no progress, only the final summary', false)
    .action(async (input: string, o) => evalCommand(input, o));

  ev.command('convert')
    .description('write our JSON-lines manifest from any input recode eval reads')
    .argument('<input>', 'ChartQA test_*.json, CharXiv reasoning_*.json, a Geometry3K folder, or a manifest')
    .argument('<output>', 'the .jsonl to write (never overwrites an existing file)')
    .action(async (input: string, output: string) => convertCommand(input, output));
}

async function convertCommand(input: string, outPath: string): Promise<void> {
  const out = resolve(outPath);
  if (await fs.stat(out).then(() => true, () => false)) throw new EvalError(`${outPath} exists; choose another name (recode never overwrites a file)`);
  const loaded = await loadInput(input).catch(rethrow);
  const lines = toManifestLines(loaded.images, dirname(out));
  await writeFileAtomic(out, lines.join('\n') + '\n');
  const qs = loaded.images.reduce((s, i) => s + i.questions.length, 0);
  for (const w of loaded.warnings.slice(0, 20)) process.stderr.write(`warning: ${w}\n`);
  if (loaded.warnings.length > 20) process.stderr.write(`… and ${loaded.warnings.length - 20} more warnings\n`);
  process.stdout.write(`${loaded.format}: ${qs} question${qs === 1 ? '' : 's'} on ${loaded.images.length} image${loaded.images.length === 1 ? '' : 's'} written to ${out}\n`);
}

function rethrow(e: unknown): never {
  if (e instanceof ManifestError) throw new EvalError(e.message);
  throw e;
}

interface EvalFlags {
  out: string;
  modes?: EvalMode[];
  concurrency: number;
  limit?: number;
  resume: boolean;
  maxCostTokens?: number;
  maxMinutes?: number;
  judge: boolean;
  candidates: number;
  rounds: number;
  numericBudget: number;
  modelCritic: boolean;
  reader?: boolean;
  kind: string;
  temperature: number;
  renderer: RendererChoice;
  python?: string;
  unisolated?: boolean;
  packages?: string;
  timeLimit: number;
  model?: string;
  baseUrl?: string;
  quiet: boolean;
}

async function evalCommand(inputPath: string, o: EvalFlags): Promise<void> {
  if (!o.out) throw new EvalError('--out DIR is required: a new folder for the results (or, with --resume, the folder of the run to continue)');
  const modes = o.modes ?? EVAL_MODES;
  if (!['chart', 'geometry', 'auto'].includes(o.kind)) throw new EvalError('--kind must be chart, geometry or auto');
  const env = { ...process.env };
  if (o.model) env.RECODE_MODEL = o.model;
  if (o.baseUrl) env.RECODE_BASE_URL = o.baseUrl;
  const needsModel = modes.includes('direct') || modes.includes('recode');
  const cfg = needsModel ? modelConfigFromEnv(env) : undefined;
  if (cfg && !cfg.config) throw new EvalError(cfg.problem ?? 'no model configured');
  const input = await loadInput(inputPath).catch(rethrow);
  const model = cfg?.config ? createOpenAIModel(cfg.config) : undefined;
  const progress = new EvalProgress(process.stderr, o.quiet);
  for (const w of input.warnings.slice(0, 20)) progress.print(`warning: ${visible(w, 300)}`);
  if (input.warnings.length > 20) progress.print(`… and ${input.warnings.length - 20} more warnings (in summary.json)`);
  const ac = new AbortController();
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses > 1) {
      process.stderr.write('\nstopped at once; results so far are in items.jsonl (--resume continues)\n');
      process.exit(130);
    }
    progress.print('cancelling… (results so far are kept; Ctrl-C again to quit at once)');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  const outDir = resolve(o.out);
  try {
    const result = await evaluate(
      input,
      {
        outDir,
        modes,
        concurrency: o.concurrency,
        limit: o.limit,
        resume: o.resume,
        maxCostTokens: o.maxCostTokens,
        maxMinutes: o.maxMinutes,
        judge: o.judge,
        derender: {
          candidates: o.candidates,
          rounds: o.rounds,
          numericRefineBudget: o.numericBudget,
          modelCritic: o.modelCritic,
          reader: o.reader !== false,
          kind: o.kind as 'chart' | 'geometry' | 'auto',
          temperature: o.temperature,
          renderTimeLimitMs: o.timeLimit * 1000,
        },
        describe: { input: resolve(inputPath), model: model?.description, renderer: modes.includes('recode') ? o.renderer : undefined },
      },
      { model, renderer: () => chooseRenderer(o.renderer, { pythonPath: o.python, packageDir: o.packages, unisolated: o.unisolated === true }), reader },
      (e) => progress.event(e),
      ac.signal,
    );
    progress.done();
    const s = result.summary;
    const out: string[] = [];
    for (const m of modes) {
      const x = s.byMode[m];
      if (!x) continue;
      const parts: string[] = [];
      if (x.n > 0) parts.push(`${(x.accuracy * 100).toFixed(1)} % (${x.correct}/${x.n}; 95 % CI ${(x.ci95[0] * 100).toFixed(1)}–${(x.ci95[1] * 100).toFixed(1)})`);
      if (m === 'recode' && x.n > 0) parts.push(`computed ${x.computed.correct}/${x.computed.n}, stated ${x.stated.correct}/${x.stated.n}`);
      if (x.table) parts.push(`table RMS-F1 ${x.table.mean.toFixed(3)} over ${x.table.n} tables (95 % CI ${x.table.ci95[0].toFixed(3)}–${x.table.ci95[1].toFixed(3)})`);
      if (x.errors) parts.push(`${x.errors} errors`);
      parts.push(`${x.tokens.prompt + x.tokens.completion} tokens`);
      out.push(`${m.padEnd(6)} ${parts.join('; ')}`);
    }
    if (s.recodeVsDirect) out.push(`recode right where direct was wrong: ${s.recodeVsDirect.recodeOnly}; the reverse: ${s.recodeVsDirect.directOnly}`);
    out.push(`written to ${outDir}/ (items.jsonl, summary.json, report.html, runs/)`);
    process.stdout.write(out.join('\n') + '\n');
    if (result.stopped === 'cancelled') throw new EvalError(`cancelled; ${result.lines.length} results kept in ${outDir}/items.jsonl — run again with --resume to continue`);
    if (result.stopped) process.stderr.write(`stopped early: ${result.stopped}; --resume continues\n`);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
