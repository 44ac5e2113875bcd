// The benchmark's programs: the fixture programs (bench/fixtures-programs/), their data lists, and
// the wrong variants the critic must rank below the true one.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');
export const PROGRAMS = join(BENCH, 'fixtures-programs');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'charts');

export function loadCharts() {
  const m = JSON.parse(readFileSync(join(PROGRAMS, 'manifest.json'), 'utf8'));
  return m.charts.map((c) => ({
    ...c,
    code: readFileSync(join(PROGRAMS, c.program), 'utf8'),
    png: new Uint8Array(readFileSync(join(FIXTURES, `${c.id}.png`))),
  }));
}

/** A small seeded PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The `[...]` of `name = [...]` or `'name': [...]` in a program: { start, end, items (source text) }. */
export function findList(code, name) {
  const re = new RegExp(`(?:^|\\n)\\s*(?:${esc(name)}\\s*=\\s*|['"]${esc(name)}['"]\\s*:\\s*)\\[`, 'g');
  const m = re.exec(code);
  if (!m) throw new Error(`list ${name} not found`);
  const start = m.index + m[0].length - 1;
  let depth = 0, end = start;
  for (let i = start; i < code.length; i++) {
    if (code[i] === '[') depth++;
    else if (code[i] === ']' && --depth === 0) { end = i + 1; break; }
  }
  const inner = code.slice(start + 1, end - 1);
  const items = inner.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { start, end, items, multiline: inner.includes('\n') };
}

export function getValues(code, name) {
  return findList(code, name).items.map(Number);
}

function formatList(items, multiline) {
  if (!multiline) return `[${items.join(', ')}]`;
  const lines = [];
  for (let i = 0; i < items.length; i += 20) lines.push('    ' + items.slice(i, i + 20).join(', ') + ',');
  return `[\n${lines.join('\n')}\n]`;
}

export function setList(code, name, items) {
  const l = findList(code, name);
  return code.slice(0, l.start) + formatList(items.map(String), l.multiline) + code.slice(l.end);
}

/** Writes numbers into a data list, rounded to 4 significant digits beyond the integer part. */
export function setValues(code, name, values) {
  return setList(code, name, values.map(fmt));
}

export function fmt(v) {
  if (Number.isInteger(v)) return String(v);
  const d = Math.max(0, 4 - Math.floor(Math.log10(Math.max(Math.abs(v), 1e-9))));
  return String(Number(v.toFixed(Math.min(6, d))));
}

export function applyEdit(code, edit) {
  let out = code;
  for (const [from, to] of edit.replace ?? []) {
    if (!out.includes(from)) throw new Error(`edit does not apply: ${JSON.stringify(from).slice(0, 80)}`);
    out = out.replace(from, to);
  }
  for (const name of edit.drop ?? []) {
    const items = findList(out, name).items;
    out = setList(out, name, items.slice(0, items.length - (edit.dropCount ?? 1)));
  }
  return out;
}

/** Every value of every data list scaled by (1 ± p), signs at random; `one`: only one value. */
export function perturb(chart, code, { share, random, one = false, uniform = false, minShare }) {
  let out = code;
  const all = chart.lists.flatMap((l) => getValues(code, l.name).map((v, i) => ({ list: l.name, i, v })));
  // `one` picks among values ≥ 25 % of the largest, so the change is visible at all
  const big = Math.max(...all.map((a) => Math.abs(a.v)));
  const eligible = all.map((a, k) => k).filter((k) => Math.abs(all[k].v) >= 0.25 * big);
  const pick = one ? eligible[Math.floor(random() * eligible.length)] : -1;
  for (const l of chart.lists) {
    const vals = getValues(out, l.name).map((v, i) => {
      const k = all.findIndex((a) => a.list === l.name && a.i === i);
      if (one && k !== pick) return v;
      const s = minShare !== undefined ? minShare + (share - minShare) * random() : share;
      const sign = uniform ? 1 : random() < 0.5 ? -1 : 1;
      const nv = v * (1 + sign * s);
      return Number.isInteger(v) && Math.abs(v) >= 100 ? Math.round(nv) : nv;
    });
    out = setValues(out, l.name, vals);
  }
  return out;
}

/** The candidate set of the critic benchmark for one chart and seed. */
export function candidateSet(chart, seed) {
  const random = rng(seed * 1000 + chart.id.length * 7 + chart.id.charCodeAt(0));
  const c = chart.code;
  return [
    { kind: 'true', code: c },
    { kind: 'off5', code: perturb(chart, c, { share: 0.05, random }) },
    { kind: 'off10', code: perturb(chart, c, { share: 0.1, random }) },
    { kind: 'off20', code: perturb(chart, c, { share: 0.2, random }) },
    { kind: 'off30', code: perturb(chart, c, { share: 0.3, random }) },
    { kind: 'one10', code: perturb(chart, c, { share: 0.1, random, one: true }) },
    { kind: 'scale10', code: perturb(chart, c, { share: 0.1, random, uniform: true }) },
    { kind: 'missing', code: applyEdit(c, chart.missing) },
    { kind: 'colours', code: applyEdit(c, chart.colours) },
    { kind: 'type', code: applyEdit(c, chart.type_change) },
  ];
}

/**
 * The "plain" program of a chart: the true data drawn with matplotlib's defaults (figsize from the
 * image, no styling) — what a model writes when it gets the data right and the style wrong.
 */
