/**
 * Notebooks: derender a cell's image output in place and answer questions inline. The run shows in
 * the same panel as for files; when it ends, the program and the answer go under the cell as one
 * WorkspaceEdit (one undo). Nothing runs in the user's kernel: the outputs are read from the
 * notebook as it is open. Automation arguments (tests, other extensions):
 *   recode.derenderOutput(notebookUri?, cellIndex?, { question? })  → NotebookRunResult
 *   recode.askAboutOutput(notebookUri?, cellIndex?, question?)      → NotebookRunResult
 *   recode.answerQuestionAbove(notebookUri?, questionCellIndex?)    → NotebookRunResult
 * From a menu the first argument may be a NotebookCell (cell toolbar) or a webview context (the
 * output's context menu): then the active notebook editor's selected cell is used.
 */
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { errorText } from '../core/text';
import { askForQuestion, openRunPanel } from './commands';
import type { DerenderOptions } from '../core/types';
import type { CommandResult } from './runPanel';
import { openUntitled } from './results';
import { showError, showInfo, showWarning } from './notify';
import {
  answerCellText,
  imageProblem,
  inlineAnswerCell,
  insertedIndices,
  locateCell,
  pickImage,
  planInsertion,
  programCellText,
  questionAbove,
  resultCells,
  hasRasterImage,
  type CellInfo,
  type CellOp,
  type CellRef,
  type NewCell,
  type RunFacts,
} from './notebookEdits';
import type { Ext } from './ext';

export interface NotebookRunResult extends CommandResult {
  /** Where the result cells went (indices after the edit), or why they could not. */
  notebook?: { uri: string; sourceCell: number; insertedCells: number[] } | { uri: string; notInserted: string };
}

function fingerprint(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 24);
}

/** An output item's image bytes (the .ipynb serializer gives raw bytes; older ones base64 text). */
function imageBytes(data: Uint8Array): Uint8Array {
  const png = data.length >= 4 && data[0] === 0x89 && data[1] === 0x50;
  const jpeg = data.length >= 3 && data[0] === 0xff && data[1] === 0xd8;
  if (png || jpeg) return data;
  const text = Buffer.from(data).toString('latin1').replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+=*$/.test(text)) return new Uint8Array(Buffer.from(text, 'base64'));
  return data;
}

