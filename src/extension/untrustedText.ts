/**
 * Text that came from outside (a model's reply, a program's error, an image's file name, a server's
 * error page) shown in VS Code's own UI. Pure (no `vscode`), so it is tested in plain Node.
 *
 * A notification (showErrorMessage & co., a progress notification's title and message) turns
 * `[label](command:id?args)` into a link that runs the command with those arguments when clicked
 * (VS Code's parseLinkedText: `\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^\)\s]+)…\)`); it
 * knows no escape character, so a backslash does not help. plainNotice leaves no `]` right before a
 * `(` (it puts a space between), so that grammar cannot match anywhere in the message, and the text
 * still reads as it was written (`KeyError: ['a']` stays exact; full-width brackets would show as
 * boxes where no CJK font is installed).
 */

/** The longest notification text RECODE shows (the panel and the log keep the whole text). */
export const NOTICE_MAX_CHARS = 800;

/** C0/C1 controls (but tab, LF, CR, which become spaces), and invisible format characters that reorder or hide text. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/g;
const SPACE = /[\t\n\r\u2028\u2029\u0085]+/g;

/** Caps `s` at `max` characters (an ellipsis marks the cut; never half a surrogate pair). */
export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 1);
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return s.slice(0, cut) + '…';
}

/**
 * One line of text that is safe in a notification: no control or invisible format characters, no
 * link syntax (`](` becomes `] (`, `command:` gets a look-alike colon ∶), whitespace collapsed, at
 * most `max` characters.
 */
export function plainNotice(text: unknown, max = NOTICE_MAX_CHARS): string {
  const s = String(text ?? '')
    .replace(SPACE, ' ')
    .replace(CONTROL, '')
    .replace(/\]\s*\(/g, '] (')
    .replace(/(command):/gi, '$1\u2236')
    .replace(/ {2,}/g, ' ')
    .trim();
  return capText(s, max);
}
