/**
 * A scripted OpenAI-compatible HTTP server for tests (node:http only, 127.0.0.1, ephemeral port).
 *
 * Each `POST …/chat/completions` takes the next step of a script: a completion (JSON, or SSE
 * chunks when the request streams), an HTTP error, a delay, a connection reset mid-stream, a stall
 * mid-stream, or a request that is never answered. Every request is recorded (body, headers, the
 * purpose marker of its first system message, its text and its number of images).
 *
 *   const server = await startScriptedServer({ script: byPurpose({ generate: [{ text: '```python …' }] }) });
 *
 * Hostile replies for robustness tests: `backtickFlood(bytes)`, `endlessStream()`,
 * `escapeSequenceAnswer()` (and the `flood` step they use).
 *   // … point the model client at server.url …
 *   await server.close();
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ModelPurpose } from '../../src/core/types';

// ---------------------------------------------------------------------------------------------
// Script types
// ---------------------------------------------------------------------------------------------

/** Token usage the server reports; `false` leaves usage out (servers that never send it). */
export type ScriptUsage = { prompt_tokens: number; completion_tokens: number } | false;

export type ScriptStep =
  /** One completion (n copies when the request asks for n > 1). */
  | { text: string; usage?: ScriptUsage; finishReason?: string }
  /** n completions, one per text. */
  | { texts: string[]; usage?: ScriptUsage; finishReason?: string }
  /** Any HTTP answer: errors (401, 404, 429 with Retry-After, 500, 503 …) or a raw 200 body. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Wait, then answer with `then` (a slow endpoint). */
  | { delayMs: number; then: ScriptStep }
  /** Send part of the answer, then destroy the socket (a connection reset mid-stream). */
  | { resetMidStream: true; text?: string }
  /** Send part of a streamed answer, then send nothing more while keeping the connection open. */
  | { stallMidStream: true; text?: string }
  /** Never answer. */
  | { hang: true }
  /**
   * A hostile flood: `unit` repeated, streamed as fast as the client reads (honouring
   * backpressure), `bytes` in all or endlessly. Streamed as SSE deltas of `perEvent` bytes (default
   * 4096), or with `oneEvent` as one SSE event that never ends its line; for a request that does not
   * stream, one JSON completion whose content is the flood.
   */
  | { flood: { unit: string; bytes?: number; perEvent?: number; oneEvent?: boolean } };

export interface RecordedRequest {
  /** 0-based order of arrival over all requests (including rejected ones). */
  seq: number;
  method: string;
  /** URL path, e.g. /v1/chat/completions. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (undefined for GET or an unparsable body). */
  body: ChatBody | undefined;
  /** From the `[recode:PURPOSE]` marker in the first system message. */
  purpose?: ModelPurpose;
  /** All text of all messages, joined with newlines. */
  text: string;
  /** Number of image parts over all messages. */
  images: number;
  /** The image URLs (data URLs) in order. */
  imageUrls: string[];
  model?: string;
  stream: boolean;
  n: number;
  /** Date.now() at arrival. */
  time: number;
  /** The HTTP status the server answered with (undefined while pending, for resets and hangs). */
  status?: number;
  /** Date.now() when a flood's last byte was written (undefined for other steps, or while flooding). */
  ended?: number;
}

export type ScriptFn = (req: RecordedRequest, index: number) => ScriptStep | Promise<ScriptStep>;

export interface ScriptedServerOptions {
  script: ScriptFn | ScriptStep[];
  /** When set, 401 unless `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** When set, 404 model_not_found for any other model; also what GET /v1/models lists. */
  models?: string[];
  /** Port to listen on (default: ephemeral). */
  port?: number;
}

export interface ScriptedServer {
  /** e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Only the chat completion requests. */
  chatRequests(): RecordedRequest[];
  close(): Promise<void>;
}

/** Loose shape of a chat completion body. */
export interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  n?: number;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

const PURPOSES: readonly ModelPurpose[] = ['generate', 'refine', 'critic', 'answer'];

// ---------------------------------------------------------------------------------------------
// Helpers for scripts
// ---------------------------------------------------------------------------------------------

/** Per-purpose scripts: an array is a queue consumed in order; a single step repeats forever. */
export type PurposeScript = ScriptStep[] | ScriptStep | ScriptFn;

/**
 * A ScriptFn that routes by `req.purpose`. When a queue runs out (or a request carries no known
 * purpose and there is no `other`), the server answers 500 with a message saying so.
 */
