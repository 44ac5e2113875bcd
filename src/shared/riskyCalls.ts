/**
 * Lines of a generated program that reach outside a chart: the file system, processes, the network,
 * dynamic code. A program written by a model from an untrusted image renders in a sandbox, but one
 * the user inserts into a notebook or runs from an editor runs with the user's rights — and it can
 * behave in the sandbox (`sys.platform == 'emscripten'`) and act elsewhere. The panel lists these
 * lines and the notebook's program cell names them in its header. This is a reading aid, not a
 * wall: code can hide what it calls (getattr with built strings), so the header always says the
 * program was written by a model from an image. Pure; used by the extension and the page.
 */

export interface RiskyLine {
  /** 1-based line number in the program. */
  line: number;
  /** What the line uses, e.g. ['os', 'open']. */
  uses: string[];
}

/** The first line of every program RECODE puts where the user can run it (a notebook cell, an editor). */
export const MODEL_WRITTEN_LINE = '# Written by a model from an image — review before running';

/** Modules whose import reaches files, processes, the network or the interpreter's insides. */
const IMPORTED = [
  'os', 'posix', 'nt', 'subprocess', '_posixsubprocess', 'pty', 'socket', 'ssl', 'urllib', 'http', 'requests', 'ftplib', 'smtplib',
  'importlib', 'ctypes', 'cffi', 'shutil', 'pathlib', 'tempfile', 'glob', 'multiprocessing', 'pickle', 'marshal', 'shelve',
  'builtins', 'runpy', 'js', 'pyodide', 'pyodide_js',
].join('|');
/** Modules whose names are rarely anything else, so `name.attr` counts even without an import line. */
const USED = ['os', 'posix', 'subprocess', '_posixsubprocess', 'pty', 'socket', 'urllib', 'importlib', 'ctypes', 'shutil', 'builtins', 'pickle', 'marshal', 'pyodide_js'].join('|');

/** [what the use is called, pattern] — matched against a line with its comment removed. */
const IMPORTED_RE = new RegExp(`^(?:${IMPORTED})$`);
/** The risky modules of `import a.b as c, d` (the text after `import`). */
const importedModules = (list: string): string[] => list.split(',').map((part) => (part.trim().split(/[.\s]/)[0] ?? '')).filter((m) => IMPORTED_RE.test(m));

const PATTERNS: Array<[string | ((m: RegExpExecArray) => string | string[]), RegExp]> = [
  [(m) => importedModules(m[1] as string), /(?<![\w.])import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)/g],
  [(m) => m[1] as string, new RegExp(`(?<![\\w.])from\\s+(${IMPORTED})\\b[\\w.]*\\s+import\\b`, 'g')],
  [(m) => m[1] as string, new RegExp(`(?<![\\w.])(${USED})\\s*\\.\\s*[A-Za-z_]`, 'g')],
  ['sys.modules', /(?<![\w.])sys\s*\.\s*modules\b|(?<![\w.])from\s+sys\s+import\s+[^\n]*\bmodules\b/g],
  [(m) => m[1] as string, /(?<![\w.])(open|eval|exec|compile|__import__)\s*\(/g],
  [(m) => m[1] as string, /(?<![\w.])(__import__|__builtins__|__loader__|__spec__|__subclasses__|__globals__|__code__|globals|getattr|setattr)\b(?!\s*=)/g],
];

/**
 * The program's text with comments blanked (string literals kept, so `'#1f77b4'` is no comment),
 * line breaks where they were.
 */
function withoutComments(src: string): string {
  let out = '';
  let i = 0;
  let quote: string | undefined; // ', ", ''' or """
  while (i < src.length) {
    const ch = src[i] as string;
    if (quote) {
      if (ch === '\\') {
        out += src.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (src.startsWith(quote, i)) {
        out += quote;
        i += quote.length;
        quote = undefined;
        continue;
      }
      if (ch === '\n' && quote.length === 1) quote = undefined; // an unclosed one-line string ends with its line
      out += ch;
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = src.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      out += quote;
      i += quote.length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** The program's lines that use risky modules or calls, in order; empty when none does. */
export function riskyLines(program: string): RiskyLine[] {
  const lines = withoutComments(program).split('\n');
  const found: RiskyLine[] = [];
  lines.forEach((text, index) => {
    const uses = new Set<string>();
    for (const [name, re] of PATTERNS) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) for (const u of [typeof name === 'string' ? name : name(m)].flat()) uses.add(u);
    }
    if (uses.size > 0) found.push({ line: index + 1, uses: [...uses] });
  });
  return found;
}

/** "line 3 (os), line 7 (open, eval)" — at most `max` lines, then "and N more". `offset` is added to each line number. */
export function describeRiskyLines(found: RiskyLine[], offset = 0, max = 12): string {
  const shown = found.slice(0, max).map((r) => `line ${r.line + offset} (${r.uses.join(', ')})`);
  if (found.length > max) shown.push(`and ${found.length - max} more`);
  return shown.join(', ');
}
