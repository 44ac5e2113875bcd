/**
 * The engine's ModelClient on VS Code's Language Model API (`vscode.lm`): GitHub Copilot's models
 * or any provider extension's, with no key of RECODE's own. Text is streamed; the run's cancel
 * (AbortSignal) cancels the request's CancellationToken; the `justification` is what VS Code's
 * consent prompt shows; N candidates are N requests (the API has no `n`); token counts come from
 * `countTokens`. Each failure becomes one ModelError with one clear sentence (lmConvert.ts).
 */
import * as vscode from 'vscode';
import type { ModelClient, ModelReply, ModelRequest, TokenUsage } from '../core/types';
import { ModelError } from '../core/types';
import { classifyLmError, toLmMessages, type LmMessage } from './lmConvert';
import { requestEach } from '../core/model/requestEach';

export const JUSTIFICATION =
  'RECODE sends the chart image you chose (and, while refining, its redraws) with instructions to this model, which writes matplotlib programs that redraw the chart; the answer is computed from the program.';

export interface LmModelOptions {
  /** Time limit of one request, streaming included. */
  timeoutMs: number;
  /** Back-off retries for Blocked / rate-limited requests. Default 3. */
  maxRetries?: number;
  /** First back-off delay, doubled each retry. Default 1000. */
  retryBaseMs?: number;
  /** Requests in flight at once for N candidates. Default 2. */
  concurrency?: number;
  onRetry?: (message: string) => void;
}

/** Whether a model takes images: true / false where the runtime says, undefined where it does not. */
export function acceptsImages(chat: vscode.LanguageModelChat): boolean | undefined {
  // Not in the stable typings of 1.106; VS Code's runtime object carries `capabilities.supportsImageToText`,
  // the provider side calls it `imageInput`.
  const caps = (chat as unknown as { capabilities?: { supportsImageToText?: unknown; imageInput?: unknown } }).capabilities;
  const v = caps?.supportsImageToText ?? caps?.imageInput;
  return typeof v === 'boolean' ? v : undefined;
}

/** 'GPT-4o (copilot/gpt-4o)' */
export function describeLmModel(chat: vscode.LanguageModelChat): string {
  return `${chat.name || chat.id} (${chat.vendor}/${chat.id}, VS Code Language Model API)`;
}

