/**
 * A ModelClient over any OpenAI-compatible chat completions endpoint (OpenAI, Azure, Ollama, vLLM,
 * LM Studio, OpenRouter, Gemini's OpenAI endpoint …), using the `openai` package. This file puts
 * the parts together; each concern has its own file:
 *   openaiRequest.ts  request building (wire messages, the body, the capped fetch)
 *   openaiStream.ts   reading the answer (streamed events, or a whole JSON completion)
 *   openaiRetry.ts    time limits and retries (backoff, Retry-After, request changes)
 *   openaiErrors.ts   error classification (a sentence saying what to do) and key redaction
 *   requestEach.ts    n requests, some at a time, for endpoints without `n`
 *
 * The client's own retries are off: this module retries by itself so the behaviour is explicit —
 * 429, 408/409, 5xx and connection resets are retried with exponential backoff and jitter,
 * honouring `Retry-After` / `retry-after-ms`; 400/401/403/404/422 never are. Every failure becomes
 * a ModelError with one sentence saying what happened and what to do. The API key never appears in
 * a message or a description.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import type { ModelClient, ModelReply, ModelRequest, TokenUsage } from '../types';
import { ModelError } from '../types';
import { requestEach } from './requestEach';
import { errorText } from '../text';
import { buildBody, cappedFetch, type Adaptations } from './openaiRequest';
import { AttemptFailure, classify, describeEndpoint, displayURL, formatSeconds, redactor, type EndpointNames } from './openaiErrors';
import { fromCompletion, readStream, type AttemptResult } from './openaiStream';
import { cancelledError, timeLimited, withRetries, type RetryInfo } from './openaiRetry';

export { toOpenAIMessages } from './openaiRequest';
export { describeEndpoint, displayURL, formatBytes, parseRetryAfter } from './openaiErrors';
export type { RetryInfo } from './openaiRetry';

export interface OpenAIModelConfig {
  /** The endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434/v1. */
  baseURL: string;
  /** The model name (for Azure: the deployment name). */
  model: string;
  /** The API key; local servers need none (a placeholder is sent). */
  apiKey?: string;
  /** Time limit of one request attempt, streaming included (a stalled stream hits it too). Default 120000. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429 / 5xx / resets. Default 4. */
  maxRetries?: number;
  /** The endpoint accepts `n` > 1; otherwise n requests are made. Default false. */
  supportsN?: boolean;
  /** Requests in flight at once when making n requests. Default 3. */
  concurrency?: number;
  /** Stream the completion (SSE). Default true. */
  stream?: boolean;
  /** Default max tokens per completion (a request's maxTokens wins). */
  maxTokens?: number;
  extraHeaders?: Record<string, string>;
  /** Set for Azure OpenAI (the baseURL is then e.g. https://RESOURCE.openai.azure.com/openai). */
  azureApiVersion?: string;
  /** The `detail` of image parts; omitted by default. */
  imageDetail?: 'auto' | 'low' | 'high';
  /** First backoff delay; doubles each retry, with ±20 % jitter. Default 1000. */
  retryBaseMs?: number;
  /** The longest wait before a retry; a Retry-After beyond it fails at once. Default 60000. */
  maxRetryDelayMs?: number;
  /** What to do about a rejected key, for the 401 message. Default: "set a valid key with RECODE_API_KEY (or OPENAI_API_KEY)". */
  keyHint?: string;
  /** Called before each retry (for logs / progress). */
  onRetry?: (info: RetryInfo) => void;
  /**
   * The most text one reply may hold, in UTF-8 bytes (default 1 MB; a program is a few KB). A
   * stream is stopped when a reply passes it, and the request fails at once (never retried). The
   * HTTP body of an answer is capped too, at 64 times this (SSE and JSON wrap the text).
   */
  maxReplyBytes?: number;
}

/** What `complete` returns: a ModelReply plus details of the requests behind it. */
export interface OpenAIModelReply extends ModelReply {
  /** finish_reason per text ('stop', 'length', … or '' when the server gave none). */
  finishReasons: string[];
  /** Completions that failed while others succeeded (only when n > 1 without `supportsN`). */
  failures: ModelError[];
  /** Retries made over all requests. */
  retries: number;
}

