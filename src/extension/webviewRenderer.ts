/**
 * A Renderer that runs programs in a panel's Pyodide Web Worker: the extension host sends each
 * program over the protocol ('render') and gets the PNG back ('render-result'). The panel enforces
 * the time limit (it terminates and restarts its worker); this side only keeps a safety net in case
 * the panel goes away or never answers.
 *
 * Pure (no `vscode`): it is given a function that posts to the panel.
 */
import type { RenderRequest, RenderResult, Renderer } from '../core/types';
import { base64ToBytes, LIMITS, type HostMessage, type RenderJobResult } from '../shared/protocol';
import { checkRenderReply, pngSize } from '../core/render/replyCheck';

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

  /**
   * A 'render-result' from the panel (its schema already checked), checked again as data from a
   * sandbox (replyCheck.ts): a PNG must have the PNG signature, an IHDR of the requested size and
   * stay under the byte cap; strings are capped and stripped of control characters. Unknown or
   * settled job ids are ignored.
   */
  onResult(jobId: string, r: RenderJobResult): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    let png: Uint8Array | undefined;
    if (r.png !== undefined) {
      try {
        png = base64ToBytes(r.png);
      } catch {
        this.settle(jobId, fail('internal', 'the panel returned a render that is not a PNG', Date.now() - p.startedAt));
        return;
      }
      if (pngSize(png) === undefined) {
        this.settle(jobId, fail('internal', 'the panel returned a render that is not a PNG', Date.now() - p.startedAt));
        return;
      }
    }
    const raw: Record<string, unknown> = { ...r, png };
    if (!r.ok && r.error === undefined) raw.error = 'the program failed';
    this.settle(jobId, checkRenderReply(raw, p.request, r.durationMs, { stdoutChars: LIMITS.outputChars, tracebackChars: LIMITS.outputChars, errorChars: LIMITS.textChars, answerChars: LIMITS.textChars }));
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
