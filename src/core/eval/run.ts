/**
 * `recode eval`: runs every question of an input in each mode and writes results as they arrive.
 *
 *   direct   the model answers from the image alone (one request a question)
 *   recode   the whole loop (`derender`, as `recode derender` runs it), once per image; its other
 *            questions are answered over the same recovered program; the program's data is also
 *            scored against the image's data table when there is one
 *   reader   no model: the built-in chart reader's table, scored against the data table
 *
 * DIR/items.jsonl gets one line per question and mode (and one per image and table-scoring mode),
 * appended the moment it is known, so a crash loses at most what was in flight and `resume` skips
 * every line already there. DIR/runs/<image>/ keeps each derender (run record, program, best
 * render, diff) and each reading. summary.json and report.html are written at the end.
 */
import { promises as fs } from 'node:fs';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import type { DerenderOptions, ModelClient, ModelReply, ModelRequest, Renderer, RgbaImage, TokenUsage } from '../types';
import { derender, computeAnswer } from '../loop';
import { errorText } from '../text';
import { decodeImage, toDataUrl, MAX_IMAGE_BYTES } from '../image';
import { prepareOriginal, diffHeatmap } from '../critic/pixelCritic';
import { extractData, dataToCsv } from '../data';
import { runRecordToJson } from '../runRecord';
import { readInputFile, writeFileAtomic } from '../files';
import type { EvalImage, EvalQuestion, LoadedInput } from '../manifest';
import { scoreAnswer } from './score';
import { csvCells, dataTableCells, rmsF1, type Cell, type TableScore } from './table';
import { directAnswer, directMessages, judgeMessages, judgeVerdict, questionText } from './prompts';

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

const lineKey = (mode: string, id: string) => `${mode}\u0000${id}`;

/** A folder name for an image: readable, unique. */
export function imageKey(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'image';
  return `${safe}-${createHash('sha1').update(id).digest('hex').slice(0, 6)}`;
}

