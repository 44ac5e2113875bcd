/**
 * N requests for N candidates where a model client has no `n`: `concurrency` at a time, in order; a
 * failure that will repeat (`stops`) keeps new ones from starting, and a cancel stops them all.
 * Used by the OpenAI-compatible client (endpoints without `n`) and the VS Code Language Model client.
 */
import { ModelError } from '../types';

export async function requestEach<T>(
  n: number,
  concurrency: number,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
  toError: (e: unknown) => ModelError,
  stops: (e: ModelError) => boolean,
): Promise<{ ok: T[]; failures: ModelError[] }> {
  const results: Array<T | ModelError | undefined> = new Array(n).fill(undefined);
  let next = 0;
  let stopStarting = false;
  const worker = async (): Promise<void> => {
    while (!stopStarting && next < n && !signal?.aborted) {
      const i = next++;
      try {
        results[i] = await run();
      } catch (e) {
        const err = e instanceof ModelError ? e : toError(e);
        results[i] = err;
        if (stops(err)) stopStarting = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, () => worker()));
  return {
    ok: results.filter((r): r is T => r !== undefined && !(r instanceof ModelError)),
    failures: results.filter((r): r is ModelError => r instanceof ModelError),
  };
}
