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
import { join } from 'node:path';
import type { ModelClient, ModelReply, ModelRequest, Renderer } from '../types';
import { errorText } from '../text';
import { writeFileAtomic } from '../files';
import type { LoadedInput } from '../manifest';
import type { EvalDeps, EvalEvent, EvalOptions, EvalOutcome, ItemLine } from './types';
import { EvalError } from './types';
import { lineKey, runTask, type Task, type TaskContext } from './modes';

export * from './types';
export { imageKey } from './modes';

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
