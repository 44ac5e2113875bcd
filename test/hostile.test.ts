// Hostile replies and awkward outputs (issue 18): nothing freezes, nothing blows up, no run is lost,
// nothing lies. Each test plays one case of the issue against the real CLI or the engine, with the
// real openai client against the scripted server on 127.0.0.1 and real CPython + matplotlib.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { extractProgram, fencedBlocks, programText } from '../src/core/program';
import { visible } from '../src/core/text';
import { decodeImage, ImageError } from '../src/core/image';
import { prepareOriginal, scorePair } from '../src/core/critic/pixelCritic';
import { createOpenAIModel } from '../src/core/model/openaiModel';
import { modelConfigFromEnv } from '../src/core/model/config';
import { ModelError, type RgbaImage } from '../src/core/types';
import { startScriptedServer, byPurpose, backtickFlood, endlessStream, escapeSequenceAnswer, errorStep, ESCAPES, type ScriptedServer } from './support/scriptedServer';
import { FIXTURES, ROOT, SYSTEM_PYTHON } from './support/paths';

const CLI = join(ROOT, 'bin', 'recode.js');
const PROGRAMS = join(ROOT, 'test', 'fixtures', 'programs');
const CHART = join(FIXTURES, 'fivebars.png');
const fence = (code: string) => `Here is the program.\n\n\`\`\`python\n${code}\`\`\`\n`;
const FIVEBARS = readFileSync(join(FIXTURES, 'fivebars.py'), 'utf8');
void PROGRAMS;

interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (status, signal) => resolve({ status, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = startCli(args, env);
  const { status } = await r.done;
  return { status, stdout: r.stdout(), stderr: r.stderr() };
}

function modelEnv(server: ScriptedServer, extra: Record<string, string> = {}): Record<string, string> {
  return { RECODE_BASE_URL: server.url, RECODE_MODEL: 'scripted-vision', RECODE_API_KEY: 'test-key', RECODE_MAX_RETRIES: '1', ...extra };
}

const derenderArgs = (out: string, more: string[] = []) => [
  'derender', CHART, '--out', out, '--renderer', 'python', '--python', SYSTEM_PYTHON, '-n', '1', '-k', '0', '--numeric-budget', '0', ...more,
];

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// -- 1. a backtick flood: parsed in linear time, the CLI stays responsive -------------------------

test('fences are found by a scanner: a 5 MB backtick flood, fence lines by the million and a markdown fence around Python all parse', () => {
  // (the time it takes is measured by bench/fences.mjs; here: it finishes, and says what it found)
  assert.throws(() => extractProgram('`'.repeat(5_000_000)), /empty code blocks/);
  assert.throws(() => extractProgram('```\n'.repeat(500_000)), /empty code blocks/);
  const blocks = fencedBlocks('intro\n```python\nx = 1\n```\ntext ```js\nlet y\n```\n~~~\nz\n~~~\n```py\nunclosed = 1');
  assert.deepEqual(
    blocks.map((b) => [b.lang, b.code, b.unterminated]),
    [['python', 'x = 1', false], ['js', 'let y', false], ['', 'z', false], ['py', 'unclosed = 1', true]],
  );
});

test('CLI: SIGINT is honoured within a second while a 5 MB backtick reply is being handled, and the run record is kept', async () => {
  // the refinement's reply is the flood; the answer that would follow never comes (the run is still
  // going when the signal arrives)
  const server = await startScriptedServer({
    script: byPurpose({ generate: { text: fence(FIVEBARS) }, refine: backtickFlood(5_000_000), answer: { hang: true } }),
  });
  const out = join(mkdtempSync(join(tmpdir(), 'recode-hostile-')), 'run');
  try {
    // a cap above the flood, so the whole 5 MB reaches the parser
    const cli = startCli(derenderArgs(out, ['-k', '1', '-q', 'Which bar is tallest?']), modelEnv(server, { RECODE_MAX_REPLY_BYTES: '6000000' }));
    await waitFor(() => server.chatRequests().some((r) => r.ended !== undefined), 120_000, 'the flood to be sent');
    // the reply is read and parsed: the answer request follows at once (or, were the parse stuck,
    // never: then the signal comes 5 s after the flood, in the middle of the parse)
    await waitFor(() => server.chatRequests().some((r) => r.purpose === 'answer'), 5000, 'the answer request').catch(() => {});
    const sent = Date.now();
    cli.child.kill('SIGINT');
    await waitFor(() => /cancelling/.test(cli.stderr()), 1000, `the CLI to notice SIGINT (stderr so far: ${cli.stderr().slice(0, 300)})`).catch((e: Error) => {
      cli.child.kill('SIGKILL');
      throw e;
    });
    const noticed = Date.now() - sent;
    const { status } = await cli.done;
    assert.ok(noticed <= 1000, `SIGINT noticed after ${noticed} ms`);
    assert.equal(status, 1);
    assert.match(cli.stderr(), /cancelled/);
    const record = readFileSync(join(out, 'run.json'), 'utf8');
    assert.match(record, /the model replied with empty code blocks/, record.slice(-600));
  } finally {
    await server.close();
  }
});

// -- 2. an endless stream: stopped at the cap, not retried, memory bounded -------------------------

test('an endless stream is stopped at the reply cap with a clear reason, and not retried', async () => {
  const server = await startScriptedServer({ script: [endlessStream(), endlessStream()] });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', maxReplyBytes: 200_000, timeoutMs: 30_000, retryBaseMs: 10 });
    const t = Date.now();
    await assert.rejects(
      model.complete({ purpose: 'generate', messages: [{ role: 'user', content: 'draw' }] }),
      (e: Error) => e instanceof ModelError && /reply was stopped: its text passed the 200 KB limit/.test(e.message) && /RECODE_MAX_REPLY_BYTES/.test(e.message) && /not retried/.test(e.message),
    );
    assert.ok(Date.now() - t < 25_000, 'stopped by the cap, not by the time limit');
    assert.equal(server.chatRequests().length, 1, 'a reply that was too large is not retried');
  } finally {
    await server.close();
  }
});

