// Replies from a sandbox are data: checkRenderReply (every Pyodide reply, in Node and in the panel)
// and the extension host's WebviewRenderer accept a PNG only with the PNG signature, an IHDR of the
// requested size and under the byte cap; strings are capped and stripped of control characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRenderReply, pngSize } from '../src/core/render/replyCheck';
import { plainResourceUrl, toWire } from '../webview-ui/src/workerMessages';
import { WebviewRenderer } from '../src/extension/webviewRenderer';
import { parseWebviewMessage, type HostMessage } from '../src/shared/protocol';
import { parseHarnessReply, toRenderResult } from '../src/core/render/harness';
import { FIXTURES } from './support/paths';

const png = new Uint8Array(readFileSync(join(FIXTURES, 'fivebars.png')));
const size = pngSize(png);
const figure = (width: number, height: number) => ({ mode: 'figure' as const, width, height });

test('a real PNG of the requested size passes; the same PNG for another size does not', () => {
  assert.ok(size && size.width > 0 && size.height > 0);
  const { width, height } = size;
  const ok = checkRenderReply({ ok: true, stdout: 'hi\n', png }, figure(width, height), 12);
  assert.equal(ok.ok, true);
  assert.equal(ok.png, png);
  assert.equal(ok.stdout, 'hi\n');
  const wrong = checkRenderReply({ ok: true, stdout: '', png }, figure(width + 1, height), 12);
  assert.equal(wrong.ok, false);
  assert.equal(wrong.errorKind, 'internal');
  assert.match(wrong.error ?? '', /not the .* px asked for/);
});

test('not a PNG, a PNG over the byte cap, a PNG in script mode', () => {
  const fake = new Uint8Array(64);
  fake.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(checkRenderReply({ ok: true, stdout: '', png: fake }, figure(1, 1), 0).errorKind, 'internal');
  assert.equal(checkRenderReply({ ok: true, stdout: '', png: new TextEncoder().encode('<svg onload=alert(1)>') }, figure(1, 1), 0).errorKind, 'internal');
  const { width, height } = size as { width: number; height: number };
  const big = checkRenderReply({ ok: true, stdout: '', png }, figure(width, height), 0, { pngBytes: png.length - 1 });
  assert.equal(big.errorKind, 'limit');
  const script = checkRenderReply({ ok: true, stdout: '', png, answer: '4' }, { mode: 'script', width, height }, 0);
  assert.equal(script.ok, true);
  assert.equal(script.png, undefined);
  assert.equal(script.answer, '4');
  assert.equal(checkRenderReply({ ok: true, stdout: '' }, figure(10, 10), 0).errorKind, 'no-figure');
});

test('the shape is strict: wrong types and unknown error kinds are internal failures; control characters go', () => {
  assert.equal(checkRenderReply(null, figure(1, 1), 0).errorKind, 'internal');
  assert.equal(checkRenderReply({ ok: 'yes', stdout: '' }, figure(1, 1), 0).errorKind, 'internal');
  assert.equal(checkRenderReply({ ok: false, stdout: 7 }, figure(1, 1), 0).errorKind, 'internal');
  assert.equal(checkRenderReply({ ok: false, stdout: '', error: 'x', errorKind: 'rootkit' }, figure(1, 1), 0).errorKind, 'internal');
  const r = checkRenderReply(
    { ok: false, stdout: 'a\tb\n\u001b[2Jc\u0000', error: 'bad\n[click](command:workbench.action.terminal.sendSequence)\u0007', errorKind: 'python', traceback: 'T\u0008' },
    { mode: 'script', width: 1, height: 1 },
    3,
  );
  assert.equal(r.stdout, 'a\tb\n[2Jc');
  assert.equal(r.error, 'bad [click](command:workbench.action.terminal.sendSequence) ');
  assert.equal(r.traceback, 'T');
  const long = checkRenderReply({ ok: true, stdout: 'x'.repeat(50), answer: 'y'.repeat(50) }, { mode: 'script', width: 1, height: 1 }, 0, { stdoutChars: 10, answerChars: 5 });
  assert.equal(long.stdout.length, 10);
  assert.equal(long.answer?.length, 5);
});