/** A ModelClient whose replies carry the details of the requests behind them. */
export interface OpenAIModelClient extends ModelClient {
  complete(req: ModelRequest): Promise<OpenAIModelReply>;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_MAX_REPLY_BYTES = 1_000_000;
/** How much bigger than the reply's text its HTTP body may be (SSE events wrap every few characters). */
const BODY_PER_REPLY = 64;
const DEFAULT_CONCURRENCY = 3;
const DEFAULT_RETRY_BASE_MS = 1000;
const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;
/** Sent when no key is configured (local servers ignore it; the SDK needs a value). */
export const NO_KEY_PLACEHOLDER = 'none';

/** Creates the client. Throws ModelError('config') when the configuration cannot work. */
export function createOpenAIModel(cfg: OpenAIModelConfig): OpenAIModelClient {
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = cfg.maxRetries ?? DEFAULT_MAX_RETRIES;
  const concurrency = Math.max(1, cfg.concurrency ?? DEFAULT_CONCURRENCY);
  const maxReplyBytes = Math.max(1, Math.floor(cfg.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES));
  const apiKey = cfg.apiKey && cfg.apiKey.trim() !== '' ? cfg.apiKey : NO_KEY_PLACEHOLDER;
  const url = displayURL(cfg.baseURL);
  const description = describeEndpoint(cfg.model, cfg.baseURL);
  const adapt: Adaptations = { useMaxCompletionTokens: false, dropTemperature: false, dropStreamOptions: false, noStream: cfg.stream === false };
  const redact = redactor([apiKey, cfg.apiKey ?? ''].filter((s) => s.length >= 8 && s !== NO_KEY_PLACEHOLDER));
  const names: EndpointNames = { url, model: cfg.model, keyHint: cfg.keyHint ?? 'set a valid key with RECODE_API_KEY (or OPENAI_API_KEY)', maxReplyBytes, redact };
  const classifyHere = (err: unknown) => classify(err, names, adapt);
  const client = openClient(cfg, apiKey, timeoutMs, maxReplyBytes, description, redact);

  /** One request for `n` completions, streamed unless the endpoint cannot. */
  const attemptOnce = (req: ModelRequest, n: number): Promise<AttemptResult> =>
    timeLimited(
      {
        timeoutMs,
        signal: req.signal,
        classify: classifyHere,
        timeout: () => ({
          kind: 'timeout',
          retryable: false,
          message: () => `The model '${cfg.model}' at ${url} did not answer within ${formatSeconds(timeoutMs)} (the request time limit) — the endpoint is slow or stalled; raise the time limit or try again.`,
        }),
      },
      async (signal, stop) => {
        const body = buildBody(cfg, adapt, req, n);
        const options = { signal, maxRetries: 0 };
        if (adapt.noStream) return fromCompletion((await client.chat.completions.create({ ...body, stream: false }, options)) as unknown, names);
        const stream = await client.chat.completions.create({ ...body, stream: true, ...(adapt.dropStreamOptions ? {} : { stream_options: { include_usage: true } }) }, options);
        const { result, events } = await readStream(stream, names, stop);
        if (events === 0 && !signal.aborted) {
          // A server that ignores `stream: true` answers with plain JSON, which holds no SSE events.
          throw new AttemptFailure({
            kind: 'server',
            retryable: false,
            adapt: 'noStream',
            message: () => `The endpoint ${url} answered a streaming request with no events — it may not support streaming.`,
          });
        }
        return result;
      },
    );

  const retried = (req: ModelRequest, n: number): Promise<AttemptResult & { retries: number }> =>
    withRetries(() => attemptOnce(req, n), {
      policy: { maxRetries, retryBaseMs: cfg.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, maxRetryDelayMs: cfg.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS, url, onRetry: cfg.onRetry },
      adapt,
      classify: classifyHere,
      signal: req.signal,
    });

  const complete = async (req: ModelRequest): Promise<OpenAIModelReply> => {
    const started = Date.now();
    if (req.signal?.aborted) throw cancelledError();
    const n = Math.max(1, Math.floor(req.n ?? 1));
    if (n === 1 || cfg.supportsN) {
      const r = await retried(req, n);
      return { texts: r.texts, finishReasons: r.finishReasons, usage: r.usage, model: r.model, durationMs: Date.now() - started, failures: [], retries: r.retries };
    }
    // n requests, `concurrency` at a time; a failure that will repeat (auth, not found, bad
    // request) stops new ones from starting.
    const { ok, failures } = await requestEach(
      n,
      concurrency,
      req.signal,
      () => retried(req, 1),
      (err) => new ModelError('server', redact(errorText(err))),
      (e) => ['auth', 'not-found', 'bad-request', 'config', 'cancelled'].includes(e.kind),
    );
    if (req.signal?.aborted) throw cancelledError();
    const retries = ok.reduce((s, r) => s + r.retries, 0);
    if (ok.length === 0) {
      throw failures[0] ?? new ModelError('server', `The endpoint ${url} returned no completion.`);
    }
    return {
      texts: ok.map((r) => r.texts[0] ?? ''),
      finishReasons: ok.map((r) => r.finishReasons[0] ?? ''),
      usage: ok.reduce<TokenUsage>(
        (s, r) => ({ promptTokens: s.promptTokens + r.usage.promptTokens, completionTokens: s.completionTokens + r.usage.completionTokens }),
        { promptTokens: 0, completionTokens: 0 },
      ),
      model: ok[0]?.model ?? cfg.model,
      durationMs: Date.now() - started,
      failures,
      retries,
    };
  };

  return { description, complete };
}

/** The `openai` SDK's client, its own retries off and its answers capped. */
function openClient(cfg: OpenAIModelConfig, apiKey: string, timeoutMs: number, maxReplyBytes: number, description: string, redact: (s: string) => string): OpenAI {
  try {
    const common = {
      apiKey,
      baseURL: cfg.baseURL,
      maxRetries: 0,
      // Our own deadline aborts first; this only guards against a lost timer.
      timeout: timeoutMs + 30_000,
      defaultHeaders: cfg.extraHeaders,
      logLevel: 'off' as const,
      fetch: cappedFetch(maxReplyBytes * BODY_PER_REPLY),
      organization: null,
      project: null,
    };
    return cfg.azureApiVersion ? new AzureOpenAI({ ...common, apiVersion: cfg.azureApiVersion }) : new OpenAI(common);
  } catch (err) {
    throw new ModelError('config', `Cannot set up the model client for ${description}: ${redact(errorText(err))}`);
  }
}
