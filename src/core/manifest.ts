/**
 * Evaluation inputs, recognised by their shape, and our own manifest (JSON lines):
 *
 *   our manifest    one image a line: {"id", "image", "table"?, "chart_type"?, "benchmark"?,
 *                   "scoring"?, "qa": [{"question", "answer", "choices"?}]}; also flat lines
 *                   {"image" | "imgname", "question" | "query", "answer" | "label"}. Paths are
 *                   relative to the manifest. Read as a stream, line by line.
 *   ChartQA         test_human.json / test_augmented.json: a JSON array of {"imgname", "query",
 *                   "label"}; images in png/, data tables in tables/<name>.csv next to it.
 *   CharXiv         reasoning_val.json / reasoning_test.json: an object of {"figure_id", "query",
 *                   "answer", "inst_category"} by figure id; images in images/ (next to the file
 *                   or one folder up, as in the CharXiv repository), <figure_id>.jpg.
 *   Geometry3K      a folder of per-problem folders (or one of them), each with data.json
 *                   ({"problem_text", "choices", "answer"}) and img_diagram.png.
 *
 * Every question is capped at MAX_QUESTION_CHARS (what the extension accepts); a longer one is
 * left out with a warning, never sent. A manifest line over MAX_LINE_BYTES is refused unread.
 */
import { promises as fs, createReadStream } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { relaxedMatch, type ScoringRule } from './eval/score';

export type Benchmark = 'chartqa' | 'charxiv' | 'geometry3k' | 'manifest';
export type InputFormat = 'manifest' | 'chartqa' | 'charxiv' | 'geometry3k';

export const MAX_QUESTION_CHARS = 2000;
export const MAX_ANSWER_CHARS = 2000;
export const MAX_LINE_BYTES = 1024 * 1024;
/** Benchmark JSON files are read whole; CharXiv's largest is ~1 MB, ChartQA's ~0.5 MB. */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

export interface EvalQuestion {
  /** Unique over the whole input. */
  id: string;
  question: string;
  answer: string;
  /** Multiple choice (Geometry3K): the choices in letter order A, B, C… */
  choices?: string[];
}

export interface EvalImage {
  /** Unique over the whole input. */
  id: string;
  /** Absolute path. */
  image: string;
  benchmark: Benchmark;
  scoring: ScoringRule;
  /** The chart's data table (CSV), absolute path, when the input has one. */
  table?: string;
  chartType?: string;
  /** Prompts for charts or for geometry diagrams. */
  kind: 'chart' | 'geometry' | 'auto';
  questions: EvalQuestion[];
}

export interface LoadedInput {
  format: InputFormat;
  images: EvalImage[];
  /** Questions or lines left out, one sentence each. */
  warnings: string[];
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** Reads INPUT, whatever its format; throws ManifestError with one sentence when it cannot. */
export async function loadInput(input: string): Promise<LoadedInput> {
  const path = resolve(input);
  let st;
  try {
    st = await fs.stat(path);
  } catch {
    throw new ManifestError(`${input} does not exist`);
  }
  if (st.isDirectory()) return loadGeometry3k(path);
  if (!st.isFile()) throw new ManifestError(`${input} is not a regular file (a device, pipe or socket)`);
  if (st.size === 0) throw new ManifestError(`${input} is empty`);
  const head = await readHead(path, 64 * 1024);
  const first = head.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '[') return loadChartQA(path, await readJson(path, st.size));
  if (first !== '{') throw new ManifestError(`${input} is neither JSON nor JSON lines (it starts with ${JSON.stringify(head.trimStart().slice(0, 20))})`);
  // JSON lines (our manifest) or one JSON object (CharXiv, a Geometry3K data.json)?
  const firstLine = head.replace(/^\uFEFF/, '').trimStart().split('\n')[0];
  let line: unknown;
  try {
    line = JSON.parse(firstLine);
  } catch {
    line = undefined;
  }
  if (line && typeof line === 'object' && isManifestLine(line as Record<string, unknown>)) return loadManifest(path);
  // one JSON document (read whole when small enough), else JSON lines read as a stream
  let doc: unknown;
  if (st.size <= MAX_JSON_BYTES) {
    try {
      doc = JSON.parse((await fs.readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
    } catch {
      doc = undefined;
    }
  }
  if (doc === undefined) return loadManifest(path);
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    if (typeof o.problem_text === 'string') return loadGeometry3k(dirname(path));
    const values = Object.values(o);
    if (values.length > 0 && values.every((v) => v && typeof v === 'object' && 'figure_id' in v && ('query' in v || 'raw_question' in v))) return loadCharXiv(path, o);
    if (isManifestLine(o)) return loadManifest(path);
  }
  throw new ManifestError(
    `${input}: not a format recode eval knows (our JSON-lines manifest, ChartQA's test_*.json, CharXiv's reasoning_*.json, or Geometry3K problem folders)`,
  );
}

function isManifestLine(o: Record<string, unknown>): boolean {
  return typeof o.image === 'string' || typeof o.imgname === 'string';
}

async function readHead(path: string, bytes: number): Promise<string> {
  const h = await fs.open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await h.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await h.close();
  }
}