test('an endless single SSE line (no end of line, ever) is cut by the body cap, not read into memory for ever', async () => {
  const server = await startScriptedServer({ script: [endlessStream('y', { oneEvent: true })] });
  try {
    const model = createOpenAIModel({ baseURL: server.url, model: 'm', maxReplyBytes: 100_000, timeoutMs: 60_000 });
    await assert.rejects(
      model.complete({ purpose: 'generate', messages: [{ role: 'user', content: 'draw' }] }),
      (e: Error) => e instanceof ModelError && /answer sent by the endpoint passed the 100 KB limit/.test(e.message),
    );
    assert.equal(server.chatRequests().length, 1);
  } finally {
    await server.close();
  }
});

test('RECODE_MAX_REPLY_BYTES sets the cap (1 MB by default); a bad value is refused by name', () => {
  const base = { RECODE_BASE_URL: 'http://127.0.0.1:1/v1', RECODE_MODEL: 'm' };
  assert.equal(modelConfigFromEnv(base).config?.maxReplyBytes, undefined);
  assert.equal(modelConfigFromEnv({ ...base, RECODE_MAX_REPLY_BYTES: '5000000' }).config?.maxReplyBytes, 5_000_000);
  assert.match(modelConfigFromEnv({ ...base, RECODE_MAX_REPLY_BYTES: 'lots' }).problem ?? '', /RECODE_MAX_REPLY_BYTES must be a whole number/);
});

test('three flooding candidates: peak memory stays bounded (a child process reports its max RSS)', async () => {
  const server = await startScriptedServer({ script: () => endlessStream() });
  try {
    const script = `
      const { createOpenAIModel } = require(${JSON.stringify(join(ROOT, 'out', 'src', 'core', 'model', 'openaiModel.js'))});
      const model = createOpenAIModel({ baseURL: ${JSON.stringify(server.url)}, model: 'm', timeoutMs: 60000, retryBaseMs: 10 });
      model.complete({ purpose: 'generate', n: 3, messages: [{ role: 'user', content: 'draw' }] }).then(
        () => console.log(JSON.stringify({ ok: true })),
        (e) => console.log(JSON.stringify({ error: e.message, rssMB: process.resourceUsage().maxRSS / 1024 })),
      );`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d));
    await new Promise((r) => child.on('close', r));
    const r = JSON.parse(text) as { error?: string; rssMB?: number };
    assert.match(r.error ?? '', /1 MB limit/);
    assert.ok((r.rssMB ?? Infinity) < 400, `peak RSS ${r.rssMB} MB`);
    assert.equal(server.chatRequests().length, 3, 'one request per candidate, none retried');
  } finally {
    await server.close();
  }
});

// -- 3. an --out that cannot be written: refused first, or the record goes elsewhere ---------------

