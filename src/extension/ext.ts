/**
 * What the extension's parts share: the context, the log, where the Pyodide packages live, and a
 * few actions that cross parts (error buttons, re-run).
 */
import type * as vscode from 'vscode';
import type { PanelState } from '../shared/protocol';
import type { Log } from './log';
import type { DerenderOptions } from '../core/types';

/** Runs again with a question and settings the user picked (a run that was not on an image file, e.g. a notebook output). */
export type RerunHandler = (question: string | undefined, overrides: Partial<DerenderOptions>) => Promise<unknown>;

export interface Ext {
  readonly context: vscode.ExtensionContext;
  readonly log: Log;
  /** globalStorage/pyodide-packages: the prepared wheels and their lock file. */
  readonly packagesDir: vscode.Uri;
  /** Acts on a button of an error message ('Show Log', 'Set API Key', 'Open Settings', 'Prepare Renderer' …). */
  onErrorButton(choice: string | undefined): void;
  /** Runs again on the same image, with settings the user picks; `handler` runs it when the panel's run was not on an image file (a notebook output). */
  rerun(imageUri: vscode.Uri | undefined, previous: PanelState, handler?: RerunHandler): Promise<void>;
}
