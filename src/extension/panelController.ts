/**
 * The logic of one run's panel, apart from `vscode` so it can be tested in plain Node:
 * - keeps the panel's state (folded from the same messages the page gets) — the truth that is sent
 *   whole whenever the page (re)loads;
 * - holds back messages until the page says it is ready;
 * - checks every message from the page (untrusted) and turns the valid ones into user actions or
 *   render results; drops the rest with a log line; ignores bursts of the same action.
 */
import type { RunEvent } from '../core/types';
import { base64ToBytes, parseWebviewMessage, type HostMessage, type PanelState, type RendererView, type WebviewMessage, type WorkerConfig } from '../shared/protocol';
import { reducePanel } from '../shared/panelState';
import { runEventToMessages } from './runEvents';
import type { WebviewRenderer } from './webviewRenderer';

export type UserAction = Extract<
  WebviewMessage,
  { type: 'cancel' | 'open-program' | 'copy-program' | 'export-data' | 'export-reading' | 'rerun' | 'save-record' | 'prepare-renderer' }
>;

export interface PanelControllerHost {
  /** Posts to the page (webview.postMessage). */
  post(msg: HostMessage): void;
  /** What the user asked for from the page. */
  onAction(action: UserAction): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** The same action again within this time is a double click (or a flood), not a second request. */
export const ACTION_DEBOUNCE_MS = 400;
/** After this many malformed messages the page is not listened to any more. */
export const MAX_REJECTED = 100;

export class PanelController {
  private _state: PanelState;
  private ready = false;
  private held: HostMessage[] = [];
  private workerConfig: WorkerConfig | undefined;
  private renderer: WebviewRenderer | undefined;
  private lastAction = new Map<string, number>();
  private conversions = new Map<string, (r: { png?: Uint8Array; error?: string }) => void>();
  private conversionSeq = 0;
  private rejected = 0;
  /** Resolves when the page has said 'ready' once. */
  readonly pageReady: Promise<void>;
  private markReady!: () => void;

  constructor(
    initial: PanelState,
    private readonly host: PanelControllerHost,
    private readonly now: () => number = Date.now,
  ) {
    this._state = initial;
    this.pageReady = new Promise((r) => (this.markReady = r));
  }

  get state(): PanelState {
    return this._state;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Programs for this panel's Pyodide worker come from this renderer. */
  attachRenderer(renderer: WebviewRenderer, config: WorkerConfig): void {
    this.renderer = renderer;
    this.workerConfig = config;
    this.send({ type: 'worker-config', config });
  }

  /** New worker files (packages prepared): the page restarts its worker with them. */
  updateWorkerConfig(config: WorkerConfig): void {
    this.workerConfig = config;
    if (this.renderer) this.send({ type: 'worker-config', config });
  }

  /** Folds a view message into the state and sends it to the page. */
  apply(msg: HostMessage): void {
    this._state = reducePanel(this._state, msg);
    this.send(msg);
  }

  onRunEvent(e: RunEvent): void {
    for (const m of runEventToMessages(e)) this.apply(m);
  }

  setRenderer(renderer: RendererView): void {
    this.apply({ type: 'renderer', renderer });
  }

  /** Posts to the page, or holds the message until the page is ready. View messages are not held: the state covers them. */
  send(msg: HostMessage): void {
    if (this.ready) {
      this.host.post(msg);
      return;
    }
    if (msg.type === 'render' || msg.type === 'render-cancel' || msg.type === 'convert-image') this.held.push(msg);
  }

  /** A message from the page: checked, then acted on. */
  receive(raw: unknown): void {
    if (this.rejected >= MAX_REJECTED) return;
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      // A render result that fails the check still ends its program (as a failure), instead of
      // leaving the run to wait for the safety timeout.
      const r = raw as { type?: unknown; jobId?: unknown } | null;
      if (r && typeof r === 'object' && r.type === 'render-result' && typeof r.jobId === 'string') this.renderer?.failJob(r.jobId, `the panel sent a malformed render result (${parsed.error.slice(0, 200)})`);
      this.rejected++;
      this.host.log('warn', `Ignored a message from the panel: ${parsed.error}${this.rejected === MAX_REJECTED ? ' (no longer listening to this panel)' : ''}`);
      return;
    }
    const msg = parsed.message;
    switch (msg.type) {
      case 'ready':
        this.onPageReady();
        return;
      case 'render-result':
        this.renderer?.onResult(msg.jobId, msg.result);
        return;
      case 'worker-status':
        this.host.log(msg.status === 'failed' ? 'error' : 'info', `Panel Pyodide worker ${msg.status}${msg.ms !== undefined ? ` in ${msg.ms} ms` : ''}${msg.message ? `: ${msg.message}` : ''}`);
        return;
      case 'converted-image': {
        const done = this.conversions.get(msg.jobId);
        if (!done) return;
        this.conversions.delete(msg.jobId);
        if (msg.png === undefined) {
          done({ error: msg.error ?? 'the panel could not decode the image' });
          return;
        }
        const png = base64ToBytes(msg.png);
        done(png.length >= 8 && png[0] === 0x89 && png[1] === 0x50 && png[2] === 0x4e && png[3] === 0x47 ? { png } : { error: 'the panel returned something that is not a PNG' });
        return;
      }
      case 'page-error':
        this.host.log('warn', `Panel: ${msg.message}`);
        return;
      case 'cancel':
        if (this._state.status !== 'running') return;
        this.act(msg);
        return;
      default:
        this.act(msg);
    }
  }

  /**
   * The original, decoded by the page's browser engine and re-encoded as PNG (for formats the
   * engine cannot decode, e.g. WebP). Rejects with a one-line reason.
   */
  originalAsPng(timeoutMs = 30_000): Promise<Uint8Array> {
    const jobId = `img${++this.conversionSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.conversions.delete(jobId);
        reject(new Error(`the panel did not convert the image within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.conversions.set(jobId, (r) => {
        clearTimeout(timer);
        if (r.png) resolve(r.png);
        else reject(new Error(r.error ?? 'the image could not be converted'));
      });
      this.send({ type: 'convert-image', jobId });
    });
  }

  private act(action: UserAction): void {
    const key = action.type === 'export-data' || action.type === 'export-reading' ? `${action.type}:${action.format}` : action.type;
    const t = this.now();
    const last = this.lastAction.get(key);
    if (last !== undefined && t - last < ACTION_DEBOUNCE_MS) return;
    this.lastAction.set(key, t);
    this.host.onAction(action);
  }

  private onPageReady(): void {
    const first = !this.ready;
    this.ready = true;
    this.host.post({ type: 'state', state: this._state });
    if (this.workerConfig && this.renderer) this.host.post({ type: 'worker-config', config: this.workerConfig });
    if (first) {
      for (const m of this.held.splice(0)) this.host.post(m);
      this.markReady();
    } else {
      // The page reloaded its content: the programs it was running are gone with it.
      this.held = [];
      this.renderer?.resendPending();
    }
  }
}
