// Benchmark — render latency of the two renderers, cold and warm, and peak memory.
//
//   npx tsc -p tsconfig.test.json && node bench/render.mjs [--runs N] [--quick]
//
// Runs against the tsc output (out/src/core/render/*.js), like the other benchmarks; the worker
// file is out/src/core/render/pyodideWorker.js and Pyodide's core comes from node_modules/pyodide.
// Measures, in one run on this machine:
//   - python renderer (local CPython + matplotlib): fivebars.py at 600×400 — cold (a new renderer:
//     finding python, detecting the sandbox, starting a process), warm (the spare process is
//     ready, as between two candidates of a run; median of N, default 12) and back to back (no
//     spare ready yet: one process start per render);
//   - both renderers: a pure-Python CPU workload in script mode (matplotlib is not available inside
//     Pyodide on machines without a CDN), cold and warm (median of N), and the ratio
//     Pyodide / CPython of the warm medians. Target (issue 2): Pyodide warm within 2.5x of native
//     CPython in the same run;
//   - peak RSS of this Node process (including the Pyodide worker thread) and of the largest
//     Python child process (sampled every 10 ms).
//   - the fork server (issue 16, bench/lib/forkserver.mjs): per render vs the in-process floor and
//     the fresh-process path, a 60-render refinement, throughput with 1 and 2 children, memory
//     (`--fork-server-only`: just this, into bench/results/render-fork-server.json).
// Writes bench/results/render.json. Nothing is asserted: these machines are shared and noisy.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { emitPyText } from '../scripts/py-text.mjs';
import { forkServerBench } from './lib/forkserver.mjs';
emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out', 'src', 'core', 'render');
if (!existsSync(join(OUT, 'index.js')) || !existsSync(join(OUT, 'pyodideWorker.js'))) {
  console.error('out/src/core/render is missing: run `npx tsc -p tsconfig.test.json` first');
  process.exit(1);
}
const require = createRequire(import.meta.url);
const { createPythonRenderer, createPyodideRenderer, findPython } = require(join(OUT, 'index.js'));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : quick ? 10 : 12;

