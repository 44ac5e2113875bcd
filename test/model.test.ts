/**
 * The real `openai` client (through createOpenAIModel) against the scripted OpenAI-compatible
 * server on 127.0.0.1: completions, images, streaming, n, usage, errors, retries, time limits,
 * cancellation; and the configuration from the environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createOpenAIModel, parseRetryAfter, type OpenAIModelConfig, type OpenAIModelReply, type RetryInfo } from '../src/core/model/openaiModel';
import { describeModel, isLocalBaseURL, modelConfigFromEnv } from '../src/core/model/config';
import { ModelError, type ChatMessage, type ModelPurpose, type ModelRequest } from '../src/core/types';
import { byPurpose, errorStep, startScriptedServer, type ScriptFn, type ScriptStep, type ScriptedServer } from './support/scriptedServer';

const KEY = 'sk-test-SECRET-0123456789abcdef';
const MODEL = 'scripted-vision';
// A 1×1 PNG.
const DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function messages(purpose: ModelPurpose = 'generate', withImage = false): ChatMessage[] {
  return [
    { role: 'system', content: `[recode:${purpose}] You write matplotlib programs.` },
    {
      role: 'user',
      content: withImage
        ? [
            { type: 'text', text: 'Redraw this chart.' },
            { type: 'image', dataUrl: DATA_URL },
          ]
        : 'Redraw this chart.',
    },
  ];
}

function request(extra: Partial<ModelRequest> = {}): ModelRequest {
  return { purpose: 'generate', messages: messages(extra.purpose ?? 'generate'), ...extra };
}

/** Starts a server, runs fn with a client configured for it, always closes the server. */
async function withServer(
  script: ScriptFn | ScriptStep[],
  cfg: Partial<OpenAIModelConfig>,
  fn: (s: ScriptedServer, model: ReturnType<typeof createOpenAIModel>, retries: RetryInfo[]) => Promise<void>,
  serverOpts: { apiKey?: string; models?: string[] } = {},
): Promise<void> {
  const server = await startScriptedServer({ script, ...serverOpts });
  const retries: RetryInfo[] = [];
  try {
    const model = createOpenAIModel({
      baseURL: server.url,
      model: MODEL,
      apiKey: KEY,
      retryBaseMs: 20,
      timeoutMs: 5000,
      onRetry: (r) => retries.push(r),
      ...cfg,
    });
    await fn(server, model, retries);
  } finally {
    await server.close();
  }
}

async function rejectsWith(p: Promise<unknown>, kind: string): Promise<ModelError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ModelError, `expected a ModelError, got ${String(err)}`);
    assert.equal(err.kind, kind, `kind ${err.kind}: ${err.message}`);
    assert.ok(!err.message.includes(KEY), `the key leaked into: ${err.message}`);
    assert.ok(!err.message.includes('SECRET'), `part of the key leaked into: ${err.message}`);
    return err;
  }
  assert.fail(`expected a '${kind}' ModelError, but the request succeeded`);
}

// ---------------------------------------------------------------------------------------------
// Completions
// ---------------------------------------------------------------------------------------------

test('plain (non-streaming) completion returns the text, the model and the usage', async () => {
  await withServer([{ text: 'plt.bar([1,2],[3,4])', usage: { prompt_tokens: 120, completion_tokens: 7 } }], { stream: false }, async (s, model) => {
    const reply = await model.complete(request({ temperature: 0.7, maxTokens: 500 }));
    assert.deepEqual(reply.texts, ['plt.bar([1,2],[3,4])']);
    assert.deepEqual(reply.usage, { promptTokens: 120, completionTokens: 7 });
    assert.equal(reply.model, MODEL);
    const [r] = s.chatRequests();
    assert.ok(r);
    assert.equal(r.stream, false);
    assert.equal(r.purpose, 'generate');
    assert.equal(r.body?.temperature, 0.7);
    assert.equal(r.body?.max_tokens, 500);
    assert.equal(r.headers.authorization, `Bearer ${KEY}`);
  });
});