export function plainProgram(chart) {
  const c = chart.code;
  const w = chart.width / 100, h = chart.height / 100;
  const head = `import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(${w}, ${h}), dpi=100)\n`;
  const list = (n) => `[${findList(c, n).items.join(', ')}]`;
  const labels = (n) => `[${findList(c, n).items.join(', ')}]`;
  switch (chart.id) {
    case 'insectsprays-bar': return `${head}sprays = ${labels('sprays')}\nmean_count = ${list('mean_count')}\nax.bar(sprays, mean_count)\nax.set_title('Mean insect count by spray')\n`;
    case 'worldphones-1961-bar': return `${head}regions = ${labels('regions')}\nphones = ${list('phones')}\nax.bar(regions, phones)\nax.set_title('Telephones by region, 1961 (thousands)')\n`;
    case 'vadeaths-grouped': return `${head}import numpy as np\ngroups = ${labels('groups')}\nrates = {\n${['50-54', '55-59', '60-64', '65-69', '70-74'].map((k) => `    '${k}': ${list(k)},`).join('\n')}\n}\nx = np.arange(len(groups))\nfor k, (age, vals) in enumerate(rates.items()):\n    ax.bar(x + (k - 2) * 0.16, vals, width=0.16, label=age)\nax.set_xticks(x)\nax.set_xticklabels(groups)\nax.legend()\nax.set_title('Death rates in Virginia (1940) per 1000')\n`;
    case 'us-expenditure-grouped': return `${head}import numpy as np\ncategories = ${labels('categories')}\ny1940 = ${list('y1940')}\ny1960 = ${list('y1960')}\nx = np.arange(2)\nfor i, cat in enumerate(categories):\n    ax.bar(x + (i - 2) * 0.16, [y1940[i], y1960[i]], width=0.16, label=cat)\nax.set_xticks(x)\nax.set_xticklabels(['1940', '1960'])\nax.legend()\nax.set_title('US personal expenditure (billions of dollars)')\n`;
    case 'airpassengers-yearly-line': return `${head}years = list(range(1949, 1961))\npassengers = ${list('passengers')}\nax.plot(years, passengers, marker='o')\nax.set_title('International airline passengers per year (thousands)')\n`;
    case 'eyecolor-pie': return `${head}eyes = ${labels('eyes')}\nstudents = ${list('students')}\nax.pie(students, labels=eyes)\nax.set_title('Eye colour of 592 students')\n`;
    case 'chickwts-bar-labels': return `${head}feeds = ${labels('feeds')}\nweight = ${list('weight')}\nax.bar(feeds, weight)\nax.set_title('Mean chick weight by feed (g)')\n`;
    case 'precip-top10-hbar': return `${head}cities = ${labels('cities')}\ninches = ${list('inches')}\nax.barh(cities[::-1], inches[::-1])\nax.set_title('Wettest US cities, annual precipitation (in)')\n`;
    case 'titanic-stacked': return `${head}classes = ${labels('classes')}\nsurvived_no = ${list('survived_no')}\nsurvived_yes = ${list('survived_yes')}\nax.bar(classes, survived_yes, label='Yes')\nax.bar(classes, survived_no, bottom=survived_yes, label='No')\nax.legend()\nax.set_title('Titanic passengers and crew by class')\n`;
    case 'worldphones-lines': return `${head}years = [1951, 1956, 1957, 1958, 1959, 1960, 1961]\nphones = {\n${['Asia', 'Europe', 'N.Amer'].map((k) => `    '${k}': ${list(k)},`).join('\n')}\n}\nfor region, values in phones.items():\n    ax.plot(years, values, marker='o', label=region)\nax.legend()\nax.set_title('Telephones (thousands)')\n`;
    case 'mtcars-scatter': return `${head}wt = ${list('wt')}\nmpg = ${list('mpg')}\nax.scatter(wt, mpg)\nax.set_title('Fuel economy vs weight')\n`;
    case 'nile-line': return `${head}years = list(range(1871, 1971))\nflow = ${list('flow')}\nax.plot(years, flow)\nax.set_title('Annual flow of the Nile at Aswan')\n`;
    case 'fivebars': return c;
    default: throw new Error(`no plain program for ${chart.id}`);
  }
}

/**
 * The same program with its plot area elsewhere: the axes rectangle moved by (dx, dy) and scaled by
 * (sx, sy), as figure fractions — the margins a model gets a little wrong. Programs that place
 * their axes with `fig.add_axes([l, b, w, h])` get new numbers; the others a `subplots_adjust`.
 */
export function relayout(code, { dx, dy, sx, sy }) {
  const m = /fig\.add_axes\(\[([^\]]+)\]\)/.exec(code);
  if (m) {
    const nums = m[1].split(',').map((t) => Number(eval(t.trim()))); // fractions such as 58 / 800
    const [l, b, w, h] = nums;
    const nl = l + dx, nb = b + dy, nw = w * sx, nh = h * sy;
    return code.replace(m[0], `fig.add_axes([${[nl, nb, nw, nh].map((v) => v.toFixed(4)).join(', ')}])`);
  }
  const s = /(fig, ax = plt\.subplots\([^\n]*\)\n)/.exec(code);
  if (!s) throw new Error('cannot relayout this program');
  // matplotlib's default axes: left .125, right .9, bottom .11, top .88
  const l = 0.125 + dx, b = 0.11 + dy, w = 0.775 * sx, h = 0.77 * sy;
  return code.replace(s[1], `${s[1]}fig.subplots_adjust(left=${l.toFixed(4)}, right=${(l + w).toFixed(4)}, bottom=${b.toFixed(4)}, top=${(b + h).toFixed(4)})\n`);
}

/** The same program with another page colour. */
export function recolourBackground(code, colour = '#f3eee2') {
  return `${code.trimEnd()}\nplt.gcf().patch.set_facecolor('${colour}')\n`;
}
