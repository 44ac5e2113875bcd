/**
 * What the buttons of a run's panel do with what it shows: open or copy a candidate's program, show
 * the run's record. (Running, cancelling and exporting data need the panel's renderer: runPanel.ts.)
 */
import * as vscode from 'vscode';
import type { PanelState } from '../shared/protocol';
import { programOf } from '../shared/panelState';
import { programWithHeader } from './programText';
import { openProgramEditor } from './results';
import { showInfo, showWarning } from './notify';

/** The program of a candidate (default: the best) in a new editor, with its provenance as a header. */
export async function openProgram(state: PanelState, candidateId: string | undefined, imageUri: vscode.Uri | undefined): Promise<void> {
  const program = programOf(state, candidateId);
  if (!program) {
    void showInfo('RECODE: there is no program to open yet.');
    return;
  }
  const cand = candidateId ? state.candidates.find((c) => c.id === candidateId) : state.candidates.find((c) => c.id === state.bestId);
  const text = programWithHeader(program, {
    imageName: state.imageName,
    imagePath: imageUri ? vscode.workspace.asRelativePath(imageUri, false) : undefined,
    question: state.question,
    answer: candidateId && candidateId !== state.answer?.programCandidateId ? undefined : state.answer?.value,
    answerComputed: state.answer?.computed,
    score: cand?.score?.score,
    candidateId: cand?.id,
    runId: state.runId,
  });
  await openProgramEditor(imageUri, state.imageName, text, vscode.ViewColumn.Beside);
}

export async function copyProgram(state: PanelState, candidateId: string | undefined): Promise<void> {
  const program = programOf(state, candidateId);
  if (!program) return;
  await vscode.env.clipboard.writeText(program);
  vscode.window.setStatusBarMessage('RECODE: program copied', 3000);
}

/** Where a restored panel's run record was kept in storage when its run ended, if it is still there. */
export async function keptRecord(globalStorage: vscode.Uri, runId: string | undefined): Promise<vscode.Uri | undefined> {
  if (!runId) return undefined;
  const candidate = vscode.Uri.joinPath(globalStorage, 'runs', `${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  try {
    await vscode.workspace.fs.stat(candidate);
    return candidate;
  } catch {
    return undefined; // not kept
  }
}

/** The run record beside the panel, or a warning when the run has none. */
export async function showRecord(uri: vscode.Uri | undefined): Promise<void> {
  if (!uri) {
    void showWarning('RECODE: this run has no record to save.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  void showInfo(`RECODE: run record saved to ${uri.fsPath}`);
}