async function readJson(path: string, size: number): Promise<unknown> {
  if (size > MAX_JSON_BYTES) throw new ManifestError(`${basename(path)} is too large to read as one JSON document (${(size / 1048576).toFixed(0)} MB)`);
  try {
    return JSON.parse((await fs.readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ManifestError(`${basename(path)} is not valid JSON (${(e as Error).message})`);
  }
}

/** Caps and checks one question; a warning instead when it is left out. */
function question(id: string, q: unknown, a: unknown, warnings: string[], where: string, choices?: unknown): EvalQuestion | undefined {
  const text = str(q)?.trim();
  if (!text) {
    warnings.push(`${where}: no question; left out`);
    return undefined;
  }
  if (text.length > MAX_QUESTION_CHARS) {
    warnings.push(`${where}: the question is ${text.length} characters long (at most ${MAX_QUESTION_CHARS}); left out, not sent`);
    return undefined;
  }
  const answer = str(a)?.trim() ?? '';
  if (answer.length > MAX_ANSWER_CHARS) {
    warnings.push(`${where}: the expected answer is over ${MAX_ANSWER_CHARS} characters; left out`);
    return undefined;
  }
  const out: EvalQuestion = { id, question: text, answer };
  if (Array.isArray(choices) && choices.length > 0) out.choices = choices.slice(0, 8).map((c) => String(c).slice(0, 200));
  return out;
}

/** Makes ids unique (`x`, `x~2`, …). */
function uniqueIds(images: EvalImage[]): void {
  const seenI = new Set<string>();
  const seenQ = new Set<string>();
  const uniq = (seen: Set<string>, id: string) => {
    let u = id;
    for (let k = 2; seen.has(u); k++) u = `${id}~${k}`;
    seen.add(u);
    return u;
  };
  for (const im of images) {
    im.id = uniq(seenI, im.id);
    for (const q of im.questions) q.id = uniq(seenQ, q.id);
  }
}

// ---------------------------------------------------------------------------------------------
// Our manifest (JSON lines), streamed
// ---------------------------------------------------------------------------------------------

/** The lines of a file, one at a time, never holding more than `maxLine` bytes of one line. */
export async function* readLines(path: string, maxLine = MAX_LINE_BYTES): AsyncGenerator<{ n: number; line?: string; tooLong?: boolean }> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!skipping) {
        const piece = chunk.subarray(start, end);
        if (size + piece.length > maxLine) {
          skipping = true;
          parts = [];
          size = 0;
        } else {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (nl < 0) break;
      n++;
      if (skipping) yield { n, tooLong: true };
      else yield { n, line: Buffer.concat(parts).toString('utf8') };
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  }
  if (skipping) yield { n: n + 1, tooLong: true };
  else if (size > 0) yield { n: n + 1, line: Buffer.concat(parts).toString('utf8') };
}

const SCORINGS: ScoringRule[] = ['relaxed', 'choice', 'exact'];
const BENCHMARKS: Benchmark[] = ['chartqa', 'charxiv', 'geometry3k', 'manifest'];

/** One manifest line as an image with its questions (or a reason it is left out). */
export function manifestLine(o: Record<string, unknown>, n: number, baseDir: string, warnings: string[]): EvalImage | undefined {
  const where = `line ${n}`;
  const image = str(o.image) ?? str(o.imgname);
  if (!image) {
    warnings.push(`${where}: no "image"; left out`);
    return undefined;
  }
  const id = (str(o.id) ?? image.replace(/\.[a-z]+$/i, '')).slice(0, 200);
  const benchmark = BENCHMARKS.includes(o.benchmark as Benchmark) ? (o.benchmark as Benchmark) : 'manifest';
  const scoring: ScoringRule = SCORINGS.includes(o.scoring as ScoringRule)
    ? (o.scoring as ScoringRule)
    : benchmark === 'geometry3k'
      ? 'choice'
      : benchmark === 'charxiv'
        ? 'exact'
        : 'relaxed';
  const qs: EvalQuestion[] = [];
  if (Array.isArray(o.qa)) {
    o.qa.forEach((x: unknown, k: number) => {
      const r = (x && typeof x === 'object' ? x : {}) as Record<string, unknown>;
      const q = question(str(r.id) ?? `${id}#${k + 1}`, r.question ?? r.query, r.answer ?? r.label, warnings, `${where}, question ${k + 1}`, r.choices);
      if (q) qs.push(q);
    });
  } else {
    const q = question(`${id}#1`, o.question ?? o.query, o.answer ?? o.label, warnings, where, o.choices);
    if (q) qs.push(q);
  }
  const table = str(o.table);
  const kind = o.kind === 'geometry' || o.kind === 'chart' || o.kind === 'auto' ? o.kind : benchmark === 'geometry3k' ? 'geometry' : benchmark === 'manifest' ? 'auto' : 'chart';
  return {
    id,
    image: resolve(baseDir, image),
    benchmark,
    scoring,
    table: table ? resolve(baseDir, table) : undefined,
    chartType: str(o.chart_type)?.slice(0, 60),
    kind,
    questions: qs,
  };
}

export async function loadManifest(path: string): Promise<LoadedInput> {
  const warnings: string[] = [];
  const baseDir = dirname(path);
  const byImage = new Map<string, EvalImage>();
  for await (const { n, line, tooLong } of readLines(path)) {
    if (tooLong) {
      warnings.push(`line ${n} is over ${MAX_LINE_BYTES / 1048576} MB; left out unread`);
      continue;
    }
    if (!line || !line.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      warnings.push(`line ${n} is not JSON; left out`);
      continue;
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      warnings.push(`line ${n} is not a JSON object; left out`);
      continue;
    }
    const im = manifestLine(o as Record<string, unknown>, n, baseDir, warnings);
    if (!im) continue;
    // flat lines (one question each) about the same image share it
    const prev = byImage.get(im.image);
    if (prev && prev.benchmark === im.benchmark) prev.questions.push(...im.questions);
    else byImage.set(prev ? `${im.image}\u0000${n}` : im.image, im);
  }
  const images = [...byImage.values()].filter((i) => i.questions.length > 0 || i.table);
  if (images.length === 0) throw new ManifestError(`${basename(path)} holds no usable item${warnings.length ? ` (${warnings[0]}${warnings.length > 1 ? ` and ${warnings.length - 1} more` : ''})` : ''}`);
  uniqueIds(images);
  return { format: 'manifest', images, warnings };
}

// ---------------------------------------------------------------------------------------------
// ChartQA
// ---------------------------------------------------------------------------------------------

function loadChartQA(path: string, doc: unknown): LoadedInput {
  if (!Array.isArray(doc)) throw new ManifestError(`${basename(path)} is not a JSON array`);
  const warnings: string[] = [];
  const dir = dirname(path);
  const split = basename(path).replace(/\.json$/i, '');
  const byImage = new Map<string, EvalImage>();
  doc.forEach((e: unknown, k: number) => {
    const o = (e && typeof e === 'object' ? e : {}) as Record<string, unknown>;
    const img = str(o.imgname);
    if (!img) {
      warnings.push(`entry ${k + 1}: no "imgname"; left out`);
      return;
    }
    const stem = img.replace(/\.[a-z]+$/i, '');
    const q = question(`${split}/${stem}#${k + 1}`, o.query ?? o.question, o.label ?? o.answer, warnings, `entry ${k + 1}`);
    if (!q) return;
    let im = byImage.get(img);
    if (!im) {
      im = { id: `${split}/${stem}`, image: join(dir, 'png', img), benchmark: 'chartqa', scoring: 'relaxed', table: join(dir, 'tables', `${stem}.csv`), kind: 'chart', questions: [] };
      byImage.set(img, im);
    }
    im.questions.push(q);
  });
  const images = [...byImage.values()];
  if (images.length === 0) throw new ManifestError(`${basename(path)} holds no ChartQA question`);
  uniqueIds(images);
  return { format: 'chartqa', images, warnings };
}

// ---------------------------------------------------------------------------------------------
// CharXiv
// ---------------------------------------------------------------------------------------------

async function loadCharXiv(path: string, doc: Record<string, unknown>): Promise<LoadedInput> {
  const warnings: string[] = [];
  const dir = dirname(path);
  const split = basename(path).replace(/\.json$/i, '');
  const folders = [join(dir, 'images'), join(dir, '..', 'images'), dir];
  const folder = (await firstExisting(folders)) ?? folders[0];
  const names = new Set(await fs.readdir(folder).catch(() => [] as string[]));
  const images: EvalImage[] = [];
  for (const [key, v] of Object.entries(doc)) {
    const o = v as Record<string, unknown>;
    const fid = str(o.figure_id) ?? key;
    const file = ['jpg', 'png', 'jpeg'].map((x) => `${fid}.${x}`).find((f) => names.has(f)) ?? `${fid}.jpg`;
    const q = question(`${split}/${key}`, o.query ?? o.raw_question, o.answer, warnings, `figure ${key}`);
    if (!q) continue;
    images.push({ id: `${split}/${fid}`, image: join(folder, file), benchmark: 'charxiv', scoring: 'exact', kind: 'chart', questions: [q] });
  }
  if (images.length === 0) throw new ManifestError(`${basename(path)} holds no CharXiv question`);
  uniqueIds(images);
  return { format: 'charxiv', images, warnings };
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => undefined);
    if (st?.isDirectory()) return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Geometry3K
// ---------------------------------------------------------------------------------------------

async function loadGeometry3k(dir: string): Promise<LoadedInput> {
  const warnings: string[] = [];
  const one = async (folder: string): Promise<EvalImage | undefined> => {
    const dataPath = join(folder, 'data.json');
    const st = await fs.stat(dataPath).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    if (st.size > MAX_LINE_BYTES) {
      warnings.push(`${relative(dir, dataPath) || 'data.json'} is over 1 MB; left out`);
      return undefined;
    }
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(await fs.readFile(dataPath, 'utf8')) as Record<string, unknown>;
    } catch {
      warnings.push(`${relative(dir, dataPath) || 'data.json'} is not JSON; left out`);
      return undefined;
    }
    const id = str(o.id) ?? basename(folder);
    const q = question(`geometry3k/${id}`, o.problem_text, o.answer, warnings, `problem ${id}`, o.choices);
    if (!q) return undefined;
    const image = ['img_diagram.png', 'img_diagram_point.png'].map((f) => join(folder, f))[0];
    return { id: `geometry3k/${id}`, image, benchmark: 'geometry3k', scoring: 'choice', chartType: 'geometry', kind: 'geometry', questions: [q] };
  };
  const self = await one(dir);
  let images: EvalImage[] = [];
  if (self) images = [self];
  else {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const subs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    subs.sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a.localeCompare(b)));
    for (const s of subs) {
      const im = await one(join(dir, s));
      if (im) images.push(im);
    }
  }
  if (images.length === 0) throw new ManifestError(`${dir} is a folder but holds no Geometry3K problem (folders with data.json and img_diagram.png)`);
  uniqueIds(images);
  return { format: 'geometry3k', images, warnings };
}

