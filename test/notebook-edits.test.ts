/**
 * Notebook edit building (src/extension/notebookEdits.ts), in plain Node: which output is
 * derendered, question detection, and where the result cells go — under the right cell, a re-run
 * replacing only RECODE's own marked cells, the user's cells untouched.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  answerCellText,
  applyOps,
  imageProblem,
  inlineAnswerCell,
  insertedIndices,
  locateCell,
  markOf,
  pickImage,
  planInsertion,
  questionAbove,
  questionOf,
  resultCells,
  type CellInfo,
  type NewCell,
  type RunFacts,
} from '../src/extension/notebookEdits';

const repo = path.resolve(__dirname, '..', '..');
const fivebars = new Uint8Array(fs.readFileSync(path.join(repo, 'test/fixtures/charts/fivebars.png')));

const png = (fp = 'fp1', size = 1000) => ({ mime: 'image/png', byteLength: size, fingerprint: fp });
const code = (text: string, outputs: CellInfo['outputs'] = []): CellInfo => ({ kind: 'code', text, outputs, metadata: {} });
const md = (text: string): CellInfo => ({ kind: 'markup', text, outputs: [], metadata: {} });
const fromNew = (c: NewCell): CellInfo => ({ kind: c.kind, text: c.text, metadata: c.metadata, outputs: [] });

const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  runId: 'run-1',
  program: "import matplotlib.pyplot as plt\nvalues = [3, 7, 2, 5, 4]\nplt.bar(list('ABCDE'), values)\n",
  question: 'Which bar is the highest?',
  answer: 'B',
  answerComputed: true,
  computation: "answer = 'ABCDE'[values.index(max(values))]",
  score: 0.9876,
  candidateId: 'c2',
  model: 'gpt-x',
  sourceLabel: 'the image output of cell 2 of charts.ipynb',
  ...over,
});

/** A notebook as the user has it: text, a chart cell, their own notes below. */
function userNotebook(): CellInfo[] {
  return [md('# Title'), code('plot()', [{ items: [{ mime: 'text/plain', byteLength: 10 }, png('chart')] }]), md('My own notes'), code('print(1)')];
}

test('pickImage: the first PNG of a code cell; PNG preferred over JPEG in one output; several images named', () => {
  const one = pickImage(code('x', [{ items: [{ mime: 'text/plain', byteLength: 3 }, { mime: 'image/jpeg', byteLength: 9, fingerprint: 'j' }, png('p')] }]), 'cell 2');
  assert.ok(one.ok);
  assert.equal(one.mime, 'image/png');
  assert.equal(one.itemIndex, 2);
  assert.equal(one.note, undefined);

  const jpegOnly = pickImage(code('x', [{ items: [{ mime: 'text/plain', byteLength: 3 }] }, { items: [{ mime: 'image/jpeg', byteLength: 9 }] }]), 'cell 2');
  assert.ok(jpegOnly.ok);
  assert.equal(jpegOnly.outputIndex, 1);
  assert.equal(jpegOnly.mime, 'image/jpeg');

  const several = pickImage(code('x', [{ items: [png('a')] }, { items: [png('b')] }, { items: [{ mime: 'image/jpeg', byteLength: 5 }] }]), 'cell 4');
  assert.ok(several.ok);
  assert.equal(several.outputIndex, 0);
  assert.equal(several.fingerprint, 'a');
  assert.equal(several.count, 3);
  assert.match(several.note ?? '', /cell 4 has 3 images; RECODE uses the first/);
  // From the output's context menu: the image the user right-clicked, with no "uses the first" note.
  const clicked = pickImage(code('x', [{ items: [png('a')] }, { items: [png('b')] }]), 'cell 4', undefined, 1);
  assert.ok(clicked.ok);
  assert.equal(clicked.fingerprint, 'b');
  assert.equal(clicked.note, undefined);
});

test('pickImage: SVG only, no image, markdown cell, too large — each a clear reason', () => {
  const svg = pickImage(code('x', [{ items: [{ mime: 'image/svg+xml', byteLength: 900 }, { mime: 'text/plain', byteLength: 9 }] }]), 'cell 3');
  assert.ok(!svg.ok);
  assert.equal(svg.reason, 'svg');
  assert.match(svg.message, /^SVG outputs are not supported yet; cell 3/);

  const none = pickImage(code('x', [{ items: [{ mime: 'text/plain', byteLength: 9 }] }]), 'cell 3');
  assert.ok(!none.ok);
  assert.equal(none.reason, 'none');
  assert.match(none.message, /cell 3 has no PNG or JPEG image output/);

  const noOutputs = pickImage(code('x'), 'cell 1');
  assert.ok(!noOutputs.ok);
  assert.match(noOutputs.message, /no outputs; run it first/);

  const markdown = pickImage(md('hi'), 'cell 1');
  assert.ok(!markdown.ok);
  assert.equal(markdown.reason, 'not-code');

  const huge = pickImage(code('x', [{ items: [png('h', 100 * 1048576)] }]), 'cell 5');
  assert.ok(!huge.ok);
  assert.equal(huge.reason, 'too-large');
  assert.match(huge.message, /100 MB; RECODE handles images up to 64 MB/);
});

