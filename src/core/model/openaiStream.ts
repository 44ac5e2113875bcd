/**
 * Reading a chat completion: the streamed events (SSE) as they come, each reply's text capped, or a
 * whole JSON completion from an endpoint that does not stream.
 */
import type OpenAI from 'openai';
import type { TokenUsage } from '../types';
import { AttemptFailure, isRecord, tooLarge, type EndpointNames } from './openaiErrors';

/** What one attempt brought back. */
export interface AttemptResult {
  texts: string[];
  finishReasons: string[];
  usage: TokenUsage;
  model: string;
}

/**
 * The texts of a streamed completion, one per choice. `stop` closes the stream when a reply passes
 * the cap (the rest is never read). `events` is 0 when the server sent none (it may have answered
 * with plain JSON, ignoring `stream: true`).
 */
export async function readStream(
  stream: AsyncIterable<OpenAI.ChatCompletionChunk>,
  names: EndpointNames,
  stop: () => void,
): Promise<{ result: AttemptResult; events: number }> {
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
        if (bytes[i] > names.maxReplyBytes) {
          stop();
          throw new AttemptFailure(tooLarge(names, 'its text'));
        }
      } else if (texts[i] === undefined) texts[i] = '';
      if (choice.finish_reason) finishReasons[i] = choice.finish_reason;
    }
  }
  return { result: collect(texts, finishReasons, usage ?? { promptTokens: 0, completionTokens: 0 }, model || names.model), events };
}

/** A whole (not streamed) chat completion, read defensively: the endpoint may answer anything. */
export function fromCompletion(r: unknown, names: EndpointNames): AttemptResult {
  const rec = isRecord(r) ? r : {};
  const choices = Array.isArray(rec.choices) ? (rec.choices as unknown[]) : undefined;
  if (!choices) {
    throw new AttemptFailure({
      kind: 'not-found',
      retryable: false,
      message: () => `The endpoint ${names.url} answered, but not with a chat completion — check that the base URL points at an OpenAI-compatible API (it usually ends in /v1).`,
    });
  }
  const texts: string[] = [];
  const finishReasons: string[] = [];
  choices.forEach((c, k) => {
    const choice = isRecord(c) ? c : {};
    const i = typeof choice.index === 'number' ? choice.index : k;
    const message = isRecord(choice.message) ? choice.message : {};
    texts[i] = contentToText(message.content);
    if (Buffer.byteLength(texts[i]) > names.maxReplyBytes) throw new AttemptFailure(tooLarge(names, 'its text'));
    finishReasons[i] = typeof choice.finish_reason === 'string' ? choice.finish_reason : '';
  });
  const usage = isRecord(rec.usage) ? rec.usage : {};
  return collect(
    texts,
    finishReasons,
    { promptTokens: numberOr0(usage.prompt_tokens), completionTokens: numberOr0(usage.completion_tokens) },
    typeof rec.model === 'string' && rec.model ? rec.model : names.model,
  );
}

/** At least one text; a choice the server skipped is ''. */
function collect(texts: string[], finishReasons: string[], usage: TokenUsage, model: string): AttemptResult {
  const count = Math.max(texts.length, 1);
  return {
    texts: Array.from({ length: count }, (_, i) => texts[i] ?? ''),
    finishReasons: Array.from({ length: count }, (_, i) => finishReasons[i] ?? ''),
    usage,
    model,
  };
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
