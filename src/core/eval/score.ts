/**
 * Scoring as each benchmark defines it:
 *   ChartQA     relaxed accuracy: numbers within 5 % of the label, strings equal after normalisation
 *               (case, spaces, quotes, a final full stop); percent signs, thousands separators,
 *               currency symbols and trailing units are normalised away; a year is matched exactly
 *               (1961 is not "within 5 %" of 1913).
 *   Geometry3K  multiple choice: a letter (A–D) is taken as it is; a value is mapped to the nearest
 *               choice (choices may be written in LaTeX: \sqrt{3}, \frac{1}{2}, \pi) and its letter scored.
 *   CharXiv     normalised exact match (numbers equal as numbers: "94.0" = "94"); an optional
 *               model judge grades it as the CharXiv paper does (see judge.ts).
 *   tables      DePlot's RMS-F1 between a recovered table and the item's data table.
 */

export type ScoringRule = 'relaxed' | 'choice' | 'exact';

export interface ScoreResult {
  correct: boolean;
  /** What the answer was read as, when that differs from its text (a number, a choice letter). */
  readAs?: string;
}

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/** Lower case, straight quotes stripped, spaces collapsed, a final full stop dropped. */
export function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201c\u201d"'`]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[([{]\s*(.*?)\s*[)\]}]$/, '$1')
    .replace(/[.。]+$/, '')
    .trim();
}

const CURRENCY = /^[$€£¥₹]\s*/;
/** A number with optional sign, thousands separators, decimals, exponent. */
const NUMBER = /^[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:e[-+]?\d+)?$/i;

export interface ParsedNumber {
  value: number;
  percent: boolean;
  /** Written as a bare 4-digit whole number between 1000 and 2100 (a year, most likely). */
  yearLike: boolean;
}

/**
 * Reads "34,120", "45%", "$1.5", "16.67 g", "-3.2e3", "12 million"… as a number; undefined when
 * the text is not a number with at most a short unit after it.
 */
export function parseNumber(text: string): ParsedNumber | undefined {
  let s = text.normalize('NFKC').trim().toLowerCase().replace(/[.。]+$/, '').trim();
  s = s.replace(CURRENCY, '');
  let percent = false;
  const pm = /^(.*?)\s*(%|percent|per cent)$/.exec(s);
  if (pm) {
    percent = true;
    s = pm[1];
  }
  // a trailing unit of at most two short words (g, kg, billion dollars, inches…)
  const um = /^([-+−]?[\d.,]+(?:e[-+]?\d+)?)\s*([a-zµ°]{1,12}(?:\s[a-zµ°]{1,12})?)?$/.exec(s);
  if (!um) return undefined;
  const num = um[1];
  if (um[2] && /^(e|to|and|or|of|x)$/.test(um[2])) return undefined;
  if (!NUMBER.test(num) || !/\d/.test(num)) return undefined;
  const value = Number(num.replace(/,/g, '').replace('−', '-'));
  if (!Number.isFinite(value)) return undefined;
  const yearLike = !percent && !um[2] && /^\d{4}$/.test(num) && value >= 1000 && value <= 2100;
  return { value, percent, yearLike };
}

// ---------------------------------------------------------------------------------------------
// ChartQA
// ---------------------------------------------------------------------------------------------

/** ChartQA's relaxed accuracy with the normalisations above. */
export function relaxedMatch(answer: string, expected: string, tolerance = 0.05): ScoreResult {
  const e = parseNumber(expected);
  const g = parseNumber(answer);
  if (e && g) {
    if (e.yearLike) return { correct: g.value === e.value, readAs: String(g.value) };
    if (e.value === 0) return { correct: Math.abs(g.value) < 1e-9, readAs: String(g.value) };
    return { correct: Math.abs(g.value - e.value) / Math.abs(e.value) <= tolerance + 1e-12, readAs: String(g.value) };
  }
  if (e && !g) return { correct: false };
  return { correct: normaliseText(answer) === normaliseText(expected) };
}

// ---------------------------------------------------------------------------------------------
// CharXiv
// ---------------------------------------------------------------------------------------------

/** Normalised exact match; numbers compare as numbers (exactly). */
export function exactMatch(answer: string, expected: string): ScoreResult {
  const e = parseNumber(expected);
  const g = parseNumber(answer);
  if (e && g) return { correct: e.value === g.value, readAs: String(g.value) };
  const strip = (s: string) => normaliseText(s).replace(/[\s,;:!?]+/g, ' ').trim();
  return { correct: strip(answer) === strip(expected) };
}

// ---------------------------------------------------------------------------------------------
// Geometry3K
// ---------------------------------------------------------------------------------------------

const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F'];

