/**
 * The RECODE loop: read → generate → render → critique and select → refine (model) → refine
 * (numbers) → answer.
 *
 * `derender()` runs it for one image, one named stage after another. The model and the renderer
 * are injected; every stage is reported as a RunEvent as it happens; an AbortSignal cancels at any
 * point; everything is written to a run record, also when the run fails.
 */
import {
  DEFAULT_OPTIONS,
  ModelError,
  type Answer,
  type DerenderOptions,
  type DerenderSummary,
  type ModelClient,
  type ModelCritique,
  type RenderResult,
  type Renderer,
  type RgbaImage,
  type RunEvent,
  type Score,
} from './types';
import { decodeImage, toDataUrl } from './image';
import { prepareOriginal, scorePair, diffHeatmap, type PreparedOriginal } from './critic/pixelCritic';
import { rankWithModel } from './critic/modelCritic';
import { pixelPart } from './critic/critic';
import { normaliseProgram, oneLine } from './program';
import { generateMessages, refineMessages } from './prompts';
import type { RunRecord } from './runRecord';
import { refineInDataSpace } from './refine/dataSpace';
import { fitsWorse } from './dataFit';
import type { Reading } from './reader/types';
import { runReadStage, readRecord, ReadCancelled, type ReadStage } from './read';
import type { Ocr } from './reader';
import { Cancelled, errorText, publicInfo, renderProgram, RunContext, Unreadable, type Candidate } from './runContext';

export { errorText, renderProgram } from './runContext';
export { computeAnswer, type AnswerRequest } from './answer';
export { dataSpaceDeps, numericSearchCallbacks } from './refine/loopDeps';
import { dataSpaceDeps } from './refine/loopDeps';
import { computeAnswer } from './answer';

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

/** The loop for one image: read → generate → render → critique and select → refine (model) → refine (numbers) → answer. */
export async function derender(
  input: DerenderInput,
  deps: DerenderDeps,
  options: Partial<DerenderOptions> = {},
  onEvent: (e: RunEvent) => void = () => {},
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const opts: DerenderOptions = { ...DEFAULT_OPTIONS, ...options };
  const run = new RunContext({ ...input, model: deps.model, renderer: deps.renderer, opts, onEvent, signal });
  let read: ReadStage | undefined;
  try {
    checkValid(opts);
    const image = run.open();
    run.emit({ type: 'run-started', runId: run.runId, image: { width: image.width, height: image.height }, question: input.question, options: opts });
    if (!deps.model && !opts.reader) throw new ModelError('config', 'no model is configured; derendering needs a multimodal model');
    const imageDataUrl = toDataUrl(input.image);
    read = await readStage(run, image, deps.ocr);
    const candidates = await generateStage(run, imageDataUrl, input.question, read);
    const scored = await renderStage(run, candidates);
    const selected = await selectStage(run, scored, imageDataUrl);
    let best = await refineWithModelStage(run, selected.best, imageDataUrl, selected.critique);
    best = await refineNumbersStage(run, best, read);
    const answer = await answerStage(run, best, imageDataUrl, input.question);
    return { summary: finishRun(run, best, answer), record: run.record, renders: run.renders, read };
  } catch (e) {
    if (e instanceof Cancelled || signal?.aborted) return failRun(run, read, 'cancelled', 'the run was cancelled');
    if (e instanceof Unreadable) return { ...failRun(run, read, 'failed', e.message), unreadable: true };
    return failRun(run, read, 'failed', errorText(e));
  }
}

/** Refinement rounds with the model (none without one): the numeric refinement and the answer come after them. */
const modelRounds = (run: RunContext) => (run.model ? run.opts.rounds : 0);

// 0. read: the built-in chart reader ---------------------------------------------------------

