// Scoring as each benchmark defines it, on hand-made cases: ChartQA's relaxed accuracy (5 % edges,
// percent, thousands separators, units, years), Geometry3K's choices (letters, values, LaTeX),
// CharXiv's normalised exact match, DePlot's RMS-F1 table score, and the 95 % intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relaxedMatch, exactMatch, choiceMatch, pickChoice, latexValue, parseNumber, scoreAnswer } from '../src/core/eval/score';
import { rmsF1, csvCells, parseCsv, dataTableCells } from '../src/core/eval/table';
import { proportion, mean } from '../src/core/eval/stats';
import { directAnswer, judgeVerdict } from '../src/core/eval/prompts';
import { answerMatches } from '../src/core/manifest';

const right = (a: string, e: string) => assert.equal(relaxedMatch(a, e).correct, true, `${a} should match ${e}`);
const wrong = (a: string, e: string) => assert.equal(relaxedMatch(a, e).correct, false, `${a} should not match ${e}`);

test('ChartQA relaxed accuracy: numbers within 5 %, and not a hair beyond', () => {
  right('105', '100');
  right('95', '100');
  wrong('105.01', '100');
  wrong('94.99', '100');
  right('16.7', '16.67');
  right('-10.4', '-10');
  wrong('10', '-10');
  right('0', '0');
  wrong('0.001', '0');
  wrong('twenty', '20');
});

test('ChartQA relaxed accuracy: percent, thousands separators, currency and units are normalised', () => {
  right('45%', '45');
  right('45 %', '45');
  right('45 percent', '45');
  right('34,120', '34120');
  right('34120', '34,120');
  right('$1.5', '1.5');
  right('16.67 g', '16.67');
  right('86.8 billion', '86.8');
  right('12.', '12');
  wrong('1,2', '12'); // not a thousands separator
});

test('ChartQA relaxed accuracy: a year is matched exactly, not within 5 %', () => {
  right('1951', '1951');
  wrong('1950', '1951'); // 0.05 % away: near as a number, wrong as a year
  wrong('1961', '1913');
  assert.equal(parseNumber('1951')!.yearLike, true);
  assert.equal(parseNumber('1951.5')!.yearLike, false);
  assert.equal(parseNumber('2500')!.yearLike, false);
  // a 4-digit quantity outside the years is still a number
  right('4100', '4194');
});

test('ChartQA relaxed accuracy: strings equal after normalisation', () => {
  right('N.Amer', 'n.amer');
  right(' Food and Tobacco. ', 'food and tobacco');
  right('"Crew"', 'Crew');
  wrong('Europe', 'N.Amer');
  wrong('', 'C');
  // the older export keeps its meaning
  assert.ok(answerMatches('16.7', '16.67'));
  assert.ok(!answerMatches('20', '16.67'));
});

test('Geometry3K: letters, values mapped to the nearest choice, LaTeX choices', () => {
  const choices = ['3', '3\\sqrt{3}', '6', '6\\sqrt{3}'];
  assert.equal(latexValue('3\\sqrt{3}')!.toFixed(4), (3 * Math.sqrt(3)).toFixed(4));
  assert.equal(latexValue('\\frac{\\sqrt{3}}{2}')!.toFixed(4), (Math.sqrt(3) / 2).toFixed(4));
  assert.equal(latexValue('2\\pi')!.toFixed(4), (2 * Math.PI).toFixed(4));
  assert.equal(latexValue('45^\\circ'), 45);
  assert.equal(latexValue('x + 1'), undefined);
  assert.equal(choiceMatch('B', 'B', choices).correct, true);
  assert.equal(choiceMatch('(B)', 'B', choices).correct, true);
  assert.equal(choiceMatch('5.196', 'B', choices).correct, true); // computed value → nearest choice
  assert.equal(choiceMatch('5.3', 'B', choices).readAs, 'B');
  assert.equal(choiceMatch('6', 'B', choices).correct, false);
  assert.equal(choiceMatch('3\\sqrt{3}', 'B', choices).correct, true);
  assert.equal(choiceMatch('E', 'B', choices).correct, false); // no such choice
  assert.equal(pickChoice('no idea', choices), undefined);
  assert.equal(scoreAnswer('choice', '4.9', 'C', ['3', '4', '5', '6']).correct, true);
  assert.equal(scoreAnswer('choice', '4.4', 'C', ['3', '4', '5', '6']).correct, false);
});

