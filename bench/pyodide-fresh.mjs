// Benchmark — what a fresh Pyodide interpreter per program costs (issue 17), against the old reuse
// of one warm interpreter, in one run on this machine.
//
//   npx tsc -p tsconfig.test.json && flock /tmp/recode-bench.lock node bench/pyodide-fresh.mjs [--runs N]
//
// Programs: a trivial one (`answer = 1`) and a pure-Python CPU workload (~50 ms in CPython), in
// script mode (no matplotlib inside Pyodide on these machines). Measured (medians of N, default 10):
//   - reuse (baseline): the old design — one warm interpreter with the harness installed runs job
//     after job (here in this process through the same session code the worker uses, so without
//     the worker's message hop, well under a millisecond);
//   - fresh, spare ready: the new renderer when its spare worker has finished loading (as between
//     two candidates that are not rendered back to back);
//   - fresh, back to back: N renders queued at once (a run's candidates): each waits for the
//     spare started when the previous one began — the wall time per render, and the wait for a
//     spare (back to back minus spare ready);
//   - the fresh cases: memory snapshot + wasm compiled once and shared (the default), snapshot with
//     each worker compiling its own wasm, and neither (a cold loadPyodide per worker);
//   - worker start-up: cold (loadPyodide) and restored from the snapshot.
// Writes bench/results/pyodide-fresh.json. Nothing is asserted: these machines are shared and noisy.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { emitPyText } from '../scripts/py-text.mjs';
emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out', 'src', 'core', 'render');
if (!existsSync(join(OUT, 'pyodideRenderer.js')) || !existsSync(join(OUT, 'pyodideWorker.js'))) {
  console.error('out/src/core/render is missing: run `npx tsc -p tsconfig.test.json` first');
  process.exit(1);
}
const require = createRequire(import.meta.url);
const { createPyodideRenderer } = require(join(OUT, 'pyodideRenderer.js'));
const session = require(join(OUT, 'pyodideSession.js'));
const { harnessJob, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PIXELS } = require(join(OUT, 'harness.js'));

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 10;

const CPU = `
def work():
    total = 0
    for i in range(150000):
        total += (i * i) % 7
    table = {}
    for i in range(30000):
        table["k%d" % i] = i * 0.5
    words = sorted(table, key=lambda k: -table[k])[:100]
    acc = 0.0
    for i in range(1, 60000):
        acc += 1.0 / (i * i)
    return total, len(words), round(acc, 6)
answer = work()
`;
const TRIVIAL = 'answer = 1';
const req = (code) => ({ code, mode: 'script', width: 600, height: 400, timeLimitMs: 120_000 });
const round = (x) => Math.round(x * 10) / 10;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), runs: xs.length });
const check = (r, what) => {
  if (!r.ok) throw new Error(`${what} failed: ${r.errorKind}: ${r.error}`);
  return r;
};

// --- baseline: one warm interpreter, reused ---
async function reuseBaseline() {
  const indexDir = join(ROOT, 'node_modules', 'pyodide') + '/';
  const { loadPyodide } = await import(pathToFileURL(join(indexDir, 'pyodide.mjs')).href);
  const out = new session.OutputSink(1_000_000);
  const coreLock = JSON.parse(readFileSync(join(indexDir, 'pyodide-lock.json'), 'utf8'));
  const t0 = performance.now();
  const pyodide = await loadPyodide({ indexURL: indexDir, ...session.pyodideLoadOptions({ out, emptyLockInfo: coreLock.info, packageBaseUrl: join(indexDir, 'no-packages') + '/' }) });
  const s = session.installHarness(pyodide, { missingHint: '', out, reuse: true });
  const coldMs = performance.now() - t0;
  const job = (code) => harnessJob(req(code), { maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES, maxPixels: DEFAULT_MAX_PIXELS });
  const trivial = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const a = session.runJob(s, job(TRIVIAL), out);
    trivial.push(performance.now() - t);
    if (!a.ok) throw new Error(`reuse trivial: ${a.error}`);
    t = performance.now();
    const b = session.runJob(s, job(CPU), out);
    cpu.push(performance.now() - t);
    if (!b.ok) throw new Error(`reuse cpu: ${b.error}`);
  }
  return { cold_load_and_install_ms: round(coldMs), trivial_ms: stats(trivial), cpu_ms: stats(cpu) };
}