export function byPurpose(scripts: Partial<Record<ModelPurpose | 'other', PurposeScript>>): ScriptFn {
  const cursors = new Map<string, number>();
  return (req, index) => {
    const key = req.purpose ?? 'other';
    const script = scripts[key];
    if (script === undefined) {
      return errorStep(500, `scripted server: no script for purpose '${key}' (request #${index})`);
    }
    if (typeof script === 'function') return script(req, index);
    if (!Array.isArray(script)) return script;
    const at = cursors.get(key) ?? 0;
    cursors.set(key, at + 1);
    const step = script[at];
    if (step === undefined) {
      return errorStep(500, `scripted server: the '${key}' script ran out after ${script.length} step(s) (request #${index})`);
    }
    return step;
  };
}

/** An error answer in OpenAI's shape. */
export function errorStep(status: number, message: string, extra: { code?: string; type?: string; headers?: Record<string, string> } = {}): ScriptStep {
  return {
    status,
    body: { error: { message, type: extra.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), code: extra.code ?? null, param: null } },
    headers: extra.headers,
  };
}

/** A reply that is `bytes` of backticks (the pattern that made fence parsing quadratic), streamed. */
export function backtickFlood(bytes: number): ScriptStep {
  return { flood: { unit: '`', bytes } };
}

/** A stream that never ends: `unit` (default a line of Python-looking text) forever, as fast as it is read. */
export function endlessStream(unit = 'x = 1  # and more\n', opts: { oneEvent?: boolean } = {}): ScriptStep {
  return { flood: { unit, oneEvent: opts.oneEvent } };
}

/**
 * Terminal escape sequences a model could hide in text: set the window title, move the cursor up,
 * clear the line, and print a fake "written to" line in green.
 */
export const ESCAPES = '\x1b]0;pwned\x07\x1b[2A\x1b[2K\r\x1b[32mwritten to /tmp/fake/\x1b[0m\x9b31m\u202e';

/** An answer computation whose `answer` holds ESCAPES. */
export function escapeSequenceAnswer(): ScriptStep {
  return { text: '```python\nanswer = ' + JSON.stringify(`42${ESCAPES}`) + '\n```\nExplanation: \x1b[2Jcleared' };
}

/** Reads the `[recode:PURPOSE]` marker of the first system message. */
export function purposeOf(body: ChatBody | undefined): ModelPurpose | undefined {
  const first = body?.messages?.find((m) => m.role === 'system');
  if (!first) return undefined;
  const m = /\[recode:(generate|refine|critic|answer)\]/.exec(contentText(first.content));
  return m ? (m[1] as ModelPurpose) : undefined;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) => (isRecord(p) && p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .filter((s) => s !== '')
    .join('\n');
}

