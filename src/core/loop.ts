/**
 * The RECODE loop: generate → render → critique → select → refine → answer.
 *
 * `derender()` runs it for one image. The model and the renderer are injected; every stage is
 * reported as a RunEvent as it happens; an AbortSignal cancels at any point; everything is written
 * to a run record, also when the run fails.
 */
import {
  DEFAULT_OPTIONS,
  ModelError,
  type Answer,
  type CandidateInfo,
  type CandidateSource,
  type ChatMessage,
  type DerenderOptions,
  type DerenderSummary,
  type ModelClient,
  type ModelCritique,
  type ModelPurpose,
  type ModelReply,
  type RenderResult,
  type Renderer,
  type RgbaImage,
  type RunEvent,
  type Score,
  type TokenUsage,
} from './types';
import { decodeImage, ImageError, toDataUrl } from './image';
import { prepareOriginal, scorePair, diffHeatmap, type PreparedOriginal } from './critic/pixelCritic';
import { rankWithModel } from './critic/modelCritic';
import { criticFor, criticRecord, pixelPart, scoreRender, type CriticScore } from './critic/critic';
import { extractProgram, normaliseProgram, NoCodeError, oneLine } from './program';
import { answerMessages, generateMessages, refineMessages } from './prompts';
import { newRunId, sha256, summariseMessages, type CandidateRecord, type RunRecord } from './runRecord';
import { refineNumbers } from './refine/numeric';
import { DEFAULT_MAX_OUTPUT_BYTES } from './render/harness';
import { dataFit, fitsWorse } from './dataFit';
import { extractData } from './data';
import type { Reading } from './reader/types';
import { runReadStage, readRecord, ReadCancelled, type ReadStage } from './read';
import { errorText } from './text';
import type { Ocr } from './reader';

export interface DerenderInput {
  /** PNG or JPEG bytes. */
  image: Uint8Array;
  imageName?: string;
  question?: string;
}

export interface DerenderDeps {
  /** None: the chart reader's program is the derender (tuned numerically), and questions are not answered. */
  model?: ModelClient;
  renderer: Renderer;
  /** A warm OCR engine for the chart reader to reuse. */
  ocr?: Ocr;
}

export interface RunOutcome {
  summary?: DerenderSummary;
  record: RunRecord;
  /** One-line reason when the run failed or was cancelled. */
  error?: string;
  cancelled?: boolean;
  /** PNG of every rendered candidate, by id (the CLI writes them out). */
  renders: Map<string, Uint8Array>;
  /** What the chart reader read (its data table and overlay), when it ran. */
  read?: ReadStage;
  /** Set when the run failed because, with no model, the chart reader could not read the image. */
  unreadable?: boolean;
}

/** With no model, an image the chart reader cannot read ends the run with this. */
class Unreadable extends Error {}

class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

interface Candidate extends CandidateInfo {
  png?: Uint8Array;
  rgba?: RgbaImage;
}

