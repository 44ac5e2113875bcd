// Benchmark — fence parsing on hostile replies (issue 18, item 1): the time `extractProgram` takes
// on floods of backticks (100 KB, 1 MB, 5 MB, as one line and as fence lines), against the pattern
// it used before (a backtracking regex, quadratic on a run of backticks), in the same run. Medians.
// The old pattern is only run where it ends in reasonable time (it takes hours on 5 MB); above
// that its time is projected from its growth measured on 10 KB and 30 KB (a power law), and marked so.
//
//   npx tsc -p tsconfig.test.json && node bench/fences.mjs [--quick]
// Writes bench/results/fences.json.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from './lib/programs.mjs';
import { median } from './lib/engine.mjs';

const require = createRequire(import.meta.url);
const { extractProgram } = require(join(ROOT, 'out', 'src', 'core', 'program.js'));
const quick = process.argv.includes('--quick');

// the pattern on main before issue 18 (src/core/program.ts), with the loop that used it
const OLD_FENCE = /```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
function oldBlocks(reply) {
  const text = reply.replace(/\r\n/g, '\n');
  const blocks = [];
  for (const m of text.matchAll(OLD_FENCE)) blocks.push({ lang: m[1].toLowerCase(), code: m[2].trim() });
  return blocks.length;
}

function time(fn, runs) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    try {
      fn();
    } catch {
      // a refusal is an answer too
    }
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const floods = {
  'one line of backticks': (n) => '`'.repeat(n),
  'backticks with newlines every 80': (n) => ('`'.repeat(79) + '\n').repeat(Math.ceil(n / 80)).slice(0, n),
  'fence lines (```\\n)': (n) => '```\n'.repeat(Math.ceil(n / 4)).slice(0, n),
};
const sizes = [100_000, 1_000_000, 5_000_000];
// the old pattern only up to here (100 KB takes ~10 s on these machines)
const OLD_MAX = quick ? 10_000 : 100_000;
const OLD_SMALL = [10_000, 30_000];
// above OLD_MAX the old pattern is still run where its projection stays under this
const OLD_BUDGET_MS = 20_000;

const rows = [];
for (const [kind, make] of Object.entries(floods)) {
  // the old pattern's growth, measured on small floods
  const oldSmall = OLD_SMALL.map((n) => ({ n, ms: time(() => oldBlocks(make(n)), quick ? 1 : 3) }));
  const exponent = Math.log(oldSmall[1].ms / oldSmall[0].ms) / Math.log(OLD_SMALL[1] / OLD_SMALL[0]);
  for (const n of sizes) {
    const text = make(n);
    const newMs = time(() => extractProgram(text), quick ? 3 : 7);
    let oldMs;
    let oldMeasured = false;
    const projected = oldSmall[1].ms * (n / OLD_SMALL[1]) ** Math.max(1, exponent);
    if (n <= OLD_MAX || projected < OLD_BUDGET_MS) {
      oldMs = time(() => oldBlocks(text), n <= OLD_MAX ? 1 : 3);
      oldMeasured = true;
    } else {
      oldMs = projected;
    }
    const row = { kind, bytes: n, newMedianMs: round(newMs), oldMs: round(oldMs), oldMeasured, ratioOldToNew: round(oldMs / Math.max(newMs, 0.01)) };
    rows.push(row);
    console.log(`${kind.padEnd(34)} ${String(n).padStart(8)} B: scanner ${row.newMedianMs} ms (median), old pattern ${row.oldMs} ms${oldMeasured ? '' : ' (projected)'} — ×${row.ratioOldToNew}`);
  }
  rows.push({ kind, oldGrowthExponent: round(exponent), oldSmall });
}

function round(v) {
  return Math.round(v * 100) / 100;
}

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'fences.json'), JSON.stringify({ date: new Date().toISOString(), quick, node: process.version, rows }, null, 2) + '\n');
console.log('wrote bench/results/fences.json');