const FIVEBARS = readFileSync(join(ROOT, 'test', 'fixtures', 'charts', 'fivebars.py'), 'utf8');
// Pure Python: loops, integer arithmetic, dicts, strings, sorting, floats — like the data munging
// of an answer computation, ~50 ms in CPython.
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
import time
_t0 = time.perf_counter()
answer = work()
print("exec_ms %.3f" % ((time.perf_counter() - _t0) * 1000))
`;
const execMs = (r) => Number(/exec_ms ([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);

const req = (code, mode = 'script') => ({ code, mode, width: 600, height: 400, timeLimitMs: 60_000 });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const stats = (xs) => ({ median: round(median(xs)), p10: round(pct(xs, 10)), p90: round(pct(xs, 90)), runs: xs.map(round) });
const round = (x) => Math.round(x * 10) / 10;

// --- peak RSS of Python children (sampled) ---
let childPeakKb = 0;
function descendants(root) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const stack = [root];
  while (stack.length) for (const k of kids.get(stack.pop()) ?? []) out.push(k), stack.push(k);
  return out;
}
const sampler = setInterval(() => {
  if (process.platform !== 'linux') return;
  for (const pid of descendants(process.pid)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) childPeakKb = Math.max(childPeakKb, Number(m[1]));
    } catch {
      /* gone */
    }
  }
}, 10);
sampler.unref();

async function timed(fn) {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

function check(r, what) {
  if (!r.ok) throw new Error(`${what} failed: ${r.errorKind}: ${r.error}`);
  return r;
}

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map(round), node: process.version },
  runs,
};

// --- the fork server (issue 16): per render against the floor and the fresh-process path, a
// 60-render refinement, throughput with 1 and 2 children, memory. --fork-server-only: just this.
if (!args.includes('--skip-fork-server')) {
  const pf = await findPython();
  if (!pf) throw new Error('no python with matplotlib: apt-get install python3-matplotlib');
  result.fork_server = await forkServerBench({ createPythonRenderer, pythonPath: pf.path, runs });
  const f = result.fork_server;
  console.log(
    `fork server: ${f.per_render_ms.fork_server.median} ms per render (floor ${f.per_render_ms.floor.median} ms, ${f.fork_server_over_floor}x; ` +
      `fresh process ${f.per_render_ms.fresh_process.median} ms); 60-render refinement ${f.refinement_60_renders.fork_server.seconds} s ` +
      `(fresh ${f.refinement_60_renders.fresh_process.seconds} s); ${f.throughput.children_1.renders_per_s} vs ${f.throughput.children_2.renders_per_s} renders/s with 1 vs 2 children; ` +
      `zygote ${f.memory_mb.zygote_rss} MB RSS, child peak ${f.memory_mb.child_peak_private} MB private`,
  );
  if (args.includes('--fork-server-only')) {
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'render-fork-server.json'), JSON.stringify(result, null, 2) + '\n');
    console.log('wrote bench/results/render-fork-server.json');
    process.exit(0);
  }
}

// --- both renderers ---
const found = await findPython();
if (!found) throw new Error('no python with matplotlib: apt-get install python3-matplotlib');
const [pyColdMs, pyFirst] = await timed(async () => {
  const r = createPythonRenderer({ pythonPath: found.path });
  const res = await r.render(req(FIVEBARS, 'figure'));
  return { r, res };
});
check(pyFirst.res, 'python cold render');
const py = pyFirst.r;
const [pyoColdMs, pyoFirst] = await timed(async () => {
  const r = createPyodideRenderer({});
  const res = await r.render(req(CPU));
  return { r, res };
});
check(pyoFirst.res, 'pyodide cold render');
const pyo = pyoFirst.r;
const info = await pyo.warmup();

// warm renders, the two renderers interleaved so that both see the same machine load
const pyFivebars = [];
const pyCpu = [];
const pyCpuExec = [];
const pyTrivial = [];
const pyoCpu = [];
const pyoCpuExec = [];
const pyoTrivial = [];
for (let i = 0; i < runs; i++) {
  await py.warmup(); // the spare is ready: a render now is what a candidate costs in a run
  let [ms, res] = await timed(() => py.render(req(FIVEBARS, 'figure')));
  pyFivebars.push(ms);
  check(res, 'python warm render');
  await py.warmup();
  [ms, res] = await timed(() => py.render(req(CPU)));
  check(res, 'python CPU workload');
  pyCpu.push(ms);
  pyCpuExec.push(execMs(res));
  [ms, res] = await timed(() => pyo.render(req(CPU)));
  check(res, 'pyodide CPU workload');
  pyoCpu.push(ms);
  pyoCpuExec.push(execMs(res));
  await py.warmup();
  [ms, res] = await timed(() => py.render(req('answer = 1')));
  check(res, 'python trivial program');
  pyTrivial.push(ms);
  [ms, res] = await timed(() => pyo.render(req('answer = 1')));
  check(res, 'pyodide trivial program');
  pyoTrivial.push(ms);
}
// back to back: the next render starts before a spare is ready (a process start per render)
const backToBack = [];
await py.warmup();
check(await py.render(req('answer = 1')), 'python trivial program');
for (let i = 0; i < Math.min(5, runs); i++) {
  const [ms, res] = await timed(() => py.render(req(FIVEBARS, 'figure')));
  check(res, 'python back-to-back render');
  backToBack.push(ms);
}
const fig = await pyo.render(req(FIVEBARS, 'figure'));
result.python = {
  python: found.path,
  matplotlib: found.matplotlib,
  sandbox: py.sandbox,
  fivebars: { cold_ms: round(pyColdMs), warm_ms: stats(pyFivebars), back_to_back_ms: stats(backToBack) },
  cpu: { warm_ms: stats(pyCpu), exec_ms: stats(pyCpuExec) },
  trivial_program: { warm_ms: stats(pyTrivial) },
  processes_started: py.processesStarted,
};
result.pyodide = {
  python: info.python,
  matplotlib: info.matplotlib,
  sandbox: pyo.sandbox,
  worker_init_ms: info.initMs,
  cpu: { cold_ms: round(pyoColdMs), warm_ms: stats(pyoCpu), exec_ms: stats(pyoCpuExec) },
  trivial_program: { warm_ms: stats(pyoTrivial) },
  fivebars: fig.ok ? { warm_ms: fig.durationMs } : { unavailable: `${fig.errorKind}: ${fig.error?.slice(0, 120)}` },
};
await py.dispose();
await pyo.dispose();

// The isolation's cost per render (issue 17): bubblewrap + seccomp (the default) against the old
// util-linux unshare sandbox, interleaved in one run. 'warm': the spare process is ready (its
// sandbox start overlaps the previous program); 'cold start': a new renderer per render (the
// sandbox check is cached per process, so this is one sandbox + python start, matplotlib import
// and the render). fivebars.py at 600×400, medians.
{
  const iso = {};
  const make = (isolation, spareStart) => createPythonRenderer({ pythonPath: found.path, isolation, spareStart });
  const kinds = ['bwrap', 'namespaces'];
  const warmR = Object.fromEntries(kinds.map((k) => [k, make(k, 'now')]));

  const warm = Object.fromEntries(kinds.map((k) => [k, []]));
  const cold = Object.fromEntries(kinds.map((k) => [k, []]));
  for (const k of kinds) await warmR[k].warmup();
  for (let i = 0; i < runs; i++) {
    for (const k of kinds) {
      await warmR[k].warmup();
      let [ms, res] = await timed(() => warmR[k].render(req(FIVEBARS, 'figure')));
      check(res, `${k} warm render`);
      warm[k].push(ms);
      const fresh = make(k, 'after');
      [ms, res] = await timed(() => fresh.render(req(FIVEBARS, 'figure')));
      check(res, `${k} cold-start render`);
      cold[k].push(ms);
      await fresh.dispose();
    }
  }
  for (const k of kinds) {
    iso[k] = { sandbox: warmR[k].sandbox.slice(0, 120), warm_ms: stats(warm[k]), cold_start_ms: stats(cold[k]) };
    await warmR[k].dispose();
  }
  iso.bwrap_minus_unshare_ms = {
    warm: round(iso.bwrap.warm_ms.median - iso.namespaces.warm_ms.median),
    cold_start: round(iso.bwrap.cold_start_ms.median - iso.namespaces.cold_start_ms.median),
  };
  iso.bwrap_over_unshare = {
    warm: Math.round((iso.bwrap.warm_ms.median / iso.namespaces.warm_ms.median) * 100) / 100,
    cold_start: Math.round((iso.bwrap.cold_start_ms.median / iso.namespaces.cold_start_ms.median) * 100) / 100,
  };
  result.isolation = iso;
  console.log(
    `isolation: warm fivebars median bwrap ${iso.bwrap.warm_ms.median} ms vs unshare ${iso.namespaces.warm_ms.median} ms; ` +
      `cold start bwrap ${iso.bwrap.cold_start_ms.median} ms vs unshare ${iso.namespaces.cold_start_ms.median} ms`,
  );
}

const r2 = (x) => Math.round(x * 100) / 100;
const ratio = result.pyodide.cpu.warm_ms.median / result.python.cpu.warm_ms.median;
result.pyodide_over_cpython_warm_cpu = r2(ratio);
result.pyodide_over_cpython_exec_only = r2(result.pyodide.cpu.exec_ms.median / result.python.cpu.exec_ms.median);
// the same, as the median of the ratios of each interleaved pair (robust to load that drifts)
result.pyodide_over_cpython_pairs = r2(median(pyoCpu.map((x, i) => x / pyCpu[i])));
result.target = { max_ratio: 2.5, met: ratio <= 2.5 };
result.peak_rss_mb = {
  node_process_incl_pyodide_worker: round(process.resourceUsage().maxRSS / 1024),
  largest_python_child: round(childPeakKb / 1024),
};

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'render.json'), JSON.stringify(result, null, 2) + '\n');
console.log(
  [
    `python  fivebars cold ${result.python.fivebars.cold_ms} ms, warm median ${result.python.fivebars.warm_ms.median} ms (${runs} runs), back to back ${result.python.fivebars.back_to_back_ms.median} ms`,
    `python  CPU workload warm median ${result.python.cpu.warm_ms.median} ms (program alone ${result.python.cpu.exec_ms.median} ms); trivial program ${result.python.trivial_program.warm_ms.median} ms`,
    `pyodide CPU workload cold ${result.pyodide.cpu.cold_ms} ms, warm median ${result.pyodide.cpu.warm_ms.median} ms (program alone ${result.pyodide.cpu.exec_ms.median} ms); trivial program ${result.pyodide.trivial_program.warm_ms.median} ms`,
    `pyodide / CPython (warm render, CPU workload): ${result.pyodide_over_cpython_warm_cpu}x (target ≤ 2.5x: ${result.target.met ? 'met' : 'NOT met'}); median of pair ratios ${result.pyodide_over_cpython_pairs}x; program alone ${result.pyodide_over_cpython_exec_only}x`,
    `peak RSS: node+worker ${result.peak_rss_mb.node_process_incl_pyodide_worker} MB, python child ${result.peak_rss_mb.largest_python_child} MB`,
    `load average at start: ${result.machine.loadavg.join(' ')}`,
    'wrote bench/results/render.json',
  ].join('\n'),
);
process.exit(0);