test('imageProblem: the real chart passes; empty, not an image, and too many pixels are refused', () => {
  assert.equal(imageProblem(fivebars, 'the chart'), undefined);
  assert.match(imageProblem(new Uint8Array(0), 'the chart') ?? '', /empty/);
  assert.match(imageProblem(new TextEncoder().encode('<svg></svg>'), 'the chart') ?? '', /not a PNG or JPEG/);
  // The same PNG with its header claiming 20000×20000 pixels.
  const big = fivebars.slice();
  new DataView(big.buffer).setUint32(16, 20000);
  new DataView(big.buffer).setUint32(20, 20000);
  assert.match(imageProblem(big, 'the chart') ?? '', /20000×20000 pixels; RECODE handles images up to 40 megapixels/);
});

test('questionOf: questions in markdown are found and cleaned; statements are not questions', () => {
  assert.equal(questionOf('Which bar is the highest?'), 'Which bar is the highest?');
  assert.equal(questionOf('## **Q:** How many bars are above 4?\n'), 'How many bars are above 4?');
  assert.equal(questionOf('> What is the mean\n> of the values?'), 'What is the mean of the values?');
  assert.equal(questionOf('Compute the difference between B and C'), 'Compute the difference between B and C');
  assert.equal(questionOf('# Results\nThe chart shows five bars.'), undefined);
  assert.equal(questionOf('   \n'), undefined);
  assert.equal(questionOf('?'), undefined);
});

test('questionAbove: a question right under an image output, from the question cell or the image cell', () => {
  const cells = [md('# t'), code('plot()', [{ items: [png('chart')] }]), md('Which bar is the highest?'), md('notes')];
  assert.deepEqual(questionAbove(cells, 2), { questionCell: 2, imageCell: 1, question: 'Which bar is the highest?' });
  assert.deepEqual(questionAbove(cells, 1), { questionCell: 2, imageCell: 1, question: 'Which bar is the highest?' });
  const notQuestion = questionAbove(cells, 3);
  assert.ok('error' in notQuestion && /does not read as a question/.test(notQuestion.error));
  // RECODE's own program and answer cells between the image and the question are skipped.
  const derendered = applyOps(cells, planInsertion(cells, 1, 'img:chart', resultCells(facts(), 'img:chart', 1)), fromNew);
  assert.deepEqual(questionAbove(derendered, 4), { questionCell: 4, imageCell: 1, question: 'Which bar is the highest?' });
  assert.deepEqual(questionAbove(derendered, 1), { questionCell: 4, imageCell: 1, question: 'Which bar is the highest?' });
  const onAnswer = questionAbove(derendered, 3);
  assert.ok('error' in onAnswer && /an answer RECODE wrote/.test(onAnswer.error));
  const noImage = questionAbove([md('# t'), code('x = 1'), md('What is x?')], 2);
  assert.ok('error' in noImage && /has no PNG or JPEG image output/.test(noImage.error));
});

test('first run: a program cell and an answer cell right under the source cell, marked; user cells untouched', () => {
  const before = userNotebook();
  const cells = resultCells(facts(), 'img:chart', 1);
  const ops = planInsertion(before, 1, 'img:chart', cells);
  assert.deepEqual(ops, [{ start: 2, deleteCount: 0, insert: cells }]);
  const after = applyOps(before, ops, fromNew);
  assert.equal(after.length, 6);
  assert.deepEqual(insertedIndices(ops), [2, 3]);
  assert.strictEqual(after[0], before[0]);
  assert.strictEqual(after[1], before[1]);
  assert.strictEqual(after[4], before[2], 'the user’s notes follow the inserted cells');
  assert.strictEqual(after[5], before[3]);
  assert.equal(after[2].kind, 'code');
  assert.ok(after[2].text.includes('values = [3, 7, 2, 5, 4]'));
  assert.deepEqual(markOf(after[2].metadata), { runId: 'run-1', source: 'img:chart', sourceCell: 1, kind: 'program' });
  assert.equal(after[3].kind, 'markup');
  assert.deepEqual(markOf(after[3].metadata), { runId: 'run-1', source: 'img:chart', sourceCell: 1, kind: 'answer' });
  // The mark is also where the .ipynb serializer keeps custom cell metadata.
  assert.deepEqual(markOf({ metadata: (after[3].metadata as { metadata: Record<string, unknown> }).metadata }), markOf(after[3].metadata));
});

test('re-run: replaces the cells it inserted before, never duplicates, never touches user cells', () => {
  const first = applyOps(userNotebook(), planInsertion(userNotebook(), 1, 'img:chart', resultCells(facts(), 'img:chart', 1)), fromNew);
  const second = resultCells(facts({ runId: 'run-2', answer: 'B (7)' }), 'img:chart', 1);
  const ops = planInsertion(first, 1, 'img:chart', second);
  assert.deepEqual(ops, [{ start: 2, deleteCount: 2, insert: second }], 'one replace of the two old cells');
  const after = applyOps(first, ops, fromNew);
  assert.equal(after.length, 6);
  assert.deepEqual(after.map((c) => markOf(c.metadata)?.runId), [undefined, undefined, 'run-2', 'run-2', undefined, undefined]);
  assert.equal(after[4].text, 'My own notes');
  assert.ok(after[3].text.includes('B (7)'));
});

