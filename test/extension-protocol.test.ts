/**
 * The panel ↔ host protocol: messages from the panel are untrusted, so everything malformed or
 * hostile must be refused with a reason, and everything the page legitimately sends must pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base64ToBytes,
  bytesToBase64,
  LIMITS,
  parseHostMessage,
  parsePanelState,
  parseWebviewMessage,
  type HostMessage,
  type PanelState,
  type WebviewMessage,
} from '../src/shared/protocol';
import { initialPanelState, restoredPanelState } from '../src/shared/panelState';
import { contentSecurityPolicy, escapeHtml, makeNonce, panelHtml } from '../src/extension/html';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const valid: WebviewMessage[] = [
  { type: 'ready' },
  { type: 'cancel' },
  { type: 'open-program' },
  { type: 'open-program', candidateId: 'r4' },
  { type: 'copy-program', candidateId: 'c1' },
  { type: 'export-data', format: 'csv' },
  { type: 'export-data', format: 'json' },
  { type: 'rerun' },
  { type: 'save-record' },
  { type: 'prepare-renderer' },
  { type: 'render-result', jobId: 'j1', result: { ok: true, png: PNG_B64, stdout: 'hi\n', durationMs: 812 } },
  { type: 'render-result', jobId: 'j2', result: { ok: false, stdout: '', error: 'the program ran past its time limit', errorKind: 'timeout', durationMs: 1500 } },
  { type: 'render-result', jobId: 'j3', result: { ok: true, stdout: '', answer: '45', durationMs: 3 } },
  { type: 'worker-status', status: 'ready', ms: 3021, message: 'Python 3.14.2' },
  { type: 'page-error', message: 'something odd' },
];

test('every message the panel legitimately sends passes, unchanged', () => {
  for (const m of valid) {
    const r = parseWebviewMessage(JSON.parse(JSON.stringify(m)));
    assert.ok(r.ok, `${JSON.stringify(m)} should pass: ${r.ok ? '' : r.error}`);
    assert.deepEqual(r.message, m);
  }
});

test('malformed and hostile panel messages are refused with a reason', () => {
  const hostile: [unknown, RegExp][] = [
    [null, /not an object/],
    [undefined, /not an object/],
    ['ready', /not an object/],
    [42, /not an object/],
    [[{ type: 'ready' }], /not an object/],
    [{}, /unknown type/],
    [{ type: 'open-file', path: '/etc/passwd' }, /unknown type "open-file"/],
    [{ type: 'toString' }, /unknown type/],
    [{ type: '__proto__' }, /unknown type/],
    [{ type: 'constructor' }, /unknown type/],
    [{ type: 'hasOwnProperty' }, /unknown type/],
    [{ type: 7 }, /unknown type/],
    [{ type: 'ready', extra: true }, /unknown field "extra"/],
    [JSON.parse('{"type":"cancel","__proto__":{"isAdmin":true}}'), /forbidden key "__proto__"/],
    [{ type: 'export-data', format: 'xml' }, /format must be one of csv\|json/],
    [{ type: 'export-data' }, /format must be one of/],
    [{ type: 'export-data', format: 'csv', path: '/tmp/x.csv' }, /unknown field "path"/],
    [{ type: 'open-program', candidateId: '../../etc/passwd' }, /candidateId has characters that are not allowed/],
    [{ type: 'open-program', candidateId: '' }, /candidateId is empty/],
    [{ type: 'open-program', candidateId: 'x'.repeat(65) }, /candidateId is too long/],
    [{ type: 'open-program', candidateId: 5 }, /candidateId must be a string/],
    [{ type: 'render-result', jobId: 'j1' }, /result must be an object/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: 'yes', stdout: '', durationMs: 1 } }, /ok must be true or false/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: true, png: '<script>', stdout: '', durationMs: 1 } }, /png has characters that are not allowed/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: true, png: 'A'.repeat(LIMITS.pngChars + 4), stdout: '', durationMs: 1 } }, /png is too long/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: true, stdout: 'x'.repeat(LIMITS.outputChars + 1), durationMs: 1 } }, /stdout is too long/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: false, stdout: '', errorKind: 'rm -rf', durationMs: 1 } }, /errorKind must be one of/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: true, stdout: '', durationMs: -5 } }, /durationMs must be within/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: true, stdout: '', durationMs: NaN } }, /durationMs must be a finite number/],
    [{ type: 'render-result', jobId: 'j1', result: { ok: true, stdout: '', durationMs: Infinity } }, /durationMs must be a finite number/],
    [{ type: 'render-result', jobId: 'j1', result: Object.create({ ok: true, stdout: '', durationMs: 1 }) }, /result must be an object/],
    [{ type: 'render-result', jobId: 'j 1', result: { ok: true, stdout: '', durationMs: 1 } }, /jobId has characters/],
    [{ type: 'worker-status', status: 'pwned' }, /status must be one of/],
    [{ type: 'page-error', message: 'x'.repeat(LIMITS.textChars + 1) }, /message is too long/],
    [new Date(), /not an object/],
    [new Map([['type', 'ready']]), /not an object/],
  ];
  for (const [raw, why] of hostile) {
    const r = parseWebviewMessage(raw);
    assert.equal(r.ok, false, `should refuse ${String(JSON.stringify(raw))?.slice(0, 80)}`);
    if (!r.ok) assert.match(r.error, why);
  }
  // Host-only messages are not accepted from the panel.
  for (const t of ['render', 'state', 'worker-config', 'run-ended']) assert.equal(parseWebviewMessage({ type: t }).ok, false);
});

function finishedState(): PanelState {
  return {
    ...initialPanelState({
      kind: 'derender',
      imageName: 'fivebars.png',
      imageSrc: `data:image/png;base64,${PNG_B64}`,
      question: 'Which bar is the highest?',
      renderer: { name: 'python', detail: '/usr/bin/python3 (matplotlib 3.6.3)', pyodidePackages: 'missing' },
    }),
    runId: '20260101-120000-abcdef',
    status: 'finished',
    candidates: [{ id: 'c1', round: 0, source: 'generate', state: 'scored', score: { score: 0.97, parts: { pixel: 0.99 } }, renderSrc: `data:image/png;base64,${PNG_B64}`, code: 'x = 1\n' }],
    bestId: 'c1',
    bestScore: 0.97,
    program: 'x = 1\n',
  };
}

test('a render-result carries where the marks were drawn; a malformed marks report is dropped, the render kept', () => {
  const marks = [
    {
      box: [80, 48, 480, 300],
      xscale: 'linear',
      yscale: 'log',
      xlim: [-0.5, 1.5],
      ylim: [1, 1000],
      xticks: [[0, 'a'], [1, 'b']],
      yticks: [[1, '10^0'], [1000, '10^3']],
      artists: [{ kind: 'points', label: 'p', color: [44, 160, 44], marker: 'o', items: [[0, 10, 160, 250], [1, 900, 400, 60]] }],
    },
  ];
  const ok = parseWebviewMessage({ type: 'render-result', jobId: 'j1', result: { ok: true, png: PNG_B64, stdout: '', marks, durationMs: 9 } });
  assert.ok(ok.ok && ok.message.type === 'render-result', ok.ok ? '' : ok.error);
  const got = ok.message.result.marks;
  assert.equal(got?.length, 1);
  assert.equal(got?.[0].yscale, 'log');
  assert.deepEqual(got?.[0].artists[0].items, [[0, 10, 160, 250], [1, 900, 400, 60]]);
  assert.deepEqual(got?.[0].artists[0].color, [44, 160, 44]);
  const bad: unknown[] = [
    'marks',
    42,
    [{ ...marks[0], box: [0, 0, 1] }],
    [{ ...marks[0], ylim: [1, 'x'] }],
    [{ ...marks[0], artists: {} }],
    Array.from({ length: 9 }, () => marks[0]),
    [{ ...marks[0], artists: [{ kind: 'bar', label: '', items: Array.from({ length: 20_001 }, () => [0, 0, 1, 1, 0, 0, 1, 1]) }] }],
  ];
  for (const m of bad) {
    const r = parseWebviewMessage({ type: 'render-result', jobId: 'j2', result: { ok: true, png: PNG_B64, stdout: 'kept', marks: m, durationMs: 9 } });
    assert.ok(r.ok && r.message.type === 'render-result', `the render is kept with marks ${JSON.stringify(m).slice(0, 60)}: ${r.ok ? '' : r.error}`);
    assert.equal(r.message.result.marks, undefined);
    assert.equal(r.message.result.png, PNG_B64);
    assert.equal(r.message.result.stdout, 'kept');
  }
  // prototype tricks: the report is rebuilt from its known fields only
  const raw = JSON.parse(`{"type":"render-result","jobId":"j3","result":{"ok":true,"stdout":"","durationMs":1,"marks":[${JSON.stringify(marks[0]).replace('{', '{"__proto__":{"polluted":true},')}]}}`);
  const p = parseWebviewMessage(raw);
  assert.ok(p.ok && p.message.type === 'render-result', p.ok ? '' : p.error);
  const first = p.message.result.marks?.[0] as unknown as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(first), Object.prototype);
  assert.equal(first.polluted, undefined);
});

test('a saved panel state is checked before a restored panel uses it', () => {
  assert.ok(parsePanelState(JSON.parse(JSON.stringify(finishedState()))).ok);
  const bad: [Partial<PanelState> | Record<string, unknown>, RegExp][] = [
    [{ imageSrc: 'javascript:alert(1)' }, /imageSrc must be a data:image/],
    [{ imageSrc: 'https://evil.example/x.png' }, /imageSrc must be a data:image/],
    [{ imageSrc: 'data:image/svg+xml;base64,PHN2Zz4=' }, /imageSrc must be a data:image/],
    [{ imageSrc: 'data:text/html;base64,PHNjcmlwdD4=' }, /imageSrc must be a data:image/],
    [{ status: 'hacked' }, /status must be one of/],
    [{ v: 2 }, /v must be 1/],
    [{ candidates: Array.from({ length: LIMITS.candidates + 1 }, (_, i) => ({ id: `c${i}`, round: 0, source: 'generate', state: 'scored' })) }, /too many items/],
    [{ candidates: [{ id: 'c1', round: 0, source: 'generate', state: 'scored', renderSrc: 'file:///etc/passwd' }] }, /renderSrc must be a data:image/],
    [{ diffSrc: 'blob:https://x/1' }, /diffSrc must be a data:image/],
    [{ bestScore: 1.5 }, /bestScore must be within/],
    [{ renderer: { name: '<script>', pyodidePackages: 'ready' } }, /renderer.name has characters/],
    [{ program: 'x'.repeat(LIMITS.codeChars + 1) }, /program is too long/],
  ];
  for (const [patch, why] of bad) {
    const r = parsePanelState({ ...finishedState(), ...patch });
    assert.equal(r.ok, false, `should refuse ${JSON.stringify(patch).slice(0, 80)}`);
    if (!r.ok) assert.match(r.error, why);
  }
  assert.equal(parsePanelState(null).ok, false);
  assert.equal(parsePanelState('{"v":1}').ok, false);
});

test('a run that was going when the window reloaded is restored as cancelled, its unfinished candidates failed', () => {
  const running: PanelState = {
    ...finishedState(),
    status: 'running',
    program: undefined,
    candidates: [...finishedState().candidates, { id: 'c2', round: 0, source: 'generate', state: 'rendering' }],
  };
  const restored = restoredPanelState(running);
  assert.equal(restored.status, 'cancelled');
  assert.match(restored.error ?? '', /window reloaded/);
  assert.equal(restored.candidates[0].state, 'scored');
  assert.equal(restored.candidates[1].state, 'failed');
  // A finished run comes back as it was.
  assert.deepEqual(restoredPanelState(finishedState()), finishedState());
});

test('host messages are checked by the panel too: URLs for its worker must be resource URLs', () => {
  const ok: HostMessage[] = [
    { type: 'worker-config', config: { workerUrl: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/pyodideWorker.js', indexUrl: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/pyodide/', packages: ['matplotlib'] } },
    { type: 'render', jobId: 'j1', request: { code: 'print(1)', mode: 'script', width: 600, height: 400, timeLimitMs: 20000 } },
    { type: 'best', candidateId: 'c1', score: { score: 0.5, parts: { pixel: 0.4 } }, diffPng: PNG_B64 },
    { type: 'state', state: finishedState() },
  ];
  for (const m of ok) assert.ok(parseHostMessage(JSON.parse(JSON.stringify(m))).ok, JSON.stringify(m).slice(0, 100));
  const bad: Record<string, unknown>[] = [
    { type: 'worker-config', config: { workerUrl: 'http://evil.example/w.js', indexUrl: 'https://x/', packages: [] } },
    { type: 'worker-config', config: { workerUrl: 'data:text/javascript,alert(1)', indexUrl: 'https://x/', packages: [] } },
    { type: 'worker-config', config: { workerUrl: 'https://x/"onerror=1', indexUrl: 'https://x/', packages: [] } },
    { type: 'worker-config', config: { workerUrl: 'https://x/w.js', indexUrl: 'https://x/', packages: ['../../evil'] } },
    { type: 'render', jobId: 'j1', request: { code: 'x', mode: 'shell', width: 1, height: 1, timeLimitMs: 1 } },
    { type: 'render', jobId: 'j1', request: { code: 'x', mode: 'figure', width: 100_000, height: 1, timeLimitMs: 1 } },
    { type: 'candidate-scored', candidateId: 'c1', score: { score: 0.5, parts: { ['__proto__']: 1 } } },
    { type: 'candidate-scored', candidateId: 'c1', score: { score: 0.5, parts: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 0.1])) } },
  ];
  for (const m of bad) assert.equal(parseHostMessage(m).ok, false, JSON.stringify(m).slice(0, 100));
});

test('bytes survive the base64 wire both ways', () => {
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
  const b64 = bytesToBase64(bytes);
  assert.equal(b64, Buffer.from(bytes).toString('base64'));
  assert.deepEqual(base64ToBytes(b64), bytes);
});

test('the panel page: CSP with a nonce, wasm for Pyodide, no network; everything in the HTML escaped', () => {
  const csp = contentSecurityPolicy('https://*.vscode-cdn.net', 'abc123');
  assert.match(csp, /default-src 'none'/);
  // Scripts: the nonce'd page script, and blob: modules (the worker and Pyodide, fetched by the page).
  assert.match(csp, /script-src 'nonce-abc123' 'wasm-unsafe-eval' blob:(;|$)/);
  assert.match(csp, /worker-src blob: https:\/\/\*\.vscode-cdn\.net/);
  assert.match(csp, /connect-src https:\/\/\*\.vscode-cdn\.net(;|$)/);
  assert.match(csp, /img-src https:\/\/\*\.vscode-cdn\.net data: blob:/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'|\*(?!\.vscode-cdn)|https:(?!\/\/)|http:/);
  const nonce = makeNonce((n) => new Uint8Array(n).map((_, i) => i * 37));
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  const html = panelHtml({ cspSource: 'https://*.vscode-cdn.net', nonce: 'N0nce', scriptUri: 'https://x/main.js', styleUri: 'https://x/s.css', title: 'RECODE: <img src=x onerror=alert(1)>.png' });
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /<script nonce="N0nce" src="https:\/\/x\/main.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.equal(escapeHtml(`"'<>&`), '&quot;&#39;&lt;&gt;&amp;');
});
