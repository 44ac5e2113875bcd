// Load: 50 derender runs in a row and 4 at once against the scripted model server, with the real
// python renderer. Checks that nothing leaks — worker threads, child processes, file handles,
// sockets — and that memory stays flat. Writes bench/results/load.json.
//   node bench/load.mjs [--runs 50] [--parallel 4]
// Needs the compiled tests/engine in out/ (npx tsc -p tsconfig.test.json).
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const RUNS = arg('--runs', 50);
const PAR = arg('--parallel', 4);

const { derender } = require(join(root, 'out/src/core/loop.js'));
const { createOpenAIModel } = require(join(root, 'out/src/core/model/openaiModel.js'));
const { createPythonRenderer } = require(join(root, 'out/src/core/render/pythonRenderer.js'));
const { startScriptedServer, byPurpose } = require(join(root, 'out/test/support/scriptedServer.js'));

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

const server = await startScriptedServer({
  script: byPurpose({
    generate: { texts: [fence(prog('insectsprays-rough.py')), fence(prog('insectsprays-wrong.py'))] },
    refine: { text: fence(prog('insectsprays-styled.py')) },
    answer: { text: "```python\nanswer = round(mean_count[sprays.index('F')], 2)\n```\n" },
  }),
});
const model = createOpenAIModel({ baseURL: server.url, model: 'scripted', apiKey: 'k', supportsN: true });
const renderer = createPythonRenderer({ pythonPath: '/usr/bin/python3' });
const once = async () => {
  const o = await derender({ image, question: 'What is the mean count for spray F?' }, { model, renderer }, { candidates: 2, rounds: 1, numericRefineBudget: 0 });
  if (!o.summary || o.summary.answer?.value !== '16.67') throw new Error('a run went wrong: ' + (o.error ?? o.summary?.answer?.value));
};

await once(); // warm up
global.gc?.();
const base = { fds: fds(), children: children(), rss: rssMb(), handles: process._getActiveHandles().length };
const samples = [];
const t0 = Date.now();
for (let i = 0; i < RUNS; i++) {
  await once();
  if (i % 10 === 9) { global.gc?.(); samples.push({ run: i + 1, rss: rssMb(), fds: fds(), children: children() }); }
}
const serialMs = Date.now() - t0;
const t1 = Date.now();
for (let k = 0; k < Math.ceil(20 / PAR); k++) await Promise.all(Array.from({ length: PAR }, once));
const parallelMs = Date.now() - t1;
global.gc?.();
await new Promise((r) => setTimeout(r, 500));
const end = { fds: fds(), children: children(), rss: rssMb(), handles: process._getActiveHandles().length };
await renderer.dispose();
await server.close();
await new Promise((r) => setTimeout(r, 300));
const afterDispose = { fds: fds(), children: children(), handles: process._getActiveHandles().length };

const result = {
  runs: RUNS,
  parallel: PAR,
  serialMedianMsPerRun: serialMs / RUNS,
  parallelMsPerRun: parallelMs / (Math.ceil(20 / PAR) * PAR),
  base,
  samples,
  end,
  afterDispose,
  rssGrowthMb: +(end.rss - base.rss).toFixed(1),
  rssGrowthRatio: +(end.rss / base.rss).toFixed(3),
  leakedFds: end.fds - base.fds,
  leakedChildren: end.children - base.children,
  childrenAfterDispose: afterDispose.children,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/load.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
const ok = result.leakedFds <= 2 && result.childrenAfterDispose === 0 && result.rssGrowthRatio < 1.5;
console.log(ok ? 'load: no leaks' : 'load: LEAK SUSPECTED');
process.exitCode = ok ? 0 : 1;
