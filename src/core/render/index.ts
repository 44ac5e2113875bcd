/**
 * The renderers: `createRenderer('pyodide' | 'python', opts)`, and re-exports of what callers need.
 * Node only (the webview builds its renderer from pyodideSession.ts + harness.ts directly).
 */
import type { Renderer } from '../types';
import { createPyodideRenderer, type PyodideRenderer, type PyodideRendererOptions } from './pyodideRenderer';
import { createPythonRenderer, type PythonRenderer, type PythonRendererOptions } from './pythonRenderer';

export type RendererKind = 'pyodide' | 'python';

export function createRenderer(kind: 'pyodide', opts?: PyodideRendererOptions): PyodideRenderer;
export function createRenderer(kind: 'python', opts?: PythonRendererOptions): PythonRenderer;
export function createRenderer(kind: RendererKind, opts?: PyodideRendererOptions | PythonRendererOptions): Renderer & { readonly sandbox: string };
export function createRenderer(kind: RendererKind, opts: PyodideRendererOptions | PythonRendererOptions = {}): Renderer & { readonly sandbox: string } {
  if (kind === 'pyodide') return createPyodideRenderer(opts as PyodideRendererOptions);
  if (kind === 'python') return createPythonRenderer(opts as PythonRendererOptions);
  throw new Error(`unknown renderer ${JSON.stringify(kind)} (expected 'pyodide' or 'python')`);
}

export { createPyodideRenderer, createPythonRenderer };
export type { PyodideRenderer, PyodideRendererOptions, PythonRenderer, PythonRendererOptions };
export { findPython, isIsolated, pythonIsolationAvailable, UNISOLATED_WARNING, UnisolatedError, type PythonInfo, type PythonIsolation } from './pythonRenderer';
export { bwrapAvailable, seccompFilter } from './osSandbox';
export { checkPyodidePackages, fetchPyodidePackages, importPyodidePackages, PREPARE_HINT, DEFAULT_PYODIDE_CDN } from './pyodidePackages';
export { HARNESS_PY, toRenderResult, type HarnessJob, type HarnessReply } from './harness';