test('the extension host refuses a panel render of the wrong size or with only the PNG signature', async () => {
  const posted: HostMessage[] = [];
  const r = new WebviewRenderer((m) => posted.push(m));
  const jobId = (i: number) => (posted[i] as Extract<HostMessage, { type: 'render' }>).jobId;
  const { width, height } = size as { width: number; height: number };
  const p1 = r.render({ code: 'x', mode: 'figure', width: width * 2, height, timeLimitMs: 1000 });
  r.onResult(jobId(0), { ok: true, png: Buffer.from(png).toString('base64'), stdout: '', durationMs: 1 });
  assert.equal((await p1).errorKind, 'internal');
  const p2 = r.render({ code: 'x', mode: 'figure', width: 4, height: 4, timeLimitMs: 1000 });
  r.onResult(jobId(1), { ok: true, png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]).toString('base64'), stdout: '', durationMs: 1 });
  assert.equal((await p2).errorKind, 'internal');
  const p3 = r.render({ code: 'x', mode: 'figure', width, height, timeLimitMs: 1000 });
  r.onResult(jobId(2), { ok: true, png: Buffer.from(png).toString('base64'), stdout: 'ok\u001b[0m\n', durationMs: 1 });
  const good = await p3;
  assert.equal(good.ok, true);
  assert.equal(good.png?.length, png.length);
  assert.equal(good.stdout, 'ok[0m\n');
  await r.dispose();
});

test('the panel worker file proxy: only plain paths', () => {
  const base = 'https://file%2B.vscode-resource.vscode-cdn.net/home/u/.vscode/extensions/recode/dist/pyodide/';
  assert.equal(plainResourceUrl(`${base}pyodide.asm.wasm`), true);
  assert.equal(plainResourceUrl(`${base}my%20packages/numpy-2.4.6.whl`), true);
  for (const bad of ['..%2F..%2Fsecret', '..%2f..%2fsecret', '%2e%2e/secret', '..%5Csecret', '..\\secret', '%252e%252e%252fsecret', '../secret', './x', 'a?b', 'a#b', 'a%00b']) {
    assert.equal(plainResourceUrl(base + bad), false, bad);
  }
});

// Where the marks were drawn (issue 12): the critic's data part needs them from every renderer,
// Pyodide ones included; the report is data from the sandbox, checked by parseMarks at each boundary.
const MARKS = [
  {
    box: [80, 48, 480, 300],
    xscale: 'linear',
    yscale: 'linear',
    xlim: [-0.5, 2.5],
    ylim: [0, 10.5],
    xticks: [[0, 'a'], [1, 'b'], [2, 'c']],
    yticks: [[0, '0'], [5, '5'], [10, '10']],
    artists: [
      { kind: 'bar', orientation: 'vertical', label: 'count', color: [31, 119, 180], items: [[-0.4, 0, 0.8, 3, 96, 262, 128, 86], [0.6, 0, 0.8, 10, 256, 62, 128, 286], [1.6, 0, 0.8, 7, 416, 148, 128, 200]] },
      { kind: 'line', label: 'trend', color: [255, 127, 14], marker: 'o', items: [[0, 3, 160, 262], [1, 10, 320, 62], [2, 7, 480, 148]] },
    ],
  },
];

