/**
 * "RECODE: Prepare renderer": puts numpy, matplotlib and their dependencies for the panel's
 * Pyodide into the extension's global storage — downloaded once with every file's sha256 checked
 * against the bundled pyodide-lock.json, or imported from a folder or archive (machines with no
 * internet). When the download is impossible it says so and points at the import and at the
 * local Python renderer.
 *
 * Automation: recode.prepareRenderer({ from: '/path/to/folder-or-archive' }) imports without a
 * dialog; recode.prepareRenderer({ download: true }) downloads without asking.
 */
import * as vscode from 'vscode';
import { errorText } from '../core/text';
import { isPlainObject } from '../shared/plainObject';
import { checkPackages, downloadPackages, importPackages } from './renderBackends';
import { RunPanel } from './runPanel';
import { showError, showInfo, withNotificationProgress } from './notify';
import { capText } from './untrustedText';
import type { Ext } from './ext';

export interface PrepareResult {
  status: 'ready' | 'failed' | 'cancelled';
  error?: string;
}

const DOWNLOAD = 'Download and verify (needs internet, about 30 MB)';
const IMPORT = 'Import from a folder or archive…';

export async function prepareRenderer(ext: Ext, arg?: unknown): Promise<PrepareResult> {
  const dest = ext.packagesDir.fsPath;
  let mode: 'download' | 'import' | undefined;
  let from: string | undefined;
  if (isPlainObject(arg)) {
    if (typeof arg.from === 'string' && arg.from !== '') {
      mode = 'import';
      from = arg.from;
    } else if (arg.download === true) mode = 'download';
    else if (arg.import === true) mode = 'import';
  } else if (arg instanceof vscode.Uri) {
    mode = 'import';
    from = arg.fsPath;
  }
  if (!mode) {
    const already = await checkPackages(dest);
    const pick = await vscode.window.showQuickPick(
      [
        { label: DOWNLOAD, detail: 'From Pyodide’s CDN, once; each file is checked against the sha256 in the bundled pyodide-lock.json.' },
        { label: IMPORT, detail: 'For machines with no internet: a folder or .zip/.tar.gz holding the wheels (e.g. copied from a machine that downloaded them).' },
      ],
      { title: `RECODE: Prepare renderer${already.ok ? ' (packages are already prepared)' : ''}`, placeHolder: 'Where should the Pyodide packages (numpy, matplotlib) come from?' },
    );
    if (!pick) return { status: 'cancelled' };
    mode = pick.label === DOWNLOAD ? 'download' : 'import';
  }
  if (mode === 'import' && !from) {
    const picked = await vscode.window.showOpenDialog({
      title: 'RECODE: import the Pyodide packages',
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Import',
      filters: { 'Folder or archive': ['zip', 'tar', 'gz', 'tgz'] },
    });
    if (!picked?.[0]) return { status: 'cancelled' };
    from = picked[0].fsPath;
  }

  await vscode.workspace.fs.createDirectory(ext.packagesDir);
  const result = await withNotificationProgress(
    mode === 'download' ? 'RECODE: downloading the Pyodide packages' : 'RECODE: importing the Pyodide packages',
    mode === 'download',
    async (progress, token): Promise<PrepareResult> => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      let last = 0;
      try {
        if (mode === 'download') {
          await downloadPackages(
            dest,
            (message, fraction) => {
              const pct = fraction !== undefined ? Math.round(fraction * 100) : undefined;
              progress.report({ message, increment: pct !== undefined && pct > last ? pct - last : undefined });
              if (pct !== undefined) last = Math.max(last, pct);
            },
            ac.signal,
          );
        } else {
          progress.report({ message: from });
          await importPackages(from!, dest, (message) => progress.report({ message }));
        }
      } catch (e) {
        if (ac.signal.aborted) return { status: 'cancelled' };
        return { status: 'failed', error: errorText(e) };
      }
      const check = await checkPackages(dest);
      return check.ok ? { status: 'ready' } : { status: 'failed', error: check.problem ?? 'the packages are incomplete' };
    },
  );

  if (result.status === 'ready') {
    ext.log.info(`Pyodide packages ready in ${dest}`);
    void showInfo('RECODE: the Pyodide renderer is ready; programs now render in the panel, offline.');
  } else if (result.status === 'failed') {
    const err = result.error ?? 'unknown error';
    ext.log.error(`Prepare renderer (${mode}) failed: ${err}`);
    if (mode === 'download') {
      void showError(
        `RECODE: could not download the Pyodide packages (${capText(err, 300)}). Without internet, import them from a folder or archive ("Import from folder…"), or use a local Python with matplotlib ("recode.renderer": "python").`,
        'Import from Folder…',
        'Use Local Python',
        'Show Log',
      ).then((c) => {
        if (c === 'Import from Folder…') void vscode.commands.executeCommand('recode.prepareRenderer', { import: true });
        else ext.onErrorButton(c);
      });
    } else {
      void showError(`RECODE: could not import the Pyodide packages from ${from}: ${capText(err, 300)}`, 'Show Log').then((c) => ext.onErrorButton(c));
    }
  }
  await RunPanel.packagesChanged(ext);
  return result;
}
