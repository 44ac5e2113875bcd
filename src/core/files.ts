/**
 * Writing results without ever losing or overwriting anything: every file goes to a temporary name
 * first and is renamed into place; an existing file is never replaced.
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
