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
import { checkPackages, createPythonRenderer, locatePython, pythonIsolation, UNISOLATED_WARNING } from './renderBackends';
import type { Settings } from './settings';
import type { Ext } from './ext';

export type RendererChoice =
  | { kind: 'webview'; view: RendererView; workerConfig: WorkerConfig }
  | { kind: 'python'; view: RendererView; renderer: Renderer }
  | { kind: 'none'; view: RendererView; problem: string; buttons: string[] };

export const PREPARE_NOTE =
  'Pyodide in this panel needs numpy and matplotlib: "Prepare renderer" downloads them once (checked against their sha256) or imports them from a folder.';

export async function pyodideStatus(ext: Ext): Promise<{ ready: boolean; problem?: string }> {
  const r = await checkPackages(ext.packagesDir.fsPath);
  return r.ok ? { ready: true } : { ready: false, problem: PREPARE_NOTE };
}

export async function chooseRenderer(ext: Ext, settings: Settings, workerConfig: (packagesReady: boolean) => WorkerConfig): Promise<RendererChoice> {
  const pyodide = await pyodideStatus(ext);
  const packages: RendererView['pyodidePackages'] = pyodide.ready ? 'ready' : 'missing';
  const note = pyodide.ready ? undefined : pyodide.problem;

  if (settings.renderer === 'pyodide' || (settings.renderer === 'auto' && pyodide.ready)) {
    if (!pyodide.ready) {
      return {
        kind: 'none',
        view: { name: 'webview', detail: 'packages not prepared', pyodidePackages: packages, note },
        problem:
          'The Pyodide renderer needs its packages (numpy, matplotlib): run "RECODE: Prepare renderer" (downloads them once, or imports them from a folder), or set "recode.renderer" to "python" to use a local Python with matplotlib.',
        buttons: ['Prepare Renderer', 'Use Local Python'],
      };
    }
    return { kind: 'webview', view: { name: 'webview', detail: 'sandboxed Python (WebAssembly) in a Web Worker, offline', pyodidePackages: 'ready' }, workerConfig: workerConfig(true) };
  }

  const python = await locatePython(settings.pythonPath);
  if (python) {
    const allowUnisolated = allowUnisolatedPython();
    const iso = await pythonIsolation(python.path);
    if (iso.ok || allowUnisolated) {
      return {
        kind: 'python',
        view: {
          name: 'python',
          detail: iso.ok ? `${python.detail}, in a bubblewrap sandbox` : `${UNISOLATED_WARNING}: ${python.detail} (${iso.reason ?? 'no sandbox'})`,
          pyodidePackages: packages,
          note,
        },
        renderer: createPythonRenderer(python.path, allowUnisolated, renderConcurrency()),
      };
    }
    return {
      kind: 'none',
      view: { name: 'python', detail: 'cannot isolate programs here', pyodidePackages: packages, note },
      problem: `Local Python cannot isolate generated programs on this machine (${iso.reason ?? 'no sandbox'}). Install bubblewrap (Linux), run "RECODE: Prepare renderer" to use Pyodide, or allow unisolated programs with the machine setting "recode.allowUnisolatedPython".`,
      buttons: ['Prepare Renderer', 'Open Settings'],
    };
  }
  const where = settings.pythonPath ? `"recode.pythonPath" (${settings.pythonPath}) is not a Python with matplotlib` : 'no Python with matplotlib was found';
  if (settings.renderer === 'python') {
    return {
      kind: 'none',
      view: { name: 'python', detail: 'not found', pyodidePackages: packages, note },
      problem: `${where}: install matplotlib (e.g. the python3-matplotlib package) and set "recode.pythonPath", or set "recode.renderer" to "pyodide" and run "RECODE: Prepare renderer".`,
      buttons: ['Open Settings', 'Prepare Renderer'],
    };
  }
  return {
    kind: 'none',
    view: { name: 'none', detail: 'no renderer ready', pyodidePackages: packages, note },
    problem: `No renderer is ready: ${where}, and Pyodide's packages are not prepared. Run "RECODE: Prepare renderer" (downloads numpy and matplotlib once, or imports them from a folder), or set "recode.pythonPath" to a Python with matplotlib.`,
    buttons: ['Prepare Renderer', 'Open Settings'],
  };
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