test('image parts are sent as image_url parts holding the data URL', async () => {
  await withServer([{ text: 'ok' }], {}, async (s, model) => {
    await model.complete({ purpose: 'generate', messages: messages('generate', true) });
    const [r] = s.chatRequests();
    assert.ok(r);
    assert.equal(r.images, 1);
    assert.deepEqual(r.imageUrls, [DATA_URL]);
    const user = r.body?.messages?.[1];
    assert.deepEqual(user?.content, [
      { type: 'text', text: 'Redraw this chart.' },
      { type: 'image_url', image_url: { url: DATA_URL } },
    ]);
    assert.match(r.text, /Redraw this chart/);
  });
});

test('a streamed completion is aggregated from its deltas, with usage from the final chunk', async () => {
  const program = 'import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.bar(["a", "b"], [3, 5])\n';
  await withServer([{ text: program, usage: { prompt_tokens: 50, completion_tokens: 20 } }], {}, async (s, model) => {
    const reply = await model.complete(request());
    assert.deepEqual(reply.texts, [program]);
    assert.deepEqual(reply.finishReasons, ['stop']);
    assert.deepEqual(reply.usage, { promptTokens: 50, completionTokens: 20 });
    const [r] = s.chatRequests();
    assert.equal(r?.stream, true);
    assert.deepEqual(r?.body?.stream_options, { include_usage: true });
  });
});

test('a server that sends no usage counts 0 tokens, streaming or not', async () => {
  await withServer([{ text: 'a', usage: false }, { text: 'b', usage: false }], {}, async (_s, model) => {
    assert.deepEqual((await model.complete(request())).usage, { promptTokens: 0, completionTokens: 0 });
  });
  await withServer([{ text: 'a', usage: false }], { stream: false }, async (_s, model) => {
    assert.deepEqual((await model.complete(request())).usage, { promptTokens: 0, completionTokens: 0 });
  });
});

test('n candidates without supportsN: one request each, usage summed', async () => {
  const step = (t: string): ScriptStep => ({ text: t, usage: { prompt_tokens: 100, completion_tokens: 10 } });
  await withServer([step('one'), step('two'), step('three')], {}, async (s, model) => {
    const reply = await model.complete(request({ n: 3, temperature: 0.8 }));
    assert.deepEqual([...reply.texts].sort(), ['one', 'three', 'two']);
    assert.deepEqual(reply.usage, { promptTokens: 300, completionTokens: 30 });
    const reqs = s.chatRequests();
    assert.equal(reqs.length, 3);
    for (const r of reqs) assert.equal(r.body?.n, undefined);
  });
});

test('n candidates with supportsN: one request with n, streaming and not', async () => {
  for (const stream of [true, false]) {
    await withServer([{ texts: ['A', 'BB', 'CCC'], usage: { prompt_tokens: 100, completion_tokens: 6 } }], { supportsN: true, stream }, async (s, model) => {
      const reply = await model.complete(request({ n: 3 }));
      assert.deepEqual(reply.texts, ['A', 'BB', 'CCC'], `stream=${stream}`);
      assert.deepEqual(reply.usage, { promptTokens: 100, completionTokens: 6 });
      const reqs = s.chatRequests();
      assert.equal(reqs.length, 1);
      assert.equal(reqs[0]?.body?.n, 3);
    });
  }
});

test('an empty completion comes back as an empty string (streamed, and null content)', async () => {
  await withServer([{ text: '' }], {}, async (_s, model) => {
    assert.deepEqual((await model.complete(request())).texts, ['']);
  });
  const nullContent = {
    status: 200,
    body: { id: 'x', object: 'chat.completion', created: 0, model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }] },
  };
  await withServer([nullContent], { stream: false }, async (_s, model) => {
    assert.deepEqual((await model.complete(request())).texts, ['']);
  });
});

test('when some of n requests fail for good, the others are returned with the failures listed', async () => {
  const script: ScriptFn = (_req, i) => (i === 1 ? errorStep(500, 'boom') : { text: `c${i}` });
  await withServer(script, { maxRetries: 0, concurrency: 1 }, async (_s, model) => {
    const reply: OpenAIModelReply = await model.complete(request({ n: 3 }));
    assert.deepEqual(reply.texts, ['c0', 'c2']);
    assert.equal(reply.failures.length, 1);
    assert.equal(reply.failures[0]?.kind, 'server');
  });
});

