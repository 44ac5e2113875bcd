/**
 * One run, one panel: the WebviewPanel (viewType 'recode.run'), its controller, its renderer, the
 * run itself on the engine, and what the user does from the panel. Closing the panel cancels its
 * run; several panels (runs) can be open at once.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { DerenderOptions, Renderer } from '../core/types';
import { compareProgram, derender, type RunOutcome } from '../core/loop';
import { errorText } from '../core/text';
import { runRecordToJson, type RunRecord } from '../core/runRecord';
import { imageSize } from '../core/image';
import { dataToCsv, dataToJson, extractData } from '../core/data';
import { bytesToBase64, LIMITS, parsePanelState, type PanelState, type RendererView, type WorkerConfig } from '../shared/protocol';
import { initialPanelState, programOf, restoredPanelState } from '../shared/panelState';
import { PanelController, type UserAction } from './panelController';
import { copyProgram, keptRecord, openProgram, showRecord } from './panelActions';
import { clip, runFailedMessage } from './runEvents';
import { WebviewRenderer } from './webviewRenderer';
import { makeNonce, panelHtml } from './html';
import { programWithHeader } from './programText';
import { openDataEditor, openProgramEditor, saveRunRecord } from './results';
import { fileName, mimeOf } from './images';
import { derenderOptions, readSettings, type Settings } from './settings';
import { showError, showInfo, showWarning, withNotificationProgress } from './notify';
import { CHOOSE_MODEL, chooseModel } from './model';
import { exportReading, noModelNote, runsWithoutModel } from './readingActions';
import type { ReadStage } from '../core/read';
import { chooseRenderer, pyodideStatus, type RendererChoice } from './renderers';
import type { Ext, RerunHandler } from './ext';

export const VIEW_TYPE = 'recode.run';

/** What derender / ask / compare return to a caller (tests, other extensions). */
export interface CommandResult {
  status: 'finished' | 'failed' | 'cancelled';
  program?: string;
  answer?: string;
  score?: number;
  programUri?: string;
  error?: string;
  runId?: string;
}

export interface RunInput {
  kind: 'derender' | 'compare';
  imageUri: vscode.Uri;
  imageBytes: Uint8Array;
  question?: string;
  /** What "Re-run…" runs once the user picked the settings (a notebook output: the same output, its cells replaced); default: the image file again. */
  rerun?: RerunHandler;
}

/** A 1×1 transparent PNG, for a panel whose state could not be restored. */
const BLANK_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** A header's width × height, when it is one the panel can show (a corrupt header can say anything). */
function plausibleSize(s: { width: number; height: number } | undefined): { width: number; height: number } | undefined {
  return s && s.width >= 1 && s.height >= 1 && s.width <= 1_000_000 && s.height <= 1_000_000 ? s : undefined;
}

export function webviewOptions(ext: Ext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableFindWidget: true,
    retainContextWhenHidden: true,
    // The page's scripts and Pyodide (dist) and the prepared Pyodide packages; not the rest of global storage (earlier run records).
    localResourceRoots: [vscode.Uri.joinPath(ext.context.extensionUri, 'dist'), ext.packagesDir],
  };
}

export class RunPanel implements vscode.Disposable {
  private static readonly panels = new Set<RunPanel>();

  readonly controller: PanelController;
  private abort: AbortController | undefined;
  private renderer: Renderer | undefined;
  private rendererChoice: RendererChoice | undefined;
  private webviewRenderer: WebviewRenderer | undefined;
  private record: RunRecord | undefined;
  private recordUri: vscode.Uri | undefined;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private imageUri: vscode.Uri | undefined;
  private imageBytes: Uint8Array | undefined;
  private rerunHandler: RerunHandler | undefined;
  private read: ReadStage | undefined;

  static get all(): RunPanel[] {
    return [...RunPanel.panels];
  }

  static get running(): RunPanel[] {
    return RunPanel.all.filter((p) => p.isRunning);
  }

  /** The panel the user looks at, if it is one of ours. */
  static get active(): RunPanel | undefined {
    return RunPanel.all.find((p) => p.panel.active);
  }