export async function derender(
  input: DerenderInput,
  deps: DerenderDeps,
  options: Partial<DerenderOptions> = {},
  onEvent: (e: RunEvent) => void = () => {},
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const opts: DerenderOptions = { ...DEFAULT_OPTIONS, ...options };
  const t0 = Date.now();
  const runId = newRunId();
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  const renders = new Map<string, Uint8Array>();
  const record: RunRecord = {
    version: 1,
    runId,
    startedAt: new Date(t0).toISOString(),
    status: 'running',
    image: { name: input.imageName, width: 0, height: 0, sha256: sha256(input.image), bytes: input.image.length },
    question: input.question,
    options: opts,
    model: deps.model?.description,
    renderer: deps.renderer.name,
    modelCalls: [],
    candidates: [],
    rounds: [],
    usage,
    renders: 0,
  };
  const emit = (e: RunEvent) => {
    try {
      onEvent(e);
    } catch {
      // a listener's failure must not break the run
    }
  };
  let read: ReadStage | undefined;
  const finish = (status: RunRecord['status'], error?: string): RunOutcome => {
    record.status = status;
    record.finishedAt = new Date().toISOString();
    if (error) record.error = error;
    if (status !== 'finished') emit({ type: 'run-failed', error: error ?? status, cancelled: status === 'cancelled' });
    return { record, error, cancelled: status === 'cancelled', renders, read };
  };
  const checkAbort = () => {
    if (signal?.aborted) throw new Cancelled();
  };

  try {
    checkValid(opts);
    const image = decodeImage(input.image, input.imageName ?? 'the image');
    record.image.width = image.width;
    record.image.height = image.height;
    emit({ type: 'run-started', runId, image: { width: image.width, height: image.height }, question: input.question, options: opts });
    if (!deps.model && !opts.reader) throw new ModelError('config', 'no model is configured; derendering needs a multimodal model');
    const model = deps.model;
    /** Refinement rounds with the model (none without one): numeric refinement and the answer come after them. */
    const modelRounds = model ? opts.rounds : 0;
    const original = prepareOriginal(image);
    let critic = criticFor(original, undefined);
    const criticScores: CriticScore[] = [];
    const imageDataUrl = toDataUrl(input.image);
    const { width, height } = image;
    let seq = 0;
    const nextId = (source: CandidateSource) => `${source === 'generate' ? 'c' : source === 'refine' ? 'r' : 'n'}${++seq}`;

    const callModel = async (purpose: ModelPurpose, messages: ChatMessage[], n = 1, temperature?: number): Promise<ModelReply> => {
      checkAbort();
      if (!model) throw new ModelError('config', 'no model is configured');
      const started = Date.now();
      const entry: RunRecord['modelCalls'][number] = {
        purpose,
        startedAt: new Date(started).toISOString(),
        durationMs: 0,
        n,
        temperature,
        messages: summariseMessages(messages),
      };
      record.modelCalls.push(entry);
      try {
        const reply = await model.complete({ purpose, messages, n, temperature, signal });
        entry.durationMs = Date.now() - started;
        entry.replies = reply.texts;
        entry.usage = reply.usage;
        usage.promptTokens += reply.usage.promptTokens;
        usage.completionTokens += reply.usage.completionTokens;
        return reply;
      } catch (e) {
        entry.durationMs = Date.now() - started;
        entry.error = errorText(e);
        if (signal?.aborted) throw new Cancelled();
        throw e;
      }
    };

    /** Renders and scores one candidate; failures are recorded on it, never thrown. */
    const evaluate = async (c: Candidate): Promise<void> => {
      const rec: CandidateRecord = { id: c.id, round: c.round, source: c.source, parentId: c.parentId, code: c.code };
      record.candidates.push(rec);
      checkAbort();
      c.state = 'rendering';
      const result = await renderProgram(deps.renderer, c.code!, width, height, opts.renderTimeLimitMs, signal);
      record.renders++;
      checkAbort();
      rec.render = {
        ok: result.ok,
        durationMs: result.durationMs,
        error: result.error,
        errorKind: result.errorKind,
        stdout: result.stdout ? result.stdout.slice(0, 4000) : undefined,
        pngSha256: result.png ? sha256(result.png) : undefined,
      };
      c.renderMs = result.durationMs;
      if (!result.ok || !result.png) {
        c.state = 'failed';
        c.error = result.error ?? 'the program drew nothing';
        rec.error = c.error;
        emit({ type: 'candidate-failed', candidateId: c.id, stage: 'render', error: c.error });
        return;
      }
      c.png = result.png;
      renders.set(c.id, result.png);
      emit({ type: 'candidate-rendered', candidateId: c.id, png: result.png, renderMs: result.durationMs });
      try {
        c.rgba = decodeImage(result.png, `the render of ${c.id}`);
      } catch (e) {
        c.state = 'failed';
        c.error = errorText(e);
        rec.error = c.error;
        emit({ type: 'candidate-failed', candidateId: c.id, stage: 'render', error: c.error });
        return;
      }
      const s = scoreRender(critic, c.rgba, result.marks, c.source === 'reader');
      criticScores.push(s);
      record.critic = criticRecord(criticScores);
      c.score = { score: s.score, parts: s.parts };
      c.state = 'scored';
      rec.score = c.score;
      emit({ type: 'candidate-scored', candidateId: c.id, score: c.score });
    };

    const addCandidate = (source: CandidateSource, round: number, reply: string, parentId?: string): Candidate => {
      const c: Candidate = { id: nextId(source), round, source, parentId, state: 'generating' };
      try {
        c.code = normaliseProgram(extractProgram(reply).code);
        emit({ type: 'candidate-generated', candidate: publicInfo(c) });
      } catch (e) {
        c.state = 'failed';
        c.error = e instanceof NoCodeError ? e.message : errorText(e);
        record.candidates.push({ id: c.id, round, source, parentId, error: c.error });
        emit({ type: 'candidate-generated', candidate: publicInfo(c) });
        emit({ type: 'candidate-failed', candidateId: c.id, stage: 'generate', error: c.error });
      }
      return c;
    };

    // 0. read: the built-in chart reader ------------------------------------------------------
    if (opts.reader) {
      emit({ type: 'stage', stage: 'read', round: 0, message: 'reading the chart: plot area, axes, text and marks' });
      try {
        read = await runReadStage(image, { signal, ocr: deps.ocr, promptText: !!model && opts.ocrText === undefined });
      } catch (e) {
        if (e instanceof ReadCancelled) throw new Cancelled();
        throw e;
      }
      checkAbort();
      record.reading = readRecord(read);
      critic = criticFor(original, read.result);
      if (critic.unread) emit({ type: 'log', level: 'info', message: `the critic compares pixels only: ${critic.unread}` });
      if (read.result.ok) emit({ type: 'reading', reading: read.result.reading, overlayPng: read.overlayPng ?? new Uint8Array(), csv: read.csv ?? '' });
      else emit({ type: 'reading-failed', reason: read.result.reason });
      if (!model && !read.program) {
        throw new Unreadable(`cannot read this chart: ${read.result.ok ? 'no program' : read.result.reason} (with no model configured, RECODE derenders with its chart reader alone)`);
      }
    }

    // 1. generate --------------------------------------------------------------------------
    const candidates: Candidate[] = [];
    if (model) {
      emit({ type: 'stage', stage: 'generate', round: 0, message: `asking ${model.description} for ${opts.candidates} candidate programs` });
      const gen = await callModel(
        'generate',
        generateMessages({ imageDataUrl, width, height, question: input.question, kind: opts.kind, ocrText: opts.ocrText ?? read?.promptText }),
        opts.candidates,
        opts.temperature,
      );
      candidates.push(...gen.texts.map((t) => addCandidate('generate', 0, t)));
      // requests that failed while others worked: a failed candidate each, so nothing vanishes silently
      for (const f of gen.failures ?? []) {
        const c: Candidate = { id: nextId('generate'), round: 0, source: 'generate', state: 'failed', error: `the model request failed: ${f.message}` };
        record.candidates.push({ id: c.id, round: 0, source: 'generate', error: c.error });
        emit({ type: 'candidate-generated', candidate: publicInfo(c) });
        emit({ type: 'candidate-failed', candidateId: c.id, stage: 'generate', error: c.error! });
        candidates.push(c);
      }
      if (candidates.length === 0) throw new Error('the model returned no candidates');
    }
    // the reader's program joins the model's candidates (after them: a tie goes to the model's)
    if (read?.program) {
      const c: Candidate = { id: 'reader', round: 0, source: 'reader', code: normaliseProgram(read.program), state: 'generating' };
      emit({ type: 'candidate-generated', candidate: publicInfo(c) });
      candidates.push(c);
    }

    // 2–3. render and critique ----------------------------------------------------------------
    emit({ type: 'stage', stage: 'render', round: 0, message: `rendering ${candidates.filter((c) => c.code).length} candidates with ${deps.renderer.name}` });
    for (const c of candidates) if (c.code) await evaluate(c);
    const scored = candidates.filter((c) => c.state === 'scored');
    if (scored.length === 0) {
      const reasons = candidates.map((c) => `${c.id}: ${oneLine(c.error ?? 'failed', 160)}`).join('; ');
      throw new Error(`no candidate program could be rendered (${reasons})`);
    }

    // 4. select ------------------------------------------------------------------------------
    emit({ type: 'stage', stage: 'critique', round: 0, message: 'comparing every render with the original' });
    let best = pickBest(scored);
    let critique: ModelCritique | undefined;
    if (model && opts.modelCritic && scored.length > 1) {
      const contenders = scored.filter((c) => best.score!.score - c.score!.score <= opts.nearTie);
      if (contenders.length > 1 || opts.rounds > 0) {
        const pool = contenders.length > 1 ? contenders : [best];
        try {
          critique = await rankWithModel(
            (messages) => callModel('critic', messages, 1, 0),
            imageDataUrl,
            pool.map((c) => ({ id: c.id, dataUrl: toDataUrl(c.png!) })),
          );
          emit({ type: 'critique', critique });
          const top = pool.find((c) => c.id === critique!.ranking[0]);
          if (top) best = top;
        } catch (e) {
          if (e instanceof Cancelled) throw e;
          emit({ type: 'log', level: 'warn', message: `model critic skipped: ${errorText(e)}` });
        }
      }
    }
    emit({ type: 'best-changed', candidateId: best.id, score: best.score!, diffPng: diffHeatmap(original, best.rgba!) });
    record.rounds.push({ round: 0, bestCandidateId: best.id, bestScore: best.score!.score, improved: true });
    emit({ type: 'round-finished', round: 0, bestCandidateId: best.id, bestScore: best.score!.score, improved: true });

    // 5. refine with the model ------------------------------------------------------------------
    for (let round = 1; model && round <= opts.rounds; round++) {
      checkAbort();
      emit({ type: 'stage', stage: 'refine', round, message: `round ${round}: asking for an improved program (score ${best.score!.score.toFixed(3)})` });
      let improved = false;
      try {
        const diff = diffHeatmap(original, best.rgba!);
        const reply = await callModel(
          'refine',
          refineMessages({
            originalDataUrl: imageDataUrl,
            renderDataUrl: toDataUrl(best.png!),
            diffDataUrl: toDataUrl(diff),
            program: best.code!,
            score: best.score!,
            width,
            height,
            kind: opts.kind,
            critiqueNotes: critique?.notes,
          }),
          1,
          Math.min(opts.temperature, 0.4),
        );
        const c = addCandidate('refine', round, reply.texts[0] ?? '', best.id);
        if (c.code) {
          await evaluate(c);
          if (c.state === 'scored' && c.score!.score > best.score!.score) {
            best = c;
            improved = true;
            emit({ type: 'best-changed', candidateId: best.id, score: best.score!, diffPng: diffHeatmap(original, best.rgba!) });
          }
        }
      } catch (e) {
        if (e instanceof Cancelled) throw e;
        if (e instanceof ModelError && (e.kind === 'auth' || e.kind === 'not-found' || e.kind === 'config')) throw e;
        emit({ type: 'log', level: 'warn', message: `refinement round ${round} failed: ${errorText(e)}` });
      }
      record.rounds.push({ round, bestCandidateId: best.id, bestScore: best.score!.score, improved });
      emit({ type: 'round-finished', round, bestCandidateId: best.id, bestScore: best.score!.score, improved });
    }

    // 5b. numeric refinement of the data literals (no model) ---------------------------------
    // (a render that already matches the original pixel for pixel has nothing left to tune)
    if (opts.numericRefineBudget > 0 && best.score!.score < 0.995) {
      checkAbort();
      emit({ type: 'stage', stage: 'numeric', round: modelRounds + 1, message: `tuning the program's numbers (≤ ${opts.numericRefineBudget} renders)` });
      const numeric = await refineNumbers({
        program: best.code!,
        startScore: pixelPart(best.score!),
        budget: opts.numericRefineBudget,
        signal,
        ...numericSearchCallbacks(async (code) => {
          const r = await renderProgram(deps.renderer, code, width, height, opts.renderTimeLimitMs, signal);
          record.renders++;
          return r;
        }, original),
      });
      record.numeric = { search: numeric.search, rendersUsed: numeric.rendersUsed, startScore: pixelPart(best.score!), endScore: numeric.score, changes: numeric.changes.length };
      checkAbort();
      if (numeric.program !== best.code && numeric.score > pixelPart(best.score!)) {
        const c: Candidate = { id: nextId('numeric'), round: modelRounds + 1, source: 'numeric', parentId: best.id, code: numeric.program, state: 'generating' };
        emit({ type: 'candidate-generated', candidate: publicInfo(c) });
        await evaluate(c);
        let improved = c.state === 'scored' && c.score!.score > best.score!.score;
        if (improved && read?.result.ok) {
          const why = await refinedDataWorse(deps.renderer, best.code!, c.code!, read.result.reading, opts.renderTimeLimitMs, signal);
          if (why) {
            improved = false;
            record.numeric!.kept = why;
            emit({ type: 'log', level: 'info', message: `kept ${best.id}: ${why}` });
          }
        }
        if (improved) {
          best = c;
          emit({ type: 'best-changed', candidateId: best.id, score: best.score!, diffPng: diffHeatmap(original, best.rgba!) });
        }
        record.rounds.push({ round: modelRounds + 1, bestCandidateId: best.id, bestScore: best.score!.score, improved });
        emit({ type: 'round-finished', round: modelRounds + 1, bestCandidateId: best.id, bestScore: best.score!.score, improved });
      }
    }
    record.bestCandidateId = best.id;

    // 6. answer ------------------------------------------------------------------------------
    let answer: Answer | undefined;
    if (input.question && !model) {
      emit({ type: 'log', level: 'warn', message: 'questions need a model: with none configured, RECODE derenders the chart with its reader but does not answer' });
    }
    if (input.question && model) {
      checkAbort();
      emit({ type: 'stage', stage: 'answer', round: modelRounds + 1, message: 'computing the answer from the recovered program' });
      answer = await computeAnswer({
        question: input.question,
        program: best.code!,
        candidateId: best.id,
        score: best.score!,
        imageDataUrl,
        renderer: deps.renderer,
        timeLimitMs: opts.renderTimeLimitMs,
        callModel: (messages) => callModel('answer', messages, 1, 0),
        signal,
      });
      record.answer = answer;
      emit({ type: 'answer', answer });
    }

    const summary: DerenderSummary = {
      runId,
      bestCandidateId: best.id,
      program: best.code!,
      score: best.score!,
      answer,
      usage,
      renders: record.renders,
      durationMs: Date.now() - t0,
    };
    record.status = 'finished';
    record.finishedAt = new Date().toISOString();
    emit({ type: 'run-finished', result: summary });
    return { summary, record, renders, read };
  } catch (e) {
    if (e instanceof Cancelled || signal?.aborted) return finish('cancelled', 'the run was cancelled');
    if (e instanceof Unreadable) return { ...finish('failed', e.message), unreadable: true };
    return finish('failed', errorText(e));
  }
}

