/**
 * Which renderer the CLI uses: `pyodide` (sandboxed WebAssembly; needs the matplotlib packages
 * prepared once), `python` (local CPython with matplotlib), or `auto` (Pyodide when its packages
 * are there, else a local python with matplotlib when bubblewrap can isolate its programs, else a
 * clear error saying how to get either). The local renderer runs programs without the bubblewrap
 * sandbox only with --unisolated, and then says so on stderr on every run.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Renderer } from '../core/types';
import { createPyodideRenderer } from '../core/render/pyodideRenderer';
import { UNISOLATED_WARNING, createPythonRenderer } from '../core/render/pythonRenderer';
import { pickRenderer, type RendererChoice } from '../core/render/choose';
import { checkPyodidePackages } from '../core/render/pyodidePackages';

export type { RendererChoice };

/** Where `recode prepare` keeps Pyodide's packages: $RECODE_PACKAGES, else the user cache. */
export function defaultPackageDir(): string {
  if (process.env.RECODE_PACKAGES) return process.env.RECODE_PACKAGES;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'recode', 'pyodide-packages');
}

/** The CLI flag that lets the local python run programs without the bubblewrap sandbox. */
export const UNISOLATED_FLAG = '--unisolated';
export const UNISOLATED_HELP = 'let the python renderer run programs WITHOUT the bubblewrap sandbox where it is not available (no bwrap, macOS, Windows)';

function localPython(path: string, allowUnisolated: boolean, isolated: boolean, warn: (line: string) => void, maxConcurrent?: number): Renderer {
  if (!isolated) warn(`recode: WARNING ${UNISOLATED_WARNING} (${path}); they can read and write your files and reach the network`);
  return createPythonRenderer({ pythonPath: path, allowUnisolated, maxConcurrent });
}

export async function chooseRenderer(
  choice: RendererChoice,
  o: { pythonPath?: string; packageDir?: string; unisolated?: boolean; warn?: (line: string) => void; renderConcurrency?: number },
): Promise<Renderer> {
  const packageDir = o.packageDir ?? defaultPackageDir();
  const warn = o.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const allow = o.unisolated === true;
  // Pyodide when asked for, prepared or not: it says what is missing when it starts.
  if (choice === 'pyodide') return createPyodideRenderer({ packageDir });
  const pick = await pickRenderer(choice, {
    packagesReady: async () => (await checkPyodidePackages(packageDir, ['matplotlib'])).ok,
    pythonPath: o.pythonPath,
    allowUnisolated: allow,
  });
  switch (pick.use) {
    case 'pyodide':
      return createPyodideRenderer({ packageDir });
    case 'python':
      return localPython(pick.python.path, allow, pick.isolated, warn, o.renderConcurrency);
  }
  switch (pick.why) {
    case 'no-python':
    case 'packages-missing':
      throw new Error(
        o.pythonPath
          ? `${o.pythonPath} cannot import matplotlib; install it (e.g. apt-get install python3-matplotlib) or pass another --python`
          : 'no python with matplotlib found (tried python3, /usr/bin/python3, python); install it (apt-get install python3-matplotlib) or pass --python',
      );
    case 'cannot-isolate':
      throw new Error(
        choice === 'python'
          ? `the python renderer cannot isolate programs here (${pick.reason}): install bubblewrap (apt-get install bubblewrap), use --renderer pyodide, or pass ${UNISOLATED_FLAG} to run them unisolated`
          : `no isolated renderer available: Pyodide's matplotlib packages are not in ${packageDir} (run \`recode prepare\`), and ${pick.python.path} cannot be isolated here (${pick.reason}); install bubblewrap (apt-get install bubblewrap), or pass ${UNISOLATED_FLAG} to run programs in the local python unisolated`,
      );
    case 'nothing':
      throw new Error(
        `no renderer available: Pyodide's matplotlib packages are not in ${packageDir} (run \`recode prepare\`, or \`recode prepare --from FOLDER\` offline) and no local python has matplotlib (apt-get install python3-matplotlib)`,
      );
  }
}
