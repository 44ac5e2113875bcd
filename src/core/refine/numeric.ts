/**
 * Numeric refinement, no model: find the data literals of a program (lists of numbers) and nudge
 * them to lower the pixel distance, within a render budget. Only the numbers change; the program
 * text stays as the model wrote it, so it stays readable.
 *
 * Two searches:
 *  - local (when the caller can give the render as an image and the prepared original): each
 *    value's marks occupy their own part of the image (a bar, a point, a vertex of a line), so
 *    one probe render per value finds that part, values whose parts do not touch are grouped, and
 *    every render then tries a step for *every* value of a group at once, each judged only by the
 *    critic's mark cost inside its own part. A chart with 20 bars needs about as many renders as one
 *    with 5; a line of 100 points a few times more.
 *  - global (only a scalar score per program): a coordinate search, one value per render.
 * Either way the program returned never scores worse than the one given.
 */
import type { RgbaImage } from '../types';
import { alignRender, markCostMap, scorePair, type Alignment, type PreparedOriginal } from '../critic/pixelCritic';

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
const NOT_DATA_NAME = /^(figsize|xticks|yticks|set_xticks|set_yticks|ticks|positions|x|xs|years?|xlim|ylim|set_xlim|set_ylim|axis|bins|dpi|rect|bbox_to_anchor|position|extent|labels?|widths?|width_ratios|height_ratios|pad|margins?|colors?)$/i;
/** Calls whose list arguments are layout, not data. */
const NOT_DATA_CALL = /\b(set_[xy]ticks|[xy]ticks|set_[xy]lim|[xy]lim|axis|add_axes|axes|set_position|subplots_adjust|add_subplot|set_bounds|Rectangle|GridSpec|arange|linspace|range)\(\s*$/;

/** The lists of numbers in a program that look like data (not positions, not evenly spaced ticks). */
export function findDataLists(program: string): DataList[] {
  const lists: DataList[] = [];
  for (const m of program.matchAll(LIST)) {
    const start = m.index!;
    const before = program.slice(Math.max(0, start - 80), start);
    const assigned = /([A-Za-z_]\w*)\s*=\s*$/.exec(before)?.[1];
    const key = /(['"])([^'"\n]{1,40})\1\s*:\s*$/.exec(before)?.[2];
    if (assigned && NOT_DATA_NAME.test(assigned)) continue;
    if (NOT_DATA_CALL.test(before)) continue;
    const literals: NumericLiteral[] = [];
    for (const n of m[0].matchAll(NUM_G)) {
      const s = start + n.index!;
      literals.push({ start: s, end: s + n[0].length, value: Number(n[0]), list: lists.length, isInt: /^-?\d+$/.test(n[0]) });
    }
    if (isEvenlySpaced(literals.map((l) => l.value))) continue;
    lists.push({ start, end: start + m[0].length, name: assigned ?? key, literals });
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

/** At most 4 significant digits past the integer part (3.1416, 14.53, 1520, 0.3412); no float noise. */
function formatNumber(v: number, l: NumericLiteral): string {
  if (v === l.value) return String(l.value);
  const mag = Math.max(Math.abs(v), 1e-9);
  const decimals = Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(mag))));
  let s = v.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

export interface NumericRefineRequest {
  program: string;
  startScore: number;
  /** Renders allowed. */
  budget: number;
  /** Renders and scores a program; undefined when it failed. Used when `renderImage` is not given. */
  evaluate: (program: string) => Promise<number | undefined>;
  /**
   * Renders a program and decodes the PNG; undefined when it failed. With `original`, enables the
   * local search (many values per render).
   */
  renderImage?: (program: string) => Promise<RgbaImage | undefined>;
  /** The prepared original the renders are compared with (the same the caller scores with). */
  original?: PreparedOriginal;
  signal?: AbortSignal;
  /** Initial step as a share of each list's scale (default 0.08). */
  initialStep?: number;
  /** Stop a value when its step falls below this share of its list's scale (default 0.004). */
  minStep?: number;
}

export interface NumericRefineResult {
  program: string;
  score: number;
  rendersUsed: number;
  /** Values changed, as { list name or index, index in list, from, to }. */
  changes: { list: string; index: number; from: number; to: number }[];
  /** Which search ran. */
  search: 'local' | 'global' | 'none';
}

export async function refineNumbers(r: NumericRefineRequest): Promise<NumericRefineResult> {
  const lists = findDataLists(r.program);
  const literals = lists.flatMap((l) => l.literals);
  if (literals.length === 0 || r.budget <= 0) return { program: r.program, score: r.startScore, rendersUsed: 0, changes: [], search: 'none' };
  const scale = lists.map((l) => Math.max(...l.literals.map((x) => Math.abs(x.value)), 1e-6));
  const ctx: SearchContext = { r, lists, literals, scale: literals.map((l) => scale[l.list]), used: 0 };
  const out = r.renderImage && r.original && r.budget >= 4 ? await localSearch(ctx, r.renderImage, r.original) : await globalSearch(ctx);
  const changes = literals
    .map((l, i) => ({ list: lists[l.list].name ?? `list ${l.list}`, index: lists[l.list].literals.indexOf(l), from: l.value, to: out.values[i] }))
    .filter((c) => c.from !== c.to);
  if (out.score <= r.startScore || changes.length === 0) {
    return { program: r.program, score: r.startScore, rendersUsed: ctx.used, changes: [], search: out.search };
  }
  return { program: withValues(r.program, literals, out.values), score: out.score, rendersUsed: ctx.used, changes, search: out.search };
}

interface SearchContext {
  r: NumericRefineRequest;
  lists: DataList[];
  literals: NumericLiteral[];
  /** Per literal: the scale its steps are shares of (its list's largest magnitude). */
  scale: number[];
  used: number;
}

interface SearchOutcome {
  values: number[];
  score: number;
  search: 'local' | 'global';
}

const aborted = (c: SearchContext) => c.r.signal?.aborted === true;

/** The probe move, as a share of the list's scale: small, so a value's territory stays compact. */
const PROBE = Number(process.env.PROBE ?? 0.04);

/** Keeps data that was non-negative non-negative. */
function clampValue(c: SearchContext, i: number, v: number): number {
  return c.literals[i].value >= 0 && v < 0 ? 0 : v;
}

// ---------------------------------------------------------------------------------------------
// Global search: one value per render, scored by the caller
// ---------------------------------------------------------------------------------------------

/**
 * Coordinate search: for each value try +step and −step (scaled to its list), keep a move only if
 * the score improves, continue in a direction while it improves; halve the step after a sweep
 * without a move.
 */
async function globalSearch(c: SearchContext): Promise<SearchOutcome> {
  const { r, literals } = c;
  const values = literals.map((l) => l.value);
  let best = r.startScore;
  let step = r.initialStep ?? 0.08;
  const minStep = r.minStep ?? 0.004;
  const tryValues = async (vals: number[]): Promise<number | undefined> => {
    if (c.used >= r.budget || aborted(c)) return undefined;
    c.used++;
    return r.evaluate(withValues(r.program, literals, vals));
  };
  while (step >= minStep && c.used < r.budget && !aborted(c)) {
    let moved = false;
    for (let i = 0; i < literals.length && c.used < r.budget; i++) {
      const delta = step * c.scale[i];
      for (const dir of [1, -1]) {
        let improvedHere = false;
        for (;;) {
          const trial = values.slice();
          trial[i] = clampValue(c, i, values[i] + dir * delta);
          if (trial[i] === values[i]) break;
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
  return { values, score: best, search: 'global' };
}

// ---------------------------------------------------------------------------------------------
// Local search: many values per render, each judged in its own part of the image
// ---------------------------------------------------------------------------------------------

/** A render on the original's canvas (fixed alignment) with its per-pixel mark cost. */
interface View {
  rgba: Uint8Array;
  cost: Float32Array;
}

async function localSearch(c: SearchContext, renderImage: (p: string) => Promise<RgbaImage | undefined>, o: PreparedOriginal): Promise<SearchOutcome> {
  const { r, literals } = c;
  const n = literals.length;
  const { width: w, height: h } = o.work;
  const values = literals.map((l) => l.value);
  let alignment: Alignment | undefined;

  const render = async (vals: number[]): Promise<{ img: RgbaImage; view: View } | undefined> => {
    if (c.used >= r.budget || aborted(c)) return undefined;
    c.used++;
    const img = await renderImage(withValues(r.program, literals, vals));
    if (!img) return undefined;
    const a = alignRender(o, img, alignment);
    alignment ??= a.alignment;
    return { img, view: { rgba: a.work.data, cost: markCostMap(o, a) } };
  };

  // the program as given
  const first = await render(values);
  if (!first) return { values, score: r.startScore, search: 'local' };
  const base = first.view;
  let bestScore = r.startScore;
  let bestValues = values.slice();
  {
    const s = scorePair(o, first.img).score;
    if (s > bestScore) { bestScore = s; bestValues = values.slice(); }
  }

  // 1. probes: one render per value, +10 % of its scale → the pixels it moves (its territory)
  const reserve = 1; // the final check
  const territory: (Int32Array | undefined)[] = new Array(n);
  let probeMoved = false;
  const dir = new Array<number>(n).fill(1);
  for (let i = 0; i < n && c.used < r.budget - reserve - 1 && !aborted(c); i++) {
    // +10 % first; when that changes nothing (a bar clipped at the axis limit), −10 %, then ∓30 %
    for (const move of [PROBE, -PROBE, -0.3, 0.3]) {
      const sign = Math.sign(move);
      const trial = values.slice();
      trial[i] = clampValue(c, i, values[i] + move * c.scale[i]);
      if (trial[i] === values[i] || c.used >= r.budget - reserve - 1) continue;
      const p = await render(trial);
      if (!p) break;
      const changed = changedPixels(base.rgba, p.view.rgba);
      if (changed.length === 0) continue; // nothing we can see moved
      territory[i] = changed;
      // which way is better, judged around the moved pixels
      const around = dilateList(changed, w, h, 3);
      let before = 0, after = 0;
      for (const q of around) { before += base.cost[q]; after += p.view.cost[q]; }
      dir[i] = after < before ? sign : -sign;
      if (Math.abs(move) <= PROBE && after < before) {
        // the probe itself was a step the right way: keep it
        values[i] = trial[i];
        for (const q of around) {
          base.cost[q] = p.view.cost[q];
          const p4 = q * 4;
          base.rgba[p4] = p.view.rgba[p4]; base.rgba[p4 + 1] = p.view.rgba[p4 + 1]; base.rgba[p4 + 2] = p.view.rgba[p4 + 2];
        }
        probeMoved = true;
      }
      if (Math.abs(move) > PROBE) {
        // only a big move made it visible (it was drawn past the axis limit): start from there,
        // heading back towards where it was
        values[i] = trial[i];
        for (const q of changed) {
          base.cost[q] = p.view.cost[q];
          const p4 = q * 4;
          base.rgba[p4] = p.view.rgba[p4]; base.rgba[p4 + 1] = p.view.rgba[p4 + 1]; base.rgba[p4 + 2] = p.view.rgba[p4 + 2];
        }
        dir[i] = -sign;
      }
      break;
    }
  }
  const active = territory.map((t) => t !== undefined);

  // 2. groups of values whose territories (grown by a margin) do not touch
  const margin = Math.max(2, Math.round(Number(process.env.MARGIN ?? 0.006) * (w + h)));
  const groups = groupByOverlap(territory, w, h, margin);
  const cells = groups.map((g) => voronoi(g.map((i) => territory[i]!), w, h));

  // 3. the search: every render tries one step for every active value of a group
  const step = literals.map((_, i) => (r.initialStep ?? 0.08) * c.scale[i]);
  const minStep = literals.map((_, i) => (r.minStep ?? 0.004) * c.scale[i]);
  /** The last rejected trial of each value, for the parabola through it, the current and the next. */
  const rejected: ({ value: number; step: number; dir: number; cost: number } | undefined)[] = new Array(n).fill(undefined);
  const vertexTry = new Array<boolean>(n).fill(false);
  const deadHits = new Array<number>(n).fill(0);
  const cur: View = { rgba: new Uint8Array(base.rgba), cost: new Float32Array(base.cost) };
  let sinceSync = 0;
  let acceptedSinceSync = false;
  let synced: number[] | undefined;
  const sync = async (): Promise<number | undefined> => {
    const s = await render(values);
    if (!s) return undefined;
    synced = values.slice();
    cur.rgba.set(s.view.rgba);
    cur.cost.set(s.view.cost);
    const sc = scorePair(o, s.img).score;
    if (sc > bestScore) { bestScore = sc; bestValues = values.slice(); }
    sinceSync = 0;
    acceptedSinceSync = false;
    return sc;
  };
  const localPhase = async () => {
    while (c.used < r.budget - reserve && !aborted(c)) {
      let tried = false;
      for (let gi = 0; gi < groups.length && c.used < r.budget - reserve && !aborted(c); gi++) {
        const members = groups[gi].filter((i) => active[i]);
        if (members.length === 0) continue;
        tried = true;
        const trial = values.slice();
        for (const i of members) trial[i] = clampValue(c, i, values[i] + dir[i] * step[i]);
        const t = await render(trial);
        if (!t) break;
        // per member: the mark cost inside its cell, now and in the trial
        const label = cells[gi];
        const nowCost = new Float64Array(groups[gi].length), trialCost = new Float64Array(groups[gi].length);
        const moved = new Int32Array(groups[gi].length);
        const a = cur.rgba, b = t.view.rgba;
        for (let q = 0; q < label.length; q++) {
          const k = label[q];
          if (k < 0) continue;
          nowCost[k] += cur.cost[q];
          trialCost[k] += t.view.cost[q];
          const p4 = q * 4;
          if (Math.abs(a[p4] - b[p4]) > 24 || Math.abs(a[p4 + 1] - b[p4 + 1]) > 24 || Math.abs(a[p4 + 2] - b[p4 + 2]) > 24) moved[k]++;
        }
        const accepted = new Uint8Array(groups[gi].length);
        for (const i of members) {
          const k = groups[gi].indexOf(i);
          const tol = 1e-6 * Math.max(1, nowCost[k]);
          if (moved[k] === 0 && step[i] >= 0.01 * c.scale[i] && deadHits[i] < 6) {
            // a step that should show but changed nothing: the value is past an axis limit (a
            // clipped bar): turn round with a longer step rather than settle here
            deadHits[i]++;
            dir[i] = -dir[i];
            step[i] = Math.min(step[i] * 2, 0.3 * c.scale[i]);
            continue;
          }
          if (trial[i] !== values[i] && trialCost[k] < nowCost[k] - tol) {
            values[i] = trial[i];
            accepted[k] = 1;
            // a jump to a parabola's vertex lands near the minimum: look closer; else stride on
            step[i] = vertexTry[i] ? step[i] / 2 : Math.min(step[i] * 1.6, 0.3 * c.scale[i]);
            vertexTry[i] = false;
            rejected[i] = undefined;
            acceptedSinceSync = true;
          } else {
            const prev = rejected[i];
            if (prev && prev.value === values[i] && prev.step === step[i] && prev.dir === -dir[i]) {
              // worse both ways at this step: the minimum is within ±step; fit a parabola through
              // the three costs and try its vertex
              const plus = dir[i] > 0 ? trialCost[k] : prev.cost, minus = dir[i] > 0 ? prev.cost : trialCost[k];
              const curve = plus + minus - 2 * nowCost[k];
              const offset = curve > 0 ? (step[i] * (minus - plus)) / (2 * curve) : 0;
              rejected[i] = undefined;
              if (Math.abs(offset) > 0.15 * step[i] && Math.abs(offset) < 0.95 * step[i]) {
                dir[i] = Math.sign(offset);
                step[i] = Math.abs(offset);
                vertexTry[i] = true;
              } else {
                step[i] *= 0.35;
                vertexTry[i] = false;
              }
            } else {
              rejected[i] = { value: values[i], step: step[i], dir: dir[i], cost: trialCost[k] };
              dir[i] = -dir[i];
              if (vertexTry[i]) { step[i] *= 0.5; vertexTry[i] = false; }
            }
            if (step[i] < minStep[i]) active[i] = false;
          }
        }
        // the current state: accepted cells from the trial, the rest as it was
        for (let q = 0; q < label.length; q++) {
          const k = label[q];
          if (k < 0 || !accepted[k]) continue;
          cur.cost[q] = t.view.cost[q];
          const p4 = q * 4;
          cur.rgba[p4] = t.view.rgba[p4]; cur.rgba[p4 + 1] = t.view.rgba[p4 + 1]; cur.rgba[p4 + 2] = t.view.rgba[p4 + 2];
        }
        sinceSync++;
      }
      if (!tried) break;
      // now and then, render the current values for real: a true score, and a fresh current state
      if (acceptedSinceSync && sinceSync >= Math.max(6, 2 * groups.length) && c.used < r.budget - reserve) await sync();
    }
  };

  // 4. joint moves: all values (then each list) scaled together. With axes that scale to the data
  //    (matplotlib's default), the bars' pixel heights only fix the values up to a common factor;
  //    the ticks decide it, so these moves are judged by the whole score.
  const scalePhase = async (score: number): Promise<boolean> => {
    const sets: number[][] = [literals.map((_, i) => i)];
    if (c.lists.length > 1) c.lists.forEach((l, li) => sets.push(literals.map((x, i) => (x.list === li ? i : -1)).filter((i) => i >= 0)));
    let improved = false;
    const tryFactor = async (set: number[], f: number): Promise<boolean> => {
      const trial = values.slice();
      for (const i of set) trial[i] = clampValue(c, i, values[i] * f);
      const t = await render(trial);
      if (!t) return false;
      const sc = scorePair(o, t.img).score;
      if (!(sc > score + 1e-5)) return false;
      score = sc;
      for (const i of set) values[i] = trial[i];
      cur.rgba.set(t.view.rgba);
      cur.cost.set(t.view.cost);
      if (sc > bestScore) { bestScore = sc; bestValues = values.slice(); }
      improved = true;
      return true;
    };
    // first a coarse look at all values scaled together (the score is bumpy in the scale: the
    // axis picks other ticks), then steps
    if (c.used < r.budget - reserve - 10) {
      const start = values.slice();
      for (const f of [0.8, 0.87, 0.93, 1.07, 1.15, 1.25]) {
        if (c.used >= r.budget - reserve || aborted(c)) break;
        const kept = values.slice();
        values.splice(0, n, ...start);
        if (!(await tryFactor(sets[0], f))) values.splice(0, n, ...kept);
      }
    }
    for (const set of sets) {
      let share = 0.04, sign = 1, failed = false;
      while (share >= 0.004 && c.used < r.budget - reserve && !aborted(c)) {
        if (await tryFactor(set, 1 + sign * share)) {
          share *= 1.5;
          failed = false;
        } else {
          sign = -sign;
          if (failed) share /= 2;
          failed = !failed;
        }
      }
    }
    return improved;
  };

  // the probes that were kept changed the picture: see it as it is
  if (probeMoved && c.used < r.budget - reserve - 4) await sync();
  for (let round = 0; round < 4 && !aborted(c); round++) {
    await localPhase();
    if (c.used > r.budget - reserve - 6) break;
    const now = await sync();
    if (now === undefined || !(await scalePhase(now))) break;
    // after a joint move every value is looked at again, with small steps
    for (let i = 0; i < n; i++) {
      if (!territory[i]) continue;
      active[i] = true;
      step[i] = 0.03 * c.scale[i];
      rejected[i] = undefined;
      vertexTry[i] = false;
    }
  }
  // the final check: the values as they are now, rendered and scored like any candidate
  if (values.some((v, i) => v !== bestValues[i]) && !(synced && values.every((v, i) => v === synced![i]))) {
    const budgetLeft = c.used < r.budget;
    if (budgetLeft) {
      c.used++;
      const img = await renderImage(withValues(r.program, literals, values));
      if (img) {
        const sc = scorePair(o, img).score;
        if (sc > bestScore) { bestScore = sc; bestValues = values.slice(); }
      }
    }
  }
  return { values: bestValues, score: bestScore, search: 'local' };
}

/** Indices of the pixels whose colour differs by more than 24 in some channel. */
function changedPixels(a: Uint8Array, b: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let q = 0, p = 0; p < a.length; q++, p += 4) {
    if (Math.abs(a[p] - b[p]) > 24 || Math.abs(a[p + 1] - b[p + 1]) > 24 || Math.abs(a[p + 2] - b[p + 2]) > 24) out.push(q);
  }
  return Int32Array.from(out);
}

/** The pixels within `r` (square) of a set of pixels. */
function dilateList(px: Int32Array, w: number, h: number, r: number): Int32Array {
  const seen = new Uint8Array(w * h);
  const out: number[] = [];
  for (const q of px) {
    const x = q % w, y = (q / w) | 0;
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
      for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
        const k = yy * w + xx;
        if (!seen[k]) { seen[k] = 1; out.push(k); }
      }
    }
  }
  return Int32Array.from(out);
}

/** Greedy colouring: values whose territories, grown by `margin`, overlap go to different groups. */
function groupByOverlap(territory: (Int32Array | undefined)[], w: number, h: number, margin: number): number[][] {
  const grown = territory.map((t) => (t ? dilateList(t, w, h, margin) : undefined));
  // for each pixel, the groups already holding it; pixels are claimed by the grown territories
  const groups: number[][] = [];
  const owners: Uint8Array[] = []; // per group, a mask of its grown territories
  for (let i = 0; i < territory.length; i++) {
    const g = grown[i];
    if (!g) continue;
    let placed = false;
    for (let k = 0; k < groups.length && !placed; k++) {
      const m = owners[k];
      let clash = false;
      for (const q of g) if (m[q]) { clash = true; break; }
      if (!clash) {
        groups[k].push(i);
        for (const q of g) m[q] = 1;
        placed = true;
      }
    }
    if (!placed) {
      const m = new Uint8Array(w * h);
      for (const q of g) m[q] = 1;
      groups.push([i]);
      owners.push(m);
    }
  }
  return groups;
}

/** Each pixel labelled with the index of the nearest territory (chamfer distance). */
function voronoi(territories: Int32Array[], w: number, h: number): Int16Array {
  const INF = 1 << 29;
  const dist = new Int32Array(w * h).fill(INF);
  const label = new Int16Array(w * h).fill(-1);
  territories.forEach((t, k) => {
    for (const q of t) { dist[q] = 0; label[q] = k; }
  });
  const relax = (i: number, j: number, cost: number) => {
    const v = dist[j] + cost;
    if (v < dist[i]) { dist[i] = v; label[i] = label[j]; }
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x > 0) relax(i, i - 1, 3);
      if (y > 0) {
        relax(i, i - w, 3);
        if (x > 0) relax(i, i - w - 1, 4);
        if (x < w - 1) relax(i, i - w + 1, 4);
      }
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (x < w - 1) relax(i, i + 1, 3);
      if (y < h - 1) {
        relax(i, i + w, 3);
        if (x < w - 1) relax(i, i + w + 1, 4);
        if (x > 0) relax(i, i + w - 1, 4);
      }
    }
  }
  return label;
}
