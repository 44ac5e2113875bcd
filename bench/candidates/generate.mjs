// Candidate sets as a model writes them (issue 12): for every chart with a data table — the fixture
// charts (../shared/fixtures/charts, else test/fixtures/charts) and the reader's extra charts
// (bench/fixtures-reader) — matplotlib programs in matplotlib's DEFAULT style (nothing copied from
// the original's look: no colours, fonts, margins or axis limits), with the right labels and title,
// and the values off by several amounts. Seeded; the programs are written next to this script so
// anyone can read them, with manifest.json saying how wrong each candidate is.
//
//   node bench/candidates/generate.mjs [--seeds N]      (default 3 seeds)
//
// Per chart and seed, six candidates:
//   exact    the table's values
//   off8     every value off by 8 % of the value axis's range on average (sign at random, size
//            uniformly 0.5–1.5 × 8 %), off20 and off35 likewise
//   missing  the off8 values with a series left out (single-series charts: the last quarter of the
//            categories or points)
//   type     the off8 values drawn as another chart type (bars ↔ line, grouped ↔ stacked, scatter →
//            line, pie → bars, horizontal → vertical bars)
// How wrong (manifest `error`): the mean over every value of the table of |written − true| / the
// value axis's range, a value left out counting as 1 (a whole range), plus 0.5 for a wrong chart
// type. Scatter: x and y each count as a value, each on its own axis's range. The least-wrong
// candidate of a set is the one with the lowest error: `exact` in the full set; `off8` when the
// exact one is left out (bench/critic.mjs scores both).
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const args = process.argv.slice(2);
const SEEDS = args.includes('--seeds') ? Number(args[args.indexOf('--seeds') + 1]) : 3;
const OFFS = [0.08, 0.2, 0.35];
const TYPE_PENALTY = 0.5;

const shared = resolve(ROOT, '..', '..', 'shared', 'fixtures', 'charts');
const FOLDERS = [existsSync(join(ROOT, 'test', 'fixtures', 'charts', 'manifest.jsonl')) ? join(ROOT, 'test', 'fixtures', 'charts') : shared, join(ROOT, 'bench', 'fixtures-reader')];
const drawing = JSON.parse(readFileSync(join(HERE, 'drawing.json'), 'utf8')).charts;

export function parseCsv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells = [];
    let cur = '', q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
      } else if (c === '"') q = true;
      else if (c === ',') { cells.push(cur); cur = ''; } else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

/** mulberry32 */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const hash = (s) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

