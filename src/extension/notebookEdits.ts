/**
 * Notebook edit building, pure (no `vscode`): which image output of a cell to derender, whether a
 * markdown cell is a question about the image above it, the text of the cells a run inserts, and
 * where they go — a re-run replaces the cells RECODE inserted before (marked in cell metadata),
 * never the user's own cells. notebook.ts turns the plans into one WorkspaceEdit.
 */
import { describeRiskyLines, MODEL_WRITTEN_LINE, riskyLines } from '../shared/riskyCalls';
import { imageSize, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../core/image';

export const MARK_KEY = 'recode';

export interface OutputItemInfo {
  mime: string;
  byteLength: number;
  /** A hash of the item's bytes (the glue computes it), to find the output again after edits. */
  fingerprint?: string;
}

export interface OutputInfo {
  id?: string;
  items: OutputItemInfo[];
}

export interface CellInfo {
  kind: 'code' | 'markup';
  text: string;
  metadata?: Record<string, unknown>;
  outputs: OutputInfo[];
}

/** What RECODE writes into the metadata of the cells it inserts. */
export interface RecodeMark {
  runId?: string;
  /** Identity of what the cell answers: the source image's fingerprint (and the question cell's, for inline answers). */
  source: string;
  /** The source cell's index when the cell was written (informative; cells move). */
  sourceCell: number;
  kind: 'program' | 'answer';
}

export interface NewCell {
  kind: 'code' | 'markup';
  language: 'python' | 'markdown';
  text: string;
  metadata: Record<string, unknown>;
}

/** Replace `deleteCount` cells at `start` (indices of the notebook as it is now) with `insert`. */
export interface CellOp {
  start: number;
  deleteCount: number;
  insert: NewCell[];
}

export const RASTER_MIMES = ['image/png', 'image/jpeg'] as const;
export type RasterMime = (typeof RASTER_MIMES)[number];

export type ImagePick =
  | { ok: true; outputIndex: number; itemIndex: number; mime: RasterMime; fingerprint?: string; outputId?: string; count: number; note?: string }
  | { ok: false; reason: 'not-code' | 'none' | 'svg' | 'too-large'; message: string };

function isRaster(mime: string): mime is RasterMime {
  return (RASTER_MIMES as readonly string[]).includes(mime.toLowerCase());
}

/**
 * The image output of a cell to derender: the first PNG or JPEG (an output with both holds one
 * image in two encodings; PNG is preferred). SVG-only, none, or too large: why not, in one line.
 */
export function pickImage(cell: CellInfo, cellLabel: string, maxBytes = MAX_IMAGE_BYTES, preferOutput?: number): ImagePick {
  if (cell.kind !== 'code') return { ok: false, reason: 'not-code', message: `${cellLabel} is a markdown cell; pick a code cell with an image output.` };
  const found: Array<{ outputIndex: number; itemIndex: number; item: OutputItemInfo; outputId?: string }> = [];
  let svg = 0;
  cell.outputs.forEach((o, outputIndex) => {
    const png = o.items.findIndex((i) => i.mime.toLowerCase() === 'image/png');
    const any = png >= 0 ? png : o.items.findIndex((i) => isRaster(i.mime));
    if (any >= 0) found.push({ outputIndex, itemIndex: any, item: o.items[any], outputId: o.id });
    else if (o.items.some((i) => i.mime.toLowerCase() === 'image/svg+xml')) svg++;
  });
  if (found.length === 0) {
    if (svg > 0) {
      return {
        ok: false,
        reason: 'svg',
        message: `SVG outputs are not supported yet; ${cellLabel} has only SVG images. Draw the figure as PNG (e.g. %config InlineBackend.figure_formats = ['png']) and run the cell again.`,
      };
    }
    return { ok: false, reason: 'none', message: `${cellLabel} has no PNG or JPEG image output${cell.outputs.length === 0 ? ' (it has no outputs; run it first)' : ''}.` };
  }
  // The output the user right-clicked, when it is an image; else the first.
  const first = found.find((f) => f.outputIndex === preferOutput) ?? found[0];
  if (first.item.byteLength > maxBytes) {
    return { ok: false, reason: 'too-large', message: `The image output of ${cellLabel} is ${(first.item.byteLength / 1048576).toFixed(0)} MB; RECODE handles images up to ${(maxBytes / 1048576).toFixed(0)} MB.` };
  }
  return {
    ok: true,
    outputIndex: first.outputIndex,
    itemIndex: first.itemIndex,
    mime: first.item.mime.toLowerCase() as RasterMime,
    fingerprint: first.item.fingerprint,
    outputId: first.outputId,
    count: found.length,
    note: found.length > 1 && first === found[0] && preferOutput === undefined ? `${cellLabel} has ${found.length} images; RECODE uses the first.` : undefined,
  };
}

/** Whether image bytes are ones the engine can take (its decodeImage limits), checked before a run starts. */
export function imageProblem(bytes: Uint8Array, name: string): string | undefined {
  if (bytes.length === 0) return `${name} is empty.`;
  if (bytes.length > MAX_IMAGE_BYTES) return `${name} is ${(bytes.length / 1048576).toFixed(0)} MB; RECODE handles images up to ${MAX_IMAGE_BYTES / 1048576} MB.`;
  const size = imageSize(bytes);
  if (!size) return `${name} is not a PNG or JPEG image RECODE can read.`;
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    return `${name} is ${size.width}×${size.height} pixels; RECODE handles images up to ${(MAX_IMAGE_PIXELS / 1e6).toFixed(0)} megapixels — save the figure at a lower dpi.`;
  }
  return undefined;
}