test('CharXiv: normalised exact match (no 5 % slack)', () => {
  assert.equal(exactMatch('94.0', '94').correct, true);
  assert.equal(exactMatch('94.1', '94').correct, false);
  assert.equal(exactMatch('Joint-CNN.', 'joint-cnn').correct, true);
  assert.equal(exactMatch('(c)', '(c)').correct, true);
  assert.equal(exactMatch('case, det', 'case,det').correct, true);
  assert.equal(exactMatch('det, case', 'case, det').correct, false);
  assert.equal(scoreAnswer('exact', '33.9', '33.9').correct, true);
  assert.equal(scoreAnswer('exact', '34', '33.9').correct, false);
  assert.equal(judgeVerdict('{"extracted_answer": "x", "score": 1}'), true);
  assert.equal(judgeVerdict('{"score": 0}'), false);
  assert.equal(judgeVerdict('I think it is right'), undefined);
});

test('direct answers: the last "Answer:" line, else the last line', () => {
  assert.equal(directAnswer('The F bar is the tallest.\nAnswer: 16.67'), '16.67');
  assert.equal(directAnswer('**Answer:** C\n'), 'C');
  assert.equal(directAnswer('Answer: 3\nwait\nFinal answer: 4'), '4');
  assert.equal(directAnswer('just 12'), 'just 12');
});

test('table score (DePlot RMS-F1): exact tables score 1, value errors and missing cells cost, names may differ a little', () => {
  const truth = csvCells('"spray","mean_count"\n"A",14.5\n"B",15.33\n"C",2.08\n');
  assert.equal(truth.length, 3);
  assert.equal(rmsF1(truth, truth).f1, 1);
  // 5 % off everywhere: θ = 0.1, so each cell keeps half its credit
  const off = truth.map((c) => ({ ...c, value: (c.value as number) * 1.05 }));
  assert.ok(Math.abs(rmsF1(off, truth).f1 - 0.5) < 1e-9, String(rmsF1(off, truth).f1));
  // one cell missing: precision 1, recall 2/3
  const two = rmsF1(truth.slice(0, 2), truth);
  assert.equal(two.precision, 1);
  assert.ok(Math.abs(two.recall - 2 / 3) < 1e-9);
  // the rows in another order and names in another case still match
  const shuffled = [truth[2], truth[0], { ...truth[1], row: 'b' }];
  assert.equal(rmsF1(shuffled, truth).f1, 1);
  // a wholly different table scores 0
  assert.equal(rmsF1(csvCells('k,v\nxyzzy,1\nplugh,2\n'), truth).f1, 0);
  // a transposed grouped table is matched as its transpose
  const grouped = csvCells('age,Male,Female\n50-54,11.7,8.7\n55-59,18.1,11.7\n');
  const transposed = csvCells('sex,50-54,55-59\nMale,11.7,18.1\nFemale,8.7,11.7\n');
  assert.equal(rmsF1(transposed, grouped).f1, 1);
  // what a program draws, as cells: one bar series drops its series name
  const drawn = dataTableCells([{ name: 'axes 1 — series 1', kind: 'bar', columns: ['category', 'value', 'base'], rows: [['A', 14.5, 0], ['B', 15.33, 0], ['C', 2.08, 0]] }]);
  assert.equal(rmsF1(drawn, truth).f1, 1);
  assert.deepEqual(parseCsv('a,"b ""q"", c"\r\n1,2\n'), [['a', 'b "q", c'], ['1', '2']]);
});

test('95 % intervals: Wilson for proportions (sound at 0 and 1), normal for means', () => {
  const p = proportion(8, 10);
  assert.equal(p.accuracy, 0.8);
  assert.ok(Math.abs(p.ci95[0] - 0.4902) < 1e-3 && Math.abs(p.ci95[1] - 0.9433) < 1e-3, JSON.stringify(p.ci95));
  const all = proportion(5, 5);
  assert.equal(all.ci95[1], 1);
  assert.ok(all.ci95[0] > 0.5 && all.ci95[0] < 0.6);
  assert.deepEqual(proportion(0, 0).ci95, [0, 0]);
  const m = mean([0.5, 0.5, 0.5]);
  assert.deepEqual(m.ci95, [0.5, 0.5]);
});