// ---------------------------------------------------------------------------------------------
// Errors that are never retried
// ---------------------------------------------------------------------------------------------

test('401: auth error at once, no retry, says how to set the key, and never shows it', async () => {
  await withServer([{ text: 'never' }], { apiKey: 'sk-wrong-SECRET-key-000000' }, async (s, model) => {
    const err = await rejectsWith(model.complete(request()), 'auth');
    assert.equal(err.status, 401);
    assert.match(err.message, /rejected the API key \(401\)/);
    assert.match(err.message, /RECODE_API_KEY/);
    assert.ok(!err.message.includes('sk-wrong-SECRET-key-000000'));
    assert.equal(s.chatRequests().length, 1, 'a 401 is not retried');
  }, { apiKey: KEY });
});

test('the server echoing the key in an error does not put it in our message', async () => {
  await withServer([errorStep(400, `Invalid request with key ${KEY}`)], {}, async (_s, model) => {
    const err = await rejectsWith(model.complete(request()), 'bad-request');
    assert.match(err.message, /\[redacted\]/);
  });
  const model = createOpenAIModel({ baseURL: 'https://user:pw@example.invalid/v1?key=abc', model: 'm', apiKey: KEY });
  assert.equal(model.description, 'm @ https://example.invalid/v1');
});

test('403: auth error, not retried', async () => {
  await withServer([errorStep(403, 'Project does not have access to model')], {}, async (s, model) => {
    const err = await rejectsWith(model.complete(request()), 'auth');
    assert.match(err.message, /403/);
    assert.match(err.message, /does not have access/);
    assert.equal(s.chatRequests().length, 1);
  });
});

test('404: not-found naming the model and the base URL, not retried', async () => {
  await withServer([{ text: 'never' }], { model: 'gpt-4-vision-typo' }, async (s, model) => {
    const err = await rejectsWith(model.complete(request()), 'not-found');
    assert.match(err.message, /gpt-4-vision-typo/);
    assert.ok(err.message.includes(s.url), err.message);
    assert.match(err.message, /model name or the base URL is wrong/);
    assert.equal(s.chatRequests().length, 1);
  }, { models: [MODEL] });
});

test('400: bad-request with the server\'s message (a model that takes no images)', async () => {
  await withServer([errorStep(400, 'This model does not support image inputs.')], {}, async (s, model) => {
    const err = await rejectsWith(model.complete({ purpose: 'generate', messages: messages('generate', true) }), 'bad-request');
    assert.match(err.message, /does not support image inputs/);
    assert.match(err.message, /multimodal model/);
    assert.equal(s.chatRequests().length, 1);
  });
});

test('an endpoint that answers with something that is not a completion is reported, not read as empty', async () => {
  await withServer([{ status: 200, body: '<html>Welcome</html>', headers: { 'content-type': 'text/html' } }], { stream: false }, async (_s, model) => {
    const err = await rejectsWith(model.complete(request()), 'not-found');
    assert.match(err.message, /not with a chat completion/);
  });
});

test('connection refused: network error at once, not retried', async () => {
  const s = await startScriptedServer({ script: [] });
  const url = s.url;
  await s.close();
  const retries: RetryInfo[] = [];
  const model = createOpenAIModel({ baseURL: url, model: MODEL, retryBaseMs: 20, onRetry: (r) => retries.push(r) });
  const err = await rejectsWith(model.complete(request()), 'network');
  assert.match(err.message, /connection refused/);
  assert.equal(retries.length, 0);
});

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