// ---------------------------------------------------------------------------------------------

export interface AnswerRequest {
  question: string;
  program: string;
  candidateId: string;
  score: Score;
  imageDataUrl: string;
  renderer: Renderer;
  timeLimitMs: number;
  callModel: (messages: ChatMessage[]) => Promise<ModelReply>;
  signal?: AbortSignal;
}

/**
 * Asks the model for code that computes the answer from the program's data, runs program + code,
 * and returns the computed value. A computation that fails gets one more try with its error; if
 * that fails too the answer is the model's own words, marked as not computed.
 */
export async function computeAnswer(r: AnswerRequest): Promise<Answer> {
  let previousError: string | undefined;
  let lastExplanation: string | undefined;
  let lastComputation = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await r.callModel(answerMessages({ question: r.question, program: r.program, imageDataUrl: r.imageDataUrl, previousError }));
    const text = reply.texts[0] ?? '';
    lastExplanation = /Explanation:\s*(.+)/i.exec(text)?.[1]?.trim();
    let computation: string;
    try {
      computation = extractProgram(text, 'any').code;
    } catch (e) {
      previousError = errorText(e);
      continue;
    }
    lastComputation = computation;
    const run = await r.renderer.render(
      { code: `${r.program.trimEnd()}\n\n# --- answer computation ---\n${computation}\n`, mode: 'script', width: 100, height: 100, timeLimitMs: r.timeLimitMs },
      r.signal,
    );
    if (r.signal?.aborted) throw new Cancelled();
    if (run.ok && run.answer !== undefined) {
      return {
        question: r.question,
        value: run.answer,
        computed: true,
        computation,
        programCandidateId: r.candidateId,
        score: r.score,
        explanation: lastExplanation,
        ...(cutAtOutputLimit(run.answer) ? { truncatedAt: DEFAULT_MAX_OUTPUT_BYTES } : {}),
      };
    }
    previousError = run.ok ? 'the code ran but did not set a variable named `answer`' : `${run.error ?? 'it failed'}\n${run.traceback ?? ''}`.trim();
  }
  return {
    question: r.question,
    value: lastExplanation ?? '(no answer could be computed)',
    computed: false,
    computation: lastComputation,
    programCandidateId: r.candidateId,
    score: r.score,
    explanation: `The computation failed: ${oneLine(previousError ?? 'unknown error', 300)}`,
  };
}