test('marks reported with a figure pass the check (rebuilt); malformed ones are dropped and the render kept', () => {
  const { width, height } = size as { width: number; height: number };
  const ok = checkRenderReply({ ok: true, png, stdout: '', marks: MARKS }, figure(width, height), 5);
  assert.equal(ok.ok, true);
  assert.equal(ok.marks?.length, 1);
  assert.deepEqual(ok.marks?.[0].box, [80, 48, 480, 300]);
  assert.deepEqual(ok.marks?.[0].artists.map((a) => [a.kind, a.items.length]), [['bar', 3], ['line', 3]]);
  assert.notEqual(ok.marks?.[0].box, MARKS[0].box, 'rebuilt, not the sandbox’s own arrays');
  const hostile: unknown[] = [
    'marks',
    { length: 1 },
    [{ ...MARKS[0], box: [0, 0, Infinity, 1] }],
    [{ ...MARKS[0], xlim: [0, NaN] }],
    [{ ...MARKS[0], artists: 'many' }],
    Array.from({ length: 9 }, () => MARKS[0]),
    [{ ...MARKS[0], artists: [{ kind: 'points', label: '', items: Array.from({ length: 20_001 }, (_, i) => [i, i, i, i]) }] }],
  ];
  for (const marks of hostile) {
    const r = checkRenderReply({ ok: true, png, stdout: '', marks }, figure(width, height), 5);
    assert.equal(r.ok, true, 'the render is kept');
    assert.equal(r.png?.length, png.length);
    assert.equal(r.marks, undefined, `dropped: ${JSON.stringify(marks).slice(0, 60)}`);
  }
  const polluted = checkRenderReply({ ok: true, png, stdout: '', marks: JSON.parse(`[${JSON.stringify(MARKS[0]).replace('{', '{"__proto__":{"polluted":1},')}]`) }, figure(width, height), 5);
  assert.equal(polluted.marks?.length, 1);
  assert.equal(Object.getPrototypeOf(polluted.marks?.[0]), Object.prototype);
  assert.equal((polluted.marks?.[0] as unknown as Record<string, unknown>).polluted, undefined);
  // no figure, no marks: a script's reply or a failed render carries none
  assert.equal(checkRenderReply({ ok: true, stdout: '', marks: MARKS }, { mode: 'script', width, height }, 5).marks, undefined);
  assert.equal(checkRenderReply({ ok: false, stdout: '', error: 'x', marks: MARKS }, figure(width, height), 5).marks, undefined);
});

test('the Node Pyodide path: a harness reply with marks keeps them through toRenderResult and the host check', () => {
  const { width, height } = size as { width: number; height: number };
  const reply = parseHarnessReply(JSON.stringify({ ok: true, stdout: '', png_b64: Buffer.from(png).toString('base64'), marks: MARKS }));
  // what pyodideRenderer does with a worker's reply
  const r = checkRenderReply(toRenderResult(reply, 0), { mode: 'figure', width, height }, 7);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.marks?.[0].artists[0].items.length, 3);
  assert.deepEqual(r.marks?.[0].artists[1].color, [255, 127, 14]);
});

test('the extension path: marks cross the panel worker check, the protocol and the host check', async () => {
  const { width, height } = size as { width: number; height: number };
  const posted: HostMessage[] = [];
  const r = new WebviewRenderer((m) => posted.push(m));
  const p = r.render({ code: 'x', mode: 'figure', width, height, timeLimitMs: 1000 });
  const jobId = (posted[0] as Extract<HostMessage, { type: 'render' }>).jobId;
  // the panel's worker result as the page turns it into a 'render-result', sent as JSON through the protocol
  const wire = toWire({ ok: true, png, stdout: '', marks: MARKS as never, durationMs: 3 }, { code: 'x', mode: 'figure', width, height, timeLimitMs: 1000 });
  assert.equal(wire.marks?.length, 1, 'the page keeps the worker’s marks');
  const parsed = parseWebviewMessage(JSON.parse(JSON.stringify({ type: 'render-result', jobId, result: wire })));
  assert.ok(parsed.ok && parsed.message.type === 'render-result', parsed.ok ? '' : parsed.error);
  r.onResult(parsed.message.jobId, parsed.message.result);
  const got = await p;
  assert.equal(got.ok, true, got.error);
  assert.equal(got.marks?.length, 1);
  assert.deepEqual(got.marks?.[0].artists.map((a) => a.kind), ['bar', 'line']);
  await r.dispose();
});
