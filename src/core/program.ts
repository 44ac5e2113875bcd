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

const FENCE = /```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
const PYTHON_TAGS = new Set(['', 'python', 'py', 'python3', 'ipython', 'pycon']);
const REFUSAL = /\b(I can(?:no|')t|I am unable|I'm unable|I won't|I will not|cannot help|sorry)\b/i;

/**
 * Returns the Python program in a model reply. With several Python blocks, the one that draws
 * (uses matplotlib) wins, the longest among those. A reply with no fences but that reads as Python
 * is taken whole.
 */
export function extractProgram(reply: string, want: 'plot' | 'any' = 'plot'): ExtractedProgram {
  const text = reply.replace(/\r\n/g, '\n');
  const blocks: { lang: string; code: string }[] = [];
  for (const m of text.matchAll(FENCE)) blocks.push({ lang: m[1].toLowerCase(), code: m[2].trim() });
  const python = blocks.filter((b) => PYTHON_TAGS.has(b.lang) && b.code.length > 0 && looksLikePython(b.code));
  if (python.length > 0) {
    const drawing = python.filter((b) => /matplotlib|plt\.|\.plot\(|\.bar\(|\.scatter\(/.test(b.code));
    const pool = want === 'plot' && drawing.length > 0 ? drawing : python;
    const best = pool.reduce((a, b) => (b.code.length > a.code.length ? b : a));
    return { code: best.code, otherBlocks: python.length - 1 };
  }
  if (blocks.length > 0) {
    const langs = [...new Set(blocks.map((b) => b.lang || 'untagged'))].join(', ');
    throw new NoCodeError(`the model replied with code in another language (${langs}), not Python`);
  }
  if (looksLikePython(text) && !REFUSAL.test(text.slice(0, 200))) return { code: text.trim(), otherBlocks: 0 };
  if (text.trim() === '') throw new NoCodeError('the model replied with an empty message');
  if (REFUSAL.test(text)) throw new NoCodeError(`the model declined: "${oneLine(text, 120)}"`);
  throw new NoCodeError(`the model reply held no Python code: "${oneLine(text, 120)}"`);
}

function looksLikePython(code: string): boolean {
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return false;
  const pyish = lines.filter((l) =>
    /^\s*(import |from \S+ import |def |class |for |if |elif |else:|while |with |return\b|print\(|#|[A-Za-z_][\w.]*\s*(\[[^\]]*\])?\s*[+\-*/]?=|[A-Za-z_][\w.]*\()/.test(l),
  ).length;
  if (/[{};]\s*$/.test(lines[0]) && !lines[0].trim().startsWith('#')) return pyish / lines.length > 0.8;
  return pyish / lines.length >= 0.6;
}

export function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Drops lines that would fight the harness: backend switches, show() and savefig() calls are harmless there, kept. */
export function normaliseProgram(code: string): string {
  return code.replace(/\t/g, '    ').replace(/\s+$/, '') + '\n';
}
