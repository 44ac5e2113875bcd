/**
 * The Pyodide package folder: numpy, matplotlib and their dependencies as wheels plus a
 * pyodide-lock.json restricted to them, so that the Pyodide renderer loads packages from disk and
 * never from a CDN at render time.
 *
 * - fetchPyodidePackages: download the dependency closure once (sha256 checked against the lock
 *   bundled with the Pyodide core), write each file atomically.
 * - importPyodidePackages: the same from a folder or archive (.tar.gz/.tgz/.tar/.zip), for
 *   machines without internet.
 * - checkPyodidePackages: is a folder complete and intact?
 * Node only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PYODIDE_VERSION = '314.0.7';
export const DEFAULT_PYODIDE_CDN = `https://cdn.jsdelivr.net/pyodide/v${PYODIDE_VERSION}/full/`;
export const LOCK_FILE = 'pyodide-lock.json';
/** What `recode prepare` should tell people (used in 'missing-package' errors). */
export const PREPARE_HINT =
  'Run `recode prepare` once to download matplotlib and its dependencies into the package folder (about 15 MB; every file is sha256-checked), or `recode prepare --from FOLDER|ARCHIVE` on a machine without internet.';

export interface LockPackage {
  name: string;
  version: string;
  file_name: string;
  sha256: string;
  depends: string[];
  imports: string[];
  install_dir?: string;
  package_type?: string;
  [key: string]: unknown;
}
export interface Lockfile {
  info: Record<string, unknown>;
  packages: Record<string, LockPackage>;
}

/**
 * Pyodide's core runtime folder: dist/pyodide next to the bundle (esbuild copies it there), else
 * the npm package's folder.
 */
export function defaultPyodideIndexDir(): string {
  const bundled = path.join(__dirname, 'pyodide');
  if (existsSync(path.join(bundled, 'pyodide.asm.wasm'))) return bundled;
  const sibling = path.join(__dirname, '..', 'pyodide');
  if (existsSync(path.join(sibling, 'pyodide.asm.wasm'))) return sibling;
  const pkg = 'pyodide/package.json'; // a variable: bundles resolve it at run time, next to node_modules
  return path.dirname(require.resolve(pkg));
}

/** The lock bundled with the Pyodide core (or the one at `lockFile`). */
export function readLock(lockFile?: string): Lockfile {
  const file = lockFile ?? path.join(defaultPyodideIndexDir(), LOCK_FILE);
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
  if (!lock || typeof lock !== 'object' || typeof lock.packages !== 'object') throw new Error(`${file} is not a Pyodide lock file`);
  return lock;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Finds a package by lock name or import name ('PIL' → pillow). */
function findPackage(lock: Lockfile, name: string): string | undefined {
  const n = normalize(name);
  for (const key of Object.keys(lock.packages)) if (normalize(key) === n) return key;
  for (const [key, p] of Object.entries(lock.packages)) if ((p.imports ?? []).includes(name)) return key;
  return undefined;
}

/** The dependency closure of `names` in the lock (lock keys, dependencies first). */
export function resolveClosure(lock: Lockfile, names: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, from?: string): void => {
    const key = findPackage(lock, name);
    if (!key) throw new Error(from ? `${from} depends on ${name}, which the Pyodide lock does not list` : `the Pyodide lock has no package named ${name}`);
    if (seen.has(key)) return;
    seen.add(key);
    for (const d of lock.packages[key].depends ?? []) visit(d, key);
    out.push(key);
  };
  for (const n of names) visit(n);
  return out;
}

async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(file)).digest('hex');
}

function safeFileName(fileName: string): string {
  const base = path.basename(fileName);
  if (!base || base !== fileName.split('/').pop() || base.startsWith('.') || /[\\/\0]/.test(base)) {
    throw new Error(`refusing the lock's file name ${JSON.stringify(fileName)}`);
  }
  return base;
}

/** Writes `data` to `file` through a temporary file in the same folder and a rename. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Does `file` hold exactly the bytes the lock names? */
async function intact(file: string, sha256: string): Promise<boolean> {
  try {
    const st = await fsp.lstat(file);
    if (!st.isFile()) return false;
    return (await sha256File(file)) === sha256;
  } catch {
    return false;
  }
}

/** Rewrites destDir's pyodide-lock.json to list exactly the packages of `lock` whose files are intact there. */
async function writeFolderLock(destDir: string, lock: Lockfile): Promise<string[]> {
  const packages: Record<string, LockPackage> = {};
  for (const [key, p] of Object.entries(lock.packages)) {
    let base: string;
    try {
      base = safeFileName(p.file_name);
    } catch {
      continue;
    }
    if (await intact(path.join(destDir, base), p.sha256)) packages[key] = { ...p, file_name: base };
  }
  // keep only packages whose dependencies are all present, so loading the folder cannot reach out
  let changed = true;
  while (changed) {
    changed = false;
    for (const [key, p] of Object.entries(packages)) {
      if ((p.depends ?? []).some((d) => !findPackage({ info: {}, packages }, d))) {
        delete packages[key];
        changed = true;
      }
    }
  }
  await writeFileAtomic(path.join(destDir, LOCK_FILE), JSON.stringify({ info: lock.info, packages }, null, 1) + '\n');
  return Object.keys(packages);
}

