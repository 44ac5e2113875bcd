/**
 * The commands (package.json contributes.commands). Each also takes automation arguments so tests
 * and other extensions can drive it without dialogs:
 *   recode.derenderImage(uri?, { question? })   → CommandResult when the run ends
 *   recode.askAboutImage(uri?, question?)       → CommandResult
 *   recode.compareProgram(programUri?, imageUri?) → CommandResult
 *   recode.setApiKey(key?)                      ('' clears it)
 *   recode.cancelRun('all'?)
 */
import * as vscode from 'vscode';
import type { DerenderOptions } from '../core/types';
import { errorText } from '../core/text';
import { isPlainObject } from '../shared/plainObject';
import type { PanelState } from '../shared/protocol';
import { RunPanel, type CommandResult, type RunInput } from './runPanel';
import { fileName, isImageUri, readImage, resolveImage } from './images';
import { readSettings, SECRET_KEY } from './settings';
import { pyodideStatus } from './renderers';
import { showError, showInfo } from './notify';
import type { Ext, RerunHandler } from './ext';

async function rendererView(ext: Ext) {
  const s = readSettings();
  const p = await pyodideStatus(ext.packagesDir.fsPath);
  return {
    name: s.renderer === 'python' ? 'python' : s.renderer === 'pyodide' ? 'webview' : 'auto',
    detail: 'choosing…',
    pyodidePackages: p.ready ? ('ready' as const) : ('missing' as const),
    note: p.ready ? undefined : p.problem,
  };
}

/** A new run panel for image bytes that are not a file of their own (e.g. a notebook output); the caller starts the run. */
export async function openRunPanel(ext: Ext, input: RunInput): Promise<RunPanel> {
  return RunPanel.open(ext, input, await rendererView(ext));
}

/** One failed start (no image read): one message, and the result says why. */
function failStart(ext: Ext, error: string): CommandResult {
  ext.log.error(error);
  void showError(`RECODE: ${error}`);
  return { status: 'failed', error };
}

export async function startDerender(ext: Ext, imageArg: unknown, question: string | undefined, overrides: Partial<DerenderOptions> = {}): Promise<CommandResult> {
  const uri = await resolveImage(imageArg, question ? 'RECODE: Ask about image' : 'RECODE: Derender image');
  if (!uri) return { status: 'cancelled', error: 'no image chosen' };
  if (!isImageUri(uri)) return failStart(ext, `${fileName(uri)} is not a PNG, JPEG or WebP image.`);
  let bytes: Uint8Array;
  try {
    bytes = await readImage(uri);
  } catch (e) {
    return failStart(ext, `cannot read ${fileName(uri)}: ${errorText(e)}`);
  }
  const panel = RunPanel.open(ext, { kind: 'derender', imageUri: uri, imageBytes: bytes, question }, await rendererView(ext));
  ext.log.info(`[${panel.label}] run started${question ? ` — question: ${question}` : ''}`);
  return panel.runDerender(overrides);
}

export async function derenderImage(ext: Ext, uri?: unknown, opts?: unknown): Promise<CommandResult> {
  // From the explorer the second argument is the list of selected files; only a plain object is options.
  const question = isPlainObject(opts) && typeof opts.question === 'string' && opts.question.trim() !== '' ? opts.question.trim() : undefined;
  return startDerender(ext, uri, question);
}

/** Asks for a question about an image or output (1–2000 characters); undefined when dismissed. */
export async function askForQuestion(title: string, placeHolder: string): Promise<string | undefined> {
  const question = await vscode.window.showInputBox({
    title,
    prompt: 'A question the chart or diagram answers; RECODE computes the answer from the recovered program.',
    placeHolder,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Type a question' : v.length > 2000 ? 'At most 2000 characters' : undefined),
  });
  return question?.trim() || undefined;
}

export async function askAboutImage(ext: Ext, uri?: unknown, questionArg?: unknown): Promise<CommandResult> {
  let question = typeof questionArg === 'string' ? questionArg.trim() : '';
  if (!question) {
    const imageNote = uri instanceof vscode.Uri ? ` about ${fileName(uri)}` : '';
    question = (await askForQuestion(`RECODE: Ask${imageNote}`, 'e.g. Which bar is the highest, and by how much does it exceed the lowest?')) ?? '';
    if (!question) return { status: 'cancelled', error: 'no question asked' };
  }
  return startDerender(ext, uri, question);
}

/** The Python program to compare: the given one, the active Python editor, an open Python document, or one picked. */
async function resolveProgram(arg: unknown): Promise<{ code: string; name: string } | undefined> {
  let uri: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) uri = arg;
  else if (typeof arg === 'string' && arg !== '') uri = arg.includes('://') ? vscode.Uri.parse(arg, true) : vscode.Uri.file(arg);
  if (uri) {
    const doc = await vscode.workspace.openTextDocument(uri);
    return { code: doc.getText(), name: fileName(doc.uri) };
  }
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'python') return { code: active.getText(), name: fileName(active.uri) };
  const open = vscode.workspace.textDocuments.filter((d) => d.languageId === 'python' && !d.isClosed);
  const files = await vscode.workspace.findFiles('**/*.py', '**/{node_modules,.git,.venv,venv,dist,out}/**', 500);
  const items = [
    ...open.map((d) => ({ label: fileName(d.uri), description: 'open', uri: d.uri })),
    ...files.filter((f) => !open.some((d) => d.uri.toString() === f.toString())).map((f) => ({ label: fileName(f), description: vscode.workspace.asRelativePath(f), uri: f })),
  ];
  let picked: vscode.Uri | undefined;
  if (items.length > 0) {
    picked = (await vscode.window.showQuickPick(items, { title: 'RECODE: Compare program with image', placeHolder: 'The matplotlib program to render and score' }))?.uri;
  } else {
    picked = (await vscode.window.showOpenDialog({ title: 'RECODE: the matplotlib program to compare', filters: { Python: ['py'] }, canSelectMany: false }))?.[0];
  }
  if (!picked) return undefined;
  const doc = await vscode.workspace.openTextDocument(picked);
  return { code: doc.getText(), name: fileName(doc.uri) };
}