export function hasRasterImage(cell: CellInfo): boolean {
  return cell.kind === 'code' && cell.outputs.some((o) => o.items.some((i) => isRaster(i.mime)));
}

// ---------------------------------------------------------------------------------------------
// Questions
// ---------------------------------------------------------------------------------------------

const QUESTION_WORDS = /^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|in which|at which|by how|compute|calculate|estimate|find|list|name|give|tell)\b/i;

/** The question a markdown cell asks, cleaned of markdown decoration; undefined when it is not one question. */
export function questionOf(markdown: string): string | undefined {
  const lines = markdown
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)/, '').trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return undefined;
  let text = lines.join(' ').replace(/\s+/g, ' ').trim();
  text = text.replace(/^(\*\*|__)(q(uestion)?\s*:?)(\*\*|__)\s*/i, '').replace(/^(q|question)\s*:\s*/i, '');
  text = text.replace(/(\*\*|__|`)/g, '').replace(/^[*_]+|[*_]+$/g, '').trim();
  if (text.length < 3 || text.length > 2000) return undefined;
  if (/[?？]$/.test(text) || QUESTION_WORDS.test(text)) return text;
  return undefined;
}

/**
 * The question cell and its image cell for "answer the question about the image above": the given
 * cell when it is a markdown question right under a cell with an image output, or the given image
 * cell when a markdown question sits right under it.
 */
export function questionAbove(cells: CellInfo[], index: number): { questionCell: number; imageCell: number; question: string } | { error: string } {
  const cell = cells[index];
  if (!cell) return { error: `the notebook has no cell ${index + 1}.` };
  // RECODE's own cells (a derender's program and answer) between the image and the question do not count.
  const own = (i: number) => cells[i] !== undefined && markOf(cells[i].metadata) !== undefined;
  if (cell.kind === 'markup') {
    if (own(index)) return { error: `cell ${index + 1} is an answer RECODE wrote; select the question cell.` };
    const question = questionOf(cell.text);
    if (!question) return { error: `cell ${index + 1} does not read as a question (end it with “?”).` };
    let above = index - 1;
    while (own(above)) above--;
    if (above < 0 || !hasRasterImage(cells[above])) return { error: `the cell above the question (cell ${above + 1}) has no PNG or JPEG image output.` };
    return { questionCell: index, imageCell: above, question };
  }
  let below = index + 1;
  while (own(below)) below++;
  const question = cells[below]?.kind === 'markup' ? questionOf(cells[below].text) : undefined;
  if (question && hasRasterImage(cell)) return { questionCell: below, imageCell: index, question };
  return { error: `select a markdown cell with a question right under a cell with an image output.` };
}

// ---------------------------------------------------------------------------------------------
// Marks and finding cells again
// ---------------------------------------------------------------------------------------------

export function markOf(metadata: Record<string, unknown> | undefined): RecodeMark | undefined {
  const candidates = [metadata?.[MARK_KEY], (metadata?.metadata as Record<string, unknown> | undefined)?.[MARK_KEY]];
  for (const m of candidates) {
    if (typeof m === 'object' && m !== null) {
      const r = m as Record<string, unknown>;
      if (typeof r.source === 'string' && (r.kind === 'program' || r.kind === 'answer')) {
        return { source: r.source, kind: r.kind, sourceCell: typeof r.sourceCell === 'number' ? r.sourceCell : -1, runId: typeof r.runId === 'string' ? r.runId : undefined };
      }
    }
  }
  return undefined;
}

/**
 * Cell metadata holding the mark. Written both at the top level and under `metadata` (where the
 * .ipynb serializer keeps a cell's custom metadata), so it survives a save in either layout.
 */
export function markMetadata(mark: RecodeMark): Record<string, unknown> {
  return { [MARK_KEY]: { ...mark }, metadata: { [MARK_KEY]: { ...mark } } };
}

/** Where to find a cell again after the notebook changed: its output id, else its image fingerprint. */
export interface CellRef {
  index: number;
  outputId?: string;
  fingerprint?: string;
  /** For a question cell: its text. */
  text?: string;
}

function matches(cell: CellInfo, ref: CellRef): 'id' | 'fingerprint' | 'text' | undefined {
  if (ref.outputId && cell.outputs.some((o) => o.id === ref.outputId)) return 'id';
  if (ref.fingerprint && cell.outputs.some((o) => o.items.some((i) => i.fingerprint === ref.fingerprint))) return 'fingerprint';
  if (ref.text !== undefined && !ref.outputId && !ref.fingerprint && cell.text === ref.text && !markOf(cell.metadata)) return 'text';
  return undefined;
}

/** The cell's index now: its old place if it is still there, else the nearest match; undefined when gone. */
export function locateCell(cells: CellInfo[], ref: CellRef): number | undefined {
  // The strongest kind of match wins (an output id over an equal image elsewhere); among equals, the nearest.
  for (const kind of ['id', 'fingerprint', 'text'] as const) {
    const hits = cells.map((c, i) => (matches(c, ref) === kind ? i : -1)).filter((i) => i >= 0);
    if (hits.includes(ref.index)) return ref.index;
    if (hits.length > 0) return hits.reduce((best, i) => (Math.abs(i - ref.index) < Math.abs(best - ref.index) ? i : best));
  }
  return undefined;
}

/**
 * The edits that put `newCells` right under `anchor` and remove the cells RECODE inserted before for
 * the same source (`source`, and `kinds`). User cells are never in a deleted range. Ops are in
 * descending order and never overlap, so they are right whether applied one by one or all at once
 * against the original indices.
 */
export function planInsertion(cells: CellInfo[], anchor: number, source: string, newCells: NewCell[], kinds: ReadonlyArray<RecodeMark['kind']> = ['program', 'answer']): CellOp[] {
  const old = cells.map((c, i) => {
    const m = markOf(c.metadata);
    return m && m.source === source && kinds.includes(m.kind) ? i : -1;
  }).filter((i) => i >= 0);
  // Contiguous runs of old marked cells.
  const ranges: Array<{ start: number; end: number }> = [];
  for (const i of old) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === i) last.end = i + 1;
    else ranges.push({ start: i, end: i + 1 });
  }
  const at = anchor + 1;
  const ops: CellOp[] = [];
  let inserted = false;
  for (const r of ranges) {
    if (r.start === at) {
      ops.push({ start: r.start, deleteCount: r.end - r.start, insert: newCells });
      inserted = true;
    } else {
      ops.push({ start: r.start, deleteCount: r.end - r.start, insert: [] });
    }
  }
  if (!inserted) ops.push({ start: at, deleteCount: 0, insert: newCells });
  // Descending by start; at the same start an insertion goes after (below) a deletion would be wrong,
  // but ranges never start at `at` unless merged above, so starts are unique.
  return ops.sort((a, b) => b.start - a.start);
}

/** The notebook after the ops (for tests and for finding the inserted cells' indices). */
export function applyOps<T>(cells: T[], ops: CellOp[], make: (c: NewCell) => T): T[] {
  const out = cells.slice();
  for (const op of [...ops].sort((a, b) => b.start - a.start)) out.splice(op.start, op.deleteCount, ...op.insert.map(make));
  return out;
}

/** Indices, after the ops, of the first op's inserted cells (the one with new cells). */
export function insertedIndices(ops: CellOp[]): number[] {
  const op = ops.find((o) => o.insert.length > 0);
  if (!op) return [];
  const removedAbove = ops.filter((o) => o !== op && o.start < op.start).reduce((n, o) => n + o.deleteCount, 0);
  return op.insert.map((_, k) => op.start - removedAbove + k);
}

// ---------------------------------------------------------------------------------------------
// The cells' text
// ---------------------------------------------------------------------------------------------

export interface RunFacts {
  runId?: string;
  program: string;
  question?: string;
  answer?: string;
  /** True when the answer was computed by running code over the program. */
  answerComputed?: boolean;
  computation?: string;
  explanation?: string;
  score?: number;
  candidateId?: string;
  model?: string;
  /** e.g. "the image output of cell 3" */
  sourceLabel: string;
}

function oneLine(s: string, max = 500): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Markdown-safe inline text. */
function md(s: string): string {
  return oneLine(s).replace(/([\\`*_[\]<>|#])/g, '\\$1');
}

export function programCellText(f: RunFacts): string {
  const head = [MODEL_WRITTEN_LINE, `# RECODE: a program that redraws ${oneLine(f.sourceLabel, 200)}`];
  if (f.score !== undefined) head.push(`# Score: ${f.score.toFixed(3)} (pixel critic, 1 = identical)${f.candidateId ? ` — candidate ${oneLine(f.candidateId, 64)}` : ''}`);
  if (f.runId) head.push(`# Run: ${oneLine(f.runId, 64)}`);
  const risky = riskyLines(f.program);
  // Line numbers as the cell shows them: the header, a blank line, then the program.
  if (risky.length > 0) head.push(`# Review before running — files, processes, network or dynamic code: ${describeRiskyLines(risky, head.length + 2)}`);
  return `${head.join('\n')}\n\n${f.program.replace(/\s+$/, '')}\n`;
}

function fence(code: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((b) => b.length));
  const f = '`'.repeat(longest + 1);
  return `${f}python\n${code.replace(/\s+$/, '')}\n${f}`;
}