/** An output's id: not in the typings, but every NotebookCellOutput the extension host hands out has one (the output context menu names it). */
function outputId(o: vscode.NotebookCellOutput): string | undefined {
  const id = (o as unknown as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The output's context menu passes { webview: 'notebook.output', webviewSection: 'image', outputId, … }. */
function contextOutputId(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return undefined;
  const id = (arg as { outputId?: unknown }).outputId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The notebook, cell and output an output id names, looking in the active notebook first. */
function findOutput(id: string): { doc: vscode.NotebookDocument; cell: number; output: number } | undefined {
  const active = vscode.window.activeNotebookEditor?.notebook;
  const docs = [...(active ? [active] : []), ...vscode.workspace.notebookDocuments.filter((d) => d !== active)];
  for (const doc of docs) {
    for (const cell of doc.getCells()) {
      const output = cell.outputs.findIndex((o) => outputId(o) === id);
      if (output >= 0) return { doc, cell: cell.index, output };
    }
  }
  return undefined;
}

function cellInfo(cell: vscode.NotebookCell): CellInfo {
  return {
    kind: cell.kind === vscode.NotebookCellKind.Code ? 'code' : 'markup',
    text: cell.document.getText(),
    metadata: cell.metadata,
    outputs: cell.outputs.map((o) => ({
      id: outputId(o),
      items: o.items.map((i) => ({
        mime: i.mime,
        byteLength: i.data.byteLength,
        fingerprint: i.mime === 'image/png' || i.mime === 'image/jpeg' ? fingerprint(imageBytes(i.data)) : undefined,
      })),
    })),
  };
}

function cellsOf(doc: vscode.NotebookDocument): CellInfo[] {
  return doc.getCells().map(cellInfo);
}

function notebookName(doc: vscode.NotebookDocument): string {
  const parts = doc.uri.path.split('/');
  return parts[parts.length - 1] || 'notebook';
}

function isCell(v: unknown): v is vscode.NotebookCell {
  return typeof v === 'object' && v !== null && 'notebook' in v && 'index' in v && 'document' in v;
}

/** The notebook a command works on: the given one, the one of a given cell, else the active one. */
async function resolveNotebook(arg: unknown): Promise<vscode.NotebookDocument | undefined> {
  if (isCell(arg)) return arg.notebook;
  const fromMenu = contextOutputId(arg);
  if (fromMenu) return findOutput(fromMenu)?.doc ?? vscode.window.activeNotebookEditor?.notebook;
  let uri: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) uri = arg;
  else if (typeof arg === 'string' && arg !== '') uri = arg.includes('://') ? vscode.Uri.parse(arg, true) : vscode.Uri.file(arg);
  if (uri) {
    const open = vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === uri!.toString());
    return open ?? vscode.workspace.openNotebookDocument(uri);
  }
  return vscode.window.activeNotebookEditor?.notebook;
}

/**
 * The cell: the given index, the given cell, the one of the right-clicked output, the selected one,
 * the only candidate, or one the user picks ('cancelled' when they dismiss the pick).
 */
async function resolveCell(doc: vscode.NotebookDocument, arg0: unknown, arg1: unknown, wantImage: boolean): Promise<number | 'cancelled' | undefined> {
  if (typeof arg1 === 'number') return arg1;
  if (isCell(arg0)) return arg0.index;
  const fromMenu = contextOutputId(arg0);
  const found = fromMenu ? findOutput(fromMenu) : undefined;
  if (found && found.doc === doc) return found.cell;
  const editor = vscode.window.activeNotebookEditor;
  const cells = cellsOf(doc);
  if (editor && editor.notebook === doc && editor.selection && !editor.selection.isEmpty) {
    const i = editor.selection.start;
    // A selected code cell is the one meant (with no image, the user hears exactly why); from a
    // selected markdown cell, look for the image cell.
    if (!wantImage || cells[i]?.kind === 'code') return i;
  }
  // Candidates: cells with an image output, or question cells under one.
  const candidates = cells
    .map((c, i) => (wantImage ? hasRasterImage(c) : c.kind === 'markup' && !('error' in questionAbove(cells, i))) ? i : -1)
    .filter((i) => i >= 0);
  if (candidates.length <= 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((i) => ({ label: `Cell ${i + 1}`, description: doc.cellAt(i).document.getText().split('\n')[0].slice(0, 80), index: i })),
    { title: wantImage ? 'RECODE: which image output?' : 'RECODE: which question?', placeHolder: wantImage ? 'The notebook has several cells with image outputs' : 'The notebook has several questions under images' },
  );
  return pick ? pick.index : 'cancelled';
}

function fail(ext: Ext, error: string): NotebookRunResult {
  ext.log.error(error);
  void showError(`RECODE: ${error}`);
  return { status: 'failed', error };
}

interface Target {
  doc: vscode.NotebookDocument;
  cell: number;
  bytes: Uint8Array;
  fingerprint: string;
  label: string;
  outputId?: string;
}

/** The image output of a cell, or a clear reason why there is none to derender. */
function imageTarget(ext: Ext, doc: vscode.NotebookDocument, index: number, preferOutput?: number): Target | { error: string } {
  if (index < 0 || index >= doc.cellCount) return { error: `${notebookName(doc)} has no cell ${index + 1}.` };
  const label = `cell ${index + 1} of ${notebookName(doc)}`;
  const cell = doc.cellAt(index);
  const pick = pickImage(cellInfo(cell), label, undefined, preferOutput);
  if (!pick.ok) return { error: pick.message };
  if (pick.note) {
    ext.log.info(pick.note);
    void showInfo(`RECODE: ${pick.note}`);
  }
  const bytes = imageBytes(cell.outputs[pick.outputIndex].items[pick.itemIndex].data);
  const problem = imageProblem(bytes, `the image output of ${label}`);
  if (problem) return { error: problem };
  return { doc, cell: index, bytes, fingerprint: fingerprint(bytes), label, outputId: outputId(cell.outputs[pick.outputIndex]) };
}

/** A name for the run's image: `<notebook>.cell<N>.png` next to the notebook (never written; it names the panel and the program's save target). */
function runImageUri(doc: vscode.NotebookDocument, cell: number, bytes: Uint8Array): vscode.Uri {
  const stem = notebookName(doc).replace(/\.[^.]+$/, '');
  const ext = bytes[0] === 0xff ? 'jpg' : 'png';
  const name = `${stem}.cell${cell + 1}.${ext}`;
  return doc.uri.scheme === 'untitled' ? vscode.Uri.from({ scheme: 'untitled', path: name }) : vscode.Uri.joinPath(doc.uri, '..', name);
}

/** Where a finished run's cells go: given the run's facts and its question, inserts them and says where. */
type Place = (facts: RunFacts, question: string | undefined) => Promise<NotebookRunResult['notebook']>;

/**
 * Runs on the target's image in a panel, then places the results. The panel's "Re-run…" runs the
 * same output again with the settings picked there, and places its results the same way (replacing
 * the cells this run inserted).
 */
async function runOn(ext: Ext, t: Target, question: string | undefined, place: Place, overrides: Partial<DerenderOptions> = {}): Promise<NotebookRunResult> {
  const readOnly = vscode.workspace.fs.isWritableFileSystem(t.doc.uri.scheme) === false;
  if (readOnly) void showWarning(`RECODE: ${notebookName(t.doc)} is read-only; the program and the answer will open in editors instead of new cells.`);
  const panel = await openRunPanel(ext, {
    kind: 'derender',
    imageUri: runImageUri(t.doc, t.cell, t.bytes),
    imageBytes: t.bytes,
    question,
    rerun: (q, o) => runOn(ext, t, q, place, o),
  });
  ext.log.info(`[${panel.label}] run started on ${t.label}${question ? ` — question: ${question}` : ''}`);
  const result = await panel.runDerender(overrides);
  if (result.status !== 'finished' || result.program === undefined) return result;
  const state = panel.controller.state;
  const best = state.candidates.find((c) => c.id === state.bestId);
  const a = state.answer;
  const facts: RunFacts = {
    runId: result.runId ?? state.runId,
    program: result.program,
    question,
    answer: result.answer ?? a?.value,
    answerComputed: a?.computed,
    computation: a?.computation,
    explanation: a?.explanation,
    score: result.score,
    candidateId: best?.id ?? state.bestId,
    model: state.model,
    sourceLabel: `the image output of ${t.label}`,
  };
  return { ...result, notebook: await place(facts, question) };
}

function toCellData(c: NewCell): vscode.NotebookCellData {
  const d = new vscode.NotebookCellData(c.kind === 'code' ? vscode.NotebookCellKind.Code : vscode.NotebookCellKind.Markup, c.text, c.language);
  d.metadata = c.metadata;
  return d;
}

/** Applies the ops as one WorkspaceEdit (one undo). Undefined when applied, else why not. */
async function applyOps(doc: vscode.NotebookDocument, ops: CellOp[]): Promise<string | undefined> {
  const edit = new vscode.WorkspaceEdit();
  edit.set(
    doc.uri,
    ops.map((op) =>
      op.deleteCount === 0 ? vscode.NotebookEdit.insertCells(op.start, op.insert.map(toCellData)) : vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(op.start, op.start + op.deleteCount), op.insert.map(toCellData)),
    ),
  );
  try {
    return (await vscode.workspace.applyEdit(edit)) ? undefined : `VS Code did not apply the edit to ${notebookName(doc)} (is it read-only?)`;
  } catch (e) {
    return errorText(e);
  }
}