export async function compareProgramCommand(ext: Ext, programArg?: unknown, imageArg?: unknown): Promise<CommandResult> {
  let program: { code: string; name: string } | undefined;
  try {
    program = await resolveProgram(programArg);
  } catch (e) {
    return failStart(ext, `cannot read the program: ${errorText(e)}`);
  }
  if (!program) return { status: 'cancelled', error: 'no program chosen' };
  if (program.code.trim() === '') return failStart(ext, `${program.name} is empty.`);
  const uri = await resolveImage(imageArg, `RECODE: Compare ${program.name} with image`);
  if (!uri) return { status: 'cancelled', error: 'no image chosen' };
  let bytes: Uint8Array;
  try {
    bytes = await readImage(uri);
  } catch (e) {
    return failStart(ext, `cannot read ${fileName(uri)}: ${errorText(e)}`);
  }
  const panel = RunPanel.open(ext, { kind: 'compare', imageUri: uri, imageBytes: bytes }, await rendererView(ext));
  return panel.runCompare(program.code, program.name);
}

export async function setApiKey(ext: Ext, keyArg?: unknown): Promise<boolean> {
  let key: string | undefined = typeof keyArg === 'string' ? keyArg : undefined;
  if (key === undefined) {
    key = await vscode.window.showInputBox({
      title: 'RECODE: Set API key',
      prompt: 'The API key of your OpenAI-compatible endpoint. It is kept in VS Code’s secret storage, never in settings. Leave empty to remove it.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return false;
  }
  key = key.trim();
  if (key === '') {
    await ext.context.secrets.delete(SECRET_KEY);
    void showInfo('RECODE: API key removed.');
    ext.log.info('API key removed');
  } else {
    await ext.context.secrets.store(SECRET_KEY, key);
    ext.log.setSecrets([key]);
    if (typeof keyArg !== 'string') void showInfo('RECODE: API key saved in secret storage.');
    ext.log.info('API key saved in secret storage');
  }
  return true;
}

export async function cancelRun(arg?: unknown): Promise<number> {
  const running = RunPanel.running;
  if (running.length === 0) {
    if (arg === undefined) void showInfo('RECODE: no run is going.');
    return 0;
  }
  let targets: RunPanel[];
  const active = RunPanel.active;
  if (arg === 'all') targets = running;
  else if (active?.isRunning) targets = [active];
  else if (running.length === 1) targets = running;
  else {
    const picked = await vscode.window.showQuickPick(
      [{ label: 'All runs', panel: undefined as RunPanel | undefined }, ...running.map((p) => ({ label: p.label, panel: p as RunPanel | undefined }))],
      { title: 'RECODE: Cancel run', placeHolder: 'Which run?' },
    );
    if (!picked) return 0;
    targets = picked.panel ? [picked.panel] : running;
  }
  for (const p of targets) p.cancel();
  return targets.length;
}

/** "Re-run…" from a panel: the same image, with settings the user adjusts. */
export async function rerun(ext: Ext, imageUri: vscode.Uri | undefined, previous: PanelState, handler?: RerunHandler): Promise<void> {
  const s = readSettings(imageUri);
  let candidates = previous.options?.candidates ?? s.candidates;
  let rounds = previous.options?.rounds ?? s.rounds;
  let modelCritic = previous.options?.modelCritic ?? s.modelCritic;
  let question = previous.question;
  for (;;) {
    const run = { label: '$(play) Run again', description: `${candidates} candidates, ${rounds} rounds, model critic ${modelCritic ? 'on' : 'off'}${question ? `, “${question.slice(0, 60)}”` : ''}`, id: 'run' };
    const pick = await vscode.window.showQuickPick(
      [
        run,
        { label: 'Candidates…', description: String(candidates), id: 'candidates' },
        { label: 'Refinement rounds…', description: String(rounds), id: 'rounds' },
        { label: `Model critic: ${modelCritic ? 'on' : 'off'}`, description: 'toggle', id: 'critic' },
        { label: 'Question…', description: question ?? '(none)', id: 'question' },
      ],
      { title: `RECODE: Re-run ${previous.imageName}`, placeHolder: 'Adjust, then run again' },
    );
    if (!pick) return;
    if (pick.id === 'run') break;
    if (pick.id === 'critic') modelCritic = !modelCritic;
    if (pick.id === 'candidates' || pick.id === 'rounds') {
      const max = pick.id === 'candidates' ? 16 : 20;
      const min = pick.id === 'candidates' ? 1 : 0;
      const v = await vscode.window.showInputBox({
        title: pick.label,
        value: String(pick.id === 'candidates' ? candidates : rounds),
        validateInput: (t) => (/^\d+$/.test(t.trim()) && +t >= min && +t <= max ? undefined : `A whole number from ${min} to ${max}`),
      });
      if (v !== undefined) {
        if (pick.id === 'candidates') candidates = +v;
        else rounds = +v;
      }
    }
    if (pick.id === 'question') {
      const v = await vscode.window.showInputBox({
        title: 'Question (empty for none)',
        value: question ?? '',
        validateInput: (t) => (t.length > 2000 ? 'At most 2000 characters' : undefined),
      });
      if (v !== undefined) question = v.trim() || undefined;
    }
  }
  const overrides = { candidates, rounds, modelCritic };
  if (handler) await handler(question, overrides);
  else await startDerender(ext, imageUri, question, overrides);
}
