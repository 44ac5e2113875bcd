/**
 * Writing results without ever losing or overwriting anything: every file goes to a temporary name
 * first and is renamed into place; an existing file is never replaced. And reading what the user
 * gives without blocking on a pipe or loading a device or a huge file.
 */
import { promises as fs, constants } from 'node:fs';
import { dirname, join, basename, extname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A file or folder that could not be written, with one plain sentence saying why. */
export class FileWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'FileWriteError';
  }
}

/** One plain sentence for a failed write of `path` (what a user can do about it included). */
export function writeErrorText(e: unknown, path: string): string {
  if (e instanceof FileWriteError) return e.message;
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOSPC':
      return `cannot write ${path}: the disk is full`;
    case 'EDQUOT':
      return `cannot write ${path}: the disk quota is used up`;
    case 'EROFS':
      return `cannot write ${path}: it is on a read-only file system`;
    case 'EACCES':
    case 'EPERM':
      return `cannot write ${path}: permission denied`;
    case 'EEXIST':
      return `${path} already exists; recode never overwrites a file — choose another name`;
    case 'ENOTDIR':
      return `cannot write ${path}: a folder on its path is a file`;
    case 'EISDIR':
      return `cannot write ${path}: it is a folder`;
    case 'ENAMETOOLONG':
      return `cannot write ${path}: the name is too long`;
    case 'EMFILE':
    case 'ENFILE':
      return `cannot write ${path}: too many open files`;
    case 'EIO':
      return `cannot write ${path}: the disk reported an input/output error`;
    default:
      return `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function writeError(e: unknown, path: string): FileWriteError {
  return e instanceof FileWriteError ? e : new FileWriteError(writeErrorText(e, path), (e as NodeJS.ErrnoException)?.code);
}

/**
 * Refuses, before any work, a path that cannot become a new file: it exists (as a file, a folder,
 * or a symlink — even one to nothing, which recode does not write through), or its folder is a
 * file. A missing folder is fine (it is created when written).
 */
export async function checkNewFile(path: string): Promise<void> {
  const st = await fs.lstat(path).catch(() => undefined);
  if (st?.isSymbolicLink()) {
    const target = await fs.stat(path).catch(() => undefined);
    throw new FileWriteError(
      target
        ? `${path} already exists (a symlink); recode never overwrites a file — choose another name`
        : `${path} is a symlink to nothing; recode does not write through a symlink — remove it or choose another name`,
      'EEXIST',
    );
  }
  if (st?.isDirectory()) throw new FileWriteError(`${path} is a folder; give a file name`, 'EISDIR');
  if (st) throw new FileWriteError(`${path} already exists; recode never overwrites a file — choose another name`, 'EEXIST');
  let dir = dirname(path);
  for (;;) {
    const d = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => e);
    if (!(d instanceof Error)) {
      if (!d.isDirectory()) throw new FileWriteError(`cannot write ${path}: ${dir} is a file, not a folder`, 'ENOTDIR');
      return;
    }
    if (d.code !== 'ENOENT' || dirname(dir) === dir) return;
    dir = dirname(dir);
  }
}

/**
 * Writes `path` atomically; refuses if it already exists unless `overwrite`. Whatever fails, no
 * temporary file and no folder it created is left behind, and the error is a FileWriteError with
 * one plain sentence (the disk is full, read-only, the name exists …).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, overwrite = false): Promise<void> {
  const created = await mkdirs(dirname(path)).catch((e: unknown) => {
    throw writeError(e, path);
  });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  let tmpMade = false;
  try {
    const handle = await fs.open(tmp, 'wx');
    tmpMade = true;
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await fs.rename(tmp, path);
    } else {
      // link() fails if the target exists (a dangling symlink included): an atomic "create if absent".
      await fs.link(tmp, path).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') await checkNewFile(path);
        throw e;
      });
      await fs.unlink(tmp);
    }
    tmpMade = false;
  } catch (e) {
    if (tmpMade) await fs.unlink(tmp).catch(() => {});
    if (created) await removeEmptyDirs(created, dirname(path));
    throw writeError(e, path);
  }
}

/** mkdir -p; returns the first folder it created (undefined if all existed). */
async function mkdirs(dir: string): Promise<string | undefined> {
  return fs.mkdir(dir, { recursive: true });
}

/** Removes `leaf` and its parents up to `top` (which mkdirs created), as far as they are empty. */
async function removeEmptyDirs(top: string, leaf: string): Promise<void> {
  let d = leaf;
  for (;;) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    }
    if (d === top || dirname(d) === d) return;
    d = dirname(d);
  }
}

/** `name.ext`, or `name-2.ext`, `name-3.ext`… — the first that does not exist. */
export async function freePath(path: string): Promise<string> {
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let i = 1; i < 10_000; i++) {
    const p = i === 1 ? path : `${stem}-${i}${ext}`;
    try {
      await fs.access(p, constants.F_OK);
    } catch {
      return p;
    }
  }
  throw new Error(`no free file name near ${path}`);
}

/**
 * A new empty directory: `dir` itself if absent or empty, else `dir/<sub>`. Failures are a
 * FileWriteError with one plain sentence (`dir` is a file, the disk is read-only …).
 */
export async function freshDir(dir: string, sub: string): Promise<string> {
  try {
    const st = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st && !st.isDirectory()) throw new FileWriteError(`${dir} is a file, not a folder; give a folder for the results`, 'ENOTDIR');
    if (!st) {
      await fs.mkdir(dir, { recursive: true });
      return dir;
    }
    const entries = await fs.readdir(dir);
    if (entries.length === 0) return dir;
    const p = await freePath(join(dir, sub));
    await fs.mkdir(p, { recursive: true });
    return p;
  } catch (e) {
    throw writeError(e, dir);
  }
}

/**
 * Checks, before any work, that results can be written under `dir`: creates it (and its parents)
 * if absent, refuses a file, and proves it writable with a probe file (removed at once). A
 * FileWriteError with one plain sentence otherwise.
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    const st = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st && !st.isDirectory()) throw new FileWriteError(`${dir} is a file, not a folder; give a folder for the results`, 'ENOTDIR');
    if (!st) await fs.mkdir(dir, { recursive: true });
    const probe = join(dir, `.recode-probe.${randomBytes(4).toString('hex')}.tmp`);
    const h = await fs.open(probe, 'wx');
    try {
      await h.writeFile('probe');
    } finally {
      await h.close();
      await fs.unlink(probe).catch(() => {});
    }
  } catch (e) {
    throw writeError(e, dir);
  }
}

export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}

/**
 * Reads a file the user gave (an image, a program), following symlinks, with a one-line reason
 * when it cannot be: missing (or a broken symlink), a folder, not a regular file (a pipe, a device
 * such as /dev/zero, a socket: reading those could block or never end), empty, or over `maxBytes`
 * — checked before reading, so a huge file is never loaded. Messages name it `${what} ${path}`,
 * or `label` when given (e.g. just the file name).
 */
export async function readInputFile(path: string, what: string, maxBytes: number, label?: string): Promise<Uint8Array> {
  const name = label ?? `${what} ${path}`;
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const link = await fs.lstat(path).catch(() => undefined);
      throw new InputFileError(link?.isSymbolicLink() ? `${name} is a symlink to nothing (its target does not exist)` : label ? `${label} does not exist` : `${what} not found: ${path}`);
    }
    if (code === 'EACCES') throw new InputFileError(`cannot read ${name}: permission denied`);
    if (code === 'ELOOP') throw new InputFileError(`${name} is a symlink loop`);
    throw new InputFileError(`cannot read ${name}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new InputFileError(`${name} is a folder, not a file`);
  if (!st.isFile()) throw new InputFileError(`${name} is not a regular file (a device, pipe or socket)`);
  if (st.size === 0) throw new InputFileError(`${name} is empty (0 bytes)`);
  if (st.size > maxBytes) throw new InputFileError(`${name} is too large: ${(st.size / 1048576).toFixed(0)} MB (the limit is ${(maxBytes / 1048576).toFixed(0)} MB)`);
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: Error) => {
    throw new InputFileError(`cannot read ${name}: ${e.message}`);
  });
  try {
    // the path may have been swapped between the look and the open
    if (!(await handle.stat()).isFile()) throw new InputFileError(`${name} is not a regular file (a device, pipe or socket)`);
    // read no more than was there when we looked (a file growing meanwhile cannot blow the limit)
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off === 0) throw new InputFileError(`${name} is empty (0 bytes)`);
    return new Uint8Array(buf.buffer, buf.byteOffset, off);
  } finally {
    await handle.close();
  }
}