/** Reads DIR/items.jsonl; a half-written last line (a crash mid-write) is dropped. */
export async function readItems(outDir: string): Promise<ItemLine[]> {
  let text: string;
  try {
    text = await fs.readFile(join(outDir, 'items.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: ItemLine[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      const o = JSON.parse(l) as ItemLine;
      if (o && typeof o.id === 'string' && typeof o.mode === 'string') out.push(o);
    } catch {
      // a torn line: its item is redone
    }
  }
  return out;
}

/** The output folder: new, or (with resume) the one a previous run of the same input left. */
export async function openOutDir(outDir: string, resume: boolean, input: string): Promise<'new' | 'resumed'> {
  const st = await fs.stat(outDir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new EvalError(`${outDir} exists and is not a folder; choose another --out`);
  if (st && !resume) throw new EvalError(`${outDir} exists; choose a new --out folder, or pass --resume to continue the evaluation in it`);
  if (st) {
    const meta = await fs.readFile(join(outDir, 'eval.json'), 'utf8').then((t) => JSON.parse(t) as { input?: string }, () => undefined);
    if (!meta) {
      const entries = await fs.readdir(outDir);
      if (entries.length > 0) throw new EvalError(`${outDir} is not an evaluation folder (no eval.json) and is not empty; choose another --out`);
      return 'new';
    }
    if (meta.input && meta.input !== input) throw new EvalError(`${outDir} holds an evaluation of ${meta.input}, not of ${input}; choose another --out`);
    return 'resumed';
  }
  try {
    await fs.mkdir(outDir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the disk is read-only' : code === 'ENOTDIR' ? 'a part of the path is a file' : code === 'ENOSPC' ? 'the disk is full' : (e as Error).message;
    throw new EvalError(`cannot create the output folder ${outDir}: ${why}`);
  }
  return 'new';
}

interface Task {
  mode: EvalMode;
  image: EvalImage;
  /** direct: one question; recode: the image's pending questions; reader: none. */
  questions: EvalQuestion[];
  table: boolean;
}

export async function runEval(input: LoadedInput, opts: EvalOptions, deps: EvalDeps, onEvent: (e: EvalEvent) => void = () => {}, signal?: AbortSignal): Promise<EvalOutcome> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const emit = (e: EvalEvent) => {
    try {
      onEvent(e);
    } catch {
      // a listener's failure never stops the evaluation
    }
  };
  if (opts.modes.length === 0) throw new EvalError('no mode to run');
  if ((opts.modes.includes('direct') || opts.modes.includes('recode')) && !deps.model) throw new EvalError('the direct and recode modes need a model');
  if (opts.modes.includes('reader') && !deps.reader) throw new EvalError('the reader mode is not available in this build');

  const state = await openOutDir(opts.outDir, opts.resume, opts.describe.input);
  if (state === 'new') {
    const meta = { version: 1, ...opts.describe, format: input.format, modes: opts.modes, options: opts.derender, judge: opts.judge, startedAt };
    await writeFileAtomic(join(opts.outDir, 'eval.json'), JSON.stringify(meta, null, 2) + '\n');
  }
  const previous = await readItems(opts.outDir);
  const done = new Map(previous.map((l) => [lineKey(l.mode, l.id), l]));

  // the images and questions in scope (--limit counts questions)
  let images = input.images;
  if (opts.limit !== undefined) {
    let left = opts.limit;
    images = [];
    for (const im of input.images) {
      if (left <= 0) break;
      const qs = im.questions.slice(0, left);
      left -= qs.length;
      images.push({ ...im, questions: qs });
    }
  }

  // the work still to do
  const tasks: Task[] = [];
  let total = 0;
  let already = 0;
  for (const im of images) {
    for (const mode of opts.modes) {
      if (mode === 'reader') {
        if (!im.table) continue;
        total++;
        if (done.has(lineKey(mode, `${im.id}#table`))) already++;
        else tasks.push({ mode, image: im, questions: [], table: true });
        continue;
      }
      const pending = im.questions.filter((q) => !done.has(lineKey(mode, q.id)));
      total += im.questions.length;
      already += im.questions.length - pending.length;
      const tableWanted = mode === 'recode' && !!im.table;
      if (tableWanted) {
        total++;
        if (done.has(lineKey(mode, `${im.id}#table`))) already++;
      }
      const tablePending = tableWanted && !done.has(lineKey(mode, `${im.id}#table`));
      if (mode === 'direct') for (const q of pending) tasks.push({ mode, image: im, questions: [q], table: false });
      else if (pending.length > 0 || tablePending) tasks.push({ mode, image: im, questions: pending, table: tablePending });
    }
  }
  emit({ type: 'planned', total, done: already, skipped: input.warnings.length });
  if (opts.modes.includes('reader') && !images.some((im) => im.table)) emit({ type: 'warning', message: 'the reader mode scores tables, and no image of this input has a data table: it has nothing to do' });

  // budgets and cancellation: `stop` ends scheduling; `abort` also cancels what is in flight
  const inner = new AbortController();
  let stopped: string | undefined;
  const stop = (reason: string, abortInFlight: boolean) => {
    if (!stopped) {
      stopped = reason;
      emit({ type: 'stopping', reason });
    }
    if (abortInFlight) inner.abort();
  };
  const onAbort = () => stop('cancelled', true);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort);
  const timer = opts.maxMinutes ? setTimeout(() => stop(`the time budget (${opts.maxMinutes} min) ran out`, true), opts.maxMinutes * 60_000) : undefined;
  timer?.unref?.();

  let tokens = 0;
  const counted: ModelClient | undefined = deps.model && {
    description: deps.model.description,
    complete: async (req: ModelRequest): Promise<ModelReply> => {
      const r = await deps.model!.complete(req);
      tokens += r.usage.promptTokens + r.usage.completionTokens;
      if (opts.maxCostTokens !== undefined && tokens >= opts.maxCostTokens) stop(`the token budget (${opts.maxCostTokens}) was reached`, false);
      return r;
    },
  };

  let renderer: Promise<Renderer> | undefined;
  const getRenderer = () => {
    if (!deps.renderer) throw new EvalError('the recode mode needs a renderer');
    renderer ??= deps.renderer();
    return renderer;
  };

  // results, appended one line at a time
  await fs.mkdir(opts.outDir, { recursive: true });
  const itemsPath = join(opts.outDir, 'items.jsonl');
  const handle = await fs.open(itemsPath, 'a');
  const existing = await fs.readFile(itemsPath, 'utf8').catch(() => '');
  let writes: Promise<unknown> = existing.length > 0 && !existing.endsWith('\n') ? handle.write('\n') : Promise.resolve();
  const lines: ItemLine[] = [...previous];
  let finished = already;
  let running = 0;
  const progress = () => emit({ type: 'progress', done: finished, total, running, tokens, elapsedMs: Date.now() - t0 });
  const record = async (line: ItemLine) => {
    lines.push(line);
    finished++;
    writes = writes.then(() => handle.write(JSON.stringify(line) + '\n'));
    await writes;
    emit({ type: 'line', line });
    progress();
  };

  const ctx: TaskContext = { opts, model: counted, getRenderer, reader: deps.reader, signal: inner.signal, record, done };
  const queue = [...tasks];
  const worker = async () => {
    while (!stopped && !inner.signal.aborted) {
      const task = queue.shift();
      if (!task) return;
      running++;
      progress();
      try {
        await runTask(task, ctx);
      } catch (e) {
        if (!inner.signal.aborted) emit({ type: 'warning', message: `${task.image.id} (${task.mode}): ${errorText(e)}` });
      } finally {
        running--;
        progress();
      }
    }
  };
  try {
    progress();
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, tasks.length || 1)) }, worker));
    await writes;
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await writes.catch(() => {});
    await handle.close();
    if (renderer) await (await renderer.catch(() => undefined))?.dispose().catch(() => {});
  }
  return { lines, stopped: stopped ?? (queue.length > 0 ? 'stopped' : undefined), startedAt, finishedAt: new Date().toISOString() };
}

