/**
 * Request building for the OpenAI-compatible client: our messages in OpenAI's wire format, the
 * body of one chat completion request (with the changes an endpoint asked for, see Adaptations),
 * and the fetch whose answer bodies are capped.
 */
import type OpenAI from 'openai';
import type { ChatMessage, ModelRequest } from '../types';

export type WireMessage = OpenAI.ChatCompletionMessageParam;
export type WireBody = OpenAI.ChatCompletionCreateParamsNonStreaming;

/**
 * Changes to the request that an endpoint's 400 asked for (an unsupported parameter), each made
 * once and kept for the client's later requests.
 */
export interface Adaptations {
  useMaxCompletionTokens: boolean;
  dropTemperature: boolean;
  dropStreamOptions: boolean;
  noStream: boolean;
}

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

/** The body of one chat completion request for `n` completions. */
export function buildBody(
  cfg: { model: string; maxTokens?: number; imageDetail?: 'auto' | 'low' | 'high' },
  adapt: Adaptations,
  req: ModelRequest,
  n: number,
): WireBody {
  const body: WireBody = { model: cfg.model, messages: toOpenAIMessages(req.messages, cfg.imageDetail) };
  if (req.temperature !== undefined && !adapt.dropTemperature) body.temperature = req.temperature;
  if (n > 1) body.n = n;
  const maxTokens = req.maxTokens ?? cfg.maxTokens;
  if (maxTokens !== undefined) {
    if (adapt.useMaxCompletionTokens) body.max_completion_tokens = maxTokens;
    else body.max_tokens = maxTokens;
  }
  return body;
}

/** An answer's HTTP body passed its cap: thrown by the capped fetch, turned into a ModelError. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer passed ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** fetch, with each response body cut (the connection closed) once it passes `limit` bytes. */
export function cappedFetch(limit: number): typeof fetch {
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
