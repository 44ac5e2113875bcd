/**
 * Numeric refinement, no model: find the data literals of a program (lists of numbers) and nudge
 * them with a coordinate search to lower the pixel distance, within a render budget. Only the
 * numbers change; the program text stays as the model wrote it, so it stays readable.
 */

export interface NumericLiteral {
  /** Offsets of the number in the program text. */
  start: number;
  end: number;
  value: number;
  /** Index of the list it belongs to. */
  list: number;
  isInt: boolean;
}

export interface DataList {
  start: number;
  end: number;
  /** The variable it is assigned to, when it is (`values = [...]`). */
  name?: string;
  literals: NumericLiteral[];
}

const NUM = String.raw`-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const LIST = new RegExp(String.raw`\[\s*${NUM}(?:\s*,\s*${NUM})+\s*,?\s*\]`, 'g');
const NUM_G = new RegExp(NUM, 'g');

/** The lists of numbers in a program that look like data (not positions, not evenly spaced ticks). */
export function findDataLists(program: string): DataList[] {
  const lists: DataList[] = [];
  for (const m of program.matchAll(LIST)) {
    const start = m.index!;
    const before = program.slice(Math.max(0, start - 80), start);
    const name = /([A-Za-z_]\w*)\s*=\s*$/.exec(before)?.[1];
    // keyword arguments that are not data: figsize, ticks, positions, limits
    const kw = /([A-Za-z_]\w*)\s*=\s*$/.exec(before)?.[1] ?? /\b(set_[xy]ticks|[xy]ticks|set_[xy]lim|[xy]lim|axis)\(\s*$/.exec(before)?.[1];
    if (kw && /^(figsize|xticks|yticks|set_xticks|set_yticks|ticks|positions|x|xs|years?|xlim|ylim|set_xlim|set_ylim|axis|bins|dpi)$/i.test(kw)) continue;
    const literals: NumericLiteral[] = [];
    for (const n of m[0].matchAll(NUM_G)) {
      const s = start + n.index!;
      literals.push({ start: s, end: s + n[0].length, value: Number(n[0]), list: lists.length, isInt: /^-?\d+$/.test(n[0]) });
    }
    if (isEvenlySpaced(literals.map((l) => l.value))) continue;
    lists.push({ start, end: start + m[0].length, name, literals });
  }
  return lists;
}

function isEvenlySpaced(v: number[]): boolean {
  if (v.length < 3) return false;
  const d = v[1] - v[0];
  if (d === 0) return v.every((x) => x === v[0]);
  return v.every((x, i) => i === 0 || Math.abs(x - v[i - 1] - d) < 1e-9 * Math.max(1, Math.abs(d)));
}

/** Writes new values into the program, keeping everything else byte for byte. */
export function withValues(program: string, literals: NumericLiteral[], values: number[]): string {
  let out = '';
  let pos = 0;
  literals.forEach((l, i) => {
    out += program.slice(pos, l.start) + formatNumber(values[i], l);
    pos = l.end;
  });
  return out + program.slice(pos);
}

function formatNumber(v: number, l: NumericLiteral): string {
  if (v === l.value) return String(l.value);
  const mag = Math.max(Math.abs(v), 1e-9);
  const decimals = Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(mag))));
  let s = v.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (l.isInt && /^-?\d+$/.test(s)) return s;
  return s;
}

export interface NumericRefineRequest {
  program: string;
  startScore: number;
  /** Renders allowed. */
  budget: number;
  /** Renders and scores a program; undefined when it failed. */
  evaluate: (program: string) => Promise<number | undefined>;
  signal?: AbortSignal;
  /** Initial step as a share of each list's scale (default 0.08). */
  initialStep?: number;
  /** Stop when the step falls below this share of the scale (default 0.004). */
  minStep?: number;
}

export interface NumericRefineResult {
  program: string;
  score: number;
  rendersUsed: number;
  /** Values changed, as { list name or index, index in list, from, to }. */
  changes: { list: string; index: number; from: number; to: number }[];
}

/**
 * Coordinate search: for each value try +step and −step (scaled to its list), keep a move only if
 * the score improves, continue in a direction while it improves; halve the step after each sweep.
 * Never returns a program that scores worse than the one given.
 */
export async function refineNumbers(r: NumericRefineRequest): Promise<NumericRefineResult> {
  const lists = findDataLists(r.program);
  const literals = lists.flatMap((l) => l.literals);
  const none: NumericRefineResult = { program: r.program, score: r.startScore, rendersUsed: 0, changes: [] };
  if (literals.length === 0 || r.budget <= 0) return none;
  const scale = lists.map((l) => Math.max(...l.literals.map((x) => Math.abs(x.value)), 1e-6));
  const values = literals.map((l) => l.value);
  let best = r.startScore;
  let used = 0;
  let step = r.initialStep ?? 0.08;
  const minStep = r.minStep ?? 0.004;
  const tryValues = async (vals: number[]): Promise<number | undefined> => {
    if (used >= r.budget || r.signal?.aborted) return undefined;
    used++;
    return r.evaluate(withValues(r.program, literals, vals));
  };
  while (step >= minStep && used < r.budget && !r.signal?.aborted) {
    let moved = false;
    for (let i = 0; i < literals.length && used < r.budget; i++) {
      const delta = step * scale[literals[i].list];
      for (const dir of [1, -1]) {
        let improvedHere = false;
        for (;;) {
          const trial = values.slice();
          trial[i] = values[i] + dir * delta;
          if (literals[i].value >= 0 && trial[i] < 0) break; // data that was non-negative stays so
          const s = await tryValues(trial);
          if (s === undefined || s <= best + 1e-6) break;
          best = s;
          values[i] = trial[i];
          improvedHere = moved = true;
        }
        if (improvedHere) break;
      }
    }
    if (!moved) step /= 2;
  }
  const changes = literals
    .map((l, i) => ({ list: lists[l.list].name ?? `list ${l.list}`, index: lists[l.list].literals.indexOf(l), from: l.value, to: values[i] }))
    .filter((c) => c.from !== c.to);
  return { program: withValues(r.program, literals, values), score: best, rendersUsed: used, changes };
}