async function fresh(memorySnapshot, shareCompiledWasm = true) {
  const r = createPyodideRenderer({ memorySnapshot, shareCompiledWasm });
  const first = await r.warmup();
  check(await r.render(req(TRIVIAL)), 'first render');
  const restored = await r.warmup(); // the second worker: from the snapshot when there is one
  const spareReady = { trivial: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, code] of [['trivial', TRIVIAL], ['cpu', CPU]]) {
      await r.warmup(); // the spare has finished loading
      const t = performance.now();
      check(await r.render(req(code)), `fresh ${name}`);
      spareReady[name].push(performance.now() - t);
    }
  }
  // back to back: a run's candidates, queued at once; time per render = gap between completions
  const backToBack = {};
  for (const [name, code] of [['trivial', TRIVIAL], ['cpu', CPU]]) {
    await r.warmup();
    const t0 = performance.now();
    const done = [];
    await Promise.all(Array.from({ length: runs }, () => r.render(req(code)).then((res) => (check(res, `b2b ${name}`), done.push(performance.now())))));
    done.sort((a, b) => a - b);
    const gaps = done.map((t, i) => t - (i === 0 ? t0 : done[i - 1]));
    backToBack[name] = { per_render_ms: stats(gaps), total_ms: round(performance.now() - t0) };
  }
  const started = r.workersStarted;
  await r.dispose();
  return {
    memory_snapshot: memorySnapshot,
    share_compiled_wasm: shareCompiledWasm,
    later_workers_shared_wasm: restored.sharedWasm,
    first_worker_init_ms: first.initMs,
    second_worker_init_ms: restored.initMs,
    second_worker_from_snapshot: restored.fromSnapshot,
    spare_ready: { trivial_ms: stats(spareReady.trivial), cpu_ms: stats(spareReady.cpu) },
    back_to_back: backToBack,
    wait_for_spare_ms: {
      trivial: round(backToBack.trivial.per_render_ms.median - median(spareReady.trivial)),
      cpu: round(backToBack.cpu.per_render_ms.median - median(spareReady.cpu)),
    },
    workers_started: started,
  };
}

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg_at_start: loadavg().map(round), node: process.version },
  runs,
};
const withSnapshot = await fresh(true);
const reuse = await reuseBaseline();
const snapshotOwnWasm = await fresh(true, false);
const cold = await fresh(false, false);
result.reuse = reuse;
result.fresh_snapshot = withSnapshot;
result.fresh_snapshot_own_wasm = snapshotOwnWasm;
result.fresh_cold = cold;
const r2 = (x) => Math.round(x * 100) / 100;
result.ratios_vs_reuse = {
  snapshot_spare_ready_trivial: r2(withSnapshot.spare_ready.trivial_ms.median / reuse.trivial_ms.median),
  snapshot_spare_ready_cpu: r2(withSnapshot.spare_ready.cpu_ms.median / reuse.cpu_ms.median),
  snapshot_back_to_back_cpu: r2(withSnapshot.back_to_back.cpu.per_render_ms.median / reuse.cpu_ms.median),
  snapshot_own_wasm_spare_ready_cpu: r2(snapshotOwnWasm.spare_ready.cpu_ms.median / reuse.cpu_ms.median),
  snapshot_own_wasm_back_to_back_cpu: r2(snapshotOwnWasm.back_to_back.cpu.per_render_ms.median / reuse.cpu_ms.median),
  cold_back_to_back_cpu: r2(cold.back_to_back.cpu.per_render_ms.median / reuse.cpu_ms.median),
};
result.machine.loadavg_at_end = loadavg().map(round);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'pyodide-fresh.json'), JSON.stringify(result, null, 2) + '\n');
const line = (name, f) =>
  `${name}: spare ready trivial ${f.spare_ready.trivial_ms.median} ms, cpu ${f.spare_ready.cpu_ms.median} ms; back to back trivial ${f.back_to_back.trivial.per_render_ms.median} ms, cpu ${f.back_to_back.cpu.per_render_ms.median} ms per render (wait for a spare ${f.wait_for_spare_ms.trivial} / ${f.wait_for_spare_ms.cpu} ms); worker init ${f.first_worker_init_ms} → ${f.second_worker_init_ms} ms`;
console.log(
  [
    `reuse (old): trivial ${reuse.trivial_ms.median} ms, cpu ${reuse.cpu_ms.median} ms per job`,
    line('fresh + snapshot + shared wasm', withSnapshot),
    line('fresh + snapshot, own wasm', snapshotOwnWasm),
    line('fresh, cold', cold),
    `ratios vs reuse: ${JSON.stringify(result.ratios_vs_reuse)}`,
    `load average ${result.machine.loadavg_at_start.join(' ')} → ${result.machine.loadavg_at_end.join(' ')}`,
    'wrote bench/results/pyodide-fresh.json',
  ].join('\n'),
);
process.exit(0);