function contentImages(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  const urls: string[] = [];
  for (const p of content as unknown[]) {
    if (isRecord(p) && p.type === 'image_url' && isRecord(p.image_url) && typeof p.image_url.url === 'string') {
      urls.push(p.image_url.url);
    }
  }
  return urls;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Splits a text into up to `parts` deltas (at least one, even for ''). */
function splitDeltas(text: string, parts = 4): string[] {
  if (text.length === 0) return [''];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Deterministic default usage: 10 prompt tokens + 1 per 4 characters of prompt; 1 per 4 characters of output. */
function defaultUsage(req: RecordedRequest, texts: string[]): { prompt_tokens: number; completion_tokens: number } {
  return {
    prompt_tokens: 10 + Math.ceil(req.text.length / 4) + req.images * 85,
    completion_tokens: texts.reduce((s, t) => s + Math.ceil(t.length / 4), 0),
  };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

export async function startScriptedServer(opts: ScriptedServerOptions): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let scriptIndex = 0;
  let closed = false;
  const created = Math.floor(Date.now() / 1000);

  const scriptFn: ScriptFn = Array.isArray(opts.script)
    ? (() => {
        const steps = opts.script;
        return (_req, index) =>
          steps[index] ?? errorStep(500, `scripted server: the script ran out after ${steps.length} step(s) (request #${index})`);
      })()
    : opts.script;

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, 500, { error: { message: `scripted server: ${err instanceof Error ? err.message : String(err)}` } });
        } else {
          res.destroy();
        }
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.destroyed || res.writableEnded) return;
    const isString = typeof body === 'string';
    const text = isString ? body : JSON.stringify(body ?? {});
    res.writeHead(status, {
      'content-type': isString ? 'text/plain; charset=utf-8' : 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let body: ChatBody | undefined;
    if (raw.length > 0) {
      try {
        const parsed: unknown = JSON.parse(raw);
        body = isRecord(parsed) ? (parsed as ChatBody) : undefined;
      } catch {
        body = undefined;
      }
    }
    const messages = body?.messages ?? [];
    const imageUrls = messages.flatMap((m) => contentImages(m.content));
    const rec: RecordedRequest = {
      seq: requests.length,
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body,
      purpose: purposeOf(body),
      text: messages.map((m) => contentText(m.content)).filter((t) => t !== '').join('\n'),
      images: imageUrls.length,
      imageUrls,
      model: typeof body?.model === 'string' ? body.model : undefined,
      stream: body?.stream === true,
      n: typeof body?.n === 'number' ? body.n : 1,
      time: Date.now(),
    };
    requests.push(rec);
    const reply = (status: number, payload: unknown, headers?: Record<string, string>): void => {
      rec.status = status;
      sendJson(res, status, payload, headers);
    };

    // Recorded requests, for rigs that run the server in another process (image data left out).
    if (req.method === 'GET' && path === '/_recode/requests') {
      requests.pop();
      reply(200, requests.map(summarize));
      return;
    }
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      const sent = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      // Echoes what was sent (as some real servers do) so tests can check that clients redact it.
      reply(401, {
        error: { message: `Incorrect API key provided: ${sent || '(none)'}.`, type: 'invalid_request_error', code: 'invalid_api_key', param: null },
      });
      return;
    }
    if (req.method === 'GET' && /\/models\/?$/.test(path)) {
      const ids = opts.models ?? ['scripted-model'];
      reply(200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'recode-test' })) });
      return;
    }
    if (req.method !== 'POST' || !/\/chat\/completions\/?$/.test(path)) {
      reply(404, { error: { message: `scripted server: no route for ${req.method} ${path}`, type: 'invalid_request_error', code: null } });
      return;
    }
    if (body === undefined) {
      reply(400, { error: { message: 'scripted server: the body is not a JSON object', type: 'invalid_request_error', code: null } });
      return;
    }
    if (opts.models !== undefined && (rec.model === undefined || !opts.models.includes(rec.model))) {
      reply(404, {
        error: { message: `The model '${rec.model ?? ''}' does not exist or you do not have access to it.`, type: 'invalid_request_error', code: 'model_not_found', param: null },
      });
      return;
    }
    const index = scriptIndex++;
    const step = await scriptFn(rec, index);
    serve(step, rec, res);
  }

  function serve(step: ScriptStep, rec: RecordedRequest, res: http.ServerResponse): void {
    if (closed || res.destroyed) return;
    if ('delayMs' in step) {
      later(step.delayMs, () => serve(step.then, rec, res));
      return;
    }
    if ('hang' in step) return;
    if ('flood' in step) {
      rec.status = 200;
      flood(step.flood, rec, res);
      return;
    }
    if ('status' in step) {
      rec.status = step.status;
      sendJson(res, step.status, step.body ?? {}, step.headers);
      return;
    }
    if ('resetMidStream' in step || 'stallMidStream' in step) {
      const text = step.text ?? 'partial answer that never finishes because the connection breaks';
      const reset = 'resetMidStream' in step;
      if (rec.stream) {
        startSse(res);
        const deltas = splitDeltas(text);
        const half = deltas.slice(0, Math.max(1, Math.floor(deltas.length / 2)));
        half.forEach((d, i) => writeSse(res, chunk(rec, [{ index: 0, delta: i === 0 ? { role: 'assistant', content: d } : { content: d }, finish_reason: null }])));
      } else {
        const full = JSON.stringify(completion(rec, [text], false, 'stop'));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(full)) });
        res.write(full.slice(0, Math.floor(full.length / 2)));
      }
      if (reset) later(30, () => res.socket?.destroy());
      return;
    }
    const texts = 'texts' in step ? step.texts : Array.from({ length: Math.max(1, rec.n) }, () => step.text);
    const finish = step.finishReason ?? 'stop';
    const usage = step.usage === undefined ? defaultUsage(rec, texts) : step.usage;
    rec.status = 200;
    if (!rec.stream) {
      sendJson(res, 200, completion(rec, texts, usage, finish));
      return;
    }
    startSse(res);
    const perChoice = texts.map((t) => splitDeltas(t));
    const rounds = Math.max(...perChoice.map((d) => d.length));
    for (let r = 0; r < rounds; r++) {
      const choices = perChoice.flatMap((deltas, index) => {
        const d = deltas[r];
        if (d === undefined) return [];
        return [{ index, delta: r === 0 ? { role: 'assistant', content: d } : { content: d }, finish_reason: null }];
      });
      writeSse(res, chunk(rec, choices));
    }
    writeSse(res, chunk(rec, texts.map((_, index) => ({ index, delta: {}, finish_reason: finish }))));
    const wantsUsage = rec.body?.stream_options?.include_usage === true;
    if (wantsUsage && usage !== false) writeSse(res, { ...chunk(rec, []), usage: withTotal(usage) });
    res.end('data: [DONE]\n\n');
  }

  function flood(f: { unit: string; bytes?: number; perEvent?: number; oneEvent?: boolean }, rec: RecordedRequest, res: http.ServerResponse): void {
    const per = Math.max(1, f.perEvent ?? 4096);
    const piece = f.unit.repeat(Math.max(1, Math.ceil(per / Math.max(1, Buffer.byteLength(f.unit)))));
    let sent = 0;
    let head: string;
    let part: (s: string) => string;
    let tail: string;
    if (rec.stream && !f.oneEvent) {
      startSse(res);
      head = '';
      part = (s) => `data: ${JSON.stringify(chunk(rec, [{ index: 0, delta: { content: s }, finish_reason: null }]))}\n\n`;
      tail = `data: ${JSON.stringify(chunk(rec, [{ index: 0, delta: {}, finish_reason: 'stop' }]))}\n\ndata: [DONE]\n\n`;
    } else {
      // one JSON string that never ends (or ends after `bytes`): as SSE, one event with no end of line
      if (rec.stream) startSse(res);
      else res.writeHead(200, { 'content-type': 'application/json' });
      const open = JSON.stringify(rec.stream ? chunk(rec, [{ index: 0, delta: { content: '' }, finish_reason: null }]) : completion(rec, [''], false, 'stop'));
      const at = open.indexOf('"content":""') + '"content":"'.length;
      head = (rec.stream ? 'data: ' : '') + open.slice(0, at);
      part = (s) => JSON.stringify(s).slice(1, -1);
      tail = open.slice(at) + (rec.stream ? '\n\ndata: [DONE]\n\n' : '');
    }
    if (head) res.write(head);
    const pump = (): void => {
      while (!closed && !res.destroyed) {
        if (f.bytes !== undefined && sent >= f.bytes) {
          res.end(tail);
          rec.ended = Date.now();
          return;
        }
        const s = f.bytes !== undefined && f.bytes - sent < piece.length ? piece.slice(0, f.bytes - sent) : piece;
        sent += s.length;
        if (!res.write(part(s))) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  function startSse(res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
  }

  function writeSse(res: http.ServerResponse, data: unknown): void {
    if (!res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  function chunk(rec: RecordedRequest, choices: unknown[]): Record<string, unknown> {
    return { id: `chatcmpl-scripted-${rec.seq}`, object: 'chat.completion.chunk', created, model: rec.model ?? 'scripted-model', choices };
  }

  function completion(rec: RecordedRequest, texts: string[], usage: ScriptUsage, finish: string): Record<string, unknown> {
    return {
      id: `chatcmpl-scripted-${rec.seq}`,
      object: 'chat.completion',
      created,
      model: rec.model ?? 'scripted-model',
      choices: texts.map((content, index) => ({ index, message: { role: 'assistant', content }, finish_reason: finish, logprobs: null })),
      ...(usage === false ? {} : { usage: withTotal(usage) }),
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.method === 'POST' && /\/chat\/completions\/?$/.test(r.path)),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
    },
  };
}

function withTotal(u: { prompt_tokens: number; completion_tokens: number }): Record<string, number> {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.prompt_tokens + u.completion_tokens };
}

/** A request without headers' secrets and image data, for logs and the /_recode/requests route. */
export function summarize(r: RecordedRequest): Record<string, unknown> {
  return {
    seq: r.seq,
    method: r.method,
    path: r.path,
    purpose: r.purpose,
    model: r.model,
    stream: r.stream,
    n: r.n,
    images: r.images,
    text: r.text,
    time: r.time,
    status: r.status,
    temperature: r.body?.temperature,
  };
}

export { PURPOSES };
