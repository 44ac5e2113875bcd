/**
 * The data literals of a program: its lists of numbers, which of them hold data, and how new values
 * are written back into the text (only the numbers change; everything else stays byte for byte).
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
  /** The variable (`values = [...]`) or dict key (`'Asia': [...]`) it is assigned to, when it is. */
  name?: string;
  literals: NumericLiteral[];
}

const NUM = String.raw`-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const LIST = new RegExp(String.raw`\[\s*${NUM}(?:\s*,\s*${NUM})+\s*,?\s*\]`, 'g');
const NUM_G = new RegExp(NUM, 'g');
/** Names of variables / keyword arguments whose lists are layout, not data. */
const NOT_DATA_NAME = /^(figsize|xticks|yticks|set_xticks|set_yticks|ticks|positions|xlim|ylim|set_xlim|set_ylim|axis|bins|dpi|rect|bbox_to_anchor|position|extent|labels?|widths?|width_ratios|height_ratios|pad|margins?|colors?)$/i;
/** Calls whose list arguments are layout, not data. */
const NOT_DATA_CALL = /\b(set_[xy]ticks|[xy]ticks|set_[xy]lim|[xy]lim|axis|add_axes|axes|set_position|subplots_adjust|add_subplot|set_bounds|Rectangle|GridSpec|arange|linspace|range)\(\s*$/;

/** A list literal of a program: where it stands, the name it is assigned to (or its dict key), and the text before it. */
interface ListMatch {
  start: number;
  end: number;
  name?: string;
  assigned?: string;
  before: string;
  literals: NumericLiteral[];
}

/** Every list of number literals in a program, in order; `list` of each literal is filled in by the caller. */
function listLiterals(program: string): ListMatch[] {
  const out: ListMatch[] = [];
  for (const m of program.matchAll(LIST)) {
    const start = m.index!;
    const before = program.slice(Math.max(0, start - 80), start);
    const assigned = /([A-Za-z_]\w*)\s*=\s*$/.exec(before)?.[1];
    const key = /(['"])([^'"\n]{1,40})\1\s*:\s*$/.exec(before)?.[2];
    const literals: NumericLiteral[] = [];
    for (const n of m[0].matchAll(NUM_G)) {
      const s = start + n.index!;
      literals.push({ start: s, end: s + n[0].length, value: Number(n[0]), list: -1, isInt: /^-?\d+$/.test(n[0]) });
    }
    out.push({ start, end: start + m[0].length, name: assigned ?? key, assigned, before, literals });
  }
  return out;
}

/** The lists kept, numbered in order. */
function numbered(kept: ListMatch[]): DataList[] {
  return kept.map((l, i) => ({ start: l.start, end: l.end, name: l.name, literals: l.literals.map((x) => ({ ...x, list: i })) }));
}

/** The lists of numbers in a program that look like data (not positions, not evenly spaced ticks). */
export function findDataLists(program: string): DataList[] {
  return numbered(
    listLiterals(program).filter(
      (l) =>
        !(l.assigned && NOT_DATA_NAME.test(l.assigned)) &&
        !NOT_DATA_CALL.test(l.before) &&
        !(l.assigned && !usedAsData(program, l.assigned, l.end)) &&
        !isEvenlySpaced(l.literals.map((x) => x.value)),
    ),
  );
}

/** Names that are as often positions as data (`x = [...]`, `years = [...]`): data only when plotted. */
const POSITION_LIKE_NAME = /^(x|xs|xvals?|x_?values|years?)$/i;
/** Calls whose first argument is the x of the data they draw. */
const PLOT_CALL = /\b(scatter|plot|step|errorbar|stem|fill_between|semilogx|semilogy|loglog)\(\s*$/;
/** Calls that use a list as tick places or limits only. */
const TICK_CALL = /\b(set_[xy]ticks|[xy]ticks|set_[xy]lim|[xy]lim|axis|set_[xy]ticklabels)\(\s*(?:ticks\s*=\s*)?$/;

/**
 * Whether the list assigned to `name` holds data, judged by how the program uses the name after
 * `from`: a list used only as tick places (`ax.set_xticks(pos)`) is layout; a position-like name
 * (`x`, `years`) is data when a plotting call draws it (`ax.scatter(x, y)`, `ax.plot(years, v)`)
 * and it does not also place ticks (tuning it would rewrite the tick labels); any other name is
 * data unless only ticks use it.
 */
function usedAsData(program: string, name: string, from: number): boolean {
  const uses = [...program.slice(from).matchAll(new RegExp(String.raw`(?<![\w.'"])${name}(?![\w'"])`, 'g'))].map((u) => {
    const before = program.slice(Math.max(0, from + u.index! - 60), from + u.index!);
    return TICK_CALL.test(before) ? 'tick' : PLOT_CALL.test(before) ? 'plot-x' : 'other';
  });
  if (POSITION_LIKE_NAME.test(name)) return uses.includes('plot-x') && !uses.includes('tick');
  return uses.length === 0 || uses.some((u) => u !== 'tick');
}

export function isEvenlySpaced(v: number[]): boolean {
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

/** At most 4 significant digits past the integer part (3.1416, 14.53, 1520, 0.3412); no float noise. */
export function formatNumber(v: number, l: NumericLiteral): string {
  if (v === l.value) return String(l.value);
  const mag = Math.max(Math.abs(v), 1e-9);
  const decimals = Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(mag))));
  let s = v.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

/**
 * Every list of numbers in a program, whatever its name or use: the data-space refinement finds
 * which of them hold what the program drew by their values, not by their names.
 */
export function findNumberLists(program: string): DataList[] {
  return numbered(listLiterals(program));
}
