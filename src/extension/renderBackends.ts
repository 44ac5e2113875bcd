/**
 * The one place the extension touches the renderers' module (src/core/render): local Python, and
 * the Pyodide package folder (check, fetch, import). The webview renderer is in webviewRenderer.ts.
 */
import type { Renderer } from '../core/types';
import { createRenderer } from '../core/render/index';
export { UNISOLATED_WARNING } from '../core/render/pythonRenderer';
export { pickRenderer } from '../core/render/choose';
import { checkPyodidePackages, fetchPyodidePackages, importPyodidePackages, type PackageProgress } from '../core/render/pyodidePackages';

/** The packages the panel's Pyodide loads (with their dependencies from the lock file). */
export const PYODIDE_PACKAGES = ['matplotlib'];

/** e.g. '/usr/bin/python3 (matplotlib 3.6.3)' */
export function pythonDetail(found: { path: string; matplotlib?: string | null }): string {
  return `${found.path}${found.matplotlib ? ` (matplotlib ${found.matplotlib})` : ''}`;
}

export function createPythonRenderer(pythonPath: string, allowUnisolated = false, maxConcurrent?: number): Renderer {
  return createRenderer('python', { pythonPath, allowUnisolated, maxConcurrent });
}

export interface PackagesCheck {
  ok: boolean;
  /** Why not, one line. */
  problem?: string;
}

export async function checkPackages(dir: string): Promise<PackagesCheck> {
  try {
    const r = await checkPyodidePackages(dir, PYODIDE_PACKAGES);
    if (r.ok) return { ok: true };
    const parts: string[] = [];
    if (r.missing.length) parts.push(`missing: ${r.missing.join(', ')}`);
    if (r.corrupt.length) parts.push(`damaged: ${r.corrupt.join(', ')}`);
    return { ok: false, problem: `the Pyodide packages are not prepared (${parts.join('; ')})` };
  } catch (e) {
    return { ok: false, problem: e instanceof Error ? e.message : String(e) };
  }
}

export type PrepareProgress = (message: string, fraction?: number) => void;

function progressOf(report: PrepareProgress): (p: PackageProgress) => void {
  return (p) => report(`${p.state} ${p.file} (${p.index + 1}/${p.total})`, (p.index + 1) / p.total);
}

export async function downloadPackages(destDir: string, report: PrepareProgress, signal: AbortSignal): Promise<void> {
  await fetchPyodidePackages({ destDir, packages: PYODIDE_PACKAGES, signal, onProgress: progressOf(report) });
}

export async function importPackages(from: string, destDir: string, report: PrepareProgress): Promise<void> {
  const r = await importPyodidePackages(from, destDir, { packages: PYODIDE_PACKAGES, onProgress: progressOf(report) });
  if (r.missing.length > 0) {
    const rejected = r.rejected.length ? `; refused (wrong sha256): ${r.rejected.map((x) => x.file).join(', ')}` : '';
    throw new Error(`${from} lacks ${r.missing.length} of the ${r.packages.length} packages needed (${r.missing.join(', ')})${rejected}`);
  }
}
