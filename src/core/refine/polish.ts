/**
 * Render-compare polish: nudge the data literals to lower the pixel distance.
 *  - local search (with the render as an image and the prepared original): one probe per value
 *    finds the part of the image its mark moves, values whose parts do not touch are grouped, and
 *    every render tries a step for every value of a group, each judged in its own part; scatters
 *    and lines first jump to the original's dots / line (one render each, kept if better);
 *  - global search (a scalar score only): a coordinate search, one value per render.
 */
import type { RgbaImage } from '../types';
import { alignRender, markCostMap, scorePair, type Alignment, type PreparedOriginal } from '../critic/pixelCritic';
import { withValues } from './literals';
import { aborted, clampValue, PROBE, type SearchContext, type SearchOutcome } from './search';
import {
  BATCH_MIN, bandPixels, barBand, changedPixels, codeSize, constantWeightCodes, copyView, dilateList, groupByOverlap, markClass,
  median, probeClasses, probeSighting, setView, vertexGuess, voronoi, type Band, type Sighting, type VertexSighting, type View,
} from './marks';
import { pointJump } from './pointJump';

// ---------------------------------------------------------------------------------------------
// Global search: one value per render, scored by the caller
// ---------------------------------------------------------------------------------------------

/**
 * Coordinate search: for each value try +step and −step (scaled to its list), keep a move only if
 * the score improves, continue in a direction while it improves; halve the step after a sweep
 * without a move.
 */
export async function globalSearch(c: SearchContext): Promise<SearchOutcome> {
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
export async function localSearch(c: SearchContext, renderImage: (p: string) => Promise<RgbaImage | undefined>, o: PreparedOriginal): Promise<SearchOutcome> {
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
      // the probe renders of a class are independent: issued at once (the renderer runs what it can in parallel)
      const trials = Array.from({ length: bits }, (_, b) => {
        const trial = at.slice();
        cls.forEach((i, j) => { if (codes[j] & (1 << b)) trial[i] = clampValue(c, i, at[i] + PROBE * c.scale[i]); });
        return trial;
      });
      const rendered = await Promise.all(trials.map((t) => render(t)));
      for (let b = 0; b < bits; b++) {
        const p = rendered[b];
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