/**
 * The value of a choice as Geometry3K writes them: "12", "4.5", "3\\sqrt{3}", "\\frac{2}{3}",
 * "2\\pi", "\\frac{\\sqrt{3}}{2}", "45^\\circ"; undefined when it cannot be read.
 */
export function latexValue(src: string): number | undefined {
  let s = src.replace(/\$/g, '').replace(/\^\s*\{?\\circ\}?|°/g, '').replace(/\\left|\\right/g, '').replace(/\s+/g, '');
  if (s === '') return undefined;
  // turn LaTeX into a small arithmetic expression
  for (let i = 0; i < 5; i++) {
    const before = s;
    s = s.replace(/\\d?frac\{([^{}]*)\}\{([^{}]*)\}/g, '(($1)/($2))');
    s = s.replace(/\\sqrt\{([^{}]*)\}/g, 'sqrt($1)');
    s = s.replace(/\\sqrt(\d+)/g, 'sqrt($1)');
    if (s === before) break;
  }
  s = s.replace(/\\pi/g, 'pi').replace(/\\times|\\cdot/g, '*').replace(/[{}]/g, '');
  // implicit multiplication: 3sqrt(2), 2pi, 2(…), )(
  s = s.replace(/(\d|\))(?=sqrt|pi|\()/g, '$1*').replace(/pi(?=\d|\(|sqrt)/g, 'pi*');
  if (!/^[\d.+\-*/()a-z]*$/.test(s) || /[a-z]/.test(s.replace(/sqrt|pi/g, ''))) return undefined;
  try {
    const v = evalArithmetic(s);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A tiny recursive-descent evaluator for + - * / ( ) sqrt pi and numbers (no eval). */
function evalArithmetic(s: string): number {
  let i = 0;
  const peek = () => s[i];
  const expr = (): number => {
    let v = term();
    while (peek() === '+' || peek() === '-') v = s[i++] === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = factor();
    while (peek() === '*' || peek() === '/') v = s[i++] === '*' ? v * factor() : v / factor();
    return v;
  };
  const factor = (): number => {
    if (peek() === '-') {
      i++;
      return -factor();
    }
    if (peek() === '+') {
      i++;
      return factor();
    }
    if (s.startsWith('sqrt(', i)) {
      i += 5;
      const v = expr();
      if (s[i++] !== ')') throw new Error(')');
      return Math.sqrt(v);
    }
    if (s.startsWith('pi', i)) {
      i += 2;
      return Math.PI;
    }
    if (peek() === '(') {
      i++;
      const v = expr();
      if (s[i++] !== ')') throw new Error(')');
      return v;
    }
    const m = /^\d*\.?\d+/.exec(s.slice(i));
    if (!m) throw new Error('number');
    i += m[0].length;
    return Number(m[0]);
  };
  const v = expr();
  if (i !== s.length) throw new Error('trailing');
  return v;
}

/** Which choice an answer names: a letter, a choice's own text, or the nearest value. */
export function pickChoice(answer: string, choices: string[]): number | undefined {
  const a = answer.trim();
  const letter = /^\(?([A-F])\)?[.):]?$/i.exec(a) ?? /^(?:the )?(?:answer|choice|option)(?: is)?:?\s*\(?([A-F])\)?\.?$/i.exec(a);
  if (letter) {
    const k = LETTERS.indexOf(letter[1].toUpperCase());
    return k < choices.length ? k : undefined;
  }
  const exact = choices.findIndex((c) => normaliseText(c) === normaliseText(a));
  if (exact >= 0) return exact;
  const v = parseNumber(a)?.value ?? latexValue(a);
  if (v === undefined) return undefined;
  let best: number | undefined;
  let bestD = Infinity;
  choices.forEach((c, k) => {
    const cv = latexValue(c);
    if (cv === undefined) return;
    const d = Math.abs(cv - v);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  });
  return best;
}

/** Geometry3K: `expected` is the letter (or the choice's text); the answer's choice must be it. */
export function choiceMatch(answer: string, expected: string, choices: string[]): ScoreResult {
  const k = pickChoice(answer, choices);
  if (k === undefined) return { correct: false };
  let want = LETTERS.indexOf(expected.trim().toUpperCase());
  if (want < 0) want = choices.findIndex((c) => normaliseText(c) === normaliseText(expected));
  return { correct: k === want, readAs: LETTERS[k] };
}

/** Scores one answer by the item's rule. */
export function scoreAnswer(rule: ScoringRule, answer: string, expected: string, choices?: string[]): ScoreResult {
  if (rule === 'choice' && choices && choices.length > 0) return choiceMatch(answer, expected, choices);
  if (rule === 'exact') return exactMatch(answer, expected);
  return relaxedMatch(answer, expected);
}

export { LETTERS as CHOICE_LETTERS };