/**
 * True when a computed answer is as long as the harness lets one be (it keeps the first
 * DEFAULT_MAX_OUTPUT_BYTES characters of `str(answer)`): what was computed was longer, or exactly that long.
 */
function cutAtOutputLimit(answer: string): boolean {
  if (answer.length < DEFAULT_MAX_OUTPUT_BYTES) return false;
  let chars = 0; // Python counts code points
  for (let i = 0; i < answer.length; i++) {
    const c = answer.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) chars++;
  }
  return chars >= DEFAULT_MAX_OUTPUT_BYTES;
}

/** Renders a program at the image's size. */
export function renderProgram(
  renderer: Renderer,
  code: string,
  width: number,
  height: number,
  timeLimitMs: number,
  signal?: AbortSignal,
): Promise<RenderResult> {
  return renderer.render({ code, mode: 'figure', width, height, timeLimitMs }, signal);
}

export interface Comparison {
  score?: Score;
  render: RenderResult;
  diffPng?: Uint8Array;
}

/** Renders a given program and scores it against an image: what works with no model at all. */
export async function compareProgram(
  imageBytes: Uint8Array,
  code: string,
  renderer: Renderer,
  signal?: AbortSignal,
  timeLimitMs = DEFAULT_OPTIONS.renderTimeLimitMs,
): Promise<Comparison> {
  const image = decodeImage(imageBytes);
  const render = await renderProgram(renderer, code, image.width, image.height, timeLimitMs, signal);
  if (!render.ok || !render.png) return { render };
  const original: PreparedOriginal = prepareOriginal(image);
  const rgba = decodeImage(render.png, 'the render');
  const s = scorePair(original, rgba);
  return { score: { score: s.score, parts: s.parts }, render, diffPng: diffHeatmap(original, rgba) };
}

