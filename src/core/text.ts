/**
 * Untrusted text (a model's reply, a computed answer, a program's output, an error that quotes
 * them) shown on a terminal or in a log: control characters and escape sequences are made visible
 * instead of obeyed, so a reply cannot set the terminal's title, move the cursor, clear the screen
 * or print a fake line over ours.
 */

/**
 * `s` with every control character shown, not obeyed: C0 controls and DEL as their Unicode
 * control pictures (ESC → ␛, BEL → ␇, CR → ␍), C1 controls and the bidirectional overrides as
 * `<U+XXXX>`. Newlines and tabs are kept unless `oneLine`, which shows them as ␊ and ␉. A CR LF
 * pair is a newline.
 */
export function visible(s: string, opts: { oneLine?: boolean } = {}): string {
  // fast path: nothing to change (most text)
  const keep = !opts.oneLine;
  if (!(keep ? UNSAFE : UNSAFE_ANY).test(s)) return s;
  return s.replace(/\r\n/g, '\n').replace(UNSAFE_G, (c) => {
    const code = c.charCodeAt(0);
    if (keep && (c === '\n' || c === '\t')) return c;
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

// C0 (incl. \n and \t, kept by the replacer), DEL, C1, bidi embeddings/overrides/isolates, line and
// paragraph separators
const UNSAFE_SOURCE = '[\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]';
const UNSAFE = new RegExp('[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]');
const UNSAFE_ANY = new RegExp(UNSAFE_SOURCE);
const UNSAFE_G = new RegExp(UNSAFE_SOURCE, 'g');

/** The message of a thrown value: an Error's message, else the value as a string. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