/** The reading of the original (plot area, axes, marks), or undefined when the reader is off. */
async function readStage(run: RunContext, image: RgbaImage, ocr?: Ocr): Promise<ReadStage | undefined> {
  if (!run.opts.reader) return undefined;
  run.emit({ type: 'stage', stage: 'read', round: 0, message: 'reading the chart: plot area, axes, text and marks' });
  let read: ReadStage;
  try {
    read = await runReadStage(image, { signal: run.signal, ocr, promptText: !!run.model && run.opts.ocrText === undefined });
  } catch (e) {
    if (e instanceof ReadCancelled) throw new Cancelled();
    throw e;
  }
  run.checkAbort();
  run.record.reading = readRecord(read);
  run.useReading(read.result);
  if (read.result.ok) run.emit({ type: 'reading', reading: read.result.reading, overlayPng: read.overlayPng ?? new Uint8Array(), csv: read.csv ?? '' });
  else run.emit({ type: 'reading-failed', reason: read.result.reason });
  if (!run.model && !read.program) {
    throw new Unreadable(`cannot read this chart: ${read.result.ok ? 'no program' : read.result.reason} (with no model configured, RECODE derenders with its chart reader alone)`);
  }
  return read;
}

// 1. generate ----------------------------------------------------------------------------------

/** The model's candidate programs, then the reader's (a tie goes to the model's). */
async function generateStage(run: RunContext, imageDataUrl: string, question: string | undefined, read: ReadStage | undefined): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const { opts, model } = run;
  if (model) {
    run.emit({ type: 'stage', stage: 'generate', round: 0, message: `asking ${model.description} for ${opts.candidates} candidate programs` });
    const gen = await run.callModel(
      'generate',
      generateMessages({ imageDataUrl, width: run.width, height: run.height, question, kind: opts.kind, ocrText: opts.ocrText ?? read?.promptText }),
      opts.candidates,
      opts.temperature,
    );
    candidates.push(...gen.texts.map((t) => run.addCandidate('generate', 0, t)));
    // requests that failed while others worked: a failed candidate each, so nothing vanishes silently
    for (const f of gen.failures ?? []) {
      const c: Candidate = { id: run.nextId('generate'), round: 0, source: 'generate', state: 'failed', error: `the model request failed: ${f.message}` };
      run.record.candidates.push({ id: c.id, round: 0, source: 'generate', error: c.error });
      run.emit({ type: 'candidate-generated', candidate: publicInfo(c) });
      run.emit({ type: 'candidate-failed', candidateId: c.id, stage: 'generate', error: c.error! });
      candidates.push(c);
    }
    if (candidates.length === 0) throw new Error('the model returned no candidates');
  }
  if (read?.program) {
    const c: Candidate = { id: 'reader', round: 0, source: 'reader', code: normaliseProgram(read.program), state: 'generating' };
    run.emit({ type: 'candidate-generated', candidate: publicInfo(c) });
    candidates.push(c);
  }
  return candidates;
}

// 2–3. render and critique -----------------------------------------------------------------------

/** Every candidate rendered (concurrently) and scored by the critic; the scored ones. */
async function renderStage(run: RunContext, candidates: Candidate[]): Promise<Candidate[]> {
  const withCode = candidates.filter((c) => c.code);
  run.emit({ type: 'stage', stage: 'render', round: 0, message: `rendering ${withCode.length} candidates with ${run.renderer.name}` });
  await run.evaluate(withCode);
  const scored = candidates.filter((c) => c.state === 'scored');
  if (scored.length === 0) {
    const reasons = candidates.map((c) => `${c.id}: ${oneLine(c.error ?? 'failed', 160)}`).join('; ');
    throw new Error(`no candidate program could be rendered (${reasons})`);
  }
  return scored;
}

// 4. select ------------------------------------------------------------------------------------

