// Inputs recognised by their shape (our manifest, ChartQA, CharXiv, Geometry3K as published),
// converted to our manifest and read back the same; the manifest streamed, a huge line refused
// unread, a question over 2000 characters never sent; `recode eval convert` never overwrites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadInput, toManifestLines, readLines, MAX_QUESTION_CHARS, type LoadedInput } from '../src/core/manifest';
import { FIXTURES, ROOT } from './support/paths';

const BENCH = join(ROOT, 'test', 'fixtures', 'benchmarks');
const CLI = join(ROOT, 'bin', 'recode.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'recode-evalfmt-'));

function roundTrip(loaded: LoadedInput): Promise<LoadedInput> {
  const dir = tmp();
  const file = join(dir, 'm.jsonl');
  writeFileSync(file, toManifestLines(loaded.images, dir).join('\n') + '\n');
  return loadInput(file);
}

function sameItems(a: LoadedInput, b: LoadedInput) {
  const flat = (x: LoadedInput) => x.images.map((i) => ({ id: i.id, image: i.image, table: i.table, benchmark: i.benchmark, scoring: i.scoring, kind: i.kind, qs: i.questions }));
  assert.deepEqual(flat(b), flat(a));
}

test('ChartQA test_human.json: questions grouped by image, images under png/, tables under tables/', async () => {
  const r = await loadInput(join(BENCH, 'chartqa', 'test', 'test_human.json'));
  assert.equal(r.format, 'chartqa');
  assert.equal(r.images.length, 4);
  const bars = r.images.find((i) => i.image.endsWith('insectsprays-bar.png'))!;
  assert.equal(bars.questions.length, 2);
  assert.deepEqual(bars.questions.map((q) => q.answer), ['16.67', 'C']);
  assert.equal(bars.scoring, 'relaxed');
  assert.equal(bars.benchmark, 'chartqa');
  assert.ok(bars.table!.endsWith(join('tables', 'insectsprays-bar.csv')) && existsSync(bars.table!));
  assert.ok(r.images.every((i) => existsSync(i.image)));
  sameItems(r, await roundTrip(r));
});

test('CharXiv reasoning_val.json: figures by id, images found one folder up, exact-match scoring', async () => {
  const r = await loadInput(join(BENCH, 'charxiv', 'data', 'reasoning_val.json'));
  assert.equal(r.format, 'charxiv');
  assert.deepEqual(r.images.map((i) => i.questions[0].answer).sort(), ['33.9', 'Crew', 'sunflower']);
  assert.ok(r.images.every((i) => i.scoring === 'exact' && existsSync(i.image)), JSON.stringify(r.images.map((i) => i.image)));
  sameItems(r, await roundTrip(r));
});

test('Geometry3K: a folder of problem folders, or one problem; choices kept, answer a letter', async () => {
  const r = await loadInput(join(BENCH, 'geometry3k', 'test'));
  assert.equal(r.format, 'geometry3k');
  assert.equal(r.images.length, 2);
  const p = r.images.find((i) => i.id.endsWith('2402'))!;
  assert.deepEqual(p.questions[0].choices, ['3', '3\\sqrt{3}', '6', '6\\sqrt{3}']);
  assert.equal(p.questions[0].answer, 'B');
  assert.equal(p.scoring, 'choice');
  assert.equal(p.kind, 'geometry');
  assert.ok(p.image.endsWith('img_diagram.png') && existsSync(p.image));
  const one = await loadInput(join(BENCH, 'geometry3k', 'test', '2401'));
  assert.equal(one.images.length, 1);
  const viaJson = await loadInput(join(BENCH, 'geometry3k', 'test', '2401', 'data.json'));
  assert.equal(viaJson.images[0].questions[0].answer, 'C');
  sameItems(r, await roundTrip(r));
});

test('our manifest: the 13 fixture charts with their questions and tables', async () => {
  const r = await loadInput(join(FIXTURES, 'manifest.jsonl'));
  assert.equal(r.format, 'manifest');
  assert.equal(r.images.length, 13);
  assert.equal(r.images.reduce((s, i) => s + i.questions.length, 0), 26);
  assert.ok(r.images.every((i) => existsSync(i.image) && i.table && existsSync(i.table) && i.chartType));
  assert.deepEqual(r.warnings, []);
  sameItems(r, await roundTrip(r));
});

test('flat JSON lines with ChartQA keys (query/label/imgname) are questions, not empty derenders', async () => {
  const dir = tmp();
  const file = join(dir, 'flat.jsonl');
  writeFileSync(
    file,
    [
      { imgname: 'a.png', query: 'What is A?', label: '3' },
      { imgname: 'a.png', query: 'What is B?', label: '4' },
      { image: 'b.png', question: 'Q?', answer: 'x' },
    ].map((o) => JSON.stringify(o)).join('\n'),
  );
  const r = await loadInput(file);
  assert.equal(r.images.length, 2);
  assert.deepEqual(r.images[0].questions.map((q) => [q.question, q.answer]), [['What is A?', '3'], ['What is B?', '4']]);
  assert.equal(r.images[0].image, join(dir, 'a.png'));
  assert.equal(new Set(r.images.flatMap((i) => i.questions.map((q) => q.id))).size, 3, 'question ids are unique');
});

test('a manifest is streamed: a 3 MB line is refused unread, a 2001-character question never sent, bad lines named', async () => {
  const dir = tmp();
  const file = join(dir, 'big.jsonl');
  const huge = JSON.stringify({ image: 'x.png', question: 'q'.repeat(3 * 1024 * 1024), answer: '1' });
  const long = JSON.stringify({ image: 'y.png', qa: [{ question: 'w'.repeat(MAX_QUESTION_CHARS + 1), answer: '1' }, { question: 'ok?', answer: '2' }] });
  writeFileSync(file, [JSON.stringify({ image: 'a.png', question: 'fine?', answer: '1' }), huge, 'not json', long, JSON.stringify({ question: 'no image' })].join('\n') + '\n');
  const r = await loadInput(file);
  assert.deepEqual(r.images.map((i) => i.questions.map((q) => q.question)), [['fine?'], ['ok?']]);
  assert.ok(r.images.every((i) => i.questions.every((q) => q.question.length <= MAX_QUESTION_CHARS)));
  assert.equal(r.warnings.length, 4, r.warnings.join('\n'));
  assert.match(r.warnings[0], /line 2 is over 1 MB; left out unread/);
  assert.match(r.warnings[1], /line 3 is not JSON/);
  assert.match(r.warnings[2], /line 4, question 1: the question is 2001 characters long \(at most 2000\); left out, not sent/);
  assert.match(r.warnings[3], /line 5: no "image"/);
  // the reader never holds a too-long line: it yields a marker, not the text
  const seen: (string | undefined)[] = [];
  for await (const l of readLines(file, 1024)) seen.push(l.tooLong ? 'TOO LONG' : l.line?.slice(0, 10));
  assert.equal(seen[1], 'TOO LONG');
  assert.equal(seen.length, 5);
});

test('unknown shapes and missing inputs: one plain sentence', async () => {
  const dir = tmp();
  const f = join(dir, 'x.json');
  writeFileSync(f, '{"hello": "world"}');
  await assert.rejects(loadInput(f), /not a format recode eval knows/);
  await assert.rejects(loadInput(join(dir, 'nope.jsonl')), /does not exist/);
  const csv = join(dir, 'x.csv');
  writeFileSync(csv, 'a,b\n1,2\n');
  await assert.rejects(loadInput(csv), /neither JSON nor JSON lines/);
  await assert.rejects(loadInput(dir), /holds no Geometry3K problem/);
});

test('recode eval convert writes our manifest from each format, and never overwrites a file', () => {
  const dir = tmp();
  for (const [input, format, qs] of [
    [join(BENCH, 'chartqa', 'test', 'test_human.json'), 'chartqa', 5],
    [join(BENCH, 'charxiv', 'data', 'reasoning_val.json'), 'charxiv', 3],
    [join(BENCH, 'geometry3k', 'test'), 'geometry3k', 2],
    [join(FIXTURES, 'manifest.jsonl'), 'manifest', 26],
  ] as const) {
    const out = join(dir, `${format}.jsonl`);
    const r = spawnSync(process.execPath, [CLI, 'eval', 'convert', input, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${format}: ${qs} questions`));
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { image: string; qa: unknown[] });
    assert.equal(lines.reduce((s, l) => s + l.qa.length, 0), qs);
    assert.ok(lines.every((l) => existsSync(join(dirname(out), l.image)) || existsSync(l.image)));
  }
  const target = join(dir, 'chartqa.jsonl');
  const before = statSync(target).mtimeMs;
  const again = spawnSync(process.execPath, [CLI, 'eval', 'convert', join(BENCH, 'geometry3k', 'test'), target], { encoding: 'utf8' });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; choose another name/);
  assert.equal(statSync(target).mtimeMs, before);
});