test('429 with Retry-After: 1 waits about a second, then succeeds', async () => {
  await withServer([errorStep(429, 'Rate limit reached', { headers: { 'retry-after': '1' } }), { text: 'after wait' }], {}, async (s, model, retries) => {
    const reply = await model.complete(request());
    assert.deepEqual(reply.texts, ['after wait']);
    assert.equal(reply.retries, 1);
    const [a, b] = s.chatRequests();
    assert.ok(a && b);
    assert.ok(b.time - a.time >= 950, `waited only ${b.time - a.time} ms`);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.delayMs, 1000);
    assert.equal(retries[0]?.fromRetryAfter, true);
    assert.equal(retries[0]?.status, 429);
  });
});

test('429 with retry-after-ms is honoured', async () => {
  await withServer([errorStep(429, 'slow down', { headers: { 'retry-after-ms': '150' } }), { text: 'ok' }], {}, async (_s, model, retries) => {
    assert.deepEqual((await model.complete(request())).texts, ['ok']);
    assert.equal(retries[0]?.delayMs, 150);
  });
});

test('429 without Retry-After: exponential backoff, then success', async () => {
  const steps: ScriptStep[] = [errorStep(429, 'busy'), errorStep(429, 'busy'), { text: 'finally' }];
  await withServer(steps, { retryBaseMs: 40 }, async (s, model, retries) => {
    const reply = await model.complete(request());
    assert.deepEqual(reply.texts, ['finally']);
    assert.equal(s.chatRequests().length, 3);
    assert.equal(retries.length, 2);
    // 40 ms then 80 ms, each ±20 %.
    assert.ok(retries[0]!.delayMs >= 32 && retries[0]!.delayMs <= 48, `first delay ${retries[0]!.delayMs}`);
    assert.ok(retries[1]!.delayMs >= 64 && retries[1]!.delayMs <= 96, `second delay ${retries[1]!.delayMs}`);
    assert.equal(retries[0]?.fromRetryAfter, false);
  });
});

test('a Retry-After longer than the cap fails at once with a rate-limit error saying when', async () => {
  await withServer([errorStep(429, 'quota', { headers: { 'retry-after': '3600' } }), { text: 'never' }], {}, async (s, model) => {
    const started = Date.now();
    const err = await rejectsWith(model.complete(request()), 'rate-limit');
    assert.ok(Date.now() - started < 1000);
    assert.match(err.message, /wait 3600 s/);
    assert.match(err.message, /try again after \d{4}-\d\d-\d\dT/);
    assert.equal(s.chatRequests().length, 1);
  });
});

test('500 then 503 then success', async () => {
  await withServer([errorStep(500, 'oops'), errorStep(503, 'overloaded'), { text: 'fine' }], {}, async (s, model, retries) => {
    const reply = await model.complete(request());
    assert.deepEqual(reply.texts, ['fine']);
    assert.equal(reply.retries, 2);
    assert.deepEqual(retries.map((r) => r.status), [500, 503]);
    assert.equal(s.chatRequests().length, 3);
  });
});

test('a persistent 500 is a server error after maxRetries', async () => {
  const always500: ScriptFn = () => errorStep(500, 'internal failure');
  await withServer(always500, { maxRetries: 2 }, async (s, model) => {
    const err = await rejectsWith(model.complete(request()), 'server');
    assert.equal(err.status, 500);
    assert.match(err.message, /after 2 retries/);
    assert.match(err.message, /internal failure/);
    assert.equal(s.chatRequests().length, 3);
  });
});

test('persistent 429 is a rate-limit error after maxRetries', async () => {
  await withServer(() => errorStep(429, 'busy'), { maxRetries: 1 }, async (s, model) => {
    const err = await rejectsWith(model.complete(request()), 'rate-limit');
    assert.match(err.message, /after 1 retry/);
    assert.equal(s.chatRequests().length, 2);
  });
});

test('a connection reset mid-stream is retried and the full text returned', async () => {
  const program = 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\n';
  await withServer([{ resetMidStream: true, text: program }, { text: program }], {}, async (s, model, retries) => {
    const reply = await model.complete(request());
    assert.deepEqual(reply.texts, [program], 'the partial text of the broken stream is not kept');
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.kind, 'network');
    assert.equal(s.chatRequests().length, 2);
  });
});

