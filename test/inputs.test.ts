// Bad inputs a user can hand RECODE: 16-bit and animated PNGs, symlinks, pipes, devices, folders,
// files outside the working folder, huge files — each decoded correctly or refused with one clear
// reason, quickly, never a hang or a crash. Covers the engine's reader (used by the CLI and the
// extension) and the CLI end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, symlinkSync, mkdirSync, truncateSync, openSync, closeSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodeImage, ImageError, MAX_IMAGE_BYTES } from '../src/core/image';
import { readInputFile, InputFileError } from '../src/core/files';
import { prepareOriginal, scorePair } from '../src/core/critic/pixelCritic';
import { pngFromSamples, apng } from './support/pngCraft';
import { FIXTURES, ROOT } from './support/paths';

const dir = mkdtempSync(join(tmpdir(), 'recode-inputs-'));
const fivebars = readFileSync(join(FIXTURES, 'fivebars.png'));

test('a 16-bit RGB PNG of a chart decodes to the same pixels as its 8-bit original and scores 1 against it', () => {
  const eight = PNG.sync.read(fivebars);
  const { width: w, height: h } = eight;
  const rgb16 = new Uint16Array(w * h * 3);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) rgb16[i * 3 + c] = eight.data[i * 4 + c] * 257; // 8 → 16 bit exactly
  const img16 = decodeImage(pngFromSamples(w, h, 16, 2, rgb16), 'chart16.png');
  const img8 = decodeImage(fivebars, 'fivebars.png');
  assert.equal(img16.width, w);
  assert.equal(img16.height, h);
  let maxDiff = 0;
  for (let i = 0; i < img8.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(img8.data[i] - img16.data[i]));
  assert.ok(maxDiff <= 1, `pixels differ by up to ${maxDiff}`);
  assert.ok(scorePair(prepareOriginal(img8), img16).score > 0.99);
});

test('16-bit grey, grey+alpha and RGBA PNGs: values scaled to 8 bits, transparency composited over white', () => {
  // one row: black, mid grey, white
  const grey = decodeImage(pngFromSamples(3, 1, 16, 0, [0, 0x8080, 0xffff]));
  assert.deepEqual([...grey.data], [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  // grey+alpha: black at half opacity over white → mid grey; fully transparent → white
  const ga = decodeImage(pngFromSamples(2, 1, 16, 4, [0, 0x8080, 0, 0]));
  assert.ok(Math.abs(ga.data[0] - 127) <= 1 && ga.data[3] === 255, `half-transparent black gave ${ga.data[0]}`);
  assert.deepEqual([...ga.data.slice(4, 8)], [255, 255, 255, 255]);
  const rgba = decodeImage(pngFromSamples(1, 1, 16, 6, [0xffff, 0, 0, 0xffff]));
  assert.deepEqual([...rgba.data], [255, 0, 0, 255]);
});

test('a huge 16-bit PNG is refused from its header, before any pixel is decoded', () => {
  // 20000×20000 at 16-bit RGBA would be 3.2 GB decoded; the file itself is small (one short IDAT)
  const header = pngFromSamples(1, 1, 16, 6, [0, 0, 0, 0]);
  header.writeUInt32BE(20000, 16);
  header.writeUInt32BE(20000, 20);
  const t = Date.now();
  assert.throws(() => decodeImage(header, 'huge16.png'), (e: Error) => e instanceof ImageError && /20000×20000 pixels/.test(e.message) && /megapixels/.test(e.message));
  assert.ok(Date.now() - t < 1000);
});

test('an animated PNG: its default image (the first frame) is what gets derendered, the other frames are ignored', () => {
  const w = 4, h = 3;
  const red = Array.from({ length: w * h }, () => [255, 0, 0, 255]).flat();
  const blue = Array.from({ length: w * h }, () => [0, 0, 255, 255]).flat();
  const bytes = apng(w, h, [red, blue, blue]);
  const img = decodeImage(bytes, 'animated.png');
  assert.equal(img.width, w);
  assert.equal(img.height, h);
  for (let i = 0; i < w * h; i++) assert.deepEqual([...img.data.slice(i * 4, i * 4 + 4)], [255, 0, 0, 255]);
});

test('readInputFile follows a symlink to an image outside the working folder and reads it whole', async () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'recode-elsewhere-'));
  const target = join(elsewhere, 'chart.png');
  writeFileSync(target, fivebars);
  const link = join(dir, 'link.png');
  symlinkSync(target, link);
  const bytes = await readInputFile(link, 'image', MAX_IMAGE_BYTES);
  assert.equal(Buffer.compare(Buffer.from(bytes), fivebars), 0);
  assert.equal(decodeImage(bytes).width, 600);
});

