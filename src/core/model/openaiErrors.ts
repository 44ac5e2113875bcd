/**
 * What went wrong with a request to an OpenAI-compatible endpoint, in one sentence saying what to
 * do: every failure of an attempt is classified (kind, status, whether a retry can help, whether a
 * changed request can), and no message carries the API key (`redactor`).
 */
import { APIConnectionError, APIError } from 'openai';
import type { ModelErrorKind } from '../types';
import { BodyTooLargeError, type Adaptations } from './openaiRequest';

/** A failed attempt, before it becomes a ModelError. */
export interface Failure {
  kind: ModelErrorKind;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  /** The message, given how many retries were made. */
  message(retries: number): string;
  /** A 400 that a changed request may fix (unsupported parameter); applied once, not a retry. */
  adapt?: keyof Adaptations;
}

/** An attempt that failed with a classified Failure. */
export class AttemptFailure extends Error {
  constructor(readonly failure: Failure) {
    super('attempt failed');
  }
}

/** What the messages name: the endpoint (display URL), the model, what to do about a rejected key. */
export interface EndpointNames {
  url: string;
  model: string;
  keyHint: string;
  maxReplyBytes: number;
  redact: (s: string) => string;
}

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

/** Replaces the given keys, anything shaped like an OpenAI key and every Bearer token with [redacted]. */
export function redactor(keys: string[]): (s: string) => string {
  return (s) => {
    let out = s;
    for (const k of keys) out = out.split(k).join('[redacted]');
    return out.replace(/\b(sk-[A-Za-z0-9_*.-]{6,})/g, '[redacted]').replace(/(Bearer\s+)\S+/gi, '$1[redacted]');
  };
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

/** e.g. '1 MB', '64 KB', '300 bytes'. */
export function formatBytes(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000} MB`;
  if (n >= 1000 && n % 100 === 0) return `${n / 1000} KB`;
  return `${n} bytes`;
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`;
}

export const retriesText = (n: number): string => (n === 0 ? '' : ` after ${n} ${n === 1 ? 'retry' : 'retries'}`);

/** A reply that passed the size cap: never retried. */
export function tooLarge(names: EndpointNames, what: string): Failure {
  return {
    kind: 'server',
    retryable: false,
    message: () =>
      `The model's reply was stopped: ${what} passed the ${formatBytes(names.maxReplyBytes)} limit (a program is a few KB; RECODE_MAX_REPLY_BYTES raises it) — the model or the endpoint is misbehaving; it was not retried.`,
  };
}

function serverSays(err: APIError, redact: (s: string) => string): string {
  const raw = typeof err.message === 'string' ? err.message : '';
  const text = raw.replace(/^\d{3}\s+/, '').replace(/^status code \(no body\)$/, '').replace(/\s+/g, ' ').trim();
  const clipped = text.length > 300 ? `${text.slice(0, 297)}…` : text;
  return redact(clipped);
}

/** An attempt's error as a Failure; `adapt` says which request changes were already made. */
export function classify(err: unknown, names: EndpointNames, adapt: Adaptations): Failure {
  const { url, redact } = names;
  if (err instanceof AttemptFailure) return err.failure;
  if (causeChain(err).some((e) => e instanceof BodyTooLargeError)) return tooLarge(names, 'the answer sent by the endpoint');
  if (err instanceof APIError && !(err instanceof APIConnectionError) && err.status !== undefined) {
    return httpFailure(err, err.status, names, adapt);
  }
  if (err instanceof APIError && !(err instanceof APIConnectionError)) {
    // An error event inside a stream.
    const says = serverSays(err, redact);
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
  return connectionFailure(err, url);
}

/** An HTTP error status from the endpoint. */
function httpFailure(err: APIError, status: number, names: EndpointNames, adapt: Adaptations): Failure {
  const { url, model, keyHint, redact } = names;
  const says = serverSays(err, redact);
  const colonSays = says ? `: ${says}` : '';
  if (status === 401) {
    return { kind: 'auth', status, retryable: false, message: () => `The endpoint ${url} rejected the API key (401) — ${keyHint}.` };
  }
  if (status === 403) {
    return {
      kind: 'auth',
      status,
      retryable: false,
      message: () => `The endpoint ${url} refused access (403) to model '${model}'${colonSays} — the API key lacks access to this model or endpoint.`,
    };
  }
  if (status === 404) {
    return {
      kind: 'not-found',
      status,
      retryable: false,
      message: () => `Model '${model}' was not found at ${url} (404)${colonSays} — either the model name or the base URL is wrong.`,
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
      `The endpoint ${url} rejected the request to model '${model}' (${status})${colonSays}` +
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

/**
 * Connection errors: the SDK wraps fetch failures in APIConnectionError; a stream cut midway
 * throws undici's TypeError('terminated').
 */
function connectionFailure(err: unknown, url: string): Failure {
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
    return { kind: 'network', retryable: false, message: () => `Could not open a secure connection to ${url} (${certificate}).` };
  }
  const why = codes.find((c) => /^E[A-Z]+$|^UND_ERR/.test(c)) ?? 'connection lost';
  return {
    kind: 'network',
    retryable: true,
    message: (n) => `The connection to ${url} broke (${why})${retriesText(n)} — the server or the network dropped it.`,
  };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
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
  for (const e of causeChain(err) as Record<string, unknown>[]) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.message === 'string' && /other side closed|terminated|socket hang up|ECONNRESET/i.test(e.message)) {
      codes.push(/ECONNRESET/.test(e.message) ? 'ECONNRESET' : 'connection closed');
    }
  }
  return codes;
}
