/**
 * What every stage of one derender run shares: the options, the run record, the event stream, the
 * cancel signal, model calls (recorded) and candidate renders (recorded, scored, reported in order).
 * `src/core/loop.ts` drives the stages; this file is their common ground.
 */
import {
  ModelError,
  type CandidateInfo,
  type CandidateSource,
  type ChatMessage,
  type DerenderOptions,
  type ModelClient,
  type ModelPurpose,
  type ModelReply,
  type RenderResult,
  type Renderer,
  type RgbaImage,
  type RunEvent,
  type TokenUsage,
} from './types';
import { decodeImage } from './image';
import { prepareOriginal, type PreparedOriginal } from './critic/pixelCritic';
import { criticFor, criticRecord, scoreRender, type Critic, type CriticScore } from './critic/critic';
import { errorText } from './text';
import { extractProgram, normaliseProgram, NoCodeError } from './program';
import { newRunId, sha256, summariseMessages, type CandidateRecord, type RunRecord } from './runRecord';

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** With no model, an image the chart reader cannot read ends the run with this. */
export class Unreadable extends Error {}

export interface Candidate extends CandidateInfo {
  png?: Uint8Array;
  rgba?: RgbaImage;
}

export { errorText };

/** Renders a program at the image's size. */
export function renderProgram(renderer: Renderer, code: string, width: number, height: number, timeLimitMs: number, signal?: AbortSignal): Promise<RenderResult> {
  return renderer.render({ code, mode: 'figure', width, height, timeLimitMs }, signal);
}

export function publicInfo(c: Candidate): CandidateInfo {
  return { id: c.id, round: c.round, source: c.source, parentId: c.parentId, code: c.code, state: c.state, error: c.error, score: c.score, renderMs: c.renderMs };
}

export interface RunSetup {
  image: Uint8Array;
  imageName?: string;
  question?: string;
  model?: ModelClient;
  renderer: Renderer;
  opts: DerenderOptions;
  onEvent: (e: RunEvent) => void;
  signal?: AbortSignal;
}

export class RunContext {
  readonly t0 = Date.now();
  readonly runId = newRunId();
  readonly usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  readonly renders = new Map<string, Uint8Array>();
  readonly record: RunRecord;
  readonly opts: DerenderOptions;
  readonly model?: ModelClient;
  readonly renderer: Renderer;
  readonly signal?: AbortSignal;
  /** Set by `open()`. */
  width = 0;
  height = 0;
  original!: PreparedOriginal;
  /** Pixels only until the read stage gives it the reading (`useReading`). */
  critic!: Critic;
  private readonly criticScores: CriticScore[] = [];
  private seq = 0;

  constructor(private readonly setup: RunSetup) {
    this.opts = setup.opts;
    this.model = setup.model;
    this.renderer = setup.renderer;
    this.signal = setup.signal;
    this.record = {
      version: 1,
      runId: this.runId,
      startedAt: new Date(this.t0).toISOString(),
      status: 'running',
      image: { name: setup.imageName, width: 0, height: 0, sha256: sha256(setup.image), bytes: setup.image.length },
      question: setup.question,
      options: setup.opts,
      model: setup.model?.description,
      renderer: setup.renderer.name,
      modelCalls: [],
      candidates: [],
      rounds: [],
      usage: this.usage,
      renders: 0,
    };
  }

  /** Decodes the image and prepares it for the critic. */
  open(): RgbaImage {
    const image = decodeImage(this.setup.image, this.setup.imageName ?? 'the image');
    this.width = this.record.image.width = image.width;
    this.height = this.record.image.height = image.height;
    this.original = prepareOriginal(image);
    this.critic = criticFor(this.original, undefined);
    return image;
  }

  /** The critic compares data with the reading from now on (pixels only when the reader could not read the original: said in the log). */
  useReading(reading: Parameters<typeof criticFor>[1]): void {
    this.critic = criticFor(this.original, reading);
    if (this.critic.unread) this.emit({ type: 'log', level: 'info', message: `the critic compares pixels only: ${this.critic.unread}` });
  }

  emit(e: RunEvent): void {
    try {
      this.setup.onEvent(e);
    } catch {
      // a listener's failure must not break the run
    }
  }

  checkAbort(): void {
    if (this.signal?.aborted) throw new Cancelled();
  }

  nextId(source: CandidateSource): string {
    return `${source === 'generate' ? 'c' : source === 'refine' ? 'r' : 'n'}${++this.seq}`;
  }

