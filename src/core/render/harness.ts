/**
 * The Python harness shared by every renderer (Pyodide in a Node worker, Pyodide in the webview's
 * Web Worker, local CPython), and the conversion of its reply into a RenderResult.
 * Browser-safe: no Node imports.
 *
 * The Python lives in harness.py (one source: esbuild bundles it as text; the tsc build used by tests and
 * benchmarks gets out/src/core/render/harness.py.js from scripts/py-text.mjs).
 *
 * How a host uses HARNESS_PY:
 *   1. run HARNESS_PY (compile it with the file name '<recode-harness>') in a fresh globals dict;
 *   2. `run = _recode_install(config_json, report=None)` once: imports matplotlib (Agg), renders a warm-up
 *      figure, applies the interpreter limits, scrubs Pyodide's JavaScript bridge and adds the
 *      sandbox's audit hook (which can never be removed). Remove `_recode_install` from the dict.
 *      config: { renderer: 'pyodide'|'python', workdir, reuse?, restrictReads?, readRoots?,
 *      writeRoots?, missingHint?, maxRecursion?, maxPixels?, memoryLimitMb?, fileSizeLimitMb?,
 *      reportFd? }. `report` (optional): a callable the audit hook calls with each refusal's
 *      message BEFORE it raises — a record the program cannot erase, for a host that keeps it
 *      outside the interpreter (e.g. a JavaScript function in Pyodide); `reportFd` does the same
 *      by appending 'V <message>' lines to a descriptor.
 *   3. `reply_json = run(JSON.stringify(job: HarnessJob))` for each program; it never raises.
 *   The local CPython renderer instead calls `_recode_main()`: one job per process, config and job
 *   as JSON lines on stdin; on fd 3 the ready line (JSON), 'V <message>' lines (refusals, appended
 *   by the audit hook) and one 'R <reply JSON>' line. The host reads fd 3 as untrusted data.
 *   A reply is data from the sandbox: pass the requested size and limits to toRenderResult.
 *
 * What the harness does per job: exec the program in a fresh globals dict with stdout+stderr
 * captured (capped), plt.show() and savefig(<path>) neutralised; in 'figure' mode it saves the
 * current (or last created) figure as a PNG of exactly width×height px; in 'script' mode it
 * returns str(answer) if the program defined `answer`. Errors are classified (RenderErrorKind) and
 * the traceback is trimmed to the program's frames.
 */
/// <reference path="./pyText.d.ts" />
import harnessSource from './harness.py';
import { RENDER_ERROR_KINDS, type DrawnAxes, type RenderErrorKind, type RenderResult } from '../types';
import { crc32 } from '../png';
import { parseMarks } from './marks';

export { parseMarks };

/** One program for the harness (the JSON that `run` takes). */
export interface HarnessJob {
  code: string;
  mode: 'figure' | 'script';
  width: number;
  height: number;
  maxOutputBytes: number;
  maxPixels: number;
  /** CPython only: CPU seconds for the program (RLIMIT_CPU), a backstop to the wall-clock limit. */
  cpuSeconds?: number;
}

/** The harness job for a render request, with the renderer's limits (sizes rounded to whole pixels). */
export function harnessJob(
  req: { code: string; mode: 'figure' | 'script'; width: number; height: number },
  limits: { maxOutputBytes: number; maxPixels: number; cpuSeconds?: number },
): HarnessJob {
  return { code: req.code, mode: req.mode, width: Math.round(req.width), height: Math.round(req.height), ...limits };
}

/** What `run` returns (JSON). */
export interface HarnessReply {
  ok: boolean;
  png_b64?: string;
  stdout: string;
  error?: string;
  error_kind?: RenderErrorKind;
  traceback?: string;
  answer?: string;
  marks?: DrawnAxes[];
}