  private constructor(
    private readonly ext: Ext,
    readonly panel: vscode.WebviewPanel,
    initial: PanelState,
  ) {
    this.controller = new PanelController(initial, {
      post: (msg) => {
        if (!this.disposed) void this.panel.webview.postMessage(msg);
      },
      onAction: (a) => void this.onAction(a).catch((e) => this.ext.log.error(`Panel action ${a.type} failed: ${errorText(e)}`)),
      log: (level, message) => this.ext.log.line(level, `[${this.label}] ${message}`),
    });
    panel.webview.options = webviewOptions(ext);
    panel.iconPath = vscode.Uri.joinPath(ext.context.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.controller.receive(m)),
      panel.onDidDispose(() => this.onPanelClosed()),
    );
    RunPanel.panels.add(this);
  }

  /** A new panel for a new run. */
  static open(ext: Ext, input: RunInput, renderer: RendererView): RunPanel {
    const name = fileName(input.imageUri);
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `RECODE: ${name}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(ext));
    const mime = mimeOf(input.imageBytes) ?? 'image/png';
    const state = initialPanelState({
      kind: input.kind,
      imageName: name,
      imageSrc: `data:${mime};base64,${bytesToBase64(input.imageBytes)}`,
      imageSize: plausibleSize(imageSize(input.imageBytes)),
      question: input.question,
      renderer,
    });
    const p = new RunPanel(ext, panel, state);
    p.imageUri = input.imageUri;
    p.imageBytes = input.imageBytes;
    p.rerunHandler = input.rerun;
    return p;
  }

  /** A panel VS Code restores after a window reload, with the state the page had saved. */
  static revive(ext: Ext, panel: vscode.WebviewPanel, saved: unknown): RunPanel {
    const parsed = parsePanelState(saved);
    let state: PanelState;
    if (parsed.ok) {
      state = restoredPanelState(parsed.message);
    } else {
      ext.log.warn(`A RECODE panel could not be restored: ${parsed.error}`);
      state = {
        ...initialPanelState({ kind: 'derender', imageName: 'unknown image', imageSrc: BLANK_PNG, renderer: { name: 'none', pyodidePackages: 'ready' } }),
        status: 'failed',
        error: 'This panel could not be restored after the window reloaded; run RECODE again.',
      };
    }
    return new RunPanel(ext, panel, state);
  }

  get isRunning(): boolean {
    return this.abort !== undefined && !this.abort.signal.aborted;
  }

  get label(): string {
    return this.controller.state.imageName;
  }

  cancel(): void {
    if (this.abort && !this.abort.signal.aborted) {
      this.ext.log.info(`[${this.label}] cancelling the run`);
      this.abort.abort();
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private html(): string {
    const w = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.ext.context.extensionUri, 'dist', 'webview');
    return panelHtml({
      cspSource: w.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(dist, 'main.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(dist, 'styles.css')).toString(),
      title: `RECODE: ${this.controller.state.imageName}`,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Renderer
  // -------------------------------------------------------------------------------------------

  /** Picks this run's renderer (see renderers.ts); the webview one renders in this panel. */
  private async setUpRenderer(settings: Settings): Promise<RendererChoice> {
    const choice = await chooseRenderer(this.ext.packagesDir.fsPath, settings, (ready) => this.workerConfig(ready));
    this.rendererChoice = choice;
    this.controller.setRenderer(choice.view);
    if (choice.kind === 'webview') {
      this.webviewRenderer = new WebviewRenderer((m) => this.controller.send(m));
      this.renderer = this.webviewRenderer;
      this.controller.attachRenderer(this.webviewRenderer, choice.workerConfig);
    } else if (choice.kind === 'python') {
      this.renderer = choice.renderer;
    }
    return choice;
  }

  /** Where this panel's Pyodide worker finds its files, as webview URIs. */
  workerConfig(packagesReady = true): WorkerConfig {
    const w = this.panel.webview;
    const ext = this.ext.context;
    const asUrl = (u: vscode.Uri) => w.asWebviewUri(u).toString();
    const pk = this.ext.packagesDir;
    return {
      workerUrl: asUrl(vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview', 'pyodideWorker.js')),
      indexUrl: asUrl(vscode.Uri.joinPath(ext.extensionUri, 'dist', 'pyodide')) + '/',
      packageBaseUrl: packagesReady ? asUrl(pk) + '/' : undefined,
      lockFileUrl: packagesReady ? asUrl(vscode.Uri.joinPath(pk, 'pyodide-lock.json')) : undefined,
      packages: packagesReady ? ['matplotlib'] : [],
    };
  }

  /** Packages were prepared (or lost): every panel updates its renderer line. */
  static async packagesChanged(ext: Ext): Promise<void> {
    const status = await pyodideStatus(ext.packagesDir.fsPath);
    for (const p of RunPanel.all) {
      const r = p.controller.state.renderer;
      p.controller.setRenderer({ ...r, pyodidePackages: status.ready ? 'ready' : 'missing', note: status.ready ? undefined : status.problem });
      if (status.ready && p.webviewRenderer) p.controller.updateWorkerConfig(p.workerConfig(true));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Runs
  // -------------------------------------------------------------------------------------------

  private fail(error: string, buttons: string[] = ['Show Log']): CommandResult {
    this.controller.apply(runFailedMessage(error));
    this.ext.log.error(`[${this.label}] ${error}`);
    void showError(`RECODE: ${error}`, ...buttons).then((choice) => this.ext.onErrorButton(choice));
    return { status: 'failed', error };
  }

  /** Derender this panel's image: the loop on the engine, reported in the panel and a progress notification. */
  async runDerender(overrides: Partial<DerenderOptions> = {}): Promise<CommandResult> {
    const imageUri = this.imageUri;
    const bytes = this.imageBytes;
    if (!imageUri || !bytes) return this.fail('this panel has no image to derender');
    const settings = readSettings(imageUri);
    const abort = (this.abort = new AbortController());
    const title = `RECODE: ${this.label}`;
    try {
      return await withNotificationProgress(title, true, async (progress, token) => {
        token.onCancellationRequested(() => this.cancel());
        progress.report({ message: 'choosing a renderer…' });
        const choice = await this.setUpRenderer(settings);
        if (choice.kind === 'none') return this.fail(choice.problem, choice.buttons);
        if (abort.signal.aborted) return this.endCancelled();
        const m = await chooseModel(settings, this.ext.context.secrets, imageUri, (msg) => this.ext.log.warn(`[${this.label}] ${msg}`));
        this.ext.log.setSecrets([m.apiKey]);
        if (!m.model && !runsWithoutModel(m)) return this.fail(m.problem ?? 'no model configured', m.buttons ?? ['Open Settings', 'Set API Key']);
        this.ext.log.info(`[${this.label}] derendering with ${m.model?.description ?? 'the chart reader alone (no model configured)'}, renderer ${choice.view.name}${choice.view.detail ? ` (${choice.view.detail})` : ''}`);
        if (m.model) this.controller.apply({ type: 'log', line: { level: 'info', message: clip(`model ${m.model.description}`) } });
        else this.controller.apply({ type: 'model-note', note: noModelNote(this.controller.state.question) });

        let image = bytes;
        if (mimeOf(bytes) === 'image/webp') {
          // The engine decodes PNG and JPEG; the panel's browser engine turns a WebP into a PNG.
          progress.report({ message: 'converting the WebP image…' });
          try {
            image = await this.controller.originalAsPng();
          } catch (e) {
            return this.fail(`${this.label}: ${errorText(e)}`);
          }
        }
        let outcome: RunOutcome;
        try {
          outcome = await derender(
            { image, imageName: this.label, question: this.controller.state.question },
            { model: m.model, renderer: this.renderer! },
            // with no model the chart reader is the derender, whatever recode.chartReader says
            derenderOptions(settings, m.model ? overrides : { ...overrides, reader: true }),
            (e) => {
              this.controller.onRunEvent(e);
              if (e.type === 'stage') progress.report({ message: e.message });
              else if (e.type === 'log') this.ext.log.line(e.level, `[${this.label}] ${e.message}`);
              else if (e.type === 'candidate-failed') this.ext.log.warn(`[${this.label}] candidate ${e.candidateId} failed (${e.stage}): ${e.error}`);
            },
            abort.signal,
          );
        } catch (e) {
          return this.fail(`the run stopped unexpectedly: ${errorText(e)}`);
        }
        this.record = outcome.record;
        this.read = outcome.read;
        await this.keepRecord();
        if (outcome.summary) return this.endFinished(outcome);
        if (outcome.cancelled || abort.signal.aborted) return this.endCancelled();
        if (outcome.unreadable) return this.fail(outcome.error ?? 'cannot read this chart', ['Open Settings', 'Show Log']);
        const err = outcome.error ?? 'the run failed';
        const keyProblem = /API key|\(401\)|\(403\)/i.test(err);
        return this.fail(err, keyProblem ? ['Set API Key', 'Show Log'] : /RECODE: Choose model/.test(err) ? [CHOOSE_MODEL, 'Show Log'] : ['Show Log']);
      });
    } finally {
      this.abort = undefined;
      if (this.controller.state.status === 'running') this.controller.apply({ type: 'run-ended', status: abort.signal.aborted ? 'cancelled' : 'failed', error: abort.signal.aborted ? 'the run was cancelled' : 'the run ended without a result' });
      await this.releaseProcessRenderer();
    }
  }

  private endCancelled(): CommandResult {
    if (this.controller.state.status === 'running') this.controller.apply({ type: 'run-ended', status: 'cancelled', error: 'the run was cancelled' });
    this.ext.log.info(`[${this.label}] run cancelled`);
    return { status: 'cancelled', error: 'the run was cancelled', runId: this.controller.state.runId };
  }

  private async endFinished(outcome: RunOutcome): Promise<CommandResult> {
    const s = outcome.summary!;
    if (this.controller.state.status === 'running') {
      this.controller.apply({ type: 'run-ended', status: 'finished', program: clip(s.program, LIMITS.codeChars), bestCandidateId: s.bestCandidateId, durationMs: s.durationMs, usage: s.usage });
    }
    const text = programWithHeader(s.program, {
      imageName: this.label,
      imagePath: this.imageUri ? vscode.workspace.asRelativePath(this.imageUri, false) : undefined,
      question: this.controller.state.question,
      answer: s.answer?.value,
      answerComputed: s.answer?.computed,
      score: s.score.score,
      candidateId: s.bestCandidateId,
      runId: s.runId,
      model: outcome.record.model,
    });
    let programUri: string | undefined;
    try {
      const editor = await openProgramEditor(this.imageUri, this.label, text, vscode.ViewColumn.Beside);
      programUri = editor.document.uri.toString();
    } catch (e) {
      this.ext.log.warn(`[${this.label}] could not open the program editor: ${errorText(e)}`);
    }
    this.ext.log.info(`[${this.label}] finished: score ${s.score.score.toFixed(3)}${s.answer ? `, answer ${JSON.stringify(s.answer.value)}` : ''}, ${s.durationMs} ms`);
    return { status: 'finished', program: s.program, answer: s.answer?.value, score: s.score.score, programUri, runId: s.runId };
  }

  /** Renders a given program and scores it against this panel's image: no model needed. */
  async runCompare(code: string, programName: string): Promise<CommandResult> {
    const bytes = this.imageBytes;
    if (!bytes) return this.fail('this panel has no image');
    const settings = readSettings(this.imageUri);
    const abort = (this.abort = new AbortController());
    try {
      return await withNotificationProgress(`RECODE: comparing ${programName} with ${this.label}`, true, async (progress, token) => {
        token.onCancellationRequested(() => this.cancel());
        const choice = await this.setUpRenderer(settings);
        if (choice.kind === 'none') return this.fail(choice.problem, choice.buttons);
        const id = 'given';
        this.controller.apply({ type: 'candidate', candidate: { id, round: 0, source: 'given', state: 'rendering', code: clip(code, LIMITS.codeChars) } });
        progress.report({ message: 'rendering…' });
        let c;
        try {
          const image = mimeOf(bytes) === 'image/webp' ? await this.controller.originalAsPng() : bytes;
          c = await compareProgram(image, code, this.renderer!, abort.signal, settings.renderTimeLimitMs);
        } catch (e) {
          return abort.signal.aborted ? this.endCancelled() : this.fail(errorText(e));
        }
        if (abort.signal.aborted) return this.endCancelled();
        if (c.render.png) this.controller.apply({ type: 'candidate-render', candidateId: id, png: bytesToBase64(c.render.png), renderMs: c.render.durationMs });
        if (!c.render.ok || !c.score) {
          const err = `${programName} did not render: ${c.render.error ?? 'no figure'}`;
          this.controller.apply({ type: 'candidate-failed', candidateId: id, stage: 'render', error: clip(c.render.error ?? 'no figure') });
          if (c.render.traceback) this.ext.log.warn(`[${this.label}] ${c.render.traceback}`);
          if (c.render.errorKind === 'cancelled') return this.endCancelled();
          return this.fail(err);
        }
        const score = { score: c.score.score, parts: c.score.parts };
        this.controller.apply({ type: 'candidate-scored', candidateId: id, score });
        this.controller.apply({ type: 'best', candidateId: id, score, diffPng: c.diffPng ? bytesToBase64(c.diffPng) : undefined });
        this.controller.apply({ type: 'round', round: { round: 0, bestCandidateId: id, bestScore: c.score.score, improved: true } });
        this.controller.apply({ type: 'run-ended', status: 'finished', program: clip(code, LIMITS.codeChars), bestCandidateId: id, durationMs: c.render.durationMs });
        this.ext.log.info(`[${this.label}] ${programName} scores ${c.score.score.toFixed(3)} against ${this.label}`);
        return { status: 'finished', program: code, score: c.score.score };
      });
    } finally {
      this.abort = undefined;
      if (this.controller.state.status === 'running') this.controller.apply({ type: 'run-ended', status: abort.signal.aborted ? 'cancelled' : 'failed', error: abort.signal.aborted ? 'cancelled' : 'no result' });
      await this.releaseProcessRenderer();
    }
  }

  /** A local-Python renderer holds processes: stop them when the run ends (an export starts a new one). */
  private async releaseProcessRenderer(): Promise<void> {
    const r = this.rendererChoice;
    if (r?.kind !== 'python') return;
    this.rendererChoice = undefined;
    this.renderer = undefined;
    await r.renderer.dispose().catch(() => undefined);
  }

  /** Every run's record goes to the extension's storage, also when the run failed. */
  private async keepRecord(): Promise<void> {
    if (!this.record) return;
    try {
      this.recordUri = await saveRunRecord(this.ext.context.globalStorageUri, this.record.runId, runRecordToJson(this.record));
      this.ext.log.info(`[${this.label}] run record: ${this.recordUri.fsPath}`);
    } catch (e) {
      this.ext.log.warn(`[${this.label}] could not keep the run record: ${errorText(e)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // What the user does in the panel
  // -------------------------------------------------------------------------------------------

  private async onAction(a: UserAction): Promise<void> {
    const state = this.controller.state;
    switch (a.type) {
      case 'cancel':
        this.cancel();
        return;
      case 'open-program':
        await openProgram(state, a.candidateId, this.imageUri);
        return;
      case 'copy-program':
        await copyProgram(state, a.candidateId);
        return;
      case 'export-data':
        await this.exportData(a.format);
        return;
      case 'export-reading':
        await exportReading(this.read, this.imageUri, state.imageName, a.format);
        return;
      case 'rerun':
        await this.ext.rerun(this.imageUri, state, this.rerunHandler);
        return;
      case 'save-record':
        await this.openRecord();
        return;
      case 'prepare-renderer':
        await vscode.commands.executeCommand('recode.prepareRenderer');
        return;
    }
  }

  private async exportData(format: 'csv' | 'json'): Promise<void> {
    const program = programOf(this.controller.state);
    if (!program) {
      void showInfo('RECODE: there is no program to export data from yet.');
      return;
    }
    if (!this.renderer) {
      const choice = await this.setUpRenderer(readSettings(this.imageUri));
      if (choice.kind === 'none') {
        void showError(`RECODE: cannot export the data: ${choice.problem}`);
        return;
      }
    }
    await withNotificationProgress('RECODE: reading the data back from the program…', true, async (_p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      try {
        const { tables } = await extractData(program, this.renderer!, ac.signal);
        if (tables.length === 0) {
          void showWarning('RECODE: the program draws no bars, lines, points or pie slices to export.');
          return;
        }
        await openDataEditor(this.imageUri, this.controller.state.imageName, format === 'csv' ? dataToCsv(tables) : dataToJson(tables), format);
      } catch (e) {
        if (!ac.signal.aborted) void showError(`RECODE: ${errorText(e)}`);
      } finally {
        await this.releaseProcessRenderer();
      }
    });
  }

  private async openRecord(): Promise<void> {
    if (!this.recordUri && this.record) await this.keepRecord();
    await showRecord(this.recordUri ?? (await keptRecord(this.ext.context.globalStorageUri, this.controller.state.runId)));
  }

  private onPanelClosed(): void {
    this.disposed = true;
    this.cancel();
    RunPanel.panels.delete(this);
    void this.webviewRenderer?.dispose();
    const r = this.rendererChoice;
    if (r?.kind === 'python') void r.renderer.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  dispose(): void {
    this.panel.dispose();
  }
}
