/**
 * Time limits and retries for the OpenAI-compatible client: one attempt runs under its own time
 * limit (a stalled stream hits it too) and the caller's cancel; a failed attempt is retried with
 * exponential backoff and jitter, honouring Retry-After, when its Failure says a retry can help;
 * a 400 that a changed request can fix is tried again once with that change.
 */
import { ModelError, type ModelErrorKind } from '../types';
import { AttemptFailure, formatSeconds, type Failure } from './openaiErrors';
import type { Adaptations } from './openaiRequest';

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

export const cancelledError = (): ModelError => new ModelError('cancelled', 'The model request was cancelled.');

/**
 * Runs one attempt under a time limit. `run` gets the attempt's signal (aborted on the time limit
 * or the caller's cancel) and `stop` to abort it itself. A cancel throws ModelError('cancelled'),
 * the time limit the Failure `timeout()` makes; any other error becomes the Failure `classify` makes.
 */
export async function timeLimited<T>(
  o: { timeoutMs: number; signal?: AbortSignal; timeout: () => Failure; classify: (err: unknown) => Failure },
  run: (signal: AbortSignal, stop: () => void) => Promise<T>,
): Promise<T> {
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, o.timeoutMs);
  const onAbort = (): void => ctl.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // The SDK ends a stream's iteration quietly on abort: a cut-short answer is not an answer.
  const interrupted = (): ModelError | AttemptFailure | undefined => {
    if (o.signal?.aborted) return cancelledError();
    if (timedOut) return new AttemptFailure(o.timeout());
    return undefined;
  };
  try {
    if (o.signal?.aborted) throw cancelledError();
    const r = await run(ctl.signal, () => ctl.abort());
    const stop = interrupted();
    if (stop) throw stop;
    return r;
  } catch (err) {
    const stop = interrupted();
    if (stop) throw stop;
    if (err instanceof ModelError || err instanceof AttemptFailure) throw err;
    throw new AttemptFailure(o.classify(err));
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

export interface RetryPolicy {
  maxRetries: number;
  /** First backoff delay; doubles each retry, with ±20 % jitter. */
  retryBaseMs: number;
  /** The longest wait before a retry; a Retry-After beyond it fails at once. */
  maxRetryDelayMs: number;
  /** The endpoint, for messages. */
  url: string;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * `attempt` until it succeeds, or fails in a way a retry cannot help, or the retries run out; the
 * last failure is thrown as a ModelError. `adapt` records the request changes made (at most 4).
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  o: { policy: RetryPolicy; adapt: Adaptations; classify: (err: unknown) => Failure; signal?: AbortSignal },
): Promise<T & { retries: number }> {
  const { maxRetries, maxRetryDelayMs, retryBaseMs, url } = o.policy;
  let retries = 0;
  let adaptations = 0;
  for (;;) {
    let failure: Failure;
    try {
      const r = await attempt();
      return { ...r, retries };
    } catch (err) {
      if (err instanceof ModelError) throw err;
      failure = err instanceof AttemptFailure ? err.failure : o.classify(err);
    }
    if (failure.adapt && !o.adapt[failure.adapt] && adaptations < 4) {
      o.adapt[failure.adapt] = true;
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
    o.policy.onRetry?.({
      retry: retries,
      maxRetries,
      delayMs,
      kind: failure.kind,
      status: failure.status,
      fromRetryAfter,
      message: `${what}; retrying in ${formatSeconds(delayMs)} (retry ${retries} of ${maxRetries})`,
    });
    await sleep(delayMs, o.signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(cancelledError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