interface TaskContext {
  opts: EvalOptions;
  model?: ModelClient;
  getRenderer: () => Promise<Renderer>;
  reader?: TableReader;
  signal: AbortSignal;
  record: (line: ItemLine) => Promise<void>;
  done: Map<string, ItemLine>;
}

const ZERO = (): TokenUsage => ({ promptTokens: 0, completionTokens: 0 });

function baseLine(task: Task, q: EvalQuestion | undefined): Omit<ItemLine, 'tokens' | 'ms' | 'at'> {
  const im = task.image;
  const l: Omit<ItemLine, 'tokens' | 'ms' | 'at'> = {
    id: q ? q.id : `${im.id}#table`,
    kind: q ? 'answer' : 'table',
    mode: task.mode,
    image_id: im.id,
    image: im.image,
    benchmark: im.benchmark,
  };
  if (im.chartType) l.chart_type = im.chartType;
  if (q) {
    l.scoring = im.scoring;
    l.question = q.question;
    l.expected = q.answer;
    if (q.choices) l.choices = q.choices;
  }
  return l;
}

async function scoreLine(ctx: TaskContext, task: Task, q: EvalQuestion, answer: string, usage: TokenUsage): Promise<Pick<ItemLine, 'correct' | 'read_as' | 'judge' | 'exact'>> {
  const s = scoreAnswer(task.image.scoring, answer, q.answer, q.choices);
  const out: Pick<ItemLine, 'correct' | 'read_as' | 'judge' | 'exact'> = { correct: s.correct };
  if (s.readAs && s.readAs !== answer.trim()) out.read_as = s.readAs;
  if (ctx.opts.judge && task.image.scoring === 'exact' && ctx.model) {
    out.exact = s.correct;
    try {
      const r = await ctx.model.complete({ purpose: 'critic', messages: judgeMessages(q.question, q.answer, answer), n: 1, temperature: 0, signal: ctx.signal });
      usage.promptTokens += r.usage.promptTokens;
      usage.completionTokens += r.usage.completionTokens;
      const v = judgeVerdict(r.texts[0] ?? '');
      if (v !== undefined) {
        out.judge = v;
        out.correct = v;
      }
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      // no verdict: the exact match stands
    }
  }
  return out;
}

async function readImage(task: Task): Promise<Uint8Array> {
  return readInputFile(task.image.image, 'image', MAX_IMAGE_BYTES);
}

async function runTask(task: Task, ctx: TaskContext): Promise<void> {
  if (task.mode === 'direct') return runDirect(task, ctx);
  if (task.mode === 'recode') return runRecode(task, ctx);
  return runReader(task, ctx);
}

async function failAll(task: Task, ctx: TaskContext, error: string, t0: number): Promise<void> {
  for (const q of task.questions) await ctx.record({ ...baseLine(task, q), correct: false, error, tokens: ZERO(), ms: Date.now() - t0, at: new Date().toISOString() });
  if (task.table) await ctx.record({ ...baseLine(task, undefined), error, tokens: ZERO(), ms: Date.now() - t0, at: new Date().toISOString() });
}

/** The task's image, checked to decode; undefined when it cannot be read (every line of the task then records why). */
async function readTaskImage(task: Task, ctx: TaskContext, t0: number): Promise<Uint8Array | undefined> {
  try {
    const bytes = await readImage(task);
    decodeImage(bytes, task.image.image);
    return bytes;
  } catch (e) {
    await failAll(task, ctx, errorText(e), t0);
    return undefined;
  }
}

