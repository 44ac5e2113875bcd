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
 *    with 5; a line of 100 points a few times more. Long lists are probed many values per render
 *    (each value moved in its own subset of a few renders). Two shortcuts, each one render and kept
 *    only if the whole picture scores better: a scatter's points jump to the original's dots (a
 *    one-to-one assignment: the image has no order of its points), a line's vertices to where the
 *    original's line is in their columns.
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
const NOT_DATA_NAME = /^(figsize|xticks|yticks|set_xticks|set_yticks|ticks|positions|xlim|ylim|set_xlim|set_ylim|axis|bins|dpi|rect|bbox_to_anchor|position|extent|labels?|widths?|width_ratios|height_ratios|pad|margins?|colors?)$/i;
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
    if (assigned && !usedAsData(program, assigned, start + m[0].length)) continue;
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
const PROBE = 0.04;

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
  /** Colour class per pixel (the original's palette). */
  cls: Int8Array;
  cost: Float32Array;
}

function copyView(dst: View, src: View, q: number): void {
  dst.cost[q] = src.cost[q];
  dst.cls[q] = src.cls[q];
  const p4 = q * 4;
  dst.rgba[p4] = src.rgba[p4]; dst.rgba[p4 + 1] = src.rgba[p4 + 1]; dst.rgba[p4 + 2] = src.rgba[p4 + 2];
}

