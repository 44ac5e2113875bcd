/**
 * Programs out of model replies: find the Python code in a reply, and refuse replies that hold
 * none (refusals, prose, code in another language) with a reason that says which.
 */

export interface ExtractedProgram {
  code: string;
  /** Other Python blocks the reply held (the longest plotting block is chosen). */
  otherBlocks: number;
}

export class NoCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoCodeError';
  }
}

const PYTHON_TAGS = new Set(['', 'python', 'py', 'python3', 'ipython', 'pycon']);
/** Fences of these languages may hold the program one level down (a markdown example around it). */
const WRAPPER_TAGS = new Set(['markdown', 'md', 'text', 'txt', 'plaintext']);
const REFUSAL = /\b(I can(?:no|')t|I am unable|I'm unable|I won't|I will not|cannot help|sorry)\b/i;

/**
 * The most of a reply that is looked at, in characters. Replies are capped where they arrive
 * (the model client); this guards every other caller. A program is a few KB.
 */
export const MAX_PARSED_CHARS = 2_000_000;
/** The most fenced blocks looked at (a reply holds a few; past this it is a flood). */
export const MAX_BLOCKS = 10_000;

export interface FencedBlock {
  /** The info string's first word, lower case ('' when untagged). */
  lang: string;
  code: string;
  /** The fence had no closing line (the block runs to the end of the text). */
  unterminated: boolean;
}

/**
 * The fenced code blocks of a markdown text, in one pass over its lines (linear time whatever the
 * text holds, e.g. a flood of backticks). A fence opens on a line starting (after indentation) with
 * three or more backticks or tildes, followed by an info string; it closes on a line holding only
 * a run of the same character at least as long. A fence opened on the same line as prose
 * ("Here it is: ```python") opens too, as models write that. An unclosed fence runs to the end.
 * At most `maxBlocks` blocks are returned (the scan stops there).
 */
export function fencedBlocks(text: string, maxBlocks = MAX_BLOCKS): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const n = text.length;
  let openCh = ''; // '' when no fence is open
  let openLen = 0;
  let openLang = '';
  let openStart = 0;
  let pos = 0;
  while (pos <= n && blocks.length < maxBlocks) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const line = text.slice(pos, end);
    if (openCh) {
      const close = closingFence(line, openCh, openLen);
      if (close !== undefined) {
        // a fence closed at the end of a code line ("plt.show()```") keeps the code before it
        const code = close === 0 ? text.slice(openStart, pos) : text.slice(openStart, pos) + line.slice(0, close);
        blocks.push({ lang: openLang, code: code.trim(), unterminated: false });
        openCh = '';
      }
    } else if (line.includes('```') || line.includes('~~~')) {
      const at = openingFence(line);
      if (at) {
        openCh = at.ch;
        openLen = at.len;
        openLang = at.lang;
        openStart = Math.min(end + 1, n);
      }
    }
    pos = end + 1;
  }
  if (openCh && blocks.length < maxBlocks) blocks.push({ lang: openLang, code: text.slice(openStart).trim(), unterminated: true });
  return blocks;
}

/** The run of three or more backticks or tildes at `from` (after spaces and tabs), if any. */
function fenceRun(line: string, from: number): { ch: string; len: number; at: number } | undefined {
  let i = from;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  const ch = line[i];
  if (ch !== '`' && ch !== '~') return undefined;
  let j = i;
  while (j < line.length && line[j] === ch) j++;
  return j - i >= 3 ? { ch, len: j - i, at: i } : undefined;
}

/**
 * Where a closing fence starts on this line: a line that is only a run of `ch` at least `len`
 * long (0), or a code line ending in exactly such a run (its position); undefined otherwise.
 */
function closingFence(line: string, ch: string, len: number): number | undefined {
  let e = line.length;
  while (e > 0 && (line[e - 1] === ' ' || line[e - 1] === '\t' || line[e - 1] === '\r')) e--;
  let b = e;
  while (b > 0 && line[b - 1] === ch) b--;
  if (e - b < len) return undefined;
  const before = line.slice(0, b);
  if (before.trim() === '') return 0;
  // "x = '```'" is code, not a fence: a run glued to a quote or to more text is not closing
  const last = before[before.length - 1];
  return last === '"' || last === "'" || last === '\\' ? undefined : b;
}

