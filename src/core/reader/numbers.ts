/**
 * Numbers as people write them on charts: thousands separators, decimals, minus signs (also
 * U+2212 and en dashes), percent, k/M/B suffixes, years, scientific notation (1e5, 1×10^5, 10⁵).
 */

export interface ParsedNumber {
  value: number;
  percent?: boolean;
  /** The suffix multiplier that was applied (k: 1e3, M: 1e6, B/bn: 1e9, T: 1e12). */
  suffix?: string;
}

const SUPERSCRIPT: Record<string, string> = { '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-' };

export function parseNumber(raw: string): ParsedNumber | undefined {
  let s = raw.trim().replace(/[\u2212\u2012\u2013\u2014\u02d7\u2010\u2011]/g, '-').replace(/\s+/g, '');
  s = s.replace(/[’'`](?=\d{3})/g, ','); // 1'000
  // tick marks glued on: "0.5-" ; currency signs
  s = s.replace(/^[$€£¥]/, '').replace(/^-?[$€£¥]/, (m) => m.replace(/[$€£¥]/, ''));
  s = s.replace(/[-–]+$/, '');
  if (!s) return undefined;
  // 10^5, 10⁵, 1×10^5
  let m = /^(-?\d+(?:\.\d+)?)?[x×*]?10(?:\^|\*\*)?(-?\d+|[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(s);
  if (m && (m[1] !== undefined || /\^|\*\*|[⁰¹²³⁴⁵⁶⁷⁸⁹]/.test(s))) {
    const exp = Number(m[2].replace(/./g, (c) => SUPERSCRIPT[c] ?? c));
    const mant = m[1] === undefined ? 1 : Number(m[1]);
    if (Number.isFinite(exp)) return { value: mant * 10 ** exp };
  }
  m = /^(-?)(\d+(?:\.\d+)?|\.\d+)e([+-]?\d+)$/i.exec(s);
  if (m) return { value: Number(`${m[1]}${m[2]}e${m[3]}`) };
  let percent = false;
  if (s.endsWith('%')) { percent = true; s = s.slice(0, -1); }
  let mult = 1, suffix: string | undefined;
  const suf = /^(.*\d)(k|K|M|m|B|bn|b|T)$/.exec(s);
  if (suf) {
    suffix = suf[2];
    mult = { k: 1e3, K: 1e3, M: 1e6, m: 1e6, B: 1e9, b: 1e9, bn: 1e9, T: 1e12 }[suf[2]] ?? 1;
    s = suf[1];
  }
  const neg = s.startsWith('-');
  if (neg || s.startsWith('+')) s = s.slice(1);
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return undefined;
  let num: number;
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) num = Number(s.replace(/,/g, ''));
  else if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(s) && s.split('.').length > 2) num = Number(s.replace(/\./g, '').replace(',', '.'));
  else if (/^\d*,\d+$/.test(s) && !/^\d{1,3},\d{3}$/.test(s)) num = Number(s.replace(',', '.')); // decimal comma
  else if (/^\d*\.?\d+$|^\d+\.$/.test(s)) num = Number(s);
  else return undefined;
  if (!Number.isFinite(num)) return undefined;
  const value = (neg ? -1 : 1) * num * mult;
  return { value, ...(percent ? { percent } : {}), ...(suffix ? { suffix } : {}) };
}