export function toVscodeMessages(messages: LmMessage[]): vscode.LanguageModelChatMessage[] {
  return messages.map((m) => {
    const parts = m.parts.map((p) => (p.kind === 'text' ? new vscode.LanguageModelTextPart(p.text) : vscode.LanguageModelDataPart.image(p.bytes, p.mime)));
    return m.role === 'user' ? vscode.LanguageModelChatMessage.User(parts) : vscode.LanguageModelChatMessage.Assistant(parts.filter((p): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart));
  });
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ModelError('cancelled', 'The model request was cancelled.'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new ModelError('cancelled', 'The model request was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function createLmModel(chat: vscode.LanguageModelChat, opts: LmModelOptions): ModelClient {
  const name = `'${chat.name || chat.id}'`;
  const maxRetries = opts.maxRetries ?? 3;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  /** Once a provider blocks RECODE past every retry, the run's further requests stop at once with the same reason. */
  let blocked: ModelError | undefined;

  const countTokens = async (what: string | vscode.LanguageModelChatMessage, token: vscode.CancellationToken): Promise<number> => {
    try {
      const n = await chat.countTokens(what, token);
      return Number.isFinite(n) ? n : 0;
    } catch {
      return 0;
    }
  };

  /** One request: the streamed text and its token counts. */
  const once = async (req: ModelRequest, messages: vscode.LanguageModelChatMessage[]): Promise<{ text: string; usage: TokenUsage }> => {
    const cts = new vscode.CancellationTokenSource();
    let timedOut = false;
    const onAbort = (): void => cts.cancel();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      cts.cancel();
    }, opts.timeoutMs);
    const interrupted = (): ModelError | undefined => {
      if (req.signal?.aborted) return new ModelError('cancelled', 'The model request was cancelled.');
      if (timedOut) return new ModelError('timeout', `The model ${name} did not answer within ${Math.round(opts.timeoutMs / 1000)} s (the request time limit "recode.requestTimeout").`);
      return undefined;
    };
    try {
      if (req.signal?.aborted) throw interrupted()!;
      const options: vscode.LanguageModelChatRequestOptions = { justification: JUSTIFICATION };
      if (req.temperature !== undefined) options.modelOptions = { temperature: req.temperature };
      const response = await chat.sendRequest(messages, options, cts.token);
      let text = '';
      for await (const piece of response.text) {
        text += piece;
        if (cts.token.isCancellationRequested) break;
      }
      const stop = interrupted();
      if (stop) throw stop;
      let prompt = 0;
      for (const m of messages) prompt += await countTokens(m, cts.token);
      const completion = text ? await countTokens(text, cts.token) : 0;
      return { text, usage: { promptTokens: prompt, completionTokens: completion } };
    } catch (e) {
      const stop = interrupted();
      if (stop) throw stop;
      if (e instanceof ModelError) throw e;
      const code = e instanceof vscode.LanguageModelError ? e.code : typeof (e as { code?: unknown })?.code === 'string' ? String((e as { code: string }).code) : undefined;
      const message = e instanceof Error ? e.message : String(e);
      const f = classifyLmError(name, code, message);
      const err = new ModelError(f.kind, f.message);
      (err as ModelError & { retryable?: boolean }).retryable = f.retryable;
      throw err;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  };

  const withRetries = async (req: ModelRequest, messages: vscode.LanguageModelChatMessage[]): Promise<{ text: string; usage: TokenUsage }> => {
    for (let retry = 0; ; retry++) {
      if (blocked) throw blocked;
      try {
        return await once(req, messages);
      } catch (e) {
        const err = e as ModelError & { retryable?: boolean };
        if (!err.retryable) throw err;
        if (retry >= maxRetries) {
          blocked = new ModelError(err.kind, `${err.message.replace(/[.\s]*$/, '')} — still after ${retry} ${retry === 1 ? 'retry' : 'retries'}; RECODE stopped asking it. Try again later or choose another model with "RECODE: Choose model".`);
          throw blocked;
        }
        const delay = retryBaseMs * 2 ** retry;
        opts.onRetry?.(`${err.message.replace(/[.\s]*$/, '')}; retrying in ${(delay / 1000).toFixed(1)} s (retry ${retry + 1} of ${maxRetries})`);
        await sleep(delay, req.signal);
      }
    }
  };

  const complete = async (req: ModelRequest): Promise<ModelReply> => {
    const started = Date.now();
    if (req.signal?.aborted) throw new ModelError('cancelled', 'The model request was cancelled.');
    let messages: vscode.LanguageModelChatMessage[];
    try {
      messages = toVscodeMessages(toLmMessages(req.messages));
    } catch (e) {
      throw new ModelError('bad-request', `Cannot send the request to ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const n = Math.max(1, Math.floor(req.n ?? 1));
    // n requests, `concurrency` at a time; a failure that will repeat stops new ones from starting.
    const { ok, failures } = await requestEach(
      n,
      concurrency,
      req.signal,
      () => withRetries(req, messages),
      (e) => new ModelError('server', e instanceof Error ? e.message : String(e)),
      (err) => err.kind !== 'server' && err.kind !== 'timeout',
    );
    if (req.signal?.aborted) throw new ModelError('cancelled', 'The model request was cancelled.');
    if (ok.length === 0) throw failures[0] ?? new ModelError('server', `The model ${name} returned nothing.`);
    return {
      texts: ok.map((r) => r.text),
      usage: ok.reduce<TokenUsage>((s, r) => ({ promptTokens: s.promptTokens + r.usage.promptTokens, completionTokens: s.completionTokens + r.usage.completionTokens }), { promptTokens: 0, completionTokens: 0 }),
      model: `${chat.vendor}/${chat.id}`,
      durationMs: Date.now() - started,
      failures: failures.map((f) => ({ message: f.message })),
    };
  };

  return { description: describeLmModel(chat), complete };
}
