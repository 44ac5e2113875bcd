/**
 * One eval task in its mode: `direct` (the model answers from the image), `recode` (the whole
 * loop once per image, its questions answered over the recovered program, its data scored against
 * the image's table), `reader` (the chart reader's table, scored). Each records its lines as they
 * are known.
 */
import { promises as fs } from 'node:fs';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import type { ModelClient, Renderer, TokenUsage } from '../types';
import { derender, computeAnswer } from '../loop';
import { errorText } from '../text';
import { decodeImage, toDataUrl, MAX_IMAGE_BYTES } from '../image';
import { prepareOriginal, diffHeatmap } from '../critic/pixelCritic';
import { extractData, dataToCsv } from '../data';
import { runRecordToJson } from '../runRecord';
import { readInputFile, writeFileAtomic } from '../files';
import type { EvalImage, EvalQuestion } from '../manifest';
import { scoreAnswer } from './score';
import { csvCells, dataTableCells, rmsF1, type Cell } from './table';
import { directAnswer, directMessages, judgeMessages, judgeVerdict, questionText } from './prompts';
import type { EvalMode, EvalOptions, ItemLine, TableReader } from './types';

export const lineKey = (mode: string, id: string) => `${mode}\u0000${id}`;

/** A folder name for an image: readable, unique. */
export function imageKey(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'image';
  return `${safe}-${createHash('sha1').update(id).digest('hex').slice(0, 6)}`;
}

export interface Task {
  mode: EvalMode;
  image: EvalImage;
  /** direct: one question; recode: the image's pending questions; reader: none. */
  questions: EvalQuestion[];
  table: boolean;
}

export interface TaskContext {
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

export async function runTask(task: Task, ctx: TaskContext): Promise<void> {
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
