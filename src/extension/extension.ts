/**
 * RECODE for VS Code: derender charts and diagrams into programs, answer questions by computing
 * over them. activate() only registers things; nothing runs until a command does.
 */
import * as vscode from 'vscode';
import { Log } from './log';
import { RunPanel, VIEW_TYPE } from './runPanel';
import { askAboutImage, cancelRun, compareProgramCommand, derenderImage, rerun, setApiKey } from './commands';
import { prepareRenderer } from './prepare';
import { answerQuestionAbove, derenderOutput } from './notebook';
import { packagesDirOf } from './renderers';
import { evaluateManifest } from './evaluate';
import { CHOOSE_MODEL, chooseModelCommand } from './model';
import type { Ext } from './ext';

export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  context.subscriptions.push(log);

  const ext: Ext = {
    context,
    log,
    packagesDir: packagesDirOf(context),
    onErrorButton(choice) {
      switch (choice) {
        case 'Show Log':
          log.show();
          return;
        case 'Set API Key':
          void vscode.commands.executeCommand('recode.setApiKey');
          return;
        case 'Open Settings':
          void vscode.commands.executeCommand('workbench.action.openSettings', 'recode.');
          return;
        case 'Prepare Renderer':
          void vscode.commands.executeCommand('recode.prepareRenderer');
          return;
        case CHOOSE_MODEL:
          void vscode.commands.executeCommand('recode.chooseModel');
          return;
        case 'Use Local Python':
          void vscode.workspace.getConfiguration('recode').update('renderer', 'python', vscode.ConfigurationTarget.Global);
          return;
      }
    },
    rerun: (imageUri, previous, handler) => rerun(ext, imageUri, previous, handler),
  };

  const command = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  command('recode.derenderImage', (uri, opts) => derenderImage(ext, uri, opts));
  command('recode.askAboutImage', (uri, question) => askAboutImage(ext, uri, question));
  command('recode.compareProgram', (program, image) => compareProgramCommand(ext, program, image));
  command('recode.setApiKey', (key) => setApiKey(ext, key));
  command('recode.prepareRenderer', (arg) => prepareRenderer(ext, arg));
  command('recode.showLog', () => log.show());
  command('recode.chooseModel', (arg) => chooseModelCommand(arg));
  command('recode.cancelRun', (arg) => cancelRun(arg));
  command('recode.derenderOutput', (nb, cell, opts) => derenderOutput(ext, nb, cell, opts));
  command('recode.askAboutOutput', (nb, cell, question) => derenderOutput(ext, nb, cell, question, true));
  command('recode.answerQuestionAbove', (nb, cell) => answerQuestionAbove(ext, nb, cell));
  command('recode.evaluateManifest', (input, opts) => evaluateManifest(ext, input, opts));

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        RunPanel.revive(ext, panel, state);
      },
    }),
    { dispose: () => RunPanel.all.forEach((p) => p.dispose()) },
  );
}

export function deactivate(): void {
  for (const p of RunPanel.all) p.cancel();
}
