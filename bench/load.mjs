// Load: 50 derender runs in a row and 4 at once against the scripted model server, with the real
// python renderer (the server in a process of its own). Checks that nothing leaks — worker threads, child processes, file handles,
// sockets — and that memory stays flat. Writes bench/results/load.json.
//   node --expose-gc bench/load.mjs [--runs 50] [--parallel 4]
// "Flat" is judged after warm-up: the heap after a GC and the RSS at the last sample against the
// first sample (run 10), so one-time costs (JIT, caches, the first spare process) do not count.
// Needs the compiled tests/engine in out/ (npx tsc -p tsconfig.test.json).
import { readFileSync, readdirSync, mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { emitPyText } from '../scripts/py-text.mjs';
emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const RUNS = arg('--runs', 50);
const PAR = arg('--parallel', 4);

const { derender } = require(join(root, 'out/src/core/loop.js'));
const { createOpenAIModel } = require(join(root, 'out/src/core/model/openaiModel.js'));
const { createPythonRenderer } = require(join(root, 'out/src/core/render/pythonRenderer.js'));

const prog = (n) => readFileSync(join(root, 'test/fixtures/programs', n), 'utf8');
const fence = (c) => '```python\n' + c + '```\n';
const image = new Uint8Array(readFileSync(join(root, 'test/fixtures/charts/insectsprays-bar.png')));

const fds = () => readdirSync('/proc/self/fd').length;
const children = () => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)]).toString().trim().split('\n').filter(Boolean).length - 1; // minus ps itself
  } catch {
    return 0;
  }
};
const rssMb = () => process.memoryUsage().rss / 1048576;
const heapMb = () => process.memoryUsage().heapUsed / 1048576;
const buffersMb = () => process.memoryUsage().arrayBuffers / 1048576;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

// The scripted server runs in its own process: it keeps every request it gets (images included),
// which must not count as the engine's memory.
const scriptDir = mkdtempSync(join(tmpdir(), 'recode-load-'));
writeFileSync(join(scriptDir, 'script.json'), JSON.stringify({
  byPurpose: {
    generate: { texts: [fence(prog('insectsprays-rough.py')), fence(prog('insectsprays-wrong.py'))] },
    refine: { text: fence(prog('insectsprays-styled.py')) },
    answer: { text: "```python\nanswer = round(mean_count[sprays.index('F')], 2)\n```\n" },
  },
}));
const serverProcess = spawn(process.execPath, [join(root, 'out/test/support/scriptedServerMain.js'), join(scriptDir, 'script.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
const server = {
  url: await new Promise((resolve, reject) => {
    let buf = '';
    serverProcess.stdout.on('data', (c) => {
      buf += c;
      const m = /^LISTENING (\S+)$/m.exec(buf);
      if (m) resolve(m[1]);
    });
    serverProcess.on('exit', (code) => reject(new Error(`the scripted server exited (${code})`)));
  }),
  close: () => new Promise((resolve) => {
    serverProcess.on('exit', resolve);
    serverProcess.kill('SIGTERM');
  }),
};
const model = createOpenAIModel({ baseURL: server.url, model: 'scripted', apiKey: 'k', supportsN: true });
const renderer = createPythonRenderer({ pythonPath: '/usr/bin/python3' });
const once = async () => {
  const o = await derender({ image, question: 'What is the mean count for spray F?' }, { model, renderer }, { candidates: 2, rounds: 1, numericRefineBudget: 0 });
  if (!o.summary || o.summary.answer?.value !== '16.67') throw new Error('a run went wrong: ' + (o.error ?? o.summary?.answer?.value));
};

await once(); // warm up
global.gc?.();
const base = { fds: fds(), children: children(), rss: rssMb(), heap: heapMb(), handles: process._getActiveHandles().length };
const samples = [];
const runMs = [];
for (let i = 0; i < RUNS; i++) {
  const t = Date.now();
  await once();
  runMs.push(Date.now() - t);
  if (i % 10 === 9 || i === RUNS - 1) { global.gc?.(); samples.push({ run: i + 1, rss: +rssMb().toFixed(1), heap: +heapMb().toFixed(1), buffers: +buffersMb().toFixed(1), fds: fds(), children: children() }); }
  if (i % 10 === 9) console.log(`run ${i + 1}/${RUNS}: rss ${rssMb().toFixed(0)} MB, heap ${heapMb().toFixed(0)} MB, fds ${fds()}, children ${children()}`);
}
const t1 = Date.now();
for (let k = 0; k < Math.ceil(20 / PAR); k++) await Promise.all(Array.from({ length: PAR }, once));
const parallelMs = Date.now() - t1;
global.gc?.();
await new Promise((r) => setTimeout(r, 500));
const end = { fds: fds(), children: children(), rss: rssMb(), heap: heapMb(), buffers: buffersMb(), handles: process._getActiveHandles().length };
await renderer.dispose();
await server.close();
await new Promise((r) => setTimeout(r, 300));
const afterDispose = { fds: fds(), children: children(), handles: process._getActiveHandles().length };

const result = {
  runs: RUNS,
  parallel: PAR,
  gcExposed: typeof global.gc === 'function',
  serialMedianMsPerRun: median(runMs),
  parallelMsPerRun: parallelMs / (Math.ceil(20 / PAR) * PAR),
  base,
  samples,
  end,
  afterDispose,
  // after warm-up: the JS heap and the buffers after a GC at the end against the first sample
  // (run 10). RSS is reported but not judged across the 4-at-once phase: four runs at once need
  // more memory at their peak, and the allocator keeps pages it got back.
  heapAfterWarmupRatio: samples.length ? +(end.heap / samples[0].heap).toFixed(3) : undefined,
  buffersAfterWarmupMb: samples.length ? +(end.buffers - samples[0].buffers).toFixed(1) : undefined,
  rssSerialRatio: samples.length ? +(samples[samples.length - 1].rss / samples[0].rss).toFixed(3) : undefined,
  rssEndAfterParallelRatio: samples.length ? +(end.rss / samples[0].rss).toFixed(3) : undefined,
  leakedFds: end.fds - base.fds,
  leakedChildren: end.children - base.children,
  childrenAfterDispose: afterDispose.children,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/load.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
const ok = result.leakedFds <= 2 && result.leakedChildren <= 0 && result.childrenAfterDispose === 0 && (result.heapAfterWarmupRatio ?? 1) < 1.2 && (result.buffersAfterWarmupMb ?? 0) < 8 && (result.rssSerialRatio ?? 1) < 1.3;
console.log(ok ? 'load: no leaks' : 'load: LEAK SUSPECTED');
process.exitCode = ok ? 0 : 1;