// ---------------------------------------------------------------------------------------------
// Conversion to our manifest
// ---------------------------------------------------------------------------------------------

/** Our manifest's lines for loaded images, paths relative to `outDir` when below it or near. */
export function toManifestLines(images: EvalImage[], outDir: string): string[] {
  const rel = (p: string) => {
    const r = relative(outDir, p);
    // near the manifest: relative (the folder can move as a whole); far away: absolute
    return isAbsolute(r) || r.startsWith(`..${sep}..${sep}`) ? p : r.split(sep).join('/');
  };
  return images.map((im) => {
    const o: Record<string, unknown> = { id: im.id, image: rel(im.image) };
    if (im.table) o.table = rel(im.table);
    if (im.chartType) o.chart_type = im.chartType;
    o.benchmark = im.benchmark;
    o.scoring = im.scoring;
    o.kind = im.kind;
    o.qa = im.questions.map((q) => (q.choices ? { id: q.id, question: q.question, answer: q.answer, choices: q.choices } : { id: q.id, question: q.question, answer: q.answer }));
    return JSON.stringify(o);
  });
}

// ---------------------------------------------------------------------------------------------
// The older interface (bench/ and tests): a manifest's text, parsed at once
// ---------------------------------------------------------------------------------------------

export interface ManifestItem {
  id: string;
  image: string;
  qa: { question: string; answer: string }[];
}

export function parseManifest(text: string, baseDir: string): ManifestItem[] {
  const warnings: string[] = [];
  const items: ManifestItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new ManifestError(`manifest line ${i + 1} is not JSON`);
    }
    const im = manifestLine(o, i + 1, baseDir, warnings);
    if (!im) throw new ManifestError(`manifest line ${i + 1} has no "image"`);
    items.push({ id: im.id, image: im.image, qa: im.questions.map((q) => ({ question: q.question, answer: q.answer })) });
  });
  return items;
}

/** ChartQA's relaxed accuracy (see eval/score.ts). */
export function answerMatches(got: string, expected: string): boolean {
  return relaxedMatch(got, expected).correct;
}