function pickBest(cands: Candidate[]): Candidate {
  return cands.reduce((a, b) => (b.score!.score > a.score!.score ? b : a));
}

function publicInfo(c: Candidate): CandidateInfo {
  return { id: c.id, round: c.round, source: c.source, parentId: c.parentId, code: c.code, state: c.state, error: c.error, score: c.score, renderMs: c.renderMs };
}

function checkValid(o: DerenderOptions): void {
  const bad = (what: string) => {
    throw new Error(`invalid option: ${what}`);
  };
  if (!Number.isInteger(o.candidates) || o.candidates < 1 || o.candidates > 16) bad('candidates must be an integer from 1 to 16');
  if (!Number.isInteger(o.rounds) || o.rounds < 0 || o.rounds > 20) bad('rounds must be an integer from 0 to 20');
  if (!(o.temperature >= 0 && o.temperature <= 2)) bad('temperature must be between 0 and 2');
  if (!(o.renderTimeLimitMs >= 100)) bad('the render time limit must be at least 0.1 s');
  if (!Number.isInteger(o.numericRefineBudget) || o.numericRefineBudget < 0) bad('numericRefineBudget must be a non-negative integer');
}

/**
 * What `refineNumbers` needs to run its local search (many values per render, scatter and line
 * jumps): the render as an image and the prepared original, besides the scalar score. The same
 * callbacks the refinement bench gives it, so the bench measures the search users run.
 */