function setView(dst: View, src: View): void {
  dst.rgba.set(src.rgba);
  dst.cls.set(src.cls);
  dst.cost.set(src.cost);
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
    return { img, view: { rgba: a.work.data, cls: a.cls, cost: markCostMap(o, a) } };
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
  /** Per value: where its mark was and went in its probe (for points, see pointJump). */
  const seen: (Sighting | undefined)[] = new Array(n).fill(undefined);
  /** Per value of a line: where the original's vertex is, read off the original in its column. */
  const vertexAt: (VertexSighting | undefined)[] = new Array(n).fill(undefined);
  /**
   * Per value of a short list (bars) whose mark is a bar: the rows (it moves along x) or columns
   * (along y) its end moves in.
   */
  const band: (Band | undefined)[] = new Array(n).fill(undefined);
  const short = (i: number) => c.lists[literals[i].list].literals.length < BATCH_MIN;
  /** What a probe of value i to `to` (render `p`, moved pixels `changed`) says about it. */
  const takeProbe = (i: number, move: number, to: number, p: View, changed: Int32Array) => {
    const sign = Math.sign(move);
    territory[i] = changed;
    const k = markClass(base.cls, p.cls, changed);
    band[i] = short(i) ? barBand(base.cls, p.cls, changed, k, w, h) : undefined;
    seen[i] = probeSighting(base.cls, p.cls, changed, k, w, values, i, to);
    if (seen[i] && Math.abs(move) <= PROBE) vertexAt[i] = vertexGuess(o.cls, base.cls, p.cls, changed, seen[i]!.k, w, h, Math.abs(seen[i]!.dy) > 2 * Math.abs(seen[i]!.dx), values[i], to);
    // which way is better, judged around the moved pixels
    const around = dilateList(changed, w, h, 3);
    let before = 0, after = 0;
    for (const q of around) { before += base.cost[q]; after += p.cost[q]; }
    dir[i] = after < before ? sign : -sign;
    if (Math.abs(move) <= PROBE && after < before) {
      // the probe itself was a step the right way: keep it
      values[i] = to;
      for (const q of around) copyView(base, p, q);
      probeMoved = true;
    }
    if (Math.abs(move) > PROBE) {
      // only a big move made it visible (it was drawn past the axis limit): start from there,
      // heading back towards where it was
      values[i] = to;
      for (const q of changed) copyView(base, p, q);
      dir[i] = -sign;
    }
  };

  // 1a. long lists: probe many values per render. The values of a list are split into classes
  //     (every third one: a line's vertex moves its two segments, so its neighbours' marks touch
  //     it); each class is probed with a few renders, each value moved in a fixed-size subset of
  //     them (its code). A pixel that changed in exactly the renders of one value's code is that
  //     value's; a pixel two values share shows a code of more renders and is nobody's. Values left
  //     with no pixels are probed one by one below.
  const batchProbe = async () => {
    for (const cls of probeClasses(c.lists.map((l) => l.literals.length), c.lists.map((_, li) => literals.findIndex((x) => x.list === li)))) {
      const { bits, weight } = codeSize(cls.length);
      if (bits >= cls.length || c.used + bits >= r.budget - reserve - 1 - cls.length || aborted(c)) continue;
      const codes = constantWeightCodes(bits, weight).slice(0, cls.length);
      const at = values.slice();
      const sig = new Uint32Array(w * h);
      const probes: View[] = [];
      for (let b = 0; b < bits; b++) {
        const trial = at.slice();
        cls.forEach((i, j) => { if (codes[j] & (1 << b)) trial[i] = clampValue(c, i, at[i] + PROBE * c.scale[i]); });
        const p = await render(trial);
        if (!p) break;
        probes.push(p.view);
        for (const q of changedPixels(base.rgba, p.view.rgba)) sig[q] |= 1 << b;
      }
      if (probes.length < bits) return;
      const owner = new Map<number, number>(codes.map((code, j) => [code, j]));
      const px: number[][] = cls.map(() => []);
      for (let q = 0; q < sig.length; q++) {
        if (!sig[q]) continue;
        const j = owner.get(sig[q]);
        if (j !== undefined) px[j].push(q);
      }
      cls.forEach((i, j) => {
        const to = clampValue(c, i, at[i] + PROBE * c.scale[i]);
        if (px[j].length === 0 || to === at[i]) return;
        let b = 0;
        while (!(codes[j] & (1 << b))) b++;
        takeProbe(i, PROBE, to, probes[b], Int32Array.from(px[j]));
      });
    }
  };
  await batchProbe();

  /** A move of many values at once, kept only if the whole picture scores better; then probed anew. */
  const tryJump = async (jump: number[] | undefined): Promise<boolean> => {
    const t = jump && (await render(jump));
    if (!t) return false;
    const sc = scorePair(o, t.img).score;
    if (!(sc > bestScore)) return false;
    bestScore = sc;
    values.splice(0, n, ...jump);
    bestValues = values.slice();
    setView(base, t.view);
    territory.fill(undefined);
    band.fill(undefined);
    seen.fill(undefined);
    vertexAt.fill(undefined);
    probeMoved = false;
    await batchProbe();
    return true;
  };
  // 1b. scatters: the x and y lists of the same points. The image has no order of its points, so
  //     rather than walk each point to the nearest dot, all points jump at once to the original's
  //     dots by a least-distance one-to-one assignment, and are probed again where they landed.
  if (c.used < r.budget / 2 && !(await tryJump(pointJump(c, o, seen, values, w, h))) && c.used < r.budget / 2) {
    // 1c. lines: every vertex at once to where the original's line is in the vertex's column
    //     (px per unit: the list's median over its probes)
    const jump = values.slice();
    let count = 0;
    c.lists.forEach((_, li) => {
      const idx = literals.map((l, i) => (l.list === li && vertexAt[i] ? i : -1)).filter((i) => i >= 0);
      if (idx.length < BATCH_MIN) return;
      const slope = median(idx.map((i) => vertexAt[i]!.slope));
      for (const i of idx) {
        const v = vertexAt[i]!;
        if (Math.abs(v.slope / slope - 1) > 0.3) continue;
        jump[i] = clampValue(c, i, v.from + v.offset / slope);
        count++;
      }
    });
    if (count >= BATCH_MIN) await tryJump(jump);
  }

  // 1d. one render per value left, +PROBE of its scale → the pixels it moves (its territory)
  for (let i = 0; i < n && c.used < r.budget - reserve - 1 && !aborted(c); i++) {
    if (territory[i]) continue;
    // +PROBE first; when that changes nothing (a bar clipped at the axis limit), −PROBE, then ∓30 %
    for (const move of [PROBE, -PROBE, -0.3, 0.3]) {
      const trial = values.slice();
      trial[i] = clampValue(c, i, values[i] + move * c.scale[i]);
      if (trial[i] === values[i] || c.used >= r.budget - reserve - 1) continue;
      const p = await render(trial);
      if (!p) break;
      const changed = changedPixels(base.rgba, p.view.rgba);
      if (changed.length === 0) continue; // nothing we can see moved
      takeProbe(i, move, trial[i], p.view, changed);
      break;
    }
  }
  const active = territory.map((t) => t !== undefined);

  // 2. groups of values whose territories (grown by a margin) do not touch
  const margin = Math.max(2, Math.round(0.006 * (w + h)));
  const groups = groupByOverlap(territory, w, h, margin);
  // A bar's pixels are credited to it along its whole row (column), not only near where its probe
  // moved it: its end may have far to go, past where a neighbour's probe moved. Only bands that do
  // not cross another member's.
  const cells = groups.map((g) =>
    voronoi(
      g.map((i) => {
        const b = band[i];
        if (!b || g.some((j) => j !== i && band[j] && (band[j]!.along !== b.along || (band[j]!.lo <= b.hi && b.lo <= band[j]!.hi)))) return territory[i]!;
        return bandPixels(b, w, h);
      }),
      w,
      h,
    ),
  );

  // 3. the search: every render tries one step for every active value of a group
  const step = literals.map((_, i) => (r.initialStep ?? 0.08) * c.scale[i]);
  const minStep = literals.map((_, i) => (r.minStep ?? 0.004) * c.scale[i]);
  /** The last rejected trial of each value, for the parabola through it, the current and the next. */
  const rejected: ({ value: number; step: number; dir: number; cost: number } | undefined)[] = new Array(n).fill(undefined);
  const vertexTry = new Array<boolean>(n).fill(false);
  const deadHits = new Array<number>(n).fill(0);
  const cur: View = { rgba: new Uint8Array(base.rgba), cls: new Int8Array(base.cls), cost: new Float32Array(base.cost) };
  let sinceSync = 0;
  let acceptedSinceSync = false;
  let synced: number[] | undefined;
  const sync = async (): Promise<number | undefined> => {
    const s = await render(values);
    if (!s) return undefined;
    synced = values.slice();
    setView(cur, s.view);
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
            // (not below 2 % of the scale: a vertex fitted far from the minimum would stall there)
            step[i] = vertexTry[i] ? Math.max(step[i] / 2, 0.02 * c.scale[i]) : Math.min(step[i] * 1.6, 0.3 * c.scale[i]);
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
          copyView(cur, t.view, q);
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
      setView(cur, t.view);
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

/** The rows (a bar moving along x) or the columns (along y) a bar's end moves in. */
interface Band { along: 'x' | 'y'; lo: number; hi: number }

/**
 * A probe's moved pixels as a bar's end: the strip between its old and new end, with the bar's body
 * (its class in both renders) on one side along the motion and not on the other; undefined when the
 * moved pixels do not look like that (a line, a point, a wedge).
 */
function barBand(a: Int8Array, b: Int8Array, changed: Int32Array, k: number, w: number, h: number): Band | undefined {
  if (k < 0 || changed.length < 4) return undefined;
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (const q of changed) {
    const x = q % w, y = (q / w) | 0;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  /** The share of a side's line, just outside the box, that is the mark's class in both renders. */
  const side = (vertical: boolean, at: number, from: number, to: number): number => {
    if (at < 0 || at >= (vertical ? w : h)) return 0;
    let hit = 0, all = 0;
    for (let t = from; t <= to; t++) {
      const q = vertical ? t * w + at : at * w + t;
      all++;
      if (a[q] === k && b[q] === k) hit++;
    }
    return all ? hit / all : 0;
  };
  const left = side(true, x0 - 1, y0, y1), right = side(true, x1 + 1, y0, y1);
  const top = side(false, y0 - 1, x0, x1), bottom = side(false, y1 + 1, x0, x1);
  const oneSided = (p: number, q: number) => (p >= 0.6 && q <= 0.3) || (q >= 0.6 && p <= 0.3);
  const acrossClear = (p: number, q: number) => p <= 0.3 && q <= 0.3;
  if (oneSided(left, right) && acrossClear(top, bottom)) return { along: 'x', lo: y0, hi: y1 };
  if (oneSided(top, bottom) && acrossClear(left, right)) return { along: 'y', lo: x0, hi: x1 };
  return undefined;
}

function bandPixels(b: Band, w: number, h: number): Int32Array {
  const out: number[] = [];
  if (b.along === 'x') for (let y = b.lo; y <= b.hi; y++) for (let x = 0; x < w; x++) out.push(y * w + x);
  else for (let y = 0; y < h; y++) for (let x = b.lo; x <= b.hi; x++) out.push(y * w + x);
  return Int32Array.from(out);
}

/** The colour class most of a value's moved pixels have (in either render); -1 if none: the probe's `k`. */
function markClass(a: Int8Array, b: Int8Array, changed: Int32Array): number {
  const counts = new Map<number, number>();
  for (const q of changed) {
    if (a[q] === b[q]) continue;
    for (const c of [a[q], b[q]]) if (c >= 0) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = -1, most = 0;
  for (const [c, m] of counts) if (m > most) { most = m; best = c; }
  return best;
}

/** A line's vertex: the value then, how far (px) the original's vertex is from the render's, and px per unit. */
interface VertexSighting { from: number; offset: number; slope: number }

/**
 * A line's vertex, from its probe: the column (row) where the mark moved most is the vertex's; the
 * vertex's place along it is read the same way in the render and in the original (the run of the
 * mark's class there: its end at a peak or a trough, else its middle), and the value that puts the
 * render's where the original's is follows from the probe's shift. Undefined when unclear.
 */
function vertexGuess(orig: Int8Array, a: Int8Array, b: Int8Array, changed: Int32Array, k: number, w: number, h: number, vertical: boolean, from: number, to: number): VertexSighting | undefined {
  const across = vertical ? w : h, len = vertical ? h : w;
  const sa = new Float64Array(across), na = new Int32Array(across), sb = new Float64Array(across), nb = new Int32Array(across);
  for (const q of changed) {
    const x = q % w, y = (q / w) | 0;
    const c = vertical ? x : y, t = vertical ? y : x;
    if (a[q] === k) { sa[c] += t; na[c]++; }
    if (b[q] === k) { sb[c] += t; nb[c]++; }
  }
  const at = (c: number, t: number) => (vertical ? t * w + c : c * w + t);
  /** The run of class k in column c nearest to `near` (within a third of the canvas): [first, last]. */
  const run = (cls: Int8Array, c: number, near: number): [number, number] | undefined => {
    const lim = len / 3;
    let best: [number, number] | undefined, bestD = Infinity;
    for (let t = Math.max(0, Math.floor(near - lim)); t < Math.min(len, Math.ceil(near + lim)); t++) {
      if (cls[at(c, t)] !== k) continue;
      let e = t;
      while (e + 1 < len && cls[at(c, e + 1)] === k) e++;
      const d = near < t ? t - near : near > e ? near - e : 0;
      if (d < bestD) { bestD = d; best = [t, e]; }
      t = e;
    }
    return best;
  };
  // the vertex's column: where the mark's run moved furthest (both its ends)
  let col = -1, shift = 0;
  for (let c = 1; c < across - 1; c++) {
    if (!na[c] || !nb[c]) continue;
    const ra = run(a, c, sa[c] / na[c]), rb = run(b, c, sb[c] / nb[c]);
    if (!ra || !rb) continue;
    const d = (rb[0] - ra[0] + rb[1] - ra[1]) / 2;
    if (Math.abs(d) > Math.abs(shift)) { shift = d; col = c; }
  }
  if (col < 1 || Math.abs(shift) < 2) return undefined;
  const vertex = (cls: Int8Array, near: number): number | undefined => {
    const m = run(cls, col, near);
    if (!m) return undefined;
    const mid = (m[0] + m[1]) / 2;
    const l = run(cls, col - 1, mid), r = run(cls, col + 1, mid);
    if (!l || !r) return mid;
    const lm = (l[0] + l[1]) / 2, rm = (r[0] + r[1]) / 2;
    if (lm > mid && rm > mid) return m[0];
    if (lm < mid && rm < mid) return m[1];
    return mid;
  };
  const now = vertex(a, sa[col] / na[col]);
  if (now === undefined) return undefined;
  const there = vertex(orig, now);
  if (there === undefined) return undefined;
  return { from, offset: there - now, slope: shift / (to - from) };
}

/** A value's probe: its mark's class, centroid (work px) and size before, centroid after. */
interface Sighting {
  k: number;
  x: number;
  y: number;
  area: number;
  dx: number;
  dy: number;
  /** The value before and after the probe, and all values at the time. */
  from: number;
  to: number;
  values: number[];
}

function probeSighting(a: Int8Array, b: Int8Array, changed: Int32Array, k: number, w: number, values: number[], i: number, to: number): Sighting | undefined {
  if (k < 0 || to === values[i]) return undefined;
  let ax = 0, ay = 0, an = 0, bx = 0, by = 0, bn = 0;
  for (const q of changed) {
    const x = q % w, y = (q / w) | 0;
    if (a[q] === k) { ax += x; ay += y; an++; }
    if (b[q] === k) { bx += x; by += y; bn++; }
  }
  if (an === 0 || bn === 0) return undefined;
  return { k, x: ax / an, y: ay / an, area: an, dx: bx / bn - ax / an, dy: by / bn - ay / an, from: values[i], to, values: values.slice() };
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const mode = (xs: number[]) => {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1])[0][0];
};

/** A list's values drawn as positions along one axis: pixel = a + b × value. */
interface AxisMap { horizontal: boolean; a: number; b: number }

function axisMap(idx: number[], seen: (Sighting | undefined)[]): AxisMap | undefined {
  const ss = idx.map((i) => seen[i]).filter((s): s is Sighting => s !== undefined);
  if (ss.length < Math.max(3, 0.5 * idx.length)) return undefined;
  const horizontal = median(ss.map((s) => Math.abs(s.dx))) > 3 * median(ss.map((s) => Math.abs(s.dy)));
  const vertical = median(ss.map((s) => Math.abs(s.dy))) > 3 * median(ss.map((s) => Math.abs(s.dx)));
  if (!horizontal && !vertical) return undefined;
  // least squares of the marks' positions on their values, then again without the outliers (marks
  // that overlap others)
  const pos = (s: Sighting) => (horizontal ? s.x : s.y);
  const tol = 2.5;
  let use = ss, a = 0, b = 0;
  for (let round = 0; round < 3; round++) {
    const mv = use.reduce((t, s) => t + s.from, 0) / use.length, mp = use.reduce((t, s) => t + pos(s), 0) / use.length;
    let sxy = 0, sxx = 0;
    for (const s of use) { sxy += (s.from - mv) * (pos(s) - mp); sxx += (s.from - mv) ** 2; }
    if (!(sxx > 0)) return undefined;
    b = sxy / sxx;
    a = mp - b * mv;
    const next = ss.filter((s) => Math.abs(pos(s) - (a + b * s.from)) <= tol);
    if (next.length < 3) return undefined;
    use = next;
  }
  if (!Number.isFinite(b) || Math.abs(b) < 1e-9) return undefined;
  // the marks where the map puts them, and moved by it in the probes
  const fit = ss.filter((s) => Math.abs(pos(s) - (a + b * s.from)) <= tol).length;
  const slope = median(ss.map((s) => (horizontal ? s.dx : s.dy) / (s.to - s.from)));
  if (!(Math.abs(slope / b - 1) < 0.25)) return undefined;
  return fit >= 0.7 * ss.length ? { horizontal, a, b } : undefined;
}

/**
 * Scatter points (two lists of one length, one drawn along x and one along y, whose values' marks
 * are one compact mark): the values that put every point on one of the original's dots, by a
 * least-total-distance assignment; undefined when the program has no such points.
 */
function pointJump(c: SearchContext, o: PreparedOriginal, seen: (Sighting | undefined)[], values: number[], w: number, h: number): number[] | undefined {
  const byList = c.lists.map((_, li) => c.literals.map((l, i) => (l.list === li ? i : -1)).filter((i) => i >= 0));
  const maps = byList.map((idx) => (idx.length >= 4 ? axisMap(idx, seen) : undefined));
  const out = values.slice();
  let any = false;
  for (let A = 0; A < byList.length; A++) {
    for (let B = 0; B < byList.length; B++) {
      const mx = maps[A], my = maps[B];
      if (!mx || !my || !mx.horizontal || my.horizontal || byList[A].length !== byList[B].length) continue;
      const xs = byList[A], ys = byList[B], m = xs.length;
      // the same points: each y probe's mark sits where the x list puts it, and vice versa
      let agree = 0, asked = 0;
      for (let j = 0; j < m; j++) {
        const sy = seen[ys[j]], sx = seen[xs[j]];
        if (sy) { asked++; if (Math.abs(sy.x - (mx.a + mx.b * sy.values[xs[j]])) <= 2.5) agree++; }
        if (sx) { asked++; if (Math.abs(sx.y - (my.a + my.b * sx.values[ys[j]])) <= 2.5) agree++; }
      }
      if (asked < m || agree < 0.8 * asked) continue;
      const ss = [...xs, ...ys].map((i) => seen[i]).filter((s): s is Sighting => s !== undefined);
      const k = mode(ss.map((s) => s.k));
      const dotArea = median(ss.map((s) => s.area));
      // compact marks only (dots, not a line's vertices)
      if (!(dotArea > 0) || dotArea > 0.002 * w * h) continue;
      const targets = dots(o.cls, k, w, h, dotArea);
      if (targets.length < 0.5 * m || targets.length > 2 * m) continue;
      const pts = xs.map((xi, j) => [mx.a + mx.b * values[xi], my.a + my.b * values[ys[j]]]);
      const N = Math.max(m, targets.length);
      const FAR = 4 * (w + h);
      const cost = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (i < m && j < targets.length ? Math.hypot(pts[i][0] - targets[j][0], pts[i][1] - targets[j][1]) : i < m ? FAR : 0)));
      const match = assign(cost);
      for (let j = 0; j < m; j++) {
        const t = targets[match[j]];
        if (!t) continue;
        out[xs[j]] = clampValue(c, xs[j], (t[0] - mx.a) / mx.b);
        out[ys[j]] = clampValue(c, ys[j], (t[1] - my.a) / my.b);
        any = true;
      }
    }
  }
  return any && out.some((v, i) => v !== values[i]) ? out : undefined;
}

/**
 * The original's dots of class `k`: the centres of its blobs, a blob of about n dots' area giving n
 * centres (k-means on its pixels).
 */
function dots(cls: Int8Array, k: number, w: number, h: number, dotArea: number): [number, number][] {
  const seenPx = new Uint8Array(w * h);
  const out: [number, number][] = [];
  const stack: number[] = [];
  for (let q0 = 0; q0 < cls.length; q0++) {
    if (cls[q0] !== k || seenPx[q0]) continue;
    const px: number[] = [];
    stack.push(q0);
    seenPx[q0] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      px.push(q);
      const x = q % w, y = (q / w) | 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const qq = yy * w + xx;
          if (cls[qq] === k && !seenPx[qq]) { seenPx[qq] = 1; stack.push(qq); }
        }
      }
    }
    if (px.length < 0.4 * dotArea) continue;
    const count = Math.max(1, Math.round(px.length / dotArea));
    if (count > 12) continue; // not dots
    out.push(...kMeans(px, w, count));
  }
  return out;
}