export interface PackageProgress {
  name: string;
  file: string;
  index: number;
  total: number;
  state: 'cached' | 'downloading' | 'downloaded' | 'imported' | 'rejected';
  bytes?: number;
  /** One line for a progress display, e.g. 'numpy-2.4.6-….whl: downloaded (3/12)'. */
  message: string;
  /** Share of the files done, in [0,1]. */
  fraction: number;
}

function progressEvent(name: string, file: string, index: number, total: number, state: PackageProgress['state'], bytes?: number): PackageProgress {
  const done = state === 'downloading' ? index : index + 1;
  const size = bytes !== undefined ? ` ${(bytes / 1048576).toFixed(1)} MB` : '';
  return { name, file, index, total, state, bytes, message: `${file}: ${state}${size} (${done}/${total})`, fraction: total ? done / total : 1 };
}

export interface FetchOptions {
  destDir: string;
  /** Packages (and their dependencies) to fetch. Default ['matplotlib']. */
  packages?: string[];
  /** The lock to resolve and verify against. Default: the one bundled with the Pyodide core. */
  lockFile?: string;
  /** Where the wheels are. Default DEFAULT_PYODIDE_CDN. */
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  onProgress?: (p: PackageProgress) => void;
  /** Per file. Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchResult {
  dir: string;
  /** The closure that was asked for (lock names). */
  packages: string[];
  downloaded: string[];
  cached: string[];
  bytes: number;
}

/**
 * Downloads the dependency closure of `packages` into destDir, each file once (files already
 * there with the right sha256 are kept), verifying every sha256 against the lock and writing
 * atomically; then writes destDir/pyodide-lock.json listing what is there. Throws a one-line
 * Error on the first failure (nothing corrupt is ever left in destDir).
 */
export async function fetchPyodidePackages(opts: FetchOptions): Promise<FetchResult> {
  const lock = readLock(opts.lockFile);
  const names = resolveClosure(lock, opts.packages ?? ['matplotlib']);
  const baseUrl = (opts.baseUrl ?? DEFAULT_PYODIDE_CDN).replace(/\/?$/, '/');
  const fetchImpl = opts.fetchImpl ?? fetch;
  await fsp.mkdir(opts.destDir, { recursive: true });
  const result: FetchResult = { dir: opts.destDir, packages: names, downloaded: [], cached: [], bytes: 0 };
  for (let i = 0; i < names.length; i++) {
    const p = lock.packages[names[i]];
    const file = safeFileName(p.file_name);
    const dest = path.join(opts.destDir, file);
    const progress = (state: PackageProgress['state'], bytes?: number): void =>
      opts.onProgress?.(progressEvent(names[i], file, i, names.length, state, bytes));
    if (await intact(dest, p.sha256)) {
      result.cached.push(names[i]);
      progress('cached');
      continue;
    }
    const url = new URL(p.file_name, baseUrl).href;
    progress('downloading');
    let data: Uint8Array;
    try {
      const signals = [AbortSignal.timeout(opts.timeoutMs ?? 120_000)];
      if (opts.signal) signals.push(opts.signal);
      const res = await fetchImpl(url, { signal: AbortSignal.any(signals) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      data = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      const err = e as Error & { cause?: { message?: string } };
      const why = err.name === 'TimeoutError' ? 'timed out' : `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`;
      throw new Error(`could not download ${file} from ${url}: ${why}`);
    }
    const sha = createHash('sha256').update(data).digest('hex');
    if (sha !== p.sha256) {
      progress('rejected', data.length);
      throw new Error(`${file} from ${url} has sha256 ${sha}, but the Pyodide lock says ${p.sha256}: refused`);
    }
    await writeFileAtomic(dest, data);
    result.downloaded.push(names[i]);
    result.bytes += data.length;
    progress('downloaded', data.length);
  }
  await writeFolderLock(opts.destDir, lock);
  return result;
}

export interface ImportResult {
  dir: string;
  packages: string[];
  imported: string[];
  /** Files found with the right name but the wrong content. */
  rejected: Array<{ file: string; reason: string }>;
  /** Packages of the closure not found (or rejected). */
  missing: string[];
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 300_000, maxBuffer: 16 << 20 }, (err, _out, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new Error(code === 'ENOENT' ? `${cmd} failed: ENOENT (not installed)` : `${cmd} failed: ${(String(stderr).trim().split('\n').pop() || err.message).slice(0, 300)}`));
      } else resolve();
    });
  });
}

async function listFiles(dir: string, depth = 0, out: Map<string, string> = new Map()): Promise<Map<string, string>> {
  if (depth > 6) return out;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await listFiles(full, depth + 1, out);
    else if (e.isFile() && !out.has(e.name)) out.set(e.name, full);
  }
  return out;
}