export function numericSearchCallbacks(
  render: (code: string) => Promise<RenderResult>,
  original: PreparedOriginal,
): { evaluate: (code: string) => Promise<number | undefined>; renderImage: (code: string) => Promise<RgbaImage | undefined>; original: PreparedOriginal } {
  const renderImage = async (code: string): Promise<RgbaImage | undefined> => {
    const r = await render(code);
    if (!r.ok || !r.png) return undefined;
    try {
      return decodeImage(r.png);
    } catch {
      return undefined;
    }
  };
  return {
    evaluate: async (code) => {
      const img = await renderImage(code);
      return img ? scorePair(original, img).score : undefined;
    },
    renderImage,
    original,
  };
}

/**
 * Never worse than the seed, in data: compares the seed's and the refined program's data (run and
 * read back, `extractData`) with the reader's values on the original. Returns why the seed is kept
 * when the refined program is further from the reading, else undefined (also when either program's
 * data cannot be read back or compared: the pixels decide then).
 */
export async function refinedDataWorse(
  renderer: Renderer,
  seed: string,
  refined: string,
  reading: Reading,
  timeLimitMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  let s, r;
  try {
    s = dataFit((await extractData(seed, renderer, signal, timeLimitMs)).tables, reading);
    r = dataFit((await extractData(refined, renderer, signal, timeLimitMs)).tables, reading);
  } catch {
    return undefined;
  }
  if (!s || !r || !fitsWorse(r, s)) return undefined;
  const pct = (f: typeof s) => `${f.within2pct} of ${f.points} read values within 2 % of the axis range, mean distance ${(100 * f.meanDistance).toFixed(1)} %`;
  return `the numerically refined program matches the pixels better but the data the reader read worse (${pct(r)}, its seed ${pct(s)})`;
}
