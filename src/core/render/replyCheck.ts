/**
 * What comes back from a sandbox is data, never trusted: every reply of a Pyodide interpreter
 * (Node worker thread, the panel's Web Worker) passes through `checkRenderReply` on the host side
 * of the boundary before anything uses it. Browser-safe: no Node imports.
 *
 *   - the shape is strict: unknown fields are dropped, every field has its type, `errorKind` is one
 *     of the known kinds (anything else makes the reply an 'internal' failure);
 *   - strings are capped (stdout and traceback by the output cap, errors one line, answers) and
 *     control characters other than newline and tab are removed;
 *   - a PNG is kept only for a successful figure-mode render, and only if it starts with the PNG
 *     signature and an IHDR chunk of exactly the requested width × height, and is under the byte cap;
 *     anything else fails the render ('internal': the sandbox returned something that is not a render);
 *   - with that PNG, a report of where the marks were drawn is kept if parseMarks (marks.ts) accepts
 *     it (rebuilt from scratch, bounded, finite numbers); a malformed one is dropped, never the render.
 */
import { RENDER_ERROR_KINDS, type RenderErrorKind, type RenderResult } from '../types';
import { pngSize } from '../png';
import { parseMarks } from './marks';
export { pngSize };

export const REPLY_LIMITS = {
  /** stdout of a program (characters). */
  stdoutChars: 1_000_000,
  /** a traceback (characters). */
  tracebackChars: 64 * 1024,
  /** a one-line error. */
  errorChars: 2000,
  /** str(answer). */
  answerChars: 16 * 1024,
  /** a PNG (bytes): 40 M pixels compress far below this; a render is a few hundred KB. */
  pngBytes: 32 * 1024 * 1024,
} as const;

const KINDS: ReadonlySet<string> = new Set<RenderErrorKind>(RENDER_ERROR_KINDS);

/** Removes control characters (keeps \n and \t) and caps the length. */
export function cleanText(s: string, max: number, oneLine = false): string {
  // eslint-disable-next-line no-control-regex
  let t = s.replace(oneLine ? /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g : /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]+/g, oneLine ? ' ' : '');
  if (t.length > max) t = t.slice(0, Math.max(0, max - 1)) + '…';
  return t;
}

function fail(kind: RenderErrorKind, error: string, durationMs: number, stdout = ''): RenderResult {
  return { ok: false, stdout, error, errorKind: kind, durationMs };
}

/**
 * A reply from across the sandbox boundary (any value) as a RenderResult the host can use.
 * `req` is what was asked (mode and size); `limits` may lower the caps.
 */
export function checkRenderReply(
  raw: unknown,
  req: { mode: 'figure' | 'script'; width: number; height: number },
  durationMs: number,
  limits: Partial<Record<keyof typeof REPLY_LIMITS, number>> = {},
): RenderResult {
  const L = { ...REPLY_LIMITS, ...limits };
  const ms = Math.max(0, Math.round(Number.isFinite(durationMs) ? durationMs : 0));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('internal', 'the sandbox returned a malformed reply', ms);
  const r = raw as Record<string, unknown>;
  if (typeof r.ok !== 'boolean') return fail('internal', 'the sandbox returned a malformed reply (no ok)', ms);
  if (r.stdout !== undefined && typeof r.stdout !== 'string') return fail('internal', 'the sandbox returned a malformed reply (stdout)', ms);
  const stdout = cleanText(typeof r.stdout === 'string' ? r.stdout : '', L.stdoutChars);
  for (const k of ['error', 'traceback', 'answer'] as const) {
    if (r[k] !== undefined && typeof r[k] !== 'string') return fail('internal', `the sandbox returned a malformed reply (${k})`, ms, stdout);
  }
  if (r.errorKind !== undefined && !(typeof r.errorKind === 'string' && KINDS.has(r.errorKind))) {
    return fail('internal', 'the sandbox returned a malformed reply (errorKind)', ms, stdout);
  }
  const out: RenderResult = { ok: r.ok, stdout, durationMs: ms };
  if (typeof r.answer === 'string') out.answer = cleanText(r.answer, L.answerChars);
  if (!r.ok) {
    out.error = cleanText(typeof r.error === 'string' && r.error ? r.error : 'the program failed', L.errorChars, true);
    out.errorKind = (r.errorKind as RenderErrorKind | undefined) ?? 'python';
    if (typeof r.traceback === 'string' && r.traceback) out.traceback = cleanText(r.traceback, L.tracebackChars);
    return out;
  }
  if (req.mode === 'figure') {
    const png = r.png;
    if (!(png instanceof Uint8Array)) return fail('no-figure', 'the program drew no figure', ms, stdout);
    if (png.length > L.pngBytes) return fail('limit', `the render is ${png.length} bytes, over the limit of ${L.pngBytes}`, ms, stdout);
    const size = pngSize(png);
    if (!size) return fail('internal', 'the sandbox returned a render that is not a PNG', ms, stdout);
    if (size.width !== Math.round(req.width) || size.height !== Math.round(req.height)) {
      return fail('internal', `the sandbox returned a ${size.width} x ${size.height} px render, not the ${Math.round(req.width)} x ${Math.round(req.height)} px asked for`, ms, stdout);
    }
    out.png = png;
    // where the marks were drawn (the critic's data part): checked by parseMarks; a malformed report is dropped, the render kept
    const marks = parseMarks(r.marks);
    if (marks) out.marks = marks;
  }
  return out;
}