test('re-run after the user moved RECODE’s cells or wrote between them: old marked cells removed wherever they are, user cells kept', () => {
  const p = resultCells(facts(), 'img:chart', 1);
  // [chart, user note, old answer, user code, old program, other source's answer]
  const other = resultCells(facts({ runId: 'other' }), 'img:other', 9)[1];
  const cells: CellInfo[] = [code('plot()', [{ items: [png('chart')] }]), md('note'), fromNew(p[1]), code('mine()'), fromNew(p[0]), fromNew(other)];
  const fresh = resultCells(facts({ runId: 'run-3' }), 'img:chart', 0);
  const ops = planInsertion(cells, 0, 'img:chart', fresh);
  // Descending and non-overlapping: right under both "one by one" and "against the original" semantics.
  assert.deepEqual(
    ops.map((o) => [o.start, o.deleteCount, o.insert.length]),
    [
      [4, 1, 0],
      [2, 1, 0],
      [1, 0, 2],
    ],
  );
  const after = applyOps(cells, ops, fromNew);
  assert.deepEqual(
    after.map((c) => markOf(c.metadata)?.runId ?? c.text),
    ['plot()', 'run-3', 'run-3', 'note', 'mine()', 'other'],
  );
  assert.deepEqual(insertedIndices(ops), [1, 2]);
});

test('inline answer: one marked markdown cell under the question; a re-run replaces only that answer', () => {
  const cells = [code('plot()', [{ items: [png('chart')] }]), md('Which bar is the highest?'), md('notes')];
  const a1 = inlineAnswerCell(facts(), 'q:chart:1', 1);
  const once = applyOps(cells, planInsertion(cells, 1, 'q:chart:1', [a1], ['answer']), fromNew);
  assert.deepEqual(once.map((c) => c.text.split('\n')[0]), ['plot()', 'Which bar is the highest?', a1.text.split('\n')[0], 'notes']);
  assert.match(once[2].text, /\*\*Answer:\*\* B/);
  const a2 = inlineAnswerCell(facts({ runId: 'run-2', answer: 'bar B' }), 'q:chart:1', 1);
  const ops = planInsertion(once, 1, 'q:chart:1', [a2], ['answer']);
  const twice = applyOps(once, ops, fromNew);
  assert.equal(twice.length, 4);
  assert.match(twice[2].text, /bar B/);
  assert.equal(twice[3].text, 'notes');
});

test('answer text: question, answer, score and the computation that produced it; a stated answer says so', () => {
  const t = answerCellText(facts());
  assert.match(t, /\*\*Question:\*\* Which bar is the highest\?/);
  assert.match(t, /\*\*Answer:\*\* B\n/);
  assert.match(t, /\*\*Score:\*\* 0\.988 — how faithfully the program redraws the image/);
  assert.match(t, /How it was computed[^\n]*\n\n```python\nanswer = 'ABCDE'\[values\.index\(max\(values\)\)\]\n```/);
  assert.match(t, /run run-1/);
  const stated = answerCellText(facts({ answerComputed: false }));
  assert.match(stated, /\*\(stated by the model, not computed\)\*/);
  assert.doesNotMatch(stated, /How it was computed/);
  const noQuestion = answerCellText(facts({ question: undefined, answer: undefined, computation: undefined }));
  assert.doesNotMatch(noQuestion, /Question|Answer/);
  assert.match(noQuestion, /Score/);
  // Markdown in a question cannot break the cell.
  assert.match(answerCellText(facts({ question: 'Is `a` <b> *bold*?' })), /Is \\`a\\` \\<b\\> \\\*bold\\\*\?/);
});

test('locateCell: the source cell found again after cells moved; undefined when it is gone', () => {
  const cells = userNotebook();
  assert.equal(locateCell(cells, { index: 1, fingerprint: 'chart' }), 1);
  const moved = [md('inserted above'), md('another'), ...cells];
  assert.equal(locateCell(moved, { index: 1, fingerprint: 'chart' }), 3);
  // By output id first: the same image drawn again in another cell does not fool it.
  const twin = [code('plot()', [{ id: 'o-1', items: [png('chart')] }]), code('again()', [{ id: 'o-2', items: [png('chart')] }])];
  assert.equal(locateCell(twin, { index: 0, outputId: 'o-2', fingerprint: 'chart' }), 1);
  const deleted = cells.filter((_, i) => i !== 1);
  assert.equal(locateCell(deleted, { index: 1, fingerprint: 'chart' }), undefined);
  // A question cell is found by its text, never confused with a RECODE answer cell.
  const q = [code('plot()', [{ items: [png('chart')] }]), md('Which?'), fromNew(inlineAnswerCell(facts(), 's', 1))];
  assert.equal(locateCell([md('new'), ...q], { index: 1, text: 'Which?' }), 2);
  assert.equal(locateCell([q[0], q[2]], { index: 1, text: 'Which?' }), undefined);
});