function kMeans(px: number[], w: number, count: number): [number, number][] {
  const pts = px.map((q) => [q % w, (q / w) | 0] as [number, number]);
  // start spread along the blob's longer side
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const alongX = Math.max(...xs) - Math.min(...xs) >= Math.max(...ys) - Math.min(...ys);
  const sorted = pts.slice().sort((a, b) => (alongX ? a[0] - b[0] : a[1] - b[1]));
  let centres = Array.from({ length: count }, (_, j) => sorted[Math.floor(((j + 0.5) / count) * sorted.length)].slice() as [number, number]);
  for (let it = 0; it < 12; it++) {
    const sx = new Float64Array(count), sy = new Float64Array(count), sn = new Float64Array(count);
    for (const p of pts) {
      let best = 0, bd = Infinity;
      centres.forEach((c, j) => { const d = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2; if (d < bd) { bd = d; best = j; } });
      sx[best] += p[0]; sy[best] += p[1]; sn[best]++;
    }
    centres = centres.map((c, j) => (sn[j] ? [sx[j] / sn[j], sy[j] / sn[j]] : c));
  }
  return centres;
}

/** Minimum-cost perfect assignment on a square cost matrix (Hungarian method): row i → column. */
export function assign(cost: number[][]): number[] {
  const n = cost.length;
  const u = new Float64Array(n + 1), v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1), way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
        if (minv[j] < delta) { delta = minv[j]; j1 = j; }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) { u[p[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do { const j1 = way[j0]; p[j0] = p[j1]; j0 = j1; } while (j0);
  }
  const match = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] > 0) match[p[j] - 1] = j - 1;
  return match;
}

/** Lists of at least this many values are probed many values per render. */
const BATCH_MIN = 12;
/** The classes probed together: in each long list, every third value. */
function probeClasses(lengths: number[], firsts: number[]): number[][] {
  const out: number[][] = [];
  lengths.forEach((len, li) => {
    if (len < BATCH_MIN) return;
    for (let r = 0; r < 3; r++) {
      const cls: number[] = [];
      for (let j = r; j < len; j += 3) cls.push(firsts[li] + j);
      out.push(cls);
    }
  });
  return out;
}

const binom = (n: number, k: number) => { let v = 1; for (let i = 1; i <= k; i++) v = (v * (n - k + i)) / i; return Math.round(v); };

/** The fewest renders (bits) with enough codes of half as many ones for `m` values. */
function codeSize(m: number): { bits: number; weight: number } {
  let bits = 2;
  while (binom(bits, bits >> 1) < m) bits++;
  return { bits, weight: bits >> 1 };
}

/** The bit masks of `bits` bits with exactly `weight` ones, smallest first. */
function constantWeightCodes(bits: number, weight: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < 1 << bits; v++) {
    let k = 0;
    for (let x = v; x; x &= x - 1) k++;
    if (k === weight) out.push(v);
  }
  return out;
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