test('a connection reset of a non-streaming answer is retried too', async () => {
  await withServer([{ resetMidStream: true }, { text: 'whole' }], { stream: false }, async (_s, model, retries) => {
    assert.deepEqual((await model.complete(request())).texts, ['whole']);
    assert.equal(retries.length, 1);
  });
});

// ---------------------------------------------------------------------------------------------
// Time limits and cancellation
// ---------------------------------------------------------------------------------------------

test('a slow endpoint past the time limit is a timeout', async () => {
  await withServer([{ delayMs: 5000, then: { text: 'too late' } }], { timeoutMs: 300 }, async (s, model) => {
    const started = Date.now();
    const err = await rejectsWith(model.complete(request()), 'timeout');
    const took = Date.now() - started;
    assert.ok(took >= 280 && took < 1500, `took ${took} ms`);
    assert.match(err.message, /did not answer within 0\.3 s/);
    assert.equal(s.chatRequests().length, 1, 'a timeout is not retried');
  });
});

test('a stream that stalls midway hits the time limit too', async () => {
  await withServer([{ stallMidStream: true, text: 'half of a program that never ends' }], { timeoutMs: 400 }, async (_s, model) => {
    const started = Date.now();
    await rejectsWith(model.complete(request()), 'timeout');
    assert.ok(Date.now() - started < 1500);
  });
});

test('cancelling a hanging request stops it within a second', async () => {
  await withServer([{ hang: true }], { timeoutMs: 60_000 }, async (_s, model) => {
    const ctl = new AbortController();
    const pending = model.complete(request({ signal: ctl.signal }));
    await new Promise((r) => setTimeout(r, 200));
    const abortedAt = Date.now();
    ctl.abort();
    const err = await rejectsWith(pending, 'cancelled');
    assert.ok(Date.now() - abortedAt < 1000, `stopped after ${Date.now() - abortedAt} ms`);
    assert.match(err.message, /cancelled/);
  });
});

test('cancelling mid-stream and during a retry wait both stop at once', async () => {
  await withServer([{ stallMidStream: true }], { timeoutMs: 60_000 }, async (_s, model) => {
    const ctl = new AbortController();
    const pending = model.complete(request({ signal: ctl.signal }));
    setTimeout(() => ctl.abort(), 200);
    const started = Date.now();
    await rejectsWith(pending, 'cancelled');
    assert.ok(Date.now() - started < 1200);
  });
  await withServer([errorStep(503, 'later', { headers: { 'retry-after': '30' } }), { text: 'x' }], {}, async (_s, model) => {
    const ctl = new AbortController();
    const pending = model.complete(request({ signal: ctl.signal }));
    setTimeout(() => ctl.abort(), 300);
    const started = Date.now();
    await rejectsWith(pending, 'cancelled');
    assert.ok(Date.now() - started < 1300);
  });
  // Already aborted: nothing is sent.
  await withServer([{ text: 'x' }], {}, async (s, model) => {
    await rejectsWith(model.complete(request({ signal: AbortSignal.abort() })), 'cancelled');
    assert.equal(s.chatRequests().length, 0);
  });
});

// ---------------------------------------------------------------------------------------------
// Endpoint quirks
// ---------------------------------------------------------------------------------------------

test('a model that wants max_completion_tokens gets it on a second try (not counted as a retry)', async () => {
  const script: ScriptFn = (req) =>
    req.body?.max_tokens !== undefined
      ? {
          status: 400,
          body: { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } },
        }
      : { text: 'ok' };
  await withServer(script, { maxTokens: 1000 }, async (s, model) => {
    const reply = await model.complete(request());
    assert.deepEqual(reply.texts, ['ok']);
    assert.equal(reply.retries, 0);
    const reqs = s.chatRequests();
    assert.equal(reqs.length, 2);
    assert.equal(reqs[1]?.body?.max_completion_tokens, 1000);
    // Remembered for the next request.
    await model.complete(request());
    assert.equal(s.chatRequests().length, 3);
  });
});

