/**
 * A ModelClient over any OpenAI-compatible chat completions endpoint (OpenAI, Azure, Ollama, vLLM,
 * LM Studio, OpenRouter, Gemini's OpenAI endpoint …), using the `openai` package.
 *
 * The client's own retries are off: this module retries by itself so the behaviour is explicit —
 * 429, 408/409, 5xx and connection resets are retried with exponential backoff and jitter,
 * honouring `Retry-After` / `retry-after-ms`; 400/401/403/404/422 never are. Every failure becomes
 * a ModelError with one sentence saying what happened and what to do. The API key never appears in
 * a message or a description.
 */
import OpenAI, { APIConnectionError, APIError, AzureOpenAI } from 'openai';
import type { ChatMessage, ModelClient, ModelErrorKind, ModelReply, ModelRequest, TokenUsage } from '../types';
import { ModelError } from '../types';
import { requestEach } from './requestEach';
import { errorText } from '../text';

export interface RetryInfo {
  /** 1-based number of this retry. */
  retry: number;
  maxRetries: number;
  /** How long it waits before the retry. */
  delayMs: number;
  /** What went wrong: 'rate-limit' | 'server' | 'network'. */
  kind: ModelErrorKind;
  status?: number;
  /** One line, e.g. "429 from the endpoint; retrying in 1.0 s (retry 1 of 4)". */
  message: string;
  /** True when the delay came from the server's Retry-After / retry-after-ms header. */
  fromRetryAfter: boolean;
}

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

/** An answer's HTTP body passed its cap: thrown by the capped fetch, turned into a ModelError. */
class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer passed ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** fetch, with each response body cut (the connection closed) once it passes `limit` bytes. */
function cappedFetch(limit: number): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    let seen = 0;
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          seen += chunk.byteLength;
          if (seen > limit) ctl.error(new BodyTooLargeError(limit));
          else ctl.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** e.g. '1 MB', '64 KB', '300 bytes'. */