/** Defaults shared by the renderers. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1_000_000;
export const DEFAULT_MAX_PIXELS = 40_000_000;

const KINDS: ReadonlySet<string> = new Set<string>(RENDER_ERROR_KINDS);

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Decodes standard base64 (no Buffer / atob, so it runs anywhere). Throws on bad input. */
export function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/[\s=]+/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new Error(`invalid base64 character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, j);
}

/** Caps on the strings a reply may carry (the reply is data from the sandbox, never trusted). */
export const REPLY_CAPS = { stdout: 4 * DEFAULT_MAX_OUTPUT_BYTES, answer: DEFAULT_MAX_OUTPUT_BYTES, error: 2000, traceback: 20_000, pngBase64: 96 * 1024 * 1024 };

/** Parses the harness's JSON reply; anything malformed becomes an 'internal' failure. Strings are capped. */
export function parseHarnessReply(json: string): HarnessReply {
  try {
    if (json.length > REPLY_CAPS.pngBase64 + 2 * REPLY_CAPS.stdout) throw new Error('the reply is too large');
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    const r = v as Record<string, unknown>;
    const reply: HarnessReply = { ok: r.ok === true, stdout: typeof r.stdout === 'string' ? r.stdout.slice(0, REPLY_CAPS.stdout) : '' };
    if (typeof r.png_b64 === 'string') {
      if (r.png_b64.length > REPLY_CAPS.pngBase64) throw new Error('the render is too large');
      reply.png_b64 = r.png_b64;
    }
    if (typeof r.error === 'string') reply.error = r.error.slice(0, REPLY_CAPS.error);
    if (typeof r.error_kind === 'string' && KINDS.has(r.error_kind)) reply.error_kind = r.error_kind as RenderErrorKind;
    if (typeof r.traceback === 'string') reply.traceback = r.traceback.slice(0, REPLY_CAPS.traceback);
    if (typeof r.answer === 'string') reply.answer = r.answer.slice(0, REPLY_CAPS.answer);
    const marks = parseMarks(r.marks);
    if (marks) reply.marks = marks;
    return reply;
  } catch (e) {
    return { ok: false, stdout: '', error: `the harness replied with malformed JSON (${(e as Error).message})`, error_kind: 'internal' };
  }
}

/**
 * Checks a PNG's structure on the host, without trusting the sandbox: the signature, an IHDR
 * first (8-bit RGB/RGBA or the like, no interlace trickery needed), every chunk inside the file
 * with a correct CRC, at least one IDAT, IEND last, the size within `maxPixels` and, when given,
 * exactly `width` x `height`. Returns the reason it is refused, or undefined. Browser-safe.
 */
export function checkPng(b: Uint8Array, expect: { width?: number; height?: number; maxPixels?: number } = {}): string | undefined {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 8 + 25 + 12 || sig.some((v, i) => b[i] !== v)) return 'not a PNG';
  const u32 = (o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const type = (o: number): string => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
  let o = 8;
  let first = true;
  let idat = false;
  let width = 0;
  let height = 0;
  for (;;) {
    if (o + 12 > b.length) return 'a chunk runs past the end';
    const len = u32(o);
    const t = type(o + 4);
    if (len > b.length - o - 12) return `chunk ${JSON.stringify(t)} runs past the end`;
    if (!/^[A-Za-z]{4}$/.test(t)) return 'a chunk with an invalid type';
    if (crc32(b, o + 4, o + 8 + len) !== u32(o + 8 + len)) return `chunk ${t} has a wrong CRC`;
    if (first) {
      if (t !== 'IHDR' || len !== 13) return 'the first chunk is not IHDR';
      width = u32(o + 8);
      height = u32(o + 12);
      first = false;
    } else if (t === 'IHDR') return 'a second IHDR';
    if (t === 'IDAT') idat = true;
    o += 12 + len;
    if (t === 'IEND') break;
  }
  if (!idat) return 'no image data';
  if (o !== b.length) return 'bytes after IEND';
  if (width < 1 || height < 1) return 'an empty image';
  if (width * height > (expect.maxPixels ?? DEFAULT_MAX_PIXELS)) return `${width} x ${height} px is over the pixel limit`;
  if (expect.width !== undefined && expect.height !== undefined && (width !== expect.width || height !== expect.height)) {
    return `it is ${width} x ${height} px, not ${expect.width} x ${expect.height}`;
  }
  return undefined;
}

/**
 * A harness reply as the renderer contract's RenderResult. The reply is data from the sandbox:
 * `expect` (the requested render size, limits) is checked here, on the host — a PNG that is
 * malformed or of another size is a failure, stdout and the answer are capped.
 */
export function toRenderResult(reply: HarnessReply, durationMs: number, expect: { width?: number; height?: number; maxPixels?: number; maxOutputBytes?: number } = {}): RenderResult {
  const maxOut = expect.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const result: RenderResult = { ok: reply.ok, stdout: (reply.stdout ?? '').slice(0, maxOut), durationMs };
  if (reply.ok) {
    if (reply.png_b64 !== undefined) {
      try {
        result.png = decodeBase64(reply.png_b64);
      } catch (e) {
        return { ok: false, stdout: result.stdout, error: `the render is not valid base64 (${(e as Error).message})`, errorKind: 'internal', durationMs };
      }
      const bad = checkPng(result.png, expect);
      if (bad) return { ok: false, stdout: result.stdout, error: `the render is not a valid PNG (${bad})`, errorKind: 'internal', durationMs };
    }
    if (reply.answer !== undefined) result.answer = reply.answer;
    if (reply.marks !== undefined && result.png) result.marks = reply.marks;
    return result;
  }
  result.error = (reply.error ?? 'the program failed').split('\n')[0].slice(0, REPLY_CAPS.error);
  result.errorKind = reply.error_kind ?? 'python';
  if (reply.traceback) result.traceback = reply.traceback;
  if (reply.answer !== undefined) result.answer = reply.answer;
  return result;
}

/** A RenderResult for a failure the host saw itself (timeout, crash, cancellation…). */
export function failure(errorKind: RenderErrorKind, error: string, durationMs: number, stdout = ''): RenderResult {
  return { ok: false, stdout, error, errorKind, durationMs };
}

/** The harness source (Python 3.11+): harness.py, bundled as text (esbuild's text loader; under tsc, out/…/harness.py.js). */
export const HARNESS_PY: string = harnessSource;
