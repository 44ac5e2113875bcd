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
import { findDataLists, withValues } from './literals';
import { globalSearch, localSearch } from './polish';
import type { NumericRefineRequest, NumericRefineResult, SearchContext } from './search';

export { findDataLists, findNumberLists, withValues, type DataList, type NumericLiteral } from './literals';
export { assign } from './assign';
export type { NumericRefineRequest, NumericRefineResult } from './search';

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
