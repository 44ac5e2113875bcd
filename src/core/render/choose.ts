/**
 * Which renderer a run uses, decided in one place for the CLI and the extension (each words the
 * outcome its own way):
 *   'pyodide'  Pyodide, when its packages are prepared.
 *   'python'   the local python with matplotlib, when one is found and its programs can run in the
 *              bubblewrap sandbox, or running them unisolated is allowed.
 *   'auto'     Pyodide when its packages are prepared, else the local python as for 'python'.
 */
import { findPython, pythonIsolationAvailable } from './pythonRenderer';

export type RendererChoice = 'auto' | 'pyodide' | 'python';

export interface FoundPython {
  path: string;
  matplotlib: string;
}

export type RendererPick =
  | { use: 'pyodide' }
  | { use: 'python'; python: FoundPython; isolated: boolean; reason?: string }
  /** 'pyodide' chosen, its packages not prepared. */
  | { use: 'none'; why: 'packages-missing' }
  /** 'python' chosen, no python with matplotlib found. */
  | { use: 'none'; why: 'no-python' }
  /** A python was found but its programs cannot be isolated here, and unisolated is not allowed. */
  | { use: 'none'; why: 'cannot-isolate'; python: FoundPython; reason?: string }
  /** 'auto': neither Pyodide's packages nor a local python. */
  | { use: 'none'; why: 'nothing' };

export async function pickRenderer(
  choice: RendererChoice,
  o: { packagesReady: () => Promise<boolean>; pythonPath?: string; allowUnisolated: boolean },
): Promise<RendererPick> {
  if (choice !== 'python') {
    if (await o.packagesReady()) return { use: 'pyodide' };
    if (choice === 'pyodide') return { use: 'none', why: 'packages-missing' };
  }
  const python = await findPython(o.pythonPath ? [o.pythonPath] : undefined);
  if (!python) return { use: 'none', why: choice === 'python' ? 'no-python' : 'nothing' };
  const iso = await pythonIsolationAvailable(python.path);
  if (iso.ok || o.allowUnisolated) return { use: 'python', python, isolated: iso.ok, reason: iso.reason };
  return { use: 'none', why: 'cannot-isolate', python, reason: iso.reason };
}
