// The fork server's figures for bench/render.mjs (issue 16), all in one run on this machine:
//   - per render (a fixture chart at 800×600, interleaved, medians): the fork server; the physical
//     floor (a warm, unsandboxed matplotlib process rendering in-process: bench/lib/pyrender.mjs);
//     and the fresh-process path (forkServer: false: a new sandboxed process per program; with its
//     spare process ready, interleaved, and back to back as numeric refinement calls it);
//   - a 60-render numeric refinement of the same chart end to end through the product path
//     (refineNumbers + the pixel critic + the renderer), fork server vs fresh processes;
//   - throughput with 1 and 2 children at once (renders per second, 16 renders queued at once);
//   - the zygote's RSS (after its warm-up) and the peak private memory of one child
//     (/proc/PID/smaps_rollup: the pages a child copies, not those it shares with the zygote).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBenchRenderer } from './pyrender.mjs';
import { loadCharts, perturb, rng } from './programs.mjs';
import { loadEngine } from './engine.mjs';

const round = (x) => Math.round(x * 10) / 10;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length });

function childrenOf(root) {
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
  const stack = [[root, 0]];
  while (stack.length) {
    const [p, depth] = stack.pop();
    for (const k of kids.get(p) ?? []) out.push([k, depth + 1]), stack.push([k, depth + 1]);
  }
  return out;
}
const kb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);

export async function forkServerBench({ createPythonRenderer, pythonPath, runs }) {
  const { critic, numeric, image } = loadEngine();
  const chart = loadCharts().find((c) => c.id === 'fivebars') ?? loadCharts()[0];
  const W = 800;
  const H = 600;
  const req = (code) => ({ code, mode: 'figure', width: W, height: H, timeLimitMs: 60_000 });
  const timed = async (r, code) => {
    const t = performance.now();
    const res = await r.render(req(code));
    if (!res.ok) throw new Error(`render failed: ${res.errorKind}: ${res.error}`);
    return performance.now() - t;
  };

  const fork = createPythonRenderer({ pythonPath });
  const fresh = createPythonRenderer({ pythonPath, forkServer: false });
  const floor = createBenchRenderer(pythonPath);
  await fork.warmup();
  if (fork.mode !== 'fork-server') throw new Error(`the fork server is not available here: ${fork.sandbox}`);
  await fresh.warmup();
  for (const r of [fork, fresh, floor]) await timed(r, chart.code); // first renders out of the figures

  // the zygote's memory after warm-up, and a sampler for the children's private pages
  const zpid = fork.forkServerPid;
  const zygoteProc = () => childrenOf(zpid).find(([, depth]) => depth === 2)?.[0]; // bwrap → bwrap (pid 1) → python
  const zp = zygoteProc();
  const zStatus = zp ? readFileSync(`/proc/${zp}/status`, 'utf8') : '';
  let childPeakPrivateKb = 0;
  let childPeakRssKb = 0;
  const sampler = setInterval(() => {
    for (const [pid, depth] of childrenOf(zpid)) {
      if (depth < 4) continue; // the job's child C (3) only waits; G (4) runs the program
      try {
        const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        childPeakPrivateKb = Math.max(childPeakPrivateKb, kb(roll, 'Private_Clean') + kb(roll, 'Private_Dirty'));
        childPeakRssKb = Math.max(childPeakRssKb, kb(roll, 'Rss'));
      } catch {
        /* gone */
      }
    }
  }, 5);

  const per = { fork_server: [], floor: [], fresh_process: [] };
  for (let i = 0; i < runs; i++) {
    per.fork_server.push(await timed(fork, chart.code));
    per.floor.push(await timed(floor, chart.code));
    per.fresh_process.push(await timed(fresh, chart.code));
  }
  clearInterval(sampler);
  // back to back, as a refinement calls it: the fresh path's next process starts with each render
  per.fresh_process_back_to_back = [];
  for (let i = 0; i < Math.min(runs, 8); i++) per.fresh_process_back_to_back.push(await timed(fresh, chart.code));

  // a 60-render refinement of the chart, end to end (the renders + the critic), both paths
  const original = critic.prepareOriginal(image.decodeImage(chart.png));
  const startCode = perturb(chart, chart.code, { share: 0.3, minShare: 0.1, random: rng(4242) });
  const refine = async (r) => {
    const renderImage = async (code) => {
      const res = await r.render({ code, mode: 'figure', width: chart.width, height: chart.height, timeLimitMs: 60_000 });
      return res.ok && res.png ? image.decodeImage(res.png) : undefined;
    };
    const evaluate = async (code) => {
      const img = await renderImage(code);
      return img ? critic.scorePair(original, img).score : undefined;
    };
    const t = performance.now();
    const startScore = await evaluate(startCode);
    const res = await numeric.refineNumbers({ program: startCode, startScore, budget: 59, evaluate, renderImage, original });
    return { seconds: round((performance.now() - t) / 1000), renders: res.rendersUsed + 1, startScore: round(startScore * 1000) / 1000, endScore: round(res.score * 1000) / 1000 };
  };
  const refinement = { fork_server: await refine(fork), fresh_process: await refine(fresh) };

  // throughput: 16 renders queued at once, 1 and 2 children at a time
  const throughput = {};
  for (const n of [1, 2]) {
    const r = createPythonRenderer({ pythonPath, maxConcurrent: n });
    await r.warmup();
    await timed(r, chart.code);
    const t = performance.now();
    await Promise.all(Array.from({ length: 16 }, () => timed(r, chart.code)));
    throughput[`children_${n}`] = { renders: 16, seconds: round((performance.now() - t) / 1000), renders_per_s: round(16 / ((performance.now() - t) / 1000)) };
    await r.dispose();
  }
  throughput.speedup_2_over_1 = Math.round((throughput.children_2.renders_per_s / throughput.children_1.renders_per_s) * 100) / 100;

  await fork.dispose();
  await fresh.dispose();
  await floor.dispose();
  const m = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, stats(v)]));
  return {
    chart: `${chart.id} at ${W}×${H}`,
    per_render_ms: m,
    fork_server_over_floor: Math.round((m.fork_server.median / m.floor.median) * 100) / 100,
    fresh_over_fork_server: Math.round((m.fresh_process.median / m.fork_server.median) * 100) / 100,
    fresh_back_to_back_over_fork_server: Math.round((m.fresh_process_back_to_back.median / m.fork_server.median) * 100) / 100,
    refinement_60_renders: refinement,
    throughput,
    memory_mb: {
      zygote_rss: round(kb(zStatus, 'VmRSS') / 1024),
      child_peak_private: round(childPeakPrivateKb / 1024),
      child_peak_rss_incl_shared: round(childPeakRssKb / 1024),
    },
    targets: {
      within_1_5x_of_floor: m.fork_server.median <= 1.5 * m.floor.median,
      refinement_60_under_8_s: refinement.fork_server.seconds < 8,
    },
  };
}