/**
 * Imports the closure of `packages` (default ['matplotlib']) from a folder or an archive
 * (.tar.gz, .tgz, .tar or .zip, unpacked with the system's tar / unzip into a temporary folder),
 * verifying every file's sha256 against the lock; intact files are copied atomically into destDir,
 * others are reported as rejected. Then writes destDir/pyodide-lock.json.
 */
export async function importPyodidePackages(
  fromPathOrArchive: string,
  destDir: string,
  opts: { packages?: string[]; lockFile?: string; onProgress?: (p: PackageProgress) => void } = {},
): Promise<ImportResult> {
  const st = await fsp.stat(fromPathOrArchive).catch(() => null);
  if (!st) throw new Error(`${fromPathOrArchive} does not exist`);
  const lower = fromPathOrArchive.toLowerCase();
  const kind = st.isDirectory() ? 'folder' : lower.endsWith('.zip') ? 'zip' : lower.endsWith('.tar.gz') || lower.endsWith('.tgz') ? 'tgz' : lower.endsWith('.tar') ? 'tar' : undefined;
  if (!kind) throw new Error(`${fromPathOrArchive}: not a folder, .tar.gz, .tgz, .tar or .zip`);
  const lock = readLock(opts.lockFile);
  const names = resolveClosure(lock, opts.packages ?? ['matplotlib']);
  let source = fromPathOrArchive;
  let tmp: string | undefined;
  try {
    if (kind !== 'folder') {
      tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'recode-import-'));
      if (kind === 'zip') {
        const dir = tmp;
        await run('unzip', ['-q', '-o', fromPathOrArchive, '-d', dir]).catch(async (e: Error) => {
          // no unzip on this machine: Python's zipfile (it strips absolute and '..' paths too)
          if (!/ENOENT/.test(e.message)) throw e;
          await run(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-m', 'zipfile', '-e', fromPathOrArchive, dir]);
        });
      }
      else await run('tar', [kind === 'tgz' ? '-xzf' : '-xf', fromPathOrArchive, '-C', tmp, '--no-same-owner']);
      source = tmp;
    }
    const files = await listFiles(source);
    await fsp.mkdir(destDir, { recursive: true });
    const result: ImportResult = { dir: destDir, packages: names, imported: [], rejected: [], missing: [] };
    for (let i = 0; i < names.length; i++) {
      const p = lock.packages[names[i]];
      const file = safeFileName(p.file_name);
      const dest = path.join(destDir, file);
      const progress = (state: PackageProgress['state']): void =>
        opts.onProgress?.(progressEvent(names[i], file, i, names.length, state));
      const found = files.get(file);
      if (!found) {
        if (await intact(dest, p.sha256)) {
          progress('cached');
          continue;
        }
        result.missing.push(names[i]);
        continue;
      }
      const data = await fsp.readFile(found);
      const sha = createHash('sha256').update(data).digest('hex');
      if (sha !== p.sha256) {
        result.rejected.push({ file, reason: `sha256 ${sha} is not the lock's ${p.sha256}` });
        result.missing.push(names[i]);
        progress('rejected');
        continue;
      }
      await writeFileAtomic(dest, data);
      result.imported.push(names[i]);
      progress('imported');
    }
    await writeFolderLock(destDir, lock);
    return result;
  } finally {
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Is `dir` a complete, intact package folder for `packages` (default ['matplotlib'])?
 * missing: packages of the closure whose wheel is absent or that dir's pyodide-lock.json does not
 * list; corrupt: wheels present with the wrong sha256; problem: one line saying what is wrong and
 * how to fix it (when !ok).
 */
export async function checkPyodidePackages(
  dir: string,
  packages: string[] = ['matplotlib'],
  opts: { lockFile?: string } = {},
): Promise<{ ok: boolean; missing: string[]; corrupt: string[]; problem?: string }> {
  const lock = readLock(opts.lockFile);
  const names = resolveClosure(lock, packages);
  let folderLock: Lockfile | undefined;
  try {
    folderLock = readLock(path.join(dir, LOCK_FILE));
  } catch {
    folderLock = undefined;
  }
  const missing: string[] = [];
  const corrupt: string[] = [];
  for (const name of names) {
    const p = lock.packages[name];
    const file = path.join(dir, safeFileName(p.file_name));
    const listed = folderLock?.packages[name];
    if (!existsSync(file)) {
      missing.push(name);
      continue;
    }
    if (!(await intact(file, p.sha256))) {
      corrupt.push(name);
      continue;
    }
    if (!listed || listed.sha256 !== p.sha256) missing.push(name);
  }
  const ok = missing.length === 0 && corrupt.length === 0;
  const problems: string[] = [];
  if (missing.length) problems.push(`missing in ${dir}: ${missing.join(', ')}`);
  if (corrupt.length) problems.push(`corrupt (sha256 differs from the lock): ${corrupt.join(', ')}`);
  return ok ? { ok, missing, corrupt } : { ok, missing, corrupt, problem: `${problems.join('; ')}. ${PREPARE_HINT}` };
}
