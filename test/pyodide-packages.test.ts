// The Pyodide package folder: fetching wheels over HTTP (a local server on 127.0.0.1), importing
// them from a folder or an archive, and checking a folder — every file verified against the lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  checkPyodidePackages,
  fetchPyodidePackages,
  importPyodidePackages,
  readLock,
  resolveClosure,
} from '../src/core/render/pyodidePackages';
import { buildWheel, writeLock, type BuiltWheel } from './support/testWheel';
import { SYSTEM_PYTHON } from './support/paths';

let work: string;
let wheelsDir: string;
let lockFile: string;
let a: BuiltWheel;
let b: BuiltWheel;
let c: BuiltWheel;
let server: Server;
let baseUrl: string;
const requests: string[] = [];
/** Files the server serves with other content than the wheel of that name. */
const tampered = new Map<string, Buffer>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'recode-pkgtest-'));
  wheelsDir = join(work, 'wheels');
  mkdirSync(wheelsDir);
  b = buildWheel(wheelsDir, { name: 'recode-b', module: 'recode_b', source: 'B = 2\n' });
  a = buildWheel(wheelsDir, { name: 'recode-a', module: 'recode_a', source: 'from recode_b import B\nA = 1 + B\n', depends: ['recode-b'] });
  c = buildWheel(wheelsDir, { name: 'recode-c', module: 'recode_c', source: 'C = 3\n' });
  lockFile = join(work, 'pyodide-lock.json');
  writeLock(lockFile, [a, b, c]);
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    requests.push(name);
    const t = tampered.get(name);
    if (t) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(t);
      return;
    }
    const file = join(wheelsDir, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

const folderLock = (dir: string): { packages: Record<string, { sha256: string; file_name: string }> } =>
  JSON.parse(readFileSync(join(dir, 'pyodide-lock.json'), 'utf8'));

test('the closure of matplotlib in the bundled lock holds numpy and its other dependencies', () => {
  const names = resolveClosure(readLock(), ['matplotlib']);
  for (const n of ['matplotlib', 'numpy', 'pillow', 'kiwisolver', 'contourpy', 'cycler', 'fonttools', 'pyparsing', 'python-dateutil', 'six']) {
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  }
  assert.ok(names.indexOf('numpy') < names.indexOf('matplotlib'), 'dependencies come first');
  assert.throws(() => resolveClosure(readLock(), ['no-such-package']), /no package named no-such-package/);
});

test('fetch downloads the dependency closure once, verifies it and writes a lock of what is there', async () => {
  const dest = join(work, 'fetched');
  const progress: string[] = [];
  requests.length = 0;
  const r = await fetchPyodidePackages({ destDir: dest, packages: ['recode-a'], lockFile, baseUrl, onProgress: (p) => progress.push(`${p.name}:${p.state}`) });
  assert.deepEqual(r.packages.sort(), ['recode-a', 'recode-b']);
  assert.deepEqual(r.downloaded.sort(), ['recode-a', 'recode-b']);
  assert.deepEqual(requests.sort(), [a.file, b.file].sort(), 'recode-c is not part of the closure');
  assert.deepEqual(readFileSync(join(dest, a.file)), readFileSync(a.path));
  const lock = folderLock(dest);
  assert.deepEqual(Object.keys(lock.packages).sort(), ['recode-a', 'recode-b']);
  assert.equal(lock.packages['recode-a'].sha256, a.sha256);
  assert.ok(progress.includes('recode-b:downloaded'));
  assert.deepEqual(readdirSync(dest).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  // second time: nothing is downloaded again
  requests.length = 0;
  const again = await fetchPyodidePackages({ destDir: dest, packages: ['recode-a'], lockFile, baseUrl });
  assert.deepEqual(again.cached.sort(), ['recode-a', 'recode-b']);
  assert.deepEqual(requests, []);
  assert.deepEqual(await checkPyodidePackages(dest, ['recode-a'], { lockFile }), { ok: true, missing: [], corrupt: [] });
});

test('a file whose sha256 differs from the lock is refused and never written', async () => {
  const dest = join(work, 'tampered');
  tampered.set(b.file, Buffer.concat([readFileSync(b.path), Buffer.from('evil')]));
  try {
    await assert.rejects(
      fetchPyodidePackages({ destDir: dest, packages: ['recode-a'], lockFile, baseUrl }),
      (e: Error) => e.message.includes(b.file) && /sha256/.test(e.message) && /refused/.test(e.message),
    );
  } finally {
    tampered.delete(b.file);
  }
  assert.equal(existsSync(join(dest, b.file)), false, 'the tampered wheel is not in the folder');
  assert.deepEqual(readdirSync(dest).filter((f) => f.endsWith('.tmp')), []);
  const check = await checkPyodidePackages(dest, ['recode-a'], { lockFile });
  assert.equal(check.ok, false);
  assert.ok(check.missing.includes('recode-b'));
  assert.match(check.problem ?? '', /recode prepare/);
});

test('a missing file on the server is a clear error', async () => {
  const lock2 = join(work, 'lock-missing.json');
  const ghost = { ...a, name: 'recode-ghost', file: 'recode_ghost-1.0.0-py3-none-any.whl', entry: { ...a.entry, name: 'recode-ghost', file_name: 'recode_ghost-1.0.0-py3-none-any.whl', depends: [] } };
  writeLock(lock2, [ghost]);
  await assert.rejects(
    fetchPyodidePackages({ destDir: join(work, 'ghost'), packages: ['recode-ghost'], lockFile: lock2, baseUrl }),
    /could not download recode_ghost-1\.0\.0-py3-none-any\.whl from http:\/\/127\.0\.0\.1:\d+\/.*HTTP 404/,
  );
});

test('import from a folder, a .tar.gz and a .zip, verifying every file', async () => {
  // a folder holding the wheels somewhere inside, plus unrelated files
  const src = join(work, 'offline', 'nested');
  mkdirSync(src, { recursive: true });
  for (const w of [a, b, c]) copyFileSync(w.path, join(src, w.file));
  writeFileSync(join(src, 'README.txt'), 'hello');
  const fromFolder = join(work, 'from-folder');
  const r1 = await importPyodidePackages(join(work, 'offline'), fromFolder, { packages: ['recode-a'], lockFile });
  assert.deepEqual(r1.imported.sort(), ['recode-a', 'recode-b']);
  assert.deepEqual(r1.missing, []);
  assert.equal(existsSync(join(fromFolder, c.file)), false, 'only the closure is imported');
  assert.deepEqual(Object.keys(folderLock(fromFolder).packages).sort(), ['recode-a', 'recode-b']);

  const tgz = join(work, 'wheels.tar.gz');
  assert.equal(spawnSync('tar', ['-czf', tgz, '-C', join(work, 'offline'), '.']).status, 0);
  const fromTgz = join(work, 'from-tgz');
  const r2 = await importPyodidePackages(tgz, fromTgz, { packages: ['recode-a'], lockFile });
  assert.deepEqual(r2.imported.sort(), ['recode-a', 'recode-b']);
  assert.equal((await checkPyodidePackages(fromTgz, ['recode-a'], { lockFile })).ok, true);

  // a zip whose copy of recode-b was altered: refused, reported, not copied
  const zip = join(work, 'wheels.zip');
  const zipPy = `import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w')\nz.write(sys.argv[2],'x/'+sys.argv[4])\nz.writestr('x/'+sys.argv[5], open(sys.argv[3],'rb').read()+b'tampered')\nz.close()`;
  assert.equal(spawnSync(SYSTEM_PYTHON, ['-c', zipPy, zip, a.path, b.path, a.file, b.file]).status, 0);
  const fromZip = join(work, 'from-zip');
  const r3 = await importPyodidePackages(zip, fromZip, { packages: ['recode-a'], lockFile });
  assert.deepEqual(r3.imported, ['recode-a']);
  assert.deepEqual(r3.missing, ['recode-b']);
  assert.equal(r3.rejected.length, 1);
  assert.equal(r3.rejected[0].file, b.file);
  assert.equal(existsSync(join(fromZip, b.file)), false);
  // recode-a depends on the missing recode-b, so the folder's lock does not offer it either
  assert.deepEqual(Object.keys(folderLock(fromZip).packages), []);

  await assert.rejects(importPyodidePackages(join(work, 'nope.tar.gz'), join(work, 'x'), { lockFile }), /does not exist/);
  writeFileSync(join(work, 'weird.rar'), 'x');
  await assert.rejects(importPyodidePackages(join(work, 'weird.rar'), join(work, 'x'), { lockFile }), /not a folder, \.tar\.gz/);
});

test('check reports missing and corrupt wheels', async () => {
  const dir = join(work, 'check');
  await importPyodidePackages(wheelsDir, dir, { packages: ['recode-a', 'recode-c'], lockFile });
  assert.equal((await checkPyodidePackages(dir, ['recode-a', 'recode-c'], { lockFile })).ok, true);
  writeFileSync(join(dir, c.file), 'not a wheel');
  rmSync(join(dir, b.file));
  const r = await checkPyodidePackages(dir, ['recode-a', 'recode-c'], { lockFile });
  assert.equal(r.ok, false);
  assert.deepEqual(r.missing, ['recode-b']);
  assert.deepEqual(r.corrupt, ['recode-c']);
  // with the real lock, an empty folder misses all of matplotlib's closure
  const empty = await checkPyodidePackages(join(work, 'empty'));
  assert.equal(empty.ok, false);
  assert.ok(empty.missing.includes('numpy') && empty.missing.includes('matplotlib'));
});
