/**
 * The VS Code Language Model client's conversion of our messages (no system role, images as
 * bytes + mime type) and its reading of failures, in plain Node. The real `vscode.lm` round trip is
 * in the e2e suite (test/e2e/inhost/lm.tests.ts, with the fake provider of test/e2e/lm-provider).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toLmMessages, dataUrlToImage, classifyLmError, type LmPart } from '../src/extension/lmConvert';
import { MARKER, generateMessages, refineMessages } from '../src/core/prompts';
import { toDataUrl } from '../src/core/image';
import type { ChatMessage } from '../src/core/types';
import { FIXTURES } from './support/paths';

const PNG = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'fivebars.png')));
const OTHER = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'insectsprays-bar.png')));

const texts = (parts: LmPart[]): string[] => parts.filter((p) => p.kind === 'text').map((p) => (p as { text: string }).text);
const images = (parts: LmPart[]): Array<{ bytes: Uint8Array; mime: string }> =>
  parts.filter((p): p is Extract<LmPart, { kind: 'image' }> => p.kind === 'image').map(({ bytes, mime }) => ({ bytes, mime }));

test('generate request: the system prompt (with its purpose marker) is folded into the front of the one user message; the image keeps its exact bytes as image/png', () => {
  const msgs = generateMessages({ imageDataUrl: toDataUrl(PNG), width: 640, height: 480, kind: 'auto', question: 'How tall is the tallest bar?' });
  const out = toLmMessages(msgs);
  assert.equal(out.length, 1, 'no system role in the API: one user message');
  assert.equal(out[0]!.role, 'user');
  const t = texts(out[0]!.parts);
  assert.ok(t[0]!.startsWith(MARKER.generate), `the first text part starts with the marker: ${t[0]!.slice(0, 40)}`);
  assert.equal(t[0], msgs[0]!.content, 'the whole system prompt, unchanged');
  assert.ok(t[1]!.includes('How tall is the tallest bar?'), 'then the user text');
  const imgs = images(out[0]!.parts);
  assert.equal(imgs.length, 1);
  assert.equal(imgs[0]!.mime, 'image/png');
  assert.deepEqual(Buffer.from(imgs[0]!.bytes), Buffer.from(PNG));
  assert.deepEqual(out[0]!.parts.map((p) => p.kind), ['text', 'text', 'image'], 'system text, user text, image — in order');
});

test('refine request: several images keep their order and bytes (original, render, diff), a JPEG keeps its mime type', () => {
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really a jpeg')]);
  const msgs = refineMessages({
    originalDataUrl: toDataUrl(PNG),
    renderDataUrl: toDataUrl(OTHER),
    diffDataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
    program: 'import matplotlib.pyplot as plt',
    score: { score: 0.8, parts: { pixel: 0.8 } },
    width: 100,
    height: 100,
    kind: 'chart',
  });
  const out = toLmMessages(msgs);
  assert.equal(out.length, 1);
  assert.ok(texts(out[0]!.parts)[0]!.startsWith(MARKER.refine));
  const imgs = images(out[0]!.parts);
  assert.deepEqual(imgs.map((i) => i.mime), ['image/png', 'image/png', 'image/jpeg']);
  assert.deepEqual(Buffer.from(imgs[0]!.bytes), Buffer.from(PNG));
  assert.deepEqual(Buffer.from(imgs[1]!.bytes), Buffer.from(OTHER));
  assert.deepEqual(Buffer.from(imgs[2]!.bytes), jpeg);
});

test('several system messages fold in order into the first user message only; assistant turns keep their text; a conversation of system messages alone becomes one user message', () => {
  const msgs: ChatMessage[] = [
    { role: 'system', content: 'S1' },
    { role: 'system', content: [{ type: 'text', text: 'S2' }] },
    { role: 'user', content: 'U1' },
    { role: 'assistant', content: 'A1' },
    { role: 'user', content: [{ type: 'text', text: 'U2' }, { type: 'image', dataUrl: toDataUrl(PNG) }, { type: 'image', dataUrl: toDataUrl(OTHER) }] },
  ];
  const out = toLmMessages(msgs);
  assert.deepEqual(out.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual(texts(out[0]!.parts), ['S1\n\nS2', 'U1']);
  assert.deepEqual(texts(out[1]!.parts), ['A1']);
  assert.deepEqual(texts(out[2]!.parts), ['U2'], 'the system prompt is not repeated');
  assert.equal(images(out[2]!.parts).length, 2);
  assert.deepEqual(toLmMessages([{ role: 'system', content: 'only' }]), [{ role: 'user', parts: [{ kind: 'text', text: 'only' }] }]);
});

test('an image part that is not a base64 data URL is refused with a clear error, not sent as text', () => {
  assert.throws(() => dataUrlToImage('https://example.com/chart.png'), /not a base64 data URL/);
  assert.throws(() => toLmMessages([{ role: 'user', content: [{ type: 'image', dataUrl: 'file:///etc/passwd' }] }]), /not a base64 data URL/);
});

test('failures: NoPermissions says how to allow it, NotFound points at the picker, Blocked and rate limits back off, quota does not, an image refusal says so', () => {
  const m = "'Fake Vision'";
  const noPerm = classifyLmError(m, 'NoPermissions', 'Language model cannot be used by recode.recode-vscode.');
  assert.equal(noPerm.kind, 'auth');
  assert.equal(noPerm.retryable, false);
  assert.match(noPerm.message, /Manage Language Model Access/);
  const notFound = classifyLmError(m, 'NotFound', 'gone');
  assert.equal(notFound.kind, 'not-found');
  assert.match(notFound.message, /RECODE: Choose model/);
  const blocked = classifyLmError(m, 'Blocked', 'too many requests in a short time');
  assert.equal(blocked.kind, 'rate-limit');
  assert.equal(blocked.retryable, true);
  assert.equal(classifyLmError(m, 'Unknown', 'Server error: 429 rate limit exceeded').retryable, true);
  const quota = classifyLmError(m, 'Blocked', 'You have exceeded your monthly quota of premium requests.');
  assert.equal(quota.retryable, false, 'a used-up quota does not come back in seconds');
  assert.match(quota.message, /quota/);
  const image = classifyLmError(m, 'Unknown', 'This model does not support image input');
  assert.equal(image.kind, 'bad-request');
  assert.match(image.message, /refused the image.*vision model/);
  const other = classifyLmError(m, undefined, '');
  assert.match(other.message, /failed with no details/);
});