export function answerCellText(f: RunFacts): string {
  const out: string[] = [];
  out.push(`**RECODE** — ${md(f.sourceLabel)}`);
  out.push('');
  if (f.question) out.push(`**Question:** ${md(f.question)}`, '');
  if (f.answer !== undefined) {
    out.push(`**Answer:** ${md(f.answer)}${f.answerComputed === false ? ' *(stated by the model, not computed)*' : ''}`, '');
  } else if (f.question) {
    out.push('**Answer:** none — the run recovered a program but no answer.', '');
  }
  if (f.score !== undefined) {
    out.push(`**Score:** ${f.score.toFixed(3)} — how faithfully the program redraws the image (pixel critic: mismatch and SSIM against the original, 1 = identical)${f.candidateId ? `; candidate ${md(f.candidateId)}` : ''}.`, '');
  }
  if (f.answer !== undefined && f.computation && f.computation.trim() !== '') {
    out.push(f.answerComputed === false ? 'The model proposed this computation, but it did not produce the answer:' : 'How it was computed — this code ran over the recovered program (the cell above) and printed the answer:', '', fence(f.computation), '');
  }
  if (f.explanation && f.explanation.trim() !== '') out.push(`*${md(f.explanation)}*`, '');
  const tail = [f.model ? `model ${md(f.model)}` : undefined, f.runId ? `run ${md(f.runId)}` : undefined].filter((x) => x !== undefined);
  if (tail.length > 0) out.push(`<sub>${tail.join(', ')}</sub>`);
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

/** The cells a derender run inserts under its source cell: the program, then the answer. */
export function resultCells(f: RunFacts, source: string, sourceCell: number): NewCell[] {
  return [
    { kind: 'code', language: 'python', text: programCellText(f), metadata: markMetadata({ runId: f.runId, source, sourceCell, kind: 'program' }) },
    { kind: 'markup', language: 'markdown', text: answerCellText(f), metadata: markMetadata({ runId: f.runId, source, sourceCell, kind: 'answer' }) },
  ];
}

/** The one cell an inline answer inserts under its question cell. */
export function inlineAnswerCell(f: RunFacts, source: string, questionCell: number): NewCell {
  return { kind: 'markup', language: 'markdown', text: answerCellText(f), metadata: markMetadata({ runId: f.runId, source, sourceCell: questionCell, kind: 'answer' }) };
}