test('CLI: --out onto a file is refused before any model call, in one sentence', async () => {
  const server = await startScriptedServer({ script: byPurpose({ generate: { text: fence(FIVEBARS) } }) });
  const dir = mkdtempSync(join(tmpdir(), 'recode-hostile-'));
  const file = join(dir, 'f');
  writeFileSync(file, 'x\n');
  try {
    const r = await runCli(derenderArgs(file), modelEnv(server));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^recode: .*\/f is a file, not a folder; give a folder for the results\n$/);
    assert.equal(server.chatRequests().length, 0, 'no model call was made');
    assert.equal(readFileSync(file, 'utf8'), 'x\n');
  } finally {
    await server.close();
  }
});

test('CLI: when --out stops being writable during the run, the record goes to the temp folder and the message says where', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recode-hostile-'));
  const out = join(dir, 'results');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  // while the model "thinks", the folder is replaced by a file
  const server = await startScriptedServer({
    script: byPurpose({
      generate: () => {
        rmSync(out, { recursive: true, force: true });
        writeFileSync(out, 'not a folder any more');
        return errorStep(400, 'this model does not draw');
      },
    }),
  });
  try {
    const r = await runCli(derenderArgs(out), { ...modelEnv(server), TMPDIR: tmp });
    assert.equal(r.status, 1);
    const m = /the results were written to (\S+) instead/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(m[1].startsWith(tmp), m[1]);
    assert.match(r.stderr, /results is a file, not a folder/);
    assert.match(r.stderr, new RegExp(`run record: ${m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/run\\.json`));
    const record = JSON.parse(readFileSync(join(m[1], 'run.json'), 'utf8')) as { runId: string; error?: string };
    assert.match(record.error ?? JSON.stringify(record), /does not draw|rejected/);
  } finally {
    await server.close();
  }
});

// -- 4. the terminal does not obey the model -------------------------------------------------------

test('visible() shows control characters and escape sequences instead of passing them on', () => {
  assert.equal(visible('plain text\nline two\tcol'), 'plain text\nline two\tcol');
  assert.equal(visible('\x1b]0;pwned\x07\x1b[2A\r\n'), '␛]0;pwned␇␛[2A\n');
  assert.equal(visible('a\rb\x7f\x9b31m\u202eevil'), 'a␍b␡<U+009B>31m<U+202E>evil');
  assert.equal(visible('one\ntwo', { oneLine: true }), 'one␊two');
});