/** The most faithful candidate by the critic's score; near-ties ranked by the model critic when on. */
async function selectStage(run: RunContext, scored: Candidate[], imageDataUrl: string): Promise<{ best: Candidate; critique?: ModelCritique }> {
  const { opts, model } = run;
  run.emit({ type: 'stage', stage: 'critique', round: 0, message: 'comparing every render with the original' });
  let best = pickBest(scored);
  let critique: ModelCritique | undefined;
  if (model && opts.modelCritic && scored.length > 1) {
    const contenders = scored.filter((c) => best.score!.score - c.score!.score <= opts.nearTie);
    if (contenders.length > 1 || opts.rounds > 0) {
      const pool = contenders.length > 1 ? contenders : [best];
      try {
        critique = await rankWithModel(
          (messages) => run.callModel('critic', messages, 1, 0),
          imageDataUrl,
          pool.map((c) => ({ id: c.id, dataUrl: toDataUrl(c.png!) })),
        );
        run.emit({ type: 'critique', critique });
        const top = pool.find((c) => c.id === critique!.ranking[0]);
        if (top) best = top;
      } catch (e) {
        if (e instanceof Cancelled) throw e;
        run.emit({ type: 'log', level: 'warn', message: `model critic skipped: ${errorText(e)}` });
      }
    }
  }
  run.emit({ type: 'best-changed', candidateId: best.id, score: best.score!, diffPng: diffHeatmap(run.original, best.rgba!) });
  run.record.rounds.push({ round: 0, bestCandidateId: best.id, bestScore: best.score!.score, improved: true });
  run.emit({ type: 'round-finished', round: 0, bestCandidateId: best.id, bestScore: best.score!.score, improved: true });
  return { best, critique };
}

// 5. refine with the model -----------------------------------------------------------------------

/** K rounds: the model sees the original, the best render and the diff; its program is kept only if it scores better. */
async function refineWithModelStage(run: RunContext, best: Candidate, imageDataUrl: string, critique?: ModelCritique): Promise<Candidate> {
  const { opts } = run;
  for (let round = 1; run.model && round <= opts.rounds; round++) {
    run.checkAbort();
    run.emit({ type: 'stage', stage: 'refine', round, message: `round ${round}: asking for an improved program (score ${best.score!.score.toFixed(3)})` });
    let improved = false;
    try {
      const reply = await run.callModel(
        'refine',
        refineMessages({
          originalDataUrl: imageDataUrl,
          renderDataUrl: toDataUrl(best.png!),
          diffDataUrl: toDataUrl(diffHeatmap(run.original, best.rgba!)),
          program: best.code!,
          score: best.score!,
          width: run.width,
          height: run.height,
          kind: opts.kind,
          critiqueNotes: critique?.notes,
        }),
        1,
        Math.min(opts.temperature, 0.4),
      );
      const c = run.addCandidate('refine', round, reply.texts[0] ?? '', best.id);
      if (c.code) {
        await run.evaluate([c]);
        if (c.state === 'scored' && c.score!.score > best.score!.score) {
          best = c;
          improved = true;
          run.emit({ type: 'best-changed', candidateId: best.id, score: best.score!, diffPng: diffHeatmap(run.original, best.rgba!) });
        }
      }
    } catch (e) {
      if (e instanceof Cancelled) throw e;
      if (e instanceof ModelError && (e.kind === 'auth' || e.kind === 'not-found' || e.kind === 'config')) throw e;
      run.emit({ type: 'log', level: 'warn', message: `refinement round ${round} failed: ${errorText(e)}` });
    }
    run.record.rounds.push({ round, bestCandidateId: best.id, bestScore: best.score!.score, improved });
    run.emit({ type: 'round-finished', round, bestCandidateId: best.id, bestScore: best.score!.score, improved });
  }
  return best;
}

// 5b. refine the numbers (no model) --------------------------------------------------------------

/**
 * Layout aligned with the reading, values from the reader's marks, then the render-compare polish
 * (refineInDataSpace). The result replaces the best candidate when it has more values right by the
 * reading, or as many and a better score (no reading: a better score).
 */