/** Nothing lost: when the cells cannot go into the notebook, the answer opens in an editor (the program editor is already open). */
async function openInstead(facts: RunFacts, why: string, ext: Ext): Promise<void> {
  ext.log.warn(`notebook cells not inserted: ${why}`);
  void showWarning(`RECODE: ${why} The program and the answer are open in editors instead.`);
  try {
    await openUntitled(undefined, `${answerCellText(facts)}\n---\n\n\`\`\`python\n${programCellText(facts)}\`\`\`\n`, 'markdown', vscode.ViewColumn.Beside);
  } catch (e) {
    ext.log.warn(`could not open the answer editor: ${errorText(e)}`);
  }
}

async function insertResults(ext: Ext, doc: vscode.NotebookDocument, ref: CellRef, facts: RunFacts, build: (anchor: number) => { ops: CellOp[] }): Promise<NotebookRunResult['notebook']> {
  const uri = doc.uri.toString();
  if (doc.isClosed) {
    const why = `${notebookName(doc)} was closed during the run.`;
    await openInstead(facts, why, ext);
    return { uri, notInserted: why };
  }
  if (vscode.workspace.fs.isWritableFileSystem(doc.uri.scheme) === false) {
    const why = `${notebookName(doc)} is read-only.`;
    await openInstead(facts, why, ext);
    return { uri, notInserted: why };
  }
  const anchor = locateCell(cellsOf(doc), ref);
  if (anchor === undefined) {
    const why = `cell ${ref.index + 1} of ${notebookName(doc)} was deleted or changed during the run, so there is no cell to put the results under.`;
    await openInstead(facts, why, ext);
    return { uri, notInserted: why };
  }
  if (anchor !== ref.index) ext.log.info(`cell ${ref.index + 1} moved to ${anchor + 1} during the run; inserting under it`);
  const { ops } = build(anchor);
  const problem = await applyOps(doc, ops);
  if (problem) {
    await openInstead(facts, `${problem}.`, ext);
    return { uri, notInserted: problem };
  }
  return { uri, sourceCell: anchor, insertedCells: insertedIndices(ops) };
}

