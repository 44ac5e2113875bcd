/**
 * In-host notebook tests: the fixture notebook (test/e2e/workspace/charts.ipynb, a fivebars chart
 * as a kept PNG output, no kernel) opened through the notebook API; RECODE derenders its output and
 * answers its question inline; the inserted cells are checked through the notebook API. Registered
 * by index.ts after mocha's 'pre-require' (tdd), like tests.ts; nothing runs at load time.
 * The notebook is reverted and closed at the end: the workspace copy is never written.
 */
import * as assert from 'node:assert/strict';
import type * as VS from 'vscode';
import { E2E, type E2eConfig } from '../config';
import { EXTENSION_ID } from './tests';

/** What recode.derenderOutput / askAboutOutput / answerQuestionAbove resolve to. */
interface NotebookRunResult {
  status: 'finished' | 'failed' | 'cancelled';
  program?: string;
  answer?: string;
  score?: number;
  error?: string;
  runId?: string;
  notebook?: { uri: string; sourceCell: number; insertedCells: number[] } | { uri: string; notInserted: string };
}

interface Mark {
  runId?: string;
  source: string;
  sourceCell: number;
  kind: 'program' | 'answer';
}

const NOTEBOOK = 'charts.ipynb';
const CHART_CELL = 1;
const FIXTURE_QUESTION = 'Which bar is the highest?';

function markOf(cell: VS.NotebookCell): Mark | undefined {
  const m = (cell.metadata as { recode?: Mark }).recode;
  return m && typeof m === 'object' ? m : undefined;
}

function describe(r: NotebookRunResult | undefined): string {
  if (!r) return String(r);
  const { program, ...rest } = r;
  return JSON.stringify({ ...rest, program: program === undefined ? undefined : `${program.slice(0, 60)}…` });
}

function outline(doc: VS.NotebookDocument): string {
  return doc
    .getCells()
    .map((c) => `${c.index}:${c.kind === 2 ? 'code' : 'md'}${markOf(c) ? `[${markOf(c)!.kind} ${markOf(c)!.runId}]` : ''} ${JSON.stringify(c.document.getText().slice(0, 40))}`)
    .join('\n');
}

