/**
 * Which renderer a run uses (setting "recode.renderer"):
 *   'pyodide'  Pyodide in the run's panel (a Web Worker); needs the packages prepared once.
 *   'python'   local CPython with matplotlib ("recode.pythonPath", or found on the machine).
 *   'auto'     Pyodide in the panel when its packages are prepared, else local Python with
 *              matplotlib when found AND its programs can be isolated (bubblewrap), else the user
 *              is asked to prepare the packages.
 * Local Python without the bubblewrap sandbox (no bwrap, macOS, Windows) needs the machine-scope
 * setting "recode.allowUnisolatedPython"; the panel's renderer line then says UNISOLATED on every run.
 */
import * as vscode from 'vscode';
import type { Renderer } from '../core/types';
import type { RendererView, WorkerConfig } from '../shared/protocol';
import { checkPackages, createPythonRenderer, pickRenderer, pythonDetail, UNISOLATED_WARNING } from './renderBackends';
import type { Settings } from './settings';

export type RendererChoice =
  | { kind: 'webview'; view: RendererView; workerConfig: WorkerConfig }
  | { kind: 'python'; view: RendererView; renderer: Renderer }
  | { kind: 'none'; view: RendererView; problem: string; buttons: string[] };

export const PREPARE_NOTE =
  'Pyodide in this panel needs numpy and matplotlib: "Prepare renderer" downloads them once (checked against their sha256) or imports them from a folder.';

export async function pyodideStatus(packagesDir: string): Promise<{ ready: boolean; problem?: string }> {
  const r = await checkPackages(packagesDir);
  return r.ok ? { ready: true } : { ready: false, problem: PREPARE_NOTE };
}

/** The renderer for a run in the panel, from the settings; `packagesDir`: the prepared Pyodide packages. */
export async function chooseRenderer(packagesDir: string, settings: Settings, workerConfig: (packagesReady: boolean) => WorkerConfig): Promise<RendererChoice> {
  const pyodide = await pyodideStatus(packagesDir);
  const packages: RendererView['pyodidePackages'] = pyodide.ready ? 'ready' : 'missing';
  const note = pyodide.ready ? undefined : pyodide.problem;
  const allowUnisolated = allowUnisolatedPython();
  const pick = await pickRenderer(settings.renderer, { packagesReady: async () => pyodide.ready, pythonPath: settings.pythonPath, allowUnisolated });
  const where = settings.pythonPath ? `"recode.pythonPath" (${settings.pythonPath}) is not a Python with matplotlib` : 'no Python with matplotlib was found';

  switch (pick.use) {
    case 'pyodide':
      return { kind: 'webview', view: { name: 'webview', detail: 'sandboxed Python (WebAssembly) in a Web Worker, offline', pyodidePackages: 'ready' }, workerConfig: workerConfig(true) };
    case 'python': {
      const detail = pythonDetail(pick.python);
      return {
        kind: 'python',
        view: {
          name: 'python',
          detail: pick.isolated ? `${detail}, in a bubblewrap sandbox` : `${UNISOLATED_WARNING}: ${detail} (${pick.reason ?? 'no sandbox'})`,
          pyodidePackages: packages,
          note,
        },
        renderer: createPythonRenderer(pick.python.path, allowUnisolated, renderConcurrency()),
      };
    }
  }
  switch (pick.why) {
    case 'packages-missing':
      return {
        kind: 'none',
        view: { name: 'webview', detail: 'packages not prepared', pyodidePackages: packages, note },
        problem:
          'The Pyodide renderer needs its packages (numpy, matplotlib): run "RECODE: Prepare renderer" (downloads them once, or imports them from a folder), or set "recode.renderer" to "python" to use a local Python with matplotlib.',
        buttons: ['Prepare Renderer', 'Use Local Python'],
      };
    case 'cannot-isolate':
      return {
        kind: 'none',
        view: { name: 'python', detail: 'cannot isolate programs here', pyodidePackages: packages, note },
        problem: `Local Python cannot isolate generated programs on this machine (${pick.reason ?? 'no sandbox'}). Install bubblewrap (Linux), run "RECODE: Prepare renderer" to use Pyodide, or allow unisolated programs with the machine setting "recode.allowUnisolatedPython".`,
        buttons: ['Prepare Renderer', 'Open Settings'],
      };
    case 'no-python':
      return {
        kind: 'none',
        view: { name: 'python', detail: 'not found', pyodidePackages: packages, note },
        problem: `${where}: install matplotlib (e.g. the python3-matplotlib package) and set "recode.pythonPath", or set "recode.renderer" to "pyodide" and run "RECODE: Prepare renderer".`,
        buttons: ['Open Settings', 'Prepare Renderer'],
      };
    case 'nothing':
      return {
        kind: 'none',
        view: { name: 'none', detail: 'no renderer ready', pyodidePackages: packages, note },
        problem: `No renderer is ready: ${where}, and Pyodide's packages are not prepared. Run "RECODE: Prepare renderer" (downloads numpy and matplotlib once, or imports them from a folder), or set "recode.pythonPath" to a Python with matplotlib.`,
        buttons: ['Prepare Renderer', 'Open Settings'],
      };
  }
}

export function packagesDirOf(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.globalStorageUri, 'pyodide-packages');
}

/** recode.renderConcurrency: programs the local python renderer runs at once (0 or unset: the number of cores). */
export function renderConcurrency(): number | undefined {
  const v = vscode.workspace.getConfiguration('recode').get<number>('renderConcurrency');
  return typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.min(64, Math.floor(v)) : undefined;
}

/** The machine-scope setting (a workspace cannot turn it on): local Python may run programs unisolated. */
export function allowUnisolatedPython(): boolean {
  const v = vscode.workspace.getConfiguration('recode').inspect<boolean>('allowUnisolatedPython');
  return (v?.globalValue ?? v?.defaultValue ?? false) === true;
}