/** PNG width and height from the IHDR chunk. */
function pngSize(file) {
  const b = readFileSync(file);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * The chart as the model sees it: categories (or x values), series of values, in drawing order.
 * { type, xName, yName, categories, numericX, series: [{ name, values }], scatter?: { x, y } }
 */
function chartModel(entry, rows) {
  const head = rows[0], body = rows.slice(1);
  const d = drawing[entry.id] ?? {};
  const type = entry.chart_type;
  if (type === 'scatter') {
    const xi = head.length - 2, yi = head.length - 1;
    return { type, xName: head[xi], yName: head[yi], series: [{ name: head[yi], x: body.map((r) => Number(r[xi])), values: body.map((r) => Number(r[yi])) }] };
  }
  if (d.series === 'rows') {
    return { type, xName: '', yName: '', categories: head.slice(1).map((h) => h.replace(/^[A-Za-z](\d+)$/, '$1')), series: body.map((r) => ({ name: r[0], values: r.slice(1).map(Number) })) };
  }
  const numericX = type === 'line' && body.every((r) => r[0].trim() !== '' && Number.isFinite(Number(r[0])));
  return {
    type,
    xName: head[0],
    yName: head.length === 2 ? head[1] : '',
    categories: body.map((r) => (numericX ? Number(r[0]) : r[0])),
    numericX,
    series: head.slice(1).map((name, j) => ({ name, values: body.map((r) => Number(r[j + 1])) })),
  };
}

/** The value axis's range (and the x axis's for scatters) the errors are measured against. */
function ranges(m) {
  const all = m.series.flatMap((s) => s.values);
  if (m.type === 'stacked bar') {
    const sums = m.series[0].values.map((_, i) => m.series.reduce((t, s) => t + s.values[i], 0));
    return { y: Math.max(...sums, 0) - Math.min(...all, 0) };
  }
  if (m.type === 'line' || m.type === 'scatter') {
    const r = { y: Math.max(...all) - Math.min(...all) };
    if (m.type === 'scatter') r.x = Math.max(...m.series[0].x) - Math.min(...m.series[0].x);
    return r;
  }
  return { y: Math.max(...all, 0) - Math.min(...all, 0) };
}

/** Three significant digits, as a model writes a value it estimated. */
function sig3(v) {
  return v === 0 ? 0 : Number(v.toPrecision(3));
}

function offValues(values, share, range, random, nonNegative) {
  return values.map((v) => {
    let delta = share * range * (0.5 + random()) * (random() < 0.5 ? -1 : 1);
    if (nonNegative && v + delta < 0) delta = Math.abs(delta);
    return sig3(v + delta);
  });
}

/** The model with every value moved by `share` of its axis's range. */
function perturbed(m, share, random) {
  const r = ranges(m);
  const nonNeg = m.type !== 'line' && m.type !== 'scatter';
  return {
    ...m,
    series: m.series.map((s) => ({
      ...s,
      values: offValues(s.values, share, r.y, random, nonNeg),
      ...(s.x ? { x: offValues(s.x, share, r.x, random, false) } : {}),
    })),
  };
}

/** A series left out (or, with one series, the last quarter of its categories/points). */
function withMissing(m) {
  if (m.series.length > 1) return { model: { ...m, series: m.series.slice(0, -1) }, left: m.series[m.series.length - 1].values.length * m.series.length > 0 ? 'the last series' : '' };
  const s = m.series[0];
  const n = s.values.length;
  const keep = n - Math.max(1, Math.ceil(n / 4));
  const series = [{ ...s, values: s.values.slice(0, keep), ...(s.x ? { x: s.x.slice(0, keep) } : {}) }];
  return { model: { ...m, categories: m.categories?.slice(0, keep), series }, left: `the last ${n - keep} of ${n} ${m.type === 'scatter' ? 'points' : 'categories'}` };
}

const WRONG_TYPE = { bar: 'line', 'horizontal bar': 'bar', 'grouped bar': 'stacked bar', 'stacked bar': 'grouped bar', line: 'bar', scatter: 'line', pie: 'bar' };

// ---- writing the program ------------------------------------------------------------------------

const py = (v) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
function pyList(xs) {
  const items = xs.map(py);
  const one = `[${items.join(', ')}]`;
  if (one.length <= 90) return one;
  const lines = [];
  for (let i = 0; i < items.length; i += 10) lines.push('    ' + items.slice(i, i + 10).join(', ') + ',');
  return `[\n${lines.join('\n')}\n]`;
}
const PY_RESERVED = new Set(['x', 'np', 'plt', 'fig', 'ax', 'data', 'labels', 'order', 'bottom', 'width', 'name', 'values', 'class', 'def', 'for', 'in', 'is', 'if', 'else', 'from', 'import', 'lambda', 'return', 'while', 'with', 'and', 'or', 'not', 'pass', 'global', 'del', 'try', 'as', 'list', 'range', 'sum', 'min', 'max', 'len', 'type', 'id']);
const ident = (s, fallback) => {
  const t = String(s).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return !t || /^[0-9]/.test(t) || PY_RESERVED.has(t) ? fallback : t;
};

function program(m, as, title, width, height) {
  const L = ['import matplotlib.pyplot as plt'];
  const multi = m.series.length > 1;
  if ((as === 'grouped bar' || (as === 'bar' && multi)) && m.categories) L.splice(1, 0, 'import numpy as np');
  L.push('', `fig, ax = plt.subplots(figsize=(${width / 100}, ${height / 100}))`);
  const xv = ident(m.xName, 'categories');
  const catList = m.categories ? pyList(m.categories) : '';
  const data = () => `data = {\n${m.series.map((s) => `    ${py(s.name)}: ${pyList(s.values)},`).join('\n')}\n}`;
  const labels = (xl, yl) => {
    if (xl) L.push(`ax.set_xlabel(${py(xl)})`);
    if (yl) L.push(`ax.set_ylabel(${py(yl)})`);
  };
  if (as === 'pie') {
    const s = m.series[0];
    L.push(`labels = ${catList}`, `${ident(s.name, 'values')} = ${pyList(s.values)}`, `ax.pie(${ident(s.name, 'values')}, labels=labels, autopct='%1.1f%%')`, `ax.axis('equal')`);
  } else if (m.type === 'scatter') {
    const s = m.series[0];
    const xn = ident(m.xName, 'xs'), yn = ident(m.yName, 'ys');
    L.push(`${xn} = ${pyList(s.x)}`, `${yn} = ${pyList(s.values)}`);
    if (as === 'scatter') L.push(`ax.scatter(${xn}, ${yn})`);
    else L.push(`order = sorted(range(len(${xn})), key=lambda i: ${xn}[i])`, `ax.plot([${xn}[i] for i in order], [${yn}[i] for i in order], marker='o')`);
    labels(m.xName, m.yName);
  } else if (!multi) {
    const s = m.series[0];
    const yn = ident(s.name, 'values');
    L.push(`${xv} = ${catList}`, `${yn} = ${pyList(s.values)}`);
    const xs = m.numericX || as !== 'bar' ? xv : `[str(c) for c in ${xv}]`;
    if (as === 'bar') L.push(`ax.bar(${m.numericX ? xv : xs}, ${yn})`);
    else if (as === 'horizontal bar') L.push(`ax.barh(${xv}, ${yn})`, 'ax.invert_yaxis()');
    else L.push(`ax.plot(${xv}, ${yn}${m.type === 'line' ? '' : ", marker='o'"})`);
    if (as === 'horizontal bar') labels(m.yName || s.name, m.xName);
    else labels(m.xName, m.yName || s.name);
  } else {
    L.push(`${xv} = ${catList}`, data());
    if (as === 'line') {
      L.push('for name, values in data.items():', `    ax.plot(${xv}, values, marker='o', label=name)`);
    } else if (as === 'stacked bar') {
      L.push(`bottom = [0] * len(${xv})`, 'for name, values in data.items():', `    ax.bar(${m.numericX ? xv : `[str(c) for c in ${xv}]`}, values, bottom=bottom, label=name)`, '    bottom = [b + v for b, v in zip(bottom, values)]');
    } else {
      L.push(`x = np.arange(len(${xv}))`, 'width = 0.8 / len(data)', 'for i, (name, values) in enumerate(data.items()):', '    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)', 'ax.set_xticks(x)', `ax.set_xticklabels(${xv})`);
    }
    L.push('ax.legend()');
    labels(m.xName, m.yName);
  }
  if (title) L.push(`ax.set_title(${py(title)})`);
  L.push('plt.tight_layout()', 'plt.show()', '');
  return L.join('\n');
}

// ---- how wrong ------------------------------------------------------------------------------------

/** Mean |written − true| / range over every true value; values left out count 1. */
function errorOf(truth, cand) {
  const r = ranges(truth);
  let sum = 0, n = 0;
  for (const t of truth.series) {
    const c = cand.series.find((s) => s.name === t.name);
    t.values.forEach((v, i) => {
      n++;
      sum += c && i < c.values.length ? Math.min(1, Math.abs(c.values[i] - v) / r.y) : 1;
      if (t.x) {
        n++;
        sum += c && i < c.x.length ? Math.min(1, Math.abs(c.x[i] - t.x[i]) / r.x) : 1;
      }
    });
  }
  return sum / n;
}

// ---- main ----------------------------------------------------------------------------------------

export function loadTables() {
  const charts = [];
  for (const folder of FOLDERS) {
    for (const line of readFileSync(join(folder, 'manifest.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      if (!e.table) continue;
      charts.push({ entry: e, folder, rows: parseCsv(readFileSync(join(folder, e.table), 'utf8')) });
    }
  }
  return charts;
}

function main() {
  const out = { about: 'Candidate sets written by bench/candidates/generate.mjs — see its header. Paths are relative to the repository root.', seeds: SEEDS, offs: OFFS, typePenalty: TYPE_PENALTY, charts: [] };
  for (const { entry, folder, rows } of loadTables()) {
    const id = entry.id;
    const size = pngSize(join(folder, entry.image));
    const truth = chartModel(entry, rows);
    const title = drawing[id]?.title;
    const dir = join(HERE, id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const chart = { id, image: relative(ROOT, join(folder, entry.image)), table: relative(ROOT, join(folder, entry.table)), chart_type: entry.chart_type, renderer: entry.renderer, width: size.width, height: size.height, ranges: ranges(truth), sets: [] };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const random = rng(hash(id) ^ (seed * 0x9e3779b1));
      const off = Object.fromEntries(OFFS.map((p) => [p, perturbed(truth, p, random)]));
      const miss = withMissing(off[OFFS[0]]);
      const cands = [
        { kind: 'exact', model: truth, as: truth.type, note: 'the table\'s values' },
        ...OFFS.map((p) => ({ kind: `off${Math.round(p * 100)}`, model: off[p], as: truth.type, note: `values off by ${Math.round(p * 100)} % of the range on average` })),
        { kind: 'missing', model: miss.model, as: truth.type, note: `off8 values, ${miss.left} left out` },
        { kind: 'type', model: off[OFFS[0]], as: WRONG_TYPE[truth.type], wrongType: true, note: `off8 values drawn as a ${WRONG_TYPE[truth.type]} chart` },
      ];
      const set = { seed, candidates: [] };
      for (const c of cands) {
        const file = join(dir, `s${seed}-${c.kind}.py`);
        writeFileSync(file, `# ${id}: candidate '${c.kind}' (seed ${seed}) — ${c.note}; written by bench/candidates/generate.mjs\n${program(c.model, c.as, title, size.width, size.height)}`);
        const err = errorOf(truth, c.model) + (c.wrongType ? TYPE_PENALTY : 0);
        set.candidates.push({ kind: c.kind, file: relative(ROOT, file), drawnAs: c.as, error: Number(err.toFixed(4)) });
      }
      const byError = [...set.candidates].sort((a, b) => a.error - b.error);
      set.leastWrong = byError[0].kind;
      set.leastWrongWithoutExact = byError.find((c) => c.kind !== 'exact').kind;
      chart.sets.push(set);
    }
    out.charts.push(chart);
    console.log(`${id.padEnd(28)} ${chart.sets.map((s) => s.candidates.map((c) => `${c.kind} ${c.error}`).join(', ')).join(' | ').slice(0, 150)}`);
  }
  writeFileSync(join(HERE, 'manifest.json'), JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${out.charts.length} charts × ${SEEDS} seeds to bench/candidates/`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