export function registerNotebookTests(vscode: typeof VS, _config: E2eConfig): void {
  const recode = (): VS.WorkspaceConfiguration => vscode.workspace.getConfiguration('recode');
  let doc: VS.NotebookDocument;
  const saved = new Map<string, unknown>();
  /** The notebook file's bytes before any run: RECODE edits the open notebook, never the file. */
  let onDisk = '';
  const diskUnchanged = async (when: string): Promise<void> => {
    const now = Buffer.from(await vscode.workspace.fs.readFile(doc.uri)).toString('utf8');
    const cells = (text: string): string => {
      try {
        return (JSON.parse(text) as { cells: Array<{ cell_type: string; metadata?: { recode?: Mark } }> }).cells.map((c) => `${c.cell_type}${c.metadata?.recode ? `[${c.metadata.recode.kind}]` : ''}`).join(', ');
      } catch {
        return `not JSON (${text.length} characters)`;
      }
    };
    assert.ok(now === onDisk, `${NOTEBOOK} was written to disk ${when}; the inserted cells are the user's to save or not. On disk: ${cells(now)}; before: ${cells(onDisk)}`);
  };

  async function run(command: string, ...args: unknown[]): Promise<NotebookRunResult> {
    const r = await vscode.commands.executeCommand<NotebookRunResult>(command, ...args);
    assert.ok(r && typeof r === 'object', `${command} resolved to ${String(r)}, not a run result`);
    return r;
  }

  function inserted(r: NotebookRunResult): number[] {
    assert.equal(r.status, 'finished', describe(r));
    assert.ok(r.notebook && 'insertedCells' in r.notebook, `the result cells were not inserted: ${describe(r)}`);
    return r.notebook.insertedCells;
  }

  suite('RECODE in a notebook', () => {
    suiteSetup(async function () {
      this.timeout(60_000);
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
      await ext.activate();
      await vscode.commands.executeCommand('recode.setApiKey', E2E.apiKey);
      for (const [key, value] of [
        ['candidates', 2],
        ['rounds', 0],
      ] as const) {
        saved.set(key, recode().inspect(key)?.globalValue);
        await recode().update(key, value, vscode.ConfigurationTarget.Global);
      }
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'no workspace folder is open');
      onDisk = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, NOTEBOOK))).toString('utf8');
      doc = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(folder.uri, NOTEBOOK));
      await vscode.window.showNotebookDocument(doc);
      assert.equal(doc.cellCount, 3, `the fixture notebook should have 3 cells:\n${outline(doc)}`);
      const chart = doc.cellAt(CHART_CELL);
      assert.ok(
        chart.outputs.some((o) => o.items.some((i) => i.mime === 'image/png')),
        `cell ${CHART_CELL + 1} should hold the chart as a PNG output (mimes: ${chart.outputs.flatMap((o) => o.items.map((i) => i.mime)).join(', ')})`,
      );
    });

    suiteTeardown(async function () {
      this.timeout(30_000);
      for (const [key, value] of saved) await recode().update(key, value, vscode.ConfigurationTarget.Global);
      if (doc && !doc.isClosed) {
        await vscode.window.showNotebookDocument(doc);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
    });

    test('the notebook commands are contributed with their titles and registered', async () => {
      const all = await vscode.commands.getCommands(true);
      const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: Array<{ command: string; title: string }> } }).contributes.commands;
      for (const [id, title] of [
        ['recode.derenderOutput', 'RECODE: Derender output'],
        ['recode.askAboutOutput', 'RECODE: Ask about output…'],
        ['recode.answerQuestionAbove', 'RECODE: Answer question about the image above'],
      ]) {
        assert.ok(all.includes(id), `${id} is not registered`);
        assert.equal(contributed.find((c) => c.command === id)?.title, title);
      }
    });

    test('a cell with no image output: a clear failure and the notebook unchanged', async () => {
      const r = await run('recode.derenderOutput', doc.uri, 0);
      assert.equal(r.status, 'failed', describe(r));
      assert.match(r.error ?? '', /markdown cell/);
      assert.equal(doc.cellCount, 3, outline(doc));
    });

    test('"Answer question about the image above" writes the computed answer under the question cell, as a marked markdown cell', async function () {
      this.timeout(400_000);
      const r = await run('recode.answerQuestionAbove', doc.uri, 2);
      assert.deepEqual(inserted(r), [3], outline(doc));
      assert.equal(doc.cellCount, 4, outline(doc));
      assert.equal(doc.cellAt(2).document.getText(), FIXTURE_QUESTION, 'the question cell is the user’s, untouched');
      await diskUnchanged('by the inline answer');
      const answer = doc.cellAt(3);
      assert.equal(answer.kind, vscode.NotebookCellKind.Markup);
      assert.equal(markOf(answer)?.kind, 'answer', outline(doc));
      const text = answer.document.getText();
      assert.ok(text.includes(`**Question:** ${FIXTURE_QUESTION}`), text);
      // The scripted model computes max(values) - min(values) for any question.
      assert.ok(text.includes(`**Answer:** ${E2E.fivebarsAnswer}`), text);
      assert.match(text, /max\(values\) - min\(values\)/, 'the computation is shown');
    });

    test('recode.derenderOutput inserts the winning program and the answer under the chart cell; a re-run (recode.askAboutOutput) replaces them, never the user’s cells', async function () {
      this.timeout(800_000);
      const before = doc.getCells().map((c) => c.document.getText());
      const r1 = await run('recode.derenderOutput', doc.uri, CHART_CELL, { question: E2E.question });
      assert.deepEqual(inserted(r1), [2, 3], outline(doc));
      assert.ok(r1.program?.includes(E2E.faithfulLine), `the faithful candidate should win: ${describe(r1)}`);
      assert.equal(doc.cellCount, 6, outline(doc));

      const program = doc.cellAt(2);
      assert.equal(program.kind, vscode.NotebookCellKind.Code);
      assert.equal(program.document.languageId, 'python');
      assert.ok(program.document.getText().includes(E2E.faithfulLine), program.document.getText());
      const answer = doc.cellAt(3);
      assert.equal(answer.kind, vscode.NotebookCellKind.Markup);
      const pm = markOf(program);
      const am = markOf(answer);
      assert.ok(pm && am, `both cells should be marked:\n${outline(doc)}`);
      assert.equal(pm.kind, 'program');
      assert.equal(am.kind, 'answer');
      assert.equal(pm.sourceCell, CHART_CELL);
      assert.equal(pm.runId, r1.runId);
      const text = answer.document.getText();
      assert.ok(text.includes(E2E.question), text);
      assert.ok(text.includes(`**Answer:** ${E2E.fivebarsAnswer}`), text);
      assert.match(text, /\*\*Score:\*\* (0\.9\d\d|1\.000)/, text);
      // The user's cells (and the earlier inline answer) keep their places after the new cells.
      assert.deepEqual([0, 1, 4, 5].map((i) => doc.cellAt(i).document.getText()), before);
      assert.ok(doc.isDirty, 'the notebook should show unsaved changes');
      await diskUnchanged('by the run');

      // The re-run goes through "Ask about output…" with the question as its automation argument.
      const r2 = await run('recode.askAboutOutput', doc.uri, CHART_CELL, E2E.question);
      assert.deepEqual(inserted(r2), [2, 3], outline(doc));
      assert.notEqual(r2.runId, r1.runId);
      assert.equal(doc.cellCount, 6, `a re-run must replace its cells, not add more:\n${outline(doc)}`);
      assert.deepEqual(
        doc.getCells().map((c) => markOf(c)?.kind ?? 'user'),
        ['user', 'user', 'program', 'answer', 'user', 'answer'],
        outline(doc),
      );
      assert.equal(markOf(doc.cellAt(2))?.runId, r2.runId);
      assert.equal(markOf(doc.cellAt(3))?.runId, r2.runId);
      assert.deepEqual([0, 1, 4, 5].map((i) => doc.cellAt(i).document.getText()), before);
      await diskUnchanged('by the re-run');
    });

    test('each run is one undo step: undo brings back the earlier cells, then removes them', async function () {
      this.timeout(30_000);
      await vscode.window.showNotebookDocument(doc);
      // Out of a cell's text editor, so that undo acts on the notebook, not on a cell's text.
      await vscode.commands.executeCommand('notebook.cell.quitEdit').then(undefined, () => undefined);
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const count = (): number => doc.cellCount;
      // Undoing the re-run brings back the first run's cells (same count); undo again removes them.
      const rerunId = markOf(doc.cellAt(2))?.runId;
      await vscode.commands.executeCommand('undo');
      for (let t = Date.now(); markOf(doc.cellAt(2))?.runId === rerunId && Date.now() - t < 10_000; ) await sleep(100);
      assert.equal(doc.cellCount, 6, `undoing the re-run should bring back the first run's two cells, not remove cells:\n${outline(doc)}`);
      assert.notEqual(markOf(doc.cellAt(2))?.runId, rerunId, `one undo should take back the whole re-run (undo acts on the notebook editor; is it focused?):\n${outline(doc)}`);
      await vscode.commands.executeCommand('undo');
      for (let t = Date.now(); count() !== 4 && Date.now() - t < 10_000; ) await sleep(100);
      assert.equal(count(), 4, `a second undo should remove the first run's cells in one step:\n${outline(doc)}`);
      assert.equal(doc.cellAt(2).document.getText(), FIXTURE_QUESTION);
    });
  });
}
