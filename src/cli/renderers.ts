/**
 * Which renderer the CLI uses: `pyodide` (sandboxed WebAssembly; needs the matplotlib packages
 * prepared once), `python` (local CPython with matplotlib), or `auto` (Pyodide when its packages
 * are there, else a local python with matplotlib, else a clear error saying how to get either).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Renderer } from '../core/types';
import { createPyodideRenderer } from '../core/render/pyodideRenderer';
import { createPythonRenderer, findPython } from '../core/render/pythonRenderer';
import { checkPyodidePackages } from '../core/render/pyodidePackages';

export type RendererChoice = 'auto' | 'pyodide' | 'python';

/** Where `recode prepare` keeps Pyodide's packages: $RECODE_PACKAGES, else the user cache. */
export function defaultPackageDir(): string {
  if (process.env.RECODE_PACKAGES) return process.env.RECODE_PACKAGES;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'recode', 'pyodide-packages');
}

export async function chooseRenderer(choice: RendererChoice, o: { pythonPath?: string; packageDir?: string }): Promise<Renderer> {
  const packageDir = o.packageDir ?? defaultPackageDir();
  if (choice === 'pyodide') return createPyodideRenderer({ packageDir });
  if (choice === 'python') {
    const py = await findPython(o.pythonPath ? [o.pythonPath] : undefined);
    if (!py) {
      throw new Error(
        o.pythonPath
          ? `${o.pythonPath} cannot import matplotlib; install it (e.g. apt-get install python3-matplotlib) or pass another --python`
          : 'no python with matplotlib found (tried python3, /usr/bin/python3, python); install it (apt-get install python3-matplotlib) or pass --python',
      );
    }
    return createPythonRenderer({ pythonPath: py.path });
  }
  const pk = await checkPyodidePackages(packageDir, ['matplotlib']);
  if (pk.ok) return createPyodideRenderer({ packageDir });
  const py = await findPython(o.pythonPath ? [o.pythonPath] : undefined);
  if (py) return createPythonRenderer({ pythonPath: py.path });
  throw new Error(
    `no renderer available: Pyodide's matplotlib packages are not in ${packageDir} (run \`recode prepare\`, or \`recode prepare --from FOLDER\` offline) and no local python has matplotlib (apt-get install python3-matplotlib)`,
  );
}