export function formatBytes(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000} MB`;
  if (n >= 1000 && n % 100 === 0) return `${n / 1000} KB`;
  return `${n} bytes`;
}
const DEFAULT_CONCURRENCY = 3;
const DEFAULT_RETRY_BASE_MS = 1000;
const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;
/** Sent when no key is configured (local servers ignore it; the SDK needs a value). */
export const NO_KEY_PLACEHOLDER = 'none';

/** e.g. 'gpt-4o @ https://api.openai.com/v1' — no key, no credentials or query in the URL. */
export function describeEndpoint(model: string, baseURL: string): string {
  return `${model} @ ${displayURL(baseURL)}`;
}

/** The base URL without user:password@, query string or trailing slash. */
export function displayURL(baseURL: string): string {
  try {
    const u = new URL(baseURL);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return baseURL.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '');
  }
}

/**
 * Milliseconds a response asks to wait: `retry-after-ms`, else `Retry-After` in seconds or as an
 * HTTP date. Undefined when absent or unparsable.
 */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.ceil(Number(ms));
  const ra = headers.get('retry-after');
  if (ra === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.ceil(Number(ra) * 1000);
  const at = Date.parse(ra);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

// ---------------------------------------------------------------------------------------------

type WireMessage = OpenAI.ChatCompletionMessageParam;
type WireBody = OpenAI.ChatCompletionCreateParamsNonStreaming;

/** Our messages → OpenAI's: image parts become `image_url` parts holding the data URL. */
export function toOpenAIMessages(messages: ChatMessage[], imageDetail?: 'auto' | 'low' | 'high'): WireMessage[] {
  const textOf = (content: ChatMessage['content']): string =>
    typeof content === 'string'
      ? content
      : content
          .filter((p): p is { type: 'text'; text: string } => p.type === 'text')
          .map((p) => p.text)
          .join('\n');
  return messages.map((m): WireMessage => {
    if (m.role === 'system') return { role: 'system', content: textOf(m.content) };
    if (m.role === 'assistant') return { role: 'assistant', content: textOf(m.content) };
    if (typeof m.content === 'string') return { role: 'user', content: m.content };
    return {
      role: 'user',
      content: m.content.map((p): OpenAI.ChatCompletionContentPart =>
        p.type === 'text'
          ? { type: 'text', text: p.text }
          : { type: 'image_url', image_url: imageDetail ? { url: p.dataUrl, detail: imageDetail } : { url: p.dataUrl } },
      ),
    };
  });
}

/** A failed attempt, before it becomes a ModelError. */
interface Failure {
  kind: ModelErrorKind;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  /** The message, given how many retries were made. */
  message(retries: number): string;
  /** A 400 that a changed request may fix (unsupported parameter); applied once, not a retry. */
  adapt?: keyof Adaptations;
}

interface Adaptations {
  useMaxCompletionTokens: boolean;
  dropTemperature: boolean;
  dropStreamOptions: boolean;
  noStream: boolean;
}

interface AttemptResult {
  texts: string[];
  finishReasons: string[];
  usage: TokenUsage;
  model: string;
}

class AttemptFailure extends Error {
  constructor(readonly failure: Failure) {
    super('attempt failed');
  }
}

/** Creates the client. Throws ModelError('config') when the configuration cannot work. */
export function createOpenAIModel(cfg: OpenAIModelConfig): OpenAIModelClient {
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = cfg.maxRetries ?? DEFAULT_MAX_RETRIES;
  const concurrency = Math.max(1, cfg.concurrency ?? DEFAULT_CONCURRENCY);
  const retryBaseMs = cfg.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  const maxRetryDelayMs = cfg.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  const maxReplyBytes = Math.max(1, Math.floor(cfg.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES));
  const apiKey = cfg.apiKey && cfg.apiKey.trim() !== '' ? cfg.apiKey : NO_KEY_PLACEHOLDER;
  const url = displayURL(cfg.baseURL);
  const description = describeEndpoint(cfg.model, cfg.baseURL);
  const keyHint = cfg.keyHint ?? 'set a valid key with RECODE_API_KEY (or OPENAI_API_KEY)';
  const adapt: Adaptations = { useMaxCompletionTokens: false, dropTemperature: false, dropStreamOptions: false, noStream: cfg.stream === false };

  const secrets = [apiKey, cfg.apiKey ?? ''].filter((s) => s.length >= 8 && s !== NO_KEY_PLACEHOLDER);
  const redact = (s: string): string => {
    let out = s;
    for (const k of secrets) out = out.split(k).join('[redacted]');
    return out.replace(/\b(sk-[A-Za-z0-9_*.-]{6,})/g, '[redacted]').replace(/(Bearer\s+)\S+/gi, '$1[redacted]');
  };

  let client: OpenAI;
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
    client = cfg.azureApiVersion ? new AzureOpenAI({ ...common, apiVersion: cfg.azureApiVersion }) : new OpenAI(common);
  } catch (err) {
    throw new ModelError('config', `Cannot set up the model client for ${description}: ${redact(errorText(err))}`);
  }

  // -- errors --------------------------------------------------------------------------------

  const cancelled = (): ModelError => new ModelError('cancelled', 'The model request was cancelled.');

  const serverSays = (err: APIError): string => {
    const raw = typeof err.message === 'string' ? err.message : '';
    const text = raw.replace(/^\d{3}\s+/, '').replace(/^status code \(no body\)$/, '').replace(/\s+/g, ' ').trim();
    const clipped = text.length > 300 ? `${text.slice(0, 297)}…` : text;
    return redact(clipped);
  };

  const retriesText = (n: number): string => (n === 0 ? '' : ` after ${n} ${n === 1 ? 'retry' : 'retries'}`);

  const tooLarge = (what: string): Failure => ({
    kind: 'server',
    retryable: false,
    message: () =>
      `The model's reply was stopped: ${what} passed the ${formatBytes(maxReplyBytes)} limit (a program is a few KB; RECODE_MAX_REPLY_BYTES raises it) — the model or the endpoint is misbehaving; it was not retried.`,
  });

  const classify = (err: unknown): Failure => {
    if (err instanceof AttemptFailure) return err.failure;
    if (causeChain(err).some((e) => e instanceof BodyTooLargeError)) return tooLarge('the answer sent by the endpoint');
    if (err instanceof APIError && !(err instanceof APIConnectionError) && err.status !== undefined) {
      const status = err.status;
      const says = serverSays(err);
      const colonSays = says ? `: ${says}` : '';
      if (status === 401) {
        return {
          kind: 'auth',
          status,
          retryable: false,
          message: () => `The endpoint ${url} rejected the API key (401) — ${keyHint}.`,
        };
      }
      if (status === 403) {
        return {
          kind: 'auth',
          status,
          retryable: false,
          message: () => `The endpoint ${url} refused access (403) to model '${cfg.model}'${colonSays} — the API key lacks access to this model or endpoint.`,
        };
      }
      if (status === 404) {
        return {
          kind: 'not-found',
          status,
          retryable: false,
          message: () => `Model '${cfg.model}' was not found at ${url} (404)${colonSays} — either the model name or the base URL is wrong.`,
        };
      }
      if (status === 429) {
        return {
          kind: 'rate-limit',
          status,
          retryable: true,
          retryAfterMs: parseRetryAfter(err.headers),
          message: (n) => `The endpoint ${url} kept rate-limiting requests (429)${retriesText(n)}${colonSays} — wait a little, or lower the number of candidates.`,
        };
      }
      if (status === 408 || status === 409 || status >= 500) {
        return {
          kind: status === 408 ? 'timeout' : 'server',
          status,
          retryable: true,
          retryAfterMs: parseRetryAfter(err.headers),
          message: (n) => `The endpoint ${url} failed with ${status}${retriesText(n)}${colonSays} — the server has a problem; try again later.`,
        };
      }
      // 400, 413, 422 and any other 4xx.
      const f: Failure = {
        kind: 'bad-request',
        status,
        retryable: false,
        message: () =>
          `The endpoint ${url} rejected the request to model '${cfg.model}' (${status})${colonSays}` +
          (/image|vision|multimodal|modalit/i.test(says) ? ' — the model may not accept images; use a multimodal model.' : '.'),
      };
      const param = typeof err.param === 'string' ? err.param : '';
      const blob = `${param} ${says}`;
      if (status === 400 || status === 422) {
        if (!adapt.useMaxCompletionTokens && /max_tokens/.test(blob) && /max_completion_tokens/.test(blob)) f.adapt = 'useMaxCompletionTokens';
        else if (!adapt.dropTemperature && /temperature/i.test(blob) && /unsupported|not support|only the default/i.test(blob)) f.adapt = 'dropTemperature';
        else if (!adapt.dropStreamOptions && /stream_options/.test(blob)) f.adapt = 'dropStreamOptions';
      }
      return f;
    }
    if (err instanceof APIError && !(err instanceof APIConnectionError)) {
      // An error event inside a stream.
      const says = serverSays(err);
      return {
        kind: 'server',
        retryable: true,
        message: (n) => `The endpoint ${url} reported an error while streaming${retriesText(n)}: ${says || 'no details'}.`,
      };
    }
    if (err instanceof SyntaxError) {
      return {
        kind: 'server',
        retryable: false,
        message: () => `The endpoint ${url} sent a malformed answer (${redact(err.message)}).`,
      };
    }
    // Connection errors: the SDK wraps fetch failures in APIConnectionError; a stream cut midway
    // throws undici's TypeError('terminated').
    const codes = causeCodes(err);
    const refused = codes.find((c) => ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(c));
    if (refused) {
      return {
        kind: 'network',
        retryable: false,
        message: () =>
          refused === 'ECONNREFUSED'
            ? `Could not connect to ${url} (connection refused) — is the server running, and is the base URL right?`
            : `Could not reach ${url} (${refused}) — check the base URL and the network.`,
      };
    }
    const certificate = codes.find((c) => /CERT|SSL|TLS/i.test(c));
    if (certificate) {
      return {
        kind: 'network',
        retryable: false,
        message: () => `Could not open a secure connection to ${url} (${certificate}).`,
      };
    }
    const why = codes.find((c) => /^E[A-Z]+$|^UND_ERR/.test(c)) ?? 'connection lost';
    return {
      kind: 'network',
      retryable: true,
      message: (n) => `The connection to ${url} broke (${why})${retriesText(n)} — the server or the network dropped it.`,
    };
  };

  // -- one attempt ---------------------------------------------------------------------------

  const buildBody = (req: ModelRequest, n: number): WireBody => {
    const body: WireBody = { model: cfg.model, messages: toOpenAIMessages(req.messages, cfg.imageDetail) };
    if (req.temperature !== undefined && !adapt.dropTemperature) body.temperature = req.temperature;
    if (n > 1) body.n = n;
    const maxTokens = req.maxTokens ?? cfg.maxTokens;
    if (maxTokens !== undefined) {
      if (adapt.useMaxCompletionTokens) body.max_completion_tokens = maxTokens;
      else body.max_tokens = maxTokens;
    }
    return body;
  };

  const attemptOnce = async (req: ModelRequest, n: number): Promise<AttemptResult> => {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, timeoutMs);
    const onAbort = (): void => ctl.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const interrupted = (): ModelError | AttemptFailure | undefined => {
      if (req.signal?.aborted) return cancelled();
      if (timedOut) {
        return new AttemptFailure({
          kind: 'timeout',
          retryable: false,
          message: () => `The model '${cfg.model}' at ${url} did not answer within ${formatSeconds(timeoutMs)} (the request time limit) — the endpoint is slow or stalled; raise the time limit or try again.`,
        });
      }
      return undefined;
    };
    const body = buildBody(req, n);
    const options = { signal: ctl.signal, maxRetries: 0 };
    try {
      if (req.signal?.aborted) throw cancelled();
      if (adapt.noStream) {
        const r = (await client.chat.completions.create({ ...body, stream: false }, options)) as unknown;
        const stop = interrupted();
        if (stop) throw stop;
        return fromCompletion(r);
      }
      const stream = await client.chat.completions.create(
        { ...body, stream: true, ...(adapt.dropStreamOptions ? {} : { stream_options: { include_usage: true } }) },
        options,
      );
      const texts: string[] = [];
      const bytes: number[] = [];
      const finishReasons: string[] = [];
      let usage: TokenUsage | undefined;
      let model = '';
      let events = 0;
      for await (const chunk of stream) {
        events++;
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
        for (const choice of chunk.choices ?? []) {
          const i = choice.index ?? 0;
          const piece = choice.delta?.content;
          if (typeof piece === 'string') {
            texts[i] = (texts[i] ?? '') + piece;
            bytes[i] = (bytes[i] ?? 0) + Buffer.byteLength(piece);
            if (bytes[i] > maxReplyBytes) {
              ctl.abort(); // stop the stream: the rest is never read
              throw new AttemptFailure(tooLarge('its text'));
            }
          } else if (texts[i] === undefined) texts[i] = '';
          if (choice.finish_reason) finishReasons[i] = choice.finish_reason;
        }
      }
      // The SDK ends the iteration quietly on abort: a cut-short stream is not an answer.
      const stop = interrupted();
      if (stop) throw stop;
      if (events === 0) {
        // A server that ignores `stream: true` answers with plain JSON, which holds no SSE events.
        throw new AttemptFailure({
          kind: 'server',
          retryable: false,
          adapt: 'noStream',
          message: () => `The endpoint ${url} answered a streaming request with no events — it may not support streaming.`,
        });
      }
      const count = Math.max(texts.length, 1);
      return {
        texts: Array.from({ length: count }, (_, i) => texts[i] ?? ''),
        finishReasons: Array.from({ length: count }, (_, i) => finishReasons[i] ?? ''),
        usage: usage ?? { promptTokens: 0, completionTokens: 0 },
        model: model || cfg.model,
      };
    } catch (err) {
      const stop = interrupted();
      if (stop) throw stop;
      if (err instanceof ModelError || err instanceof AttemptFailure) throw err;
      throw new AttemptFailure(classify(err));
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  };

  const fromCompletion = (r: unknown): AttemptResult => {
    const rec = isRecord(r) ? r : {};
    const choices = Array.isArray(rec.choices) ? (rec.choices as unknown[]) : undefined;
    if (!choices) {
      throw new AttemptFailure({
        kind: 'not-found',
        retryable: false,
        message: () => `The endpoint ${url} answered, but not with a chat completion — check that the base URL points at an OpenAI-compatible API (it usually ends in /v1).`,
      });
    }
    const texts: string[] = [];
    const finishReasons: string[] = [];
    choices.forEach((c, k) => {
      const choice = isRecord(c) ? c : {};
      const i = typeof choice.index === 'number' ? choice.index : k;
      const message = isRecord(choice.message) ? choice.message : {};
      texts[i] = contentToText(message.content);
      if (Buffer.byteLength(texts[i]) > maxReplyBytes) throw new AttemptFailure(tooLarge('its text'));
      finishReasons[i] = typeof choice.finish_reason === 'string' ? choice.finish_reason : '';
    });
    const usage = isRecord(rec.usage) ? rec.usage : {};
    const count = Math.max(texts.length, 1);
    return {
      texts: Array.from({ length: count }, (_, i) => texts[i] ?? ''),
      finishReasons: Array.from({ length: count }, (_, i) => finishReasons[i] ?? ''),
      usage: { promptTokens: numberOr0(usage.prompt_tokens), completionTokens: numberOr0(usage.completion_tokens) },
      model: typeof rec.model === 'string' && rec.model ? rec.model : cfg.model,
    };
  };

  // -- retries -------------------------------------------------------------------------------

  const withRetries = async (req: ModelRequest, n: number): Promise<AttemptResult & { retries: number }> => {
    let retries = 0;
    let adaptations = 0;
    for (;;) {
      let failure: Failure;
      try {
        const r = await attemptOnce(req, n);
        return { ...r, retries };
      } catch (err) {
        if (err instanceof ModelError) throw err;
        failure = err instanceof AttemptFailure ? err.failure : classify(err);
      }
      if (failure.adapt && !adapt[failure.adapt] && adaptations < 4) {
        adapt[failure.adapt] = true;
        adaptations++;
        continue;
      }
      if (!failure.retryable || retries >= maxRetries) {
        const wait = failure.retryAfterMs !== undefined ? ` (it asked to wait ${formatSeconds(failure.retryAfterMs)})` : '';
        throw new ModelError(failure.kind, failure.message(retries).replace(/\.$/, `${wait}.`), failure.status);
      }
      const fromRetryAfter = failure.retryAfterMs !== undefined;
      let delayMs: number;
      if (failure.retryAfterMs !== undefined) {
        if (failure.retryAfterMs > maxRetryDelayMs) {
          const when = new Date(Date.now() + failure.retryAfterMs);
          const statusText = failure.status ? ` (${failure.status})` : '';
          throw new ModelError(
            failure.kind,
            `The endpoint ${url} asks to wait ${formatSeconds(failure.retryAfterMs)} before retrying${statusText}, longer than the ${formatSeconds(maxRetryDelayMs)} RECODE waits — try again after ${when.toISOString().replace(/\.\d+Z$/, 'Z')}.`,
            failure.status,
          );
        }
        delayMs = failure.retryAfterMs;
      } else {
        const exp = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** retries);
        delayMs = Math.min(maxRetryDelayMs, Math.round(exp * (0.8 + Math.random() * 0.4)));
      }
      retries++;
      const what = failure.status ? `${failure.status} from the endpoint` : failure.kind === 'network' ? 'connection broke' : 'stream error';
      cfg.onRetry?.({
        retry: retries,
        maxRetries,
        delayMs,
        kind: failure.kind,
        status: failure.status,
        fromRetryAfter,
        message: `${what}; retrying in ${formatSeconds(delayMs)} (retry ${retries} of ${maxRetries})`,
      });
      await sleep(delayMs, req.signal, cancelled);
    }
  };

  // -- complete ------------------------------------------------------------------------------

  const complete = async (req: ModelRequest): Promise<OpenAIModelReply> => {
    const started = Date.now();
    if (req.signal?.aborted) throw cancelled();
    const n = Math.max(1, Math.floor(req.n ?? 1));
    if (n === 1 || cfg.supportsN) {
      const r = await withRetries(req, n);
      return { texts: r.texts, finishReasons: r.finishReasons, usage: r.usage, model: r.model, durationMs: Date.now() - started, failures: [], retries: r.retries };
    }
    // n requests, `concurrency` at a time; a failure that will repeat (auth, not found, bad
    // request) stops new ones from starting.
    const { ok, failures } = await requestEach(
      n,
      concurrency,
      req.signal,
      () => withRetries(req, 1),
      (err) => new ModelError('server', redact(errorText(err))),
      (e) => ['auth', 'not-found', 'bad-request', 'config', 'cancelled'].includes(e.kind),
    );
    if (req.signal?.aborted) throw cancelled();
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

// ---------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function numberOr0(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** A message's content as text: a string, null (→ ''), or an array of text parts. */
function contentToText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: unknown) => (isRecord(p) && typeof p.text === 'string' ? p.text : ''))
      .join('');
  }
  return '';
}

/** An error and its causes. */
function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 6 && isRecord(e); depth++) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

/** Error codes and messages along an error's `cause` chain (e.g. ECONNREFUSED, UND_ERR_SOCKET). */
function causeCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 6 && isRecord(e); depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.message === 'string' && /other side closed|terminated|socket hang up|ECONNRESET/i.test(e.message)) {
      codes.push(/ECONNRESET/.test(e.message) ? 'ECONNRESET' : 'connection closed');
    }
    e = e.cause;
  }
  return codes;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`;
}

function sleep(ms: number, signal: AbortSignal | undefined, cancelled: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(cancelled());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