test('CLI: a computed answer full of escape sequences is printed with them visible, never raw', async () => {
  const server = await startScriptedServer({ script: byPurpose({ generate: { text: fence(FIVEBARS) }, answer: escapeSequenceAnswer() }) });
  const out = join(mkdtempSync(join(tmpdir(), 'recode-hostile-')), 'run');
  try {
    const r = await runCli(derenderArgs(out, ['-q', 'What is the tallest bar?']), modelEnv(server));
    assert.equal(r.status, 0, r.stderr);
    const both = r.stdout + r.stderr;
    for (const c of ['\x1b', '\x07', '\x9b', '\u202e', '\r']) assert.ok(!both.includes(c), `raw ${JSON.stringify(c)} printed`);
    assert.match(r.stdout, /answer: 42␛\]0;pwned␇␛\[2A␛\[2K␍␛\[32mwritten to \/tmp\/fake\/␛\[0m<U\+009B>31m<U\+202E> {2}\(computed/);
    // the file keeps the exact value (JSON escapes it)
    const answer = JSON.parse(readFileSync(join(out, 'answer.json'), 'utf8')) as { value: string };
    assert.equal(answer.value, `42${ESCAPES}`);
  } finally {
    await server.close();
  }
});

// -- 5. no leftovers, one plain sentence -----------------------------------------------------------

/** Runs `script` (JS) as root in a private mount namespace where `mnt` is a fresh tmpfs; undefined if that is not allowed here. */
function inTmpfs(mnt: string, size: string, readOnly: boolean, script: string): string | undefined {
  const probe = spawnSync('unshare', ['-m', 'true']);
  if (probe.status !== 0) return undefined;
  const mount = `mount -t tmpfs -o size=${size} tmpfs ${mnt}` + (readOnly ? ` && mount -o remount,ro ${mnt}` : '');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `${mount} && exec "$0" -e "$1"`, process.execPath, script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const FILES_JS = JSON.stringify(join(ROOT, 'out', 'src', 'core', 'files.js'));

test('writeFileAtomic on a full disk: no temp file, no empty folder left, and "the disk is full"', (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'recode-full-'));
  const out = inTmpfs(mnt, '64k', false, `
    const { writeFileAtomic } = require(${FILES_JS});
    const fs = require('fs');
    writeFileAtomic(${JSON.stringify(join(mnt, 'renders', 'c1.png'))}, Buffer.alloc(300000, 1)).then(
      () => console.log(JSON.stringify({ ok: true })),
      (e) => console.log(JSON.stringify({ message: e.message, code: e.code, left: fs.readdirSync(${JSON.stringify(mnt)}) })));`);
  if (out === undefined) return t.skip('unshare -m is not allowed here (needs root)');
  const r = JSON.parse(out) as { message: string; code: string; left: string[] };
  assert.equal(r.code, 'ENOSPC');
  assert.equal(r.message, `cannot write ${join(mnt, 'renders', 'c1.png')}: the disk is full`);
  assert.deepEqual(r.left, [], 'nothing left behind: no .c1.png.*.tmp, no empty renders/ folder');
});

test('writeFileAtomic on a read-only file system: "read-only", nothing created', (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'recode-ro-'));
  const out = inTmpfs(mnt, '1m', true, `
    const { writeFileAtomic } = require(${FILES_JS});
    const fs = require('fs');
    writeFileAtomic(${JSON.stringify(join(mnt, 'program.py'))}, 'x = 1\\n').then(
      () => console.log(JSON.stringify({ ok: true })),
      (e) => console.log(JSON.stringify({ message: e.message, code: e.code, left: fs.readdirSync(${JSON.stringify(mnt)}) })));`);
  if (out === undefined) return t.skip('unshare -m is not allowed here (needs root)');
  const r = JSON.parse(out) as { message: string; code: string; left: string[] };
  assert.equal(r.code, 'EROFS');
  assert.equal(r.message, `cannot write ${join(mnt, 'program.py')}: it is on a read-only file system`);
  assert.deepEqual(r.left, []);
});

test('CLI: render -o onto a dangling symlink and compare --out onto a file are refused in one plain sentence, before any work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recode-hostile-'));
  const link = join(dir, 'out.png');
  symlinkSync(join(dir, 'nowhere', 'target.png'), link);
  const r = await runCli(['render', join(FIXTURES, 'fivebars.py'), '-o', link, '--renderer', 'python', '--python', SYSTEM_PYTHON]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `recode: ${link} is a symlink to nothing; recode does not write through a symlink — remove it or choose another name\n`);
  assert.ok(!existsSync(join(dir, 'nowhere')));
  const file = join(dir, 'results');
  writeFileSync(file, 'mine\n');
  const c = await runCli(['compare', CHART, join(FIXTURES, 'fivebars.py'), '--out', file, '--renderer', 'python', '--python', SYSTEM_PYTHON]);
  assert.equal(c.status, 1);
  assert.equal(c.stderr, `recode: ${file} is a file, not a folder; give a folder for the results\n`);
  assert.equal(readFileSync(file, 'utf8'), 'mine\n');
  assert.deepEqual(readdirSync(dir).sort(), ['out.png', 'results']);
});

// -- 6. never a silent rename ----------------------------------------------------------------------

test('CLI: score --diff onto an existing file is refused (not written as X-2.png behind the user\'s back)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recode-hostile-'));
  const diff = join(dir, 'diff.png');
  writeFileSync(diff, 'my file\n');
  for (const json of [false, true]) {
    const r = await runCli(['score', CHART, CHART, '--diff', diff, ...(json ? ['--json'] : [])]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `recode: ${diff} already exists; recode never overwrites a file — choose another name\n`);
  }
  assert.equal(readFileSync(diff, 'utf8'), 'my file\n');
  assert.deepEqual(readdirSync(dir), ['diff.png']);
});

// -- 8. a truncated answer says so -----------------------------------------------------------------

test('CLI: a computed answer longer than the limit is marked truncated, in answer.json and on screen', async () => {
  const server = await startScriptedServer({
    script: byPurpose({ generate: { text: fence(FIVEBARS) }, answer: { text: "```python\nanswer = 'ab' * 1_500_000\n```" } }),
  });
  const out = join(mkdtempSync(join(tmpdir(), 'recode-hostile-')), 'run');
  try {
    const r = await runCli(derenderArgs(out, ['-q', 'How long?']), modelEnv(server));
    assert.equal(r.status, 0, r.stderr.slice(0, 500));
    const answer = JSON.parse(readFileSync(join(out, 'answer.json'), 'utf8')) as { value: string; computed: boolean; truncatedAt?: number };
    assert.equal(answer.value.length, 1_000_000);
    assert.equal(answer.truncatedAt, 1_000_000);
    assert.match(r.stdout, /the answer is TRUNCATED: only its first 1,000,000 characters were kept/);
  } finally {
    await server.close();
  }
});