test('a server that ignores stream:true (plain JSON answer) is read without streaming', async () => {
  const json = (t: string): ScriptStep => ({
    status: 200,
    body: { id: 'x', object: 'chat.completion', created: 0, model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: t }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } },
  });
  await withServer([json('first'), json('first'), json('second')], {}, async (s, model) => {
    assert.deepEqual((await model.complete(request())).texts, ['first']);
    assert.deepEqual((await model.complete(request())).texts, ['second']);
    const reqs = s.chatRequests();
    assert.deepEqual(reqs.map((r) => r.stream), [true, false, false]);
  });
});

test('Azure: deployment path, api-version and api-key header', async () => {
  const server = await startScriptedServer({ script: [{ text: 'azure ok' }] });
  try {
    const model = createOpenAIModel({ baseURL: server.url.replace(/\/v1$/, '/openai'), model: 'my-deployment', apiKey: KEY, azureApiVersion: '2024-10-21' });
    assert.deepEqual((await model.complete(request())).texts, ['azure ok']);
    const [r] = server.chatRequests();
    assert.equal(r?.path, '/openai/deployments/my-deployment/chat/completions');
    assert.equal(r?.headers['api-key'], KEY);
  } finally {
    await server.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The scripted server itself
// ---------------------------------------------------------------------------------------------

test('byPurpose routes by the [recode:…] marker and says when a queue runs out', async () => {
  const script = byPurpose({ generate: [{ text: 'program A' }], refine: [{ text: 'program B' }], answer: { text: 'answer = 42' } });
  await withServer(script, { maxRetries: 0 }, async (s, model) => {
    assert.deepEqual((await model.complete(request({ purpose: 'refine' }))).texts, ['program B']);
    assert.deepEqual((await model.complete(request({ purpose: 'generate' }))).texts, ['program A']);
    assert.deepEqual((await model.complete(request({ purpose: 'answer' }))).texts, ['answer = 42']);
    assert.deepEqual((await model.complete(request({ purpose: 'answer' }))).texts, ['answer = 42'], 'a single step repeats');
    const err = await rejectsWith(model.complete(request({ purpose: 'generate' })), 'server');
    assert.match(err.message, /'generate' script ran out/);
    assert.deepEqual(s.chatRequests().map((r) => r.purpose), ['refine', 'generate', 'answer', 'answer', 'generate']);
  });
});

test('GET /v1/models lists the models', async () => {
  const server = await startScriptedServer({ script: [], models: ['a', 'b'] });
  try {
    const res = await fetch(`${server.url}/models`);
    const body = (await res.json()) as { data: Array<{ id: string }> };
    assert.deepEqual(body.data.map((m) => m.id), ['a', 'b']);
  } finally {
    await server.close();
  }
});

test('scriptedServerMain serves a JSON script, prints LISTENING and stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recode-scripted-'));
  const file = path.join(dir, 'script.json');
  const out = path.join(dir, 'requests.json');
  fs.writeFileSync(file, JSON.stringify({ byPurpose: { generate: [{ text: 'from main' }] } }));
  const child = spawn(process.execPath, [path.join(__dirname, 'support', 'scriptedServerMain.js'), file, '--requests-out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('no LISTENING line within 10 s')), 10_000);
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /^LISTENING (\S+)$/m.exec(buf);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}`));
      });
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const model = createOpenAIModel({ baseURL: url, model: MODEL });
    assert.deepEqual((await model.complete(request())).texts, ['from main']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const recorded = JSON.parse(fs.readFileSync(out, 'utf8')) as Array<{ purpose: string }>;
    assert.equal(recorded[0]?.purpose, 'generate');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

test('parseRetryAfter reads seconds, an HTTP date and retry-after-ms', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  assert.equal(parseRetryAfter(h({ 'retry-after': '2' })), 2000);
  assert.equal(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter(h({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now), 30_000);
  assert.equal(parseRetryAfter(h({ 'retry-after': 'soon' })), undefined);
  assert.equal(parseRetryAfter(h({})), undefined);
});

test('modelConfigFromEnv: nothing configured says exactly what to set', () => {
  const r = modelConfigFromEnv({});
  assert.equal(r.config, undefined);
  assert.equal(
    r.problem,
    'No model configured. Set RECODE_BASE_URL (an OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama), RECODE_MODEL (a multimodal model, e.g. gpt-4o or llava) and RECODE_API_KEY (if the endpoint needs one).',
  );
});

test('modelConfigFromEnv: RECODE_* variables, and OpenAI defaults', () => {
  const full = modelConfigFromEnv({ RECODE_BASE_URL: 'https://example.com/v1', RECODE_MODEL: 'gpt-4o', RECODE_API_KEY: 'k-123', OPENAI_API_KEY: 'other' });
  assert.deepEqual(full.config, { baseURL: 'https://example.com/v1', model: 'gpt-4o', apiKey: 'k-123' });

  const openai = modelConfigFromEnv({ OPENAI_API_KEY: 'sk-abc', RECODE_MODEL: 'gpt-4o' });
  assert.deepEqual(openai.config, { baseURL: 'https://api.openai.com/v1', model: 'gpt-4o', apiKey: 'sk-abc' });

  const viaOpenAIBase = modelConfigFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', RECODE_MODEL: 'qwen2-vl' });
  assert.deepEqual(viaOpenAIBase.config, { baseURL: 'http://127.0.0.1:8000/v1', model: 'qwen2-vl' });

  const tuned = modelConfigFromEnv({ RECODE_BASE_URL: 'http://localhost:11434/v1', RECODE_MODEL: 'llava', RECODE_TIMEOUT_MS: '30000', RECODE_SUPPORTS_N: '0', RECODE_MAX_RETRIES: '1' });
  assert.deepEqual(tuned.config, { baseURL: 'http://localhost:11434/v1', model: 'llava', timeoutMs: 30000, supportsN: false, maxRetries: 1 });
});

test('modelConfigFromEnv: local servers need no key, remote ones do; a missing model is named', () => {
  assert.ok(modelConfigFromEnv({ RECODE_BASE_URL: 'http://localhost:11434/v1', RECODE_MODEL: 'llava' }).config);
  const remote = modelConfigFromEnv({ RECODE_BASE_URL: 'https://vllm.example.com/v1', RECODE_MODEL: 'llava' });
  assert.equal(remote.config, undefined);
  assert.match(remote.problem ?? '', /No API key for https:\/\/vllm\.example\.com\/v1: set RECODE_API_KEY/);
  const noModel = modelConfigFromEnv({ RECODE_BASE_URL: 'http://localhost:1234/v1' });
  assert.match(noModel.problem ?? '', /RECODE_MODEL is not set/);
  const keyOnly = modelConfigFromEnv({ RECODE_API_KEY: 'k' });
  assert.match(keyOnly.problem ?? '', /RECODE_BASE_URL is not set/);
  const badUrl = modelConfigFromEnv({ RECODE_BASE_URL: 'localhost:11434', RECODE_MODEL: 'llava' });
  assert.match(badUrl.problem ?? '', /RECODE_BASE_URL is not a usable endpoint/);
  const badNumber = modelConfigFromEnv({ RECODE_BASE_URL: 'http://localhost:1/v1', RECODE_MODEL: 'm', RECODE_TIMEOUT_MS: 'fast' });
  assert.match(badNumber.problem ?? '', /RECODE_TIMEOUT_MS must be a whole number/);
  assert.ok(isLocalBaseURL('http://[::1]:8080/v1'));
  assert.ok(isLocalBaseURL('http://127.0.0.1:8080/v1'));
  assert.ok(!isLocalBaseURL('http://192.168.1.5:8080/v1'));
});

test('describeModel never holds the key', () => {
  const cfg = modelConfigFromEnv({ RECODE_BASE_URL: 'https://api.example.com/v1', RECODE_MODEL: 'gpt-4o', RECODE_API_KEY: KEY }).config;
  assert.ok(cfg);
  assert.equal(describeModel(cfg), 'gpt-4o @ https://api.example.com/v1');
  assert.equal(createOpenAIModel(cfg).description, 'gpt-4o @ https://api.example.com/v1');
});