/** An opening fence on this line: at its start, or after prose when it ends the line's text. */
function openingFence(line: string): { ch: string; len: number; lang: string } | undefined {
  let run = fenceRun(line, 0);
  if (!run) {
    // "Here is the program: ```python" — the first backtick run of three or more, when nothing but
    // an info string follows it
    const k = line.indexOf('```');
    if (k < 0) return undefined;
    run = fenceRun(line, k);
    if (!run) return undefined;
  }
  const info = line.slice(run.at + run.len).trim();
  // a backtick fence's info string holds no backtick (else it is inline code, or a flood)
  if (run.ch === '`' && info.includes('`')) return undefined;
  const lang = (/^[A-Za-z0-9_+.#-]*/.exec(info)?.[0] ?? '').toLowerCase();
  return { ch: run.ch, len: run.len, lang };
}

/**
 * Returns the Python program in a model reply. With several Python blocks, the one that draws
 * (uses matplotlib) wins, the longest among those. A reply with no fences but that reads as Python
 * is taken whole. A markdown fence around a Python fence counts as that Python fence. Only the
 * first MAX_PARSED_CHARS characters are looked at.
 */
export function extractProgram(reply: string, want: 'plot' | 'any' = 'plot'): ExtractedProgram {
  const text = stripBom((reply.length > MAX_PARSED_CHARS ? reply.slice(0, MAX_PARSED_CHARS) : reply).replace(/\r\n?/g, '\n'));
  const blocks: { lang: string; code: string }[] = [];
  for (const b of fencedBlocks(text)) {
    blocks.push({ lang: b.lang, code: stripBom(b.code) });
    if (WRAPPER_TAGS.has(b.lang)) for (const inner of fencedBlocks(b.code)) blocks.push({ lang: inner.lang, code: stripBom(inner.code) });
  }
  const python = blocks.filter((b) => PYTHON_TAGS.has(b.lang) && b.code.length > 0 && looksLikePython(b.code));
  if (python.length > 0) {
    const drawing = python.filter((b) => /matplotlib|plt\.|\.plot\(|\.bar\(|\.scatter\(/.test(b.code));
    const pool = want === 'plot' && drawing.length > 0 ? drawing : python;
    const best = pool.reduce((a, b) => (b.code.length > a.code.length ? b : a));
    return { code: best.code, otherBlocks: python.length - 1 };
  }
  if (blocks.length > 0 && blocks.every((b) => b.code === '')) throw new NoCodeError('the model replied with empty code blocks');
  if (blocks.length > 0) {
    const langs = [...new Set(blocks.map((b) => b.lang || 'untagged'))].join(', ');
    throw new NoCodeError(`the model replied with code in another language (${langs}), not Python`);
  }
  if (looksLikePython(text) && !REFUSAL.test(text.slice(0, 200))) return { code: text.trim(), otherBlocks: 0 };
  if (text.trim() === '') throw new NoCodeError('the model replied with an empty message');
  if (REFUSAL.test(text)) throw new NoCodeError(`the model declined: "${oneLine(text, 120)}"`);
  throw new NoCodeError(`the model reply held no Python code: "${oneLine(text, 120)}"`);
}

/** Drops a leading byte-order mark (U+FEFF), which CPython ignores in a source file. */
export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** A program file's bytes as text: UTF-8, without a byte-order mark. */
export function programText(bytes: Uint8Array): string {
  return stripBom(new TextDecoder('utf-8').decode(bytes));
}

function looksLikePython(code: string): boolean {
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return false;
  // a line inside an open bracket continues the statement above it (a long data list written over
  // many lines): it counts as that statement does
  let depth = 0;
  const inside = lines.map((l) => {
    const open = depth > 0;
    for (const ch of l.replace(/(['"])(?:\\.|(?!\1).)*\1/g, '').replace(/#.*$/, '')) {
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    }
    return open;
  });
  const pyish = lines.filter((l, i) =>
    inside[i] ||
    /^\s*(import |from \S+ import |def |class |for |if |elif |else:|while |with |return\b|print\(|#|[A-Za-z_][\w.]*\s*(\[[^\]]*\])?\s*[+\-*/]?=|[A-Za-z_][\w.]*\()/.test(l),
  ).length;
  if (/[{};]\s*$/.test(lines[0]) && !lines[0].trim().startsWith('#')) return pyish / lines.length > 0.8;
  return pyish / lines.length >= 0.6;
}

export function oneLine(s: string, max: number): string {
  const t = s.slice(0, max * 8).replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Drops lines that would fight the harness: backend switches, show() and savefig() calls are harmless there, kept. */
export function normaliseProgram(code: string): string {
  return stripBom(code).replace(/\t/g, '    ').replace(/\s+$/, '') + '\n';
}
