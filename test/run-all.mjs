// The test command: builds, runs the unit / render / model / webview tests with node's test runner,
// then the end-to-end suites in a real VS Code when the rig is set up (always in CI), and prints
// `N passed, N failed` as the last line. Exit code 1 on any failure.
//   node test/run-all.mjs [--unit-only] [--e2e-only] [FILTER...]   (FILTER: substrings of test file names)
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit-only');
const e2eOnly = args.includes('--e2e-only');
const filters = args.filter((a) => !a.startsWith('--'));
let passed = 0;
let failed = 0;

function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

function step(name, cmd, cmdArgs) {
  console.log(`\n== ${name}: ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`${name} failed (exit ${r.status ?? r.signal})`);
    failed++;
    finish();
  }
}

step('build', process.execPath, ['esbuild.mjs']);
step('typecheck + compile tests', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json']);
step('python sources as text for out/', process.execPath, [join(root, 'scripts', 'py-text.mjs')]);
step('lint the Python (pyflakes3)', 'pyflakes3', ['src']);
if (existsSync(join(root, 'webview-ui', 'tsconfig.json'))) {
  step('typecheck webview', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'webview-ui/tsconfig.json', '--noEmit']);
}

if (!e2eOnly) {
  const dir = join(root, 'out', 'test');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort()
    .map((f) => join('out', 'test', f));
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  const tap = join(root, 'test-artifacts', 'unit.tap');
  console.log(`\n== unit, render, model and webview tests (${files.length} files)`);
  spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
    { cwd: root, stdio: 'inherit', env: { ...process.env, RECODE_TEST: '1' } },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const p = count('pass');
  const f = count('fail') + count('cancelled');
  if (p + f === 0) {
    console.log('the unit tests reported nothing');
    failed++;
  }
  passed += p;
  failed += f;
  console.log(`unit: ${p} passed, ${f} failed`);
}

const toolsDir = process.env.RECODE_E2E_TOOLS || '/var/cache/recode-e2e';
const rig = existsSync(join(root, 'test', 'e2e', 'run.sh'));
const wantE2e = !unitOnly && rig && (process.env.CI === 'true' || process.env.RECODE_E2E === '1' || existsSync(join(toolsDir, 'node_modules', '.bin', 'code-server')));
if (wantE2e) {
  console.log('\n== end to end in a real VS Code (code-server)');
  const lines = [];
  const code = await new Promise((res) => {
    const p = spawn('bash', [join(root, 'test', 'e2e', 'run.sh')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RECODE_E2E_SKIP_BUILD: '1' } });
    p.stdout.on('data', (d) => {
      process.stdout.write(d);
      lines.push(...d.toString().split('\n'));
    });
    p.on('close', (c) => res(c));
  });
  const last = [...lines].reverse().find((l) => /^\s*(\w+:\s*)?\d+ passed, \d+ failed/.test(l));
  const m = last && /(\d+) passed, (\d+) failed/.exec(last);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (!m || (code !== 0 && Number(m[2]) === 0)) {
    console.log(`end-to-end run failed (exit ${code})`);
    failed++;
  }
} else if (!unitOnly && rig) {
  console.log(`\n(end-to-end suites skipped: the rig is not set up in ${toolsDir}; run scripts/setup-e2e.sh or set RECODE_E2E=1)`);
}
finish();
