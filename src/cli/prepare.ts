/** `recode prepare`: get Pyodide's matplotlib packages once (download + sha256), or import them. */
import { fetchPyodidePackages, importPyodidePackages, checkPyodidePackages } from '../core/render/pyodidePackages';

export async function prepareCommand(o: { from?: string; dir: string }): Promise<void> {
  const before = await checkPyodidePackages(o.dir, ['matplotlib']);
  if (before.ok && !o.from) {
    process.stdout.write(`Pyodide packages are ready in ${o.dir}\n`);
    return;
  }
  if (o.from) {
    process.stdout.write(`importing Pyodide packages from ${o.from} into ${o.dir} (checking every sha256)…\n`);
    await importPyodidePackages(o.from, o.dir);
  } else {
    process.stdout.write(`downloading matplotlib and its dependencies for Pyodide into ${o.dir} (checking every sha256)…\n`);
    try {
      await fetchPyodidePackages({ destDir: o.dir, packages: ['matplotlib'] });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(
        `could not download the packages (${why}). On a machine without internet, copy them from one with it and run \`recode prepare --from FOLDER\`, or use --renderer python with a local matplotlib.`,
      );
    }
  }
  const after = await checkPyodidePackages(o.dir, ['matplotlib']);
  if (!after.ok) throw new Error(`packages still incomplete in ${o.dir}: missing ${after.missing.join(', ') || '-'}; corrupt ${after.corrupt.join(', ') || '-'}`);
  process.stdout.write(`Pyodide packages are ready in ${o.dir}\n`);
}
