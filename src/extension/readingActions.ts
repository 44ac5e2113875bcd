/**
 * The panel's reading (the built-in chart reader's) in the extension: running without a model, and
 * exporting what was read.
 */
import * as vscode from 'vscode';
import type { ReadStage } from '../core/read';
import { readingToJson } from '../core/reader';
import { CONFIGURE_TEXT, type ModelChoice } from './model';
import { openDataEditor } from './results';
import { showInfo } from './notify';

/** No model configured at all (not a half-done configuration, which is an error to fix): the chart reader derenders alone. */
export function runsWithoutModel(m: ModelChoice): boolean {
  return !m.model && (m.readerOnly === true || m.problem === CONFIGURE_TEXT);
}

/** What the panel says when a run has no model. */
export function noModelNote(question: string | undefined): string {
  const how = 'set "recode.baseUrl" and "recode.model" in Settings';
  return question
    ? `Questions need a model: this run has none, so the question is not answered. The chart reader's program and data are below; to get answers, ${how}.`
    : `No model configured: this is the chart reader's program, tuned against the original. Questions need a model (${how}).`;
}

export async function exportReading(read: ReadStage | undefined, imageUri: vscode.Uri | undefined, imageName: string, format: 'csv' | 'json'): Promise<void> {
  if (!read?.result.ok) {
    void showInfo('RECODE: the chart reader has no reading of this image to export.');
    return;
  }
  const content = format === 'csv' ? (read.csv ?? '') : JSON.stringify(readingToJson(read.result.reading), null, 2) + '\n';
  await openDataEditor(imageUri, imageName, content, format);
}