/** What a notebook command says when it finds no notebook, no cell, or the person chose none. */
interface CellWanted {
  /** The cell must have an image output (else: a markdown cell). */
  image: boolean;
  noNotebook: string;
  noCell: (doc: vscode.NotebookDocument) => string;
  cancelled: string;
}

/** The notebook and the cell a notebook command acts on, or what the command returns instead. */
async function notebookCell(ext: Ext, nbArg: unknown, cellArg: unknown, want: CellWanted): Promise<{ doc: vscode.NotebookDocument; index: number } | { result: NotebookRunResult }> {
  let doc: vscode.NotebookDocument | undefined;
  try {
    doc = await resolveNotebook(nbArg);
  } catch (e) {
    return { result: fail(ext, `cannot open the notebook: ${errorText(e)}`) };
  }
  if (!doc) return { result: fail(ext, want.noNotebook) };
  const index = await resolveCell(doc, nbArg, cellArg, want.image);
  if (index === 'cancelled') return { result: { status: 'cancelled', error: want.cancelled } };
  if (index === undefined) return { result: fail(ext, want.noCell(doc)) };
  return { doc, index };
}

export async function derenderOutput(ext: Ext, nbArg?: unknown, cellArg?: unknown, opts?: unknown, askQuestion = false): Promise<NotebookRunResult> {
  const title = askQuestion ? 'RECODE: Ask about output' : 'RECODE: Derender output';
  const at = await notebookCell(ext, nbArg, cellArg, {
    image: true,
    noNotebook: 'open a notebook and select a cell with an image output first.',
    noCell: (d) => `${notebookName(d)} has no cell with a PNG or JPEG image output.`,
    cancelled: 'no cell chosen',
  });
  if ('result' in at) return at.result;
  const { doc, index } = at;
  const clicked = contextOutputId(nbArg);
  const menuOutput = clicked ? findOutput(clicked) : undefined;
  const t = imageTarget(ext, doc, index, menuOutput && menuOutput.doc === doc && menuOutput.cell === index ? menuOutput.output : undefined);
  if ('error' in t) return fail(ext, t.error);

  let question: string | undefined;
  if (typeof opts === 'string') question = opts.trim() || undefined;
  else if (typeof opts === 'object' && opts !== null && typeof (opts as { question?: unknown }).question === 'string') question = ((opts as { question: string }).question.trim() || undefined);
  if (askQuestion && !question) {
    question = await askForQuestion(`${title} (${t.label})`, 'e.g. Which bar is the highest?');
    if (!question) return { status: 'cancelled', error: 'no question asked' };
  }

  return runOn(ext, t, question, placeUnderOutput(ext, doc, t));
}

/** Program and answer cells under the image's cell, replacing the ones an earlier run on this image put there. */
function placeUnderOutput(ext: Ext, doc: vscode.NotebookDocument, t: Target): Place {
  const source = `img:${t.fingerprint}`;
  return (facts) =>
    insertResults(ext, doc, { index: t.cell, outputId: t.outputId, fingerprint: t.fingerprint }, facts, (anchor) => ({
      ops: planInsertion(cellsOf(doc), anchor, source, resultCells(facts, source, anchor), ['program', 'answer']),
    }));
}

export async function answerQuestionAbove(ext: Ext, nbArg?: unknown, cellArg?: unknown): Promise<NotebookRunResult> {
  const at = await notebookCell(ext, nbArg, cellArg, {
    image: false,
    noNotebook: 'open a notebook and select the markdown cell with the question first.',
    noCell: () => 'select the markdown cell with the question (right under the image output) first.',
    cancelled: 'no question chosen',
  });
  if ('result' in at) return at.result;
  const { doc, index } = at;
  const found = questionAbove(cellsOf(doc), index);
  if ('error' in found) return fail(ext, found.error);
  const t = imageTarget(ext, doc, found.imageCell);
  if ('error' in t) return fail(ext, t.error);
  const questionText = doc.cellAt(found.questionCell).document.getText();

  const source = `q:${t.fingerprint}:${fingerprint(Buffer.from(found.question))}`;
  const underOutput = placeUnderOutput(ext, doc, t);
  // A re-run with the same question answers it in place again; with another question, it is a run on the image.
  return runOn(ext, t, found.question, (facts, question) =>
    question !== found.question
      ? underOutput(facts, question)
      : insertResults(ext, doc, { index: found.questionCell, text: questionText }, facts, (anchor) => ({
          ops: planInsertion(cellsOf(doc), anchor, source, [inlineAnswerCell(facts, source, anchor)], ['answer']),
        })),
  );
}
