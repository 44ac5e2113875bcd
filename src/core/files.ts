/**
 * Writing results without ever losing or overwriting anything: every file goes to a temporary name
 * first and is renamed into place; an existing file is never replaced. And reading what the user
 * gives without blocking on a pipe or loading a device or a huge file.
 */
import { promises as fs, constants } from 'node:fs';
import { dirname, join, basename, extname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `path` atomically; refuses (throws EEXIST) if it already exists unless `overwrite`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, overwrite = false): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  await fs.writeFile(tmp, data, { flag: 'wx' });
  try {
    if (overwrite) {
      await fs.rename(tmp, path);
    } else {
      // link() fails if the target exists: an atomic "create if absent".
      await fs.link(tmp, path);
      await fs.unlink(tmp);
    }
  } catch (e) {
    await fs.unlink(tmp).catch(() => {});
    throw e;
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

/** A new empty directory: `dir` itself if absent or empty, else `dir/<sub>`. */
export async function freshDir(dir: string, sub: string): Promise<string> {
  try {
    const entries = await fs.readdir(dir);
    if (entries.length === 0) return dir;
    const p = await freePath(join(dir, sub));
    await fs.mkdir(p, { recursive: true });
    return p;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await fs.mkdir(dir, { recursive: true });
    return dir;
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
