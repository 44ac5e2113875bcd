/**
 * A Renderer that runs programs in a panel's Pyodide Web Worker: the extension host sends each
 * program over the protocol ('render') and gets the PNG back ('render-result'). The panel enforces
 * the time limit (it terminates and restarts its worker); this side only keeps a safety net in case
 * the panel goes away or never answers.
 *
 * Pure (no `vscode`): it is given a function that posts to the panel.
 */
import type { RenderRequest, RenderResult, Renderer } from '../core/types';
import { base64ToBytes, type HostMessage, type RenderJobResult } from '../shared/protocol';

/** On top of a program's time limit: the panel may first have to start Pyodide and its packages. */
export const WORKER_STARTUP_ALLOWANCE_MS = 200_000;

interface Pending {
  request: RenderRequest;
  resolve: (r: RenderResult) => void;
  timer: ReturnType<typeof setTimeout>;
  startedAt: number;
  cleanup: () => void;
}

export class WebviewRenderer implements Renderer {
  readonly name = 'webview';
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private disposed = false;

  constructor(
    private readonly post: (msg: HostMessage) => void,
    private readonly startupAllowanceMs = WORKER_STARTUP_ALLOWANCE_MS,
  ) {}

  render(req: RenderRequest, signal?: AbortSignal): Promise<RenderResult> {
    if (this.disposed) return Promise.resolve(fail('cancelled', 'the panel was closed', 0));
    if (signal?.aborted) return Promise.resolve(fail('cancelled', 'cancelled', 0));
    const jobId = `j${++this.seq}`;
    return new Promise<RenderResult>((resolve) => {
      const startedAt = Date.now();
      const onAbort = () => {
        this.post({ type: 'render-cancel', jobId });
        this.settle(jobId, fail('cancelled', 'cancelled', Date.now() - startedAt));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        this.post({ type: 'render-cancel', jobId });
        this.settle(jobId, fail('timeout', `the panel did not return a render within ${Math.round((req.timeLimitMs + this.startupAllowanceMs) / 1000)} s`, Date.now() - startedAt));
      }, req.timeLimitMs + this.startupAllowanceMs);
      this.pending.set(jobId, { request: req, resolve, timer, startedAt, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      this.post({ type: 'render', jobId, request: { code: req.code, mode: req.mode, width: req.width, height: req.height, timeLimitMs: req.timeLimitMs } });
    });
  }

  /** A checked 'render-result' from the panel. Unknown or settled job ids are ignored. */
  onResult(jobId: string, r: RenderJobResult): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    let png: Uint8Array | undefined;
    if (r.png !== undefined) {
      png = base64ToBytes(r.png);
      if (!(png.length >= 8 && png[0] === 0x89 && png[1] === 0x50 && png[2] === 0x4e && png[3] === 0x47)) {
        this.settle(jobId, fail('internal', 'the panel returned a render that is not a PNG', Date.now() - p.startedAt));
        return;
      }
    }
    if (r.ok && p.request.mode === 'figure' && !png) {
      this.settle(jobId, fail('no-figure', r.error ?? 'the program drew no figure', r.durationMs));
      return;
    }
    const result: RenderResult = { ok: r.ok, stdout: r.stdout, durationMs: r.durationMs };
    if (png) result.png = png;
    if (r.error !== undefined) result.error = r.error;
    if (r.errorKind !== undefined) result.errorKind = r.errorKind;
    if (r.traceback !== undefined) result.traceback = r.traceback;
    if (r.answer !== undefined) result.answer = r.answer;
    if (!r.ok && result.error === undefined) result.error = 'the program failed';
    this.settle(jobId, result);
  }

  /** Ends a job as an internal failure (its result could not be used). */
  failJob(jobId: string, reason: string): void {
    const p = this.pending.get(jobId);
    if (p) this.settle(jobId, fail('internal', reason, Date.now() - p.startedAt));
  }

  /** The panel's page (re)loaded: programs it had are gone, send them again. */
  resendPending(): void {
    for (const [jobId, p] of this.pending) {
      const req = p.request;
      this.post({ type: 'render', jobId, request: { code: req.code, mode: req.mode, width: req.width, height: req.height, timeLimitMs: req.timeLimitMs } });
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private settle(jobId: string, r: RenderResult): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    p.cleanup();
    p.resolve(r);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const jobId of [...this.pending.keys()]) this.settle(jobId, fail('cancelled', 'the panel was closed', 0));
  }
}

function fail(kind: NonNullable<RenderResult['errorKind']>, error: string, ms: number): RenderResult {
  return { ok: false, stdout: '', error, errorKind: kind, durationMs: ms };
}