  /** One render at the original's size, counted in the record. */
  async render(code: string): Promise<RenderResult> {
    const r = await renderProgram(this.renderer, code, this.width, this.height, this.opts.renderTimeLimitMs, this.signal);
    this.record.renders++;
    return r;
  }

  async callModel(purpose: ModelPurpose, messages: ChatMessage[], n = 1, temperature?: number): Promise<ModelReply> {
    this.checkAbort();
    const model = this.model;
    if (!model) throw new ModelError('config', 'no model is configured');
    const started = Date.now();
    const entry: RunRecord['modelCalls'][number] = { purpose, startedAt: new Date(started).toISOString(), durationMs: 0, n, temperature, messages: summariseMessages(messages) };
    this.record.modelCalls.push(entry);
    try {
      const reply = await model.complete({ purpose, messages, n, temperature, signal: this.signal });
      entry.durationMs = Date.now() - started;
      entry.replies = reply.texts;
      entry.usage = reply.usage;
      this.usage.promptTokens += reply.usage.promptTokens;
      this.usage.completionTokens += reply.usage.completionTokens;
      return reply;
    } catch (e) {
      entry.durationMs = Date.now() - started;
      entry.error = errorText(e);
      if (this.signal?.aborted) throw new Cancelled();
      throw e;
    }
  }

  /** A candidate from a model reply (a failed one when the reply holds no program). */
  addCandidate(source: CandidateSource, round: number, reply: string, parentId?: string): Candidate {
    const c: Candidate = { id: this.nextId(source), round, source, parentId, state: 'generating' };
    try {
      c.code = normaliseProgram(extractProgram(reply).code);
      this.emit({ type: 'candidate-generated', candidate: publicInfo(c) });
    } catch (e) {
      c.state = 'failed';
      c.error = e instanceof NoCodeError ? e.message : errorText(e);
      this.record.candidates.push({ id: c.id, round, source, parentId, error: c.error });
      this.emit({ type: 'candidate-generated', candidate: publicInfo(c) });
      this.emit({ type: 'candidate-failed', candidateId: c.id, stage: 'generate', error: c.error });
    }
    return c;
  }

  /**
   * Renders and scores candidates: the renders run concurrently (the renderer runs as many at
   * once as it can), the results are recorded, scored and reported one candidate after another in
   * the given order. Failures are recorded on the candidate, never thrown.
   */
  async evaluate(cands: Candidate[]): Promise<void> {
    const recs = cands.map((c) => {
      const rec: CandidateRecord = { id: c.id, round: c.round, source: c.source, parentId: c.parentId, code: c.code };
      this.record.candidates.push(rec);
      c.state = 'rendering';
      return rec;
    });
    this.checkAbort();
    const results = await Promise.all(cands.map((c) => this.render(c.code!)));
    this.checkAbort();
    cands.forEach((c, i) => this.take(c, recs[i], results[i]));
  }

  private take(c: Candidate, rec: CandidateRecord, result: RenderResult): void {
    rec.render = {
      ok: result.ok,
      durationMs: result.durationMs,
      error: result.error,
      errorKind: result.errorKind,
      stdout: result.stdout ? result.stdout.slice(0, 4000) : undefined,
      pngSha256: result.png ? sha256(result.png) : undefined,
    };
    c.renderMs = result.durationMs;
    const fail = (error: string) => {
      c.state = 'failed';
      c.error = error;
      rec.error = error;
      this.emit({ type: 'candidate-failed', candidateId: c.id, stage: 'render', error });
    };
    if (!result.ok || !result.png) return fail(result.error ?? 'the program drew nothing');
    c.png = result.png;
    this.renders.set(c.id, result.png);
    this.emit({ type: 'candidate-rendered', candidateId: c.id, png: result.png, renderMs: result.durationMs });
    try {
      c.rgba = decodeImage(result.png, `the render of ${c.id}`);
    } catch (e) {
      return fail(errorText(e));
    }
    const s = scoreRender(this.critic, c.rgba, result.marks, c.source === 'reader');
    this.criticScores.push(s);
    this.record.critic = criticRecord(this.criticScores);
    c.score = { score: s.score, parts: s.parts };
    c.state = 'scored';
    rec.score = c.score;
    this.emit({ type: 'candidate-scored', candidateId: c.id, score: c.score });
  }
}