// -- 9. valid Python is accepted ------------------------------------------------------------------

test('a Python block inside a four-backtick markdown fence is the program; a BOM is dropped', () => {
  const code = 'import matplotlib.pyplot as plt\nplt.bar([1, 2], [3, 4])';
  const wrapped = `Here is a markdown snippet:\n\n\`\`\`\`markdown\n\`\`\`python\n${code}\n\`\`\`\n\`\`\`\`\n`;
  assert.equal(extractProgram(wrapped).code, code);
  assert.equal(extractProgram(`\`\`\`\`python\n${code}\n\`\`\`\``).code, code);
  assert.equal(extractProgram(`\ufeff\`\`\`python\n\ufeff${code}\n\`\`\``).code, code);
  assert.equal(programText(new Uint8Array([0xef, 0xbb, 0xbf, 0x78, 0x3d, 0x31])), 'x=1');
});

test('CLI: a program file that starts with a UTF-8 BOM renders (CPython runs it too)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recode-hostile-'));
  const prog = join(dir, 'bom.py');
  writeFileSync(prog, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(FIVEBARS)]));
  assert.equal(spawnSync(SYSTEM_PYTHON, ['-c', `import matplotlib; matplotlib.use('Agg'); exec(compile(open(${JSON.stringify(prog)}, encoding='utf-8-sig').read(), 'bom.py', 'exec'))`]).status, 0);
  const png = join(dir, 'out.png');
  const r = await runCli(['render', prog, '-o', png, '--size', '300x200', '--renderer', 'python', '--python', SYSTEM_PYTHON]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(decodeImage(readFileSync(png)).width, 300);
});

// -- 10. scores and reasons that do not mislead ----------------------------------------------------

function noise(w: number, h: number, seed: number): RgbaImage {
  let x = seed;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : x >>> 24;
  }
  return { width: w, height: h, data };
}

function flat(w: number, h: number, rgb: [number, number, number]): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { width: w, height: h, data };
}

test('an image against itself scores 1 — random noise included; flat orange against flat blue scores low', () => {
  for (const img of [noise(320, 240, 1), noise(97, 61, 2), decodeImage(readFileSync(CHART))]) {
    assert.equal(scorePair(prepareOriginal(img), img).score, 1);
  }
  const s = scorePair(prepareOriginal(flat(300, 200, [255, 165, 0])), flat(300, 200, [0, 0, 255]));
  assert.ok(s.score < 0.5, `orange vs blue scored ${s.score}`);
  // near pages still count as the same page (white against cream)
  assert.ok(scorePair(prepareOriginal(flat(300, 200, [255, 255, 255])), flat(300, 200, [243, 238, 226])).score > 0.95);
});

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  let crc = 0xffffffff;
  for (const b of td) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  const c = Buffer.alloc(4);
  c.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return Buffer.concat([len, td, c]);
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('a PNG signature followed by HTML is "not an image"; a decompression bomb says so plainly', () => {
  const page = Buffer.concat([PNG_SIG, Buffer.from('<!DOCTYPE html><html><head><title>Not Found</title></head><body>404</body></html>\n')]);
  assert.throws(
    () => decodeImage(page, 'chart.png'),
    (e: Error) => e instanceof ImageError && e.message === 'chart.png is not an image (it starts like a PNG, but what follows is an HTML page).',
  );
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100, 0);
  ihdr.writeUInt32BE(100, 4);
  ihdr[8] = 8; // 8-bit
  ihdr[9] = 2; // RGB
  const bomb = Buffer.concat([PNG_SIG, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(50_000_000))), pngChunk('IEND', Buffer.alloc(0))]);
  assert.ok(bomb.length < 100_000);
  assert.throws(
    () => decodeImage(bomb, 'bomb.png'),
    (e: Error) => e instanceof ImageError && /^bomb\.png was refused: its compressed pixel data unpacks to more than a 100×100 image holds \(a decompression bomb/.test(e.message) && !/should not/.test(e.message),
  );
});