async function runDirect(task: Task, ctx: TaskContext): Promise<void> {
  const t0 = Date.now();
  const q = task.questions[0];
  const bytes = await readTaskImage(task, ctx, t0);
  if (!bytes) return;
  const usage = ZERO();
  try {
    const r = await ctx.model!.complete({ purpose: 'answer', messages: directMessages(q.question, toDataUrl(bytes), q.choices), n: 1, temperature: 0, signal: ctx.signal });
    usage.promptTokens += r.usage.promptTokens;
    usage.completionTokens += r.usage.completionTokens;
    const answer = directAnswer(r.texts[0] ?? '');
    const s = await scoreLine(ctx, task, q, answer, usage);
    await ctx.record({ ...baseLine(task, q), answer, ...s, computed: false, tokens: usage, ms: Date.now() - t0, at: new Date().toISOString() });
  } catch (e) {
    if (ctx.signal.aborted) return; // in flight when stopped: redone on resume
    await ctx.record({ ...baseLine(task, q), correct: false, error: errorText(e), tokens: usage, ms: Date.now() - t0, at: new Date().toISOString() });
  }
}

/** A derender done before (a resumed run): its program, from the folder a recorded line names. */
async function previousRun(task: Task, ctx: TaskContext): Promise<{ dir: string; program: string; meta: RunMeta } | undefined> {
  for (const q of task.image.questions) {
    const l = ctx.done.get(lineKey('recode', q.id));
    if (!l?.run) continue;
    const dir = join(ctx.opts.outDir, l.run);
    try {
      const program = await fs.readFile(join(dir, 'program.py'), 'utf8');
      const meta = JSON.parse(await fs.readFile(join(dir, 'recode.json'), 'utf8')) as RunMeta;
      return { dir, program, meta };
    } catch {
      // that run failed or its files are gone: derender again
    }
  }
  return undefined;
}

interface RunMeta {
  bestCandidateId: string;
  score: { score: number; parts: Record<string, number> };
}