test('readInputFile refuses, quickly and by name: a symlink to a device, a pipe, a folder, a broken link, a loop, an empty file, a huge file', async () => {
  const cases: { name: string; make: (p: string) => void; reason: RegExp }[] = [
    { name: 'zero.png', make: (p) => symlinkSync('/dev/zero', p), reason: /not a regular file/ },
    { name: 'pipe.png', make: (p) => execFileSync('mkfifo', [p]), reason: /not a regular file/ },
    { name: 'folder.png', make: (p) => mkdirSync(p), reason: /is a folder/ },
    { name: 'dangling.png', make: (p) => symlinkSync(join(dir, 'no-such-file.png'), p), reason: /symlink to nothing/ },
    { name: 'loop.png', make: (p) => { symlinkSync(join(dir, 'loop2.png'), p); symlinkSync(p, join(dir, 'loop2.png')); }, reason: /symlink loop/ },
    { name: 'empty.png', make: (p) => closeSync(openSync(p, 'w')), reason: /empty \(0 bytes\)/ },
    // sparse: 65 MB on paper, nothing on disk — refused from its size, never read
    { name: 'huge.png', make: (p) => { writeFileSync(p, fivebars); truncateSync(p, MAX_IMAGE_BYTES + 1024 * 1024); }, reason: /too large: 65 MB \(the limit is 64 MB\)/ },
  ];
  for (const c of cases) {
    const p = join(dir, c.name);
    c.make(p);
    const t = Date.now();
    await assert.rejects(readInputFile(p, 'image', MAX_IMAGE_BYTES), (e: Error) => {
      assert.ok(e instanceof InputFileError, `${c.name}: ${e}`);
      assert.match(e.message, c.reason, c.name);
      assert.ok(e.message.includes(p), `${c.name}: the message names the file`);
      return true;
    });
    assert.ok(Date.now() - t < 1000, `${c.name} took ${Date.now() - t} ms`);
  }
  await assert.rejects(readInputFile(join(dir, 'nothing.png'), 'image', MAX_IMAGE_BYTES), /image not found: .*nothing\.png/);
  // with a label (the extension names just the file)
  await assert.rejects(readInputFile(join(dir, 'folder.png'), 'image', MAX_IMAGE_BYTES, 'folder.png'), /^InputFileError: folder\.png is a folder/);
});

test('CLI: a pipe, /dev/zero behind a .png name and a text file named .png each end in one line and exit 1, at once', async () => {
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'these are my notes, not an image\n');
  const renderPng = join(FIXTURES, 'fivebars.png');
  for (const [image, reason] of [
    [join(dir, 'pipe.png'), /not a regular file/],
    [join(dir, 'zero.png'), /not a regular file/],
    [text, /not a PNG or JPEG image/],
  ] as const) {
    const t = Date.now();
    const r = await runCli(['score', image, renderPng]);
    assert.equal(r.status, 1, `${image}: ${r.stderr}`);
    assert.match(r.stderr, reason);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(Date.now() - t < 15_000, `took ${Date.now() - t} ms`);
  }
});

async function runCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const status = await new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}