async function refineNumbersStage(run: RunContext, best: Candidate, read: ReadStage | undefined): Promise<Candidate> {
  const { opts } = run;
  // (a render that already matches the original pixel for pixel has nothing left to tune)
  if (opts.numericRefineBudget <= 0 || best.score!.score >= 0.995) return best;
  run.checkAbort();
  const round = modelRounds(run) + 1;
  const reading = read?.result.ok ? read.result.reading : undefined;
  run.emit({ type: 'stage', stage: 'numeric', round, message: `tuning the program's layout and numbers (≤ ${opts.numericRefineBudget} renders)` });
  const out = await refineInDataSpace({
    program: best.code!,
    // the search scores pixels: it starts from the pixel part of the critic's score
    startScore: pixelPart(best.score!),
    budget: opts.numericRefineBudget,
    reading,
    signal: run.signal,
    ...dataSpaceCallbacks(run, reading),
  });
  run.record.numeric = {
    search: out.search,
    rendersUsed: out.rendersUsed,
    startScore: pixelPart(best.score!),
    endScore: out.score,
    changes: out.changes,
    steps: out.steps,
    ...(out.seedFit ? { seedFit: out.seedFit } : {}),
    ...(out.fit ? { fit: out.fit } : {}),
  };
  run.checkAbort();
  if (out.program === best.code) return best;
  const c: Candidate = { id: run.nextId('numeric'), round, source: 'numeric', parentId: best.id, code: out.program, state: 'generating' };
  run.emit({ type: 'candidate-generated', candidate: publicInfo(c) });
  await run.evaluate([c]);
  const dataBetter = !!out.fit && !!out.seedFit && fitsWorse(out.seedFit, out.fit);
  const dataWorse = !!out.fit && !!out.seedFit && fitsWorse(out.fit, out.seedFit);
  const improved = c.state === 'scored' && !dataWorse && (dataBetter || c.score!.score > best.score!.score);
  if (!improved && dataWorse) run.record.numeric.kept = `kept ${best.id}: the refined program is further from the reader's values`;
  if (improved) {
    best = c;
    run.emit({ type: 'best-changed', candidateId: best.id, score: best.score!, diffPng: diffHeatmap(run.original, best.rgba!) });
  }
  run.record.rounds.push({ round, bestCandidateId: best.id, bestScore: best.score!.score, improved });
  run.emit({ type: 'round-finished', round, bestCandidateId: best.id, bestScore: best.score!.score, improved });
  return best;
}

function dataSpaceCallbacks(run: RunContext, reading: Reading | undefined) {
  return dataSpaceDeps({
    renderer: run.renderer,
    render: (code) => run.render(code),
    original: run.original,
    width: run.width,
    height: run.height,
    timeLimitMs: run.opts.renderTimeLimitMs,
    reading,
    signal: run.signal,
    counted: () => run.record.renders++,
  });
}

// 6. answer ------------------------------------------------------------------------------------

/** The model writes code over the recovered program's data; that code is run (no model: no answer). */
async function answerStage(run: RunContext, best: Candidate, imageDataUrl: string, question: string | undefined): Promise<Answer | undefined> {
  run.record.bestCandidateId = best.id;
  if (!question) return undefined;
  if (!run.model) {
    run.emit({ type: 'log', level: 'warn', message: 'questions need a model: with none configured, RECODE derenders the chart with its reader but does not answer' });
    return undefined;
  }
  run.checkAbort();
  run.emit({ type: 'stage', stage: 'answer', round: modelRounds(run) + 1, message: 'computing the answer from the recovered program' });
  const answer = await computeAnswer({
    question,
    program: best.code!,
    candidateId: best.id,
    score: best.score!,
    imageDataUrl,
    renderer: run.renderer,
    timeLimitMs: run.opts.renderTimeLimitMs,
    callModel: (messages) => run.callModel('answer', messages, 1, 0),
    signal: run.signal,
  });
  run.record.answer = answer;
  run.emit({ type: 'answer', answer });
  return answer;
}

function finishRun(run: RunContext, best: Candidate, answer: Answer | undefined): DerenderSummary {
  const summary: DerenderSummary = {
    runId: run.runId,
    bestCandidateId: best.id,
    program: best.code!,
    score: best.score!,
    answer,
    usage: run.usage,
    renders: run.record.renders,
    durationMs: Date.now() - run.t0,
  };
  run.record.status = 'finished';
  run.record.finishedAt = new Date().toISOString();
  run.emit({ type: 'run-finished', result: summary });
  return summary;
}

function failRun(run: RunContext, read: ReadStage | undefined, status: RunRecord['status'], error: string): RunOutcome {
  run.record.status = status;
  run.record.finishedAt = new Date().toISOString();
  run.record.error = error;
  run.emit({ type: 'run-failed', error, cancelled: status === 'cancelled' });
  return { record: run.record, error, cancelled: status === 'cancelled', renders: run.renders, read };
}

// ---------------------------------------------------------------------------------------------

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