/** A new folder for an image's run in a mode: runs/<image>/<mode>[-2…]. */
async function runFolder(ctx: TaskContext, task: Task): Promise<string> {
  const base = join(ctx.opts.outDir, 'runs', imageKey(task.image.id));
  await fs.mkdir(base, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = join(base, k === 1 ? task.mode : `${task.mode}-${k}`);
    try {
      await fs.mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

async function runRecode(task: Task, ctx: TaskContext): Promise<void> {
  const t0 = Date.now();
  const bytes = await readTaskImage(task, ctx, t0);
  if (!bytes) return;
  const renderer = await ctx.getRenderer();
  const opts = { ...ctx.opts.derender, kind: ctx.opts.derender.kind && ctx.opts.derender.kind !== 'auto' ? ctx.opts.derender.kind : task.image.kind };
  const timeLimitMs = opts.renderTimeLimitMs ?? 20_000;
  let program: string;
  let meta: RunMeta;
  let dir: string;
  let pending = [...task.questions];
  const prev = await previousRun(task, ctx);
  if (prev) {
    ({ program, meta, dir } = prev);
  } else {
    const first = pending.shift();
    const outcome = await derender(
      { image: bytes, imageName: task.image.id, question: first ? questionText(first.question, first.choices) : undefined },
      { model: ctx.model, renderer },
      opts,
      undefined,
      ctx.signal,
    );
    if (outcome.cancelled || ctx.signal.aborted) return;
    dir = await runFolder(ctx, task);
    await writeFileAtomic(join(dir, 'run.json'), runRecordToJson(outcome.record));
    const rel = relative(ctx.opts.outDir, dir);
    const usage = { ...outcome.record.usage };
    if (!outcome.summary) {
      const error = `derender failed: ${outcome.error ?? 'unknown'}`;
      if (first) await ctx.record({ ...baseLine(task, first), correct: false, error, run: rel, tokens: usage, ms: Date.now() - t0, at: new Date().toISOString() });
      for (const q of pending) await ctx.record({ ...baseLine(task, q), correct: false, error, run: rel, shared_run: true, tokens: ZERO(), ms: 0, at: new Date().toISOString() });
      if (task.table) await ctx.record({ ...baseLine(task, undefined), error, run: rel, tokens: ZERO(), ms: 0, at: new Date().toISOString() });
      return;
    }
    const s = outcome.summary;
    program = s.program;
    meta = { bestCandidateId: s.bestCandidateId, score: s.score };
    await writeFileAtomic(join(dir, 'program.py'), program);
    const best = outcome.renders.get(s.bestCandidateId);
    if (best) {
      await writeFileAtomic(join(dir, 'render.png'), best);
      try {
        await writeFileAtomic(join(dir, 'diff.png'), diffHeatmap(prepareOriginal(decodeImage(bytes)), decodeImage(best)));
      } catch {
        // no diff for an undecodable render; the report says so
      }
    }
    await writeFileAtomic(join(dir, 'recode.json'), JSON.stringify({ ...meta, usage: s.usage, renders: s.renders, durationMs: s.durationMs }, null, 2) + '\n');
    if (first) {
      const a = s.answer;
      const answer = a?.value ?? '';
      const sc = a ? await scoreLine(ctx, task, first, answer, usage) : { correct: false };
      await ctx.record({
        ...baseLine(task, first),
        answer,
        ...sc,
        computed: a?.computed ?? false,
        error: a ? undefined : 'no answer',
        run: rel,
        tokens: usage,
        ms: Date.now() - t0,
        at: new Date().toISOString(),
      });
    }
  }
  const rel = relative(ctx.opts.outDir, dir);
  const imageDataUrl = toDataUrl(bytes);
  for (const q of pending) {
    if (ctx.signal.aborted) return;
    const t1 = Date.now();
    const usage = ZERO();
    try {
      const a = await computeAnswer({
        question: questionText(q.question, q.choices),
        program,
        candidateId: meta.bestCandidateId,
        score: meta.score,
        imageDataUrl,
        renderer,
        timeLimitMs,
        callModel: async (messages) => {
          const r = await ctx.model!.complete({ purpose: 'answer', messages, n: 1, temperature: 0, signal: ctx.signal });
          usage.promptTokens += r.usage.promptTokens;
          usage.completionTokens += r.usage.completionTokens;
          return r;
        },
        signal: ctx.signal,
      });
      const sc = await scoreLine(ctx, task, q, a.value, usage);
      await ctx.record({ ...baseLine(task, q), answer: a.value, ...sc, computed: a.computed, run: rel, shared_run: true, tokens: usage, ms: Date.now() - t1, at: new Date().toISOString() });
    } catch (e) {
      if (ctx.signal.aborted) return;
      await ctx.record({ ...baseLine(task, q), correct: false, error: errorText(e), run: rel, shared_run: true, tokens: usage, ms: Date.now() - t1, at: new Date().toISOString() });
    }
  }
  if (task.table && task.image.table) {
    const t1 = Date.now();
    try {
      const truth = await readTable(task.image.table);
      const { tables } = await extractData(program, renderer, ctx.signal, timeLimitMs);
      await writeFileAtomic(join(dir, 'data.csv'), dataToCsv(tables), true);
      const table_score = rmsF1(dataTableCells(tables), truth);
      await ctx.record({ ...baseLine(task, undefined), table_score, run: rel, tokens: ZERO(), ms: Date.now() - t1, at: new Date().toISOString() });
    } catch (e) {
      if (ctx.signal.aborted) return;
      await ctx.record({ ...baseLine(task, undefined), error: errorText(e), run: rel, tokens: ZERO(), ms: Date.now() - t1, at: new Date().toISOString() });
    }
  }
}

async function readTable(path: string): Promise<Cell[]> {
  const text = Buffer.from(await readInputFile(path, 'data table', 8 * 1024 * 1024)).toString('utf8');
  const cells = csvCells(text);
  if (cells.length === 0) throw new Error(`the data table ${path} holds no cells`);
  return cells;
}

async function runReader(task: Task, ctx: TaskContext): Promise<void> {
  const t0 = Date.now();
  try {
    const bytes = await readImage(task);
    const image = decodeImage(bytes, task.image.image);
    const truth = await readTable(task.image.table!);
    const r = await ctx.reader!(image, ctx.signal);
    if (ctx.signal.aborted) return;
    const dir = await runFolder(ctx, task);
    const rel = relative(ctx.opts.outDir, dir);
    if (!r.ok) {
      await ctx.record({ ...baseLine(task, undefined), error: `the reader could not read the chart: ${r.reason}`, run: rel, tokens: ZERO(), ms: Date.now() - t0, at: new Date().toISOString() });
      return;
    }
    await writeFileAtomic(join(dir, 'table.csv'), r.csv);
    const table_score = rmsF1(csvCells(r.csv), truth);
    await ctx.record({ ...baseLine(task, undefined), table_score, run: rel, tokens: ZERO(), ms: Date.now() - t0, at: new Date().toISOString() });
  } catch (e) {
    if (ctx.signal.aborted) return;
    await ctx.record({ ...baseLine(task, undefined), error: errorText(e), tokens: ZERO(), ms: Date.now() - t0, at: new Date().toISOString() });
  }
}
