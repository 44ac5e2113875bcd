/**
 * Entry of the in-host suite: code-server's extension host loads this file (the workbench test
 * payload's extensionTestsPath) and awaits `run()`; the workbench reports the outcome through
 * codeAutomationExit (see launch.ts). Also writes test-artifacts/e2e/inhost-results.json.
 *
 * No side effect at load time: `node --test out/test/` loads every compiled file under out/test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { loadConfig } from '../config';
import { registerTests } from './tests';
import { registerNotebookTests } from './notebook.tests';
import { registerEvaluateTests } from './evaluate.tests';
import { registerLmTests } from './lm.tests';

export interface InhostResults {
  passed: number;
  failed: number;
  failures: Array<{ title: string; error: string }>;
  durationMs: number;
}

export async function run(): Promise<void> {
  const started = Date.now();
  const config = loadConfig(__dirname);
  // The `vscode` module only exists inside the extension host.
  const vscode = require('vscode') as typeof import('vscode');
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  if (config.only === 'rig') mocha.grep('rig:');
  else if (process.env.RECODE_E2E_GREP) mocha.grep(process.env.RECODE_E2E_GREP);
  mocha.suite.emit('pre-require', globalThis, path.join(__dirname, 'tests.js'), mocha);
  registerTests(vscode, config);
  registerNotebookTests(vscode, config);
  registerEvaluateTests(vscode, config);
  registerLmTests(vscode, config);

  const results: InhostResults = { passed: 0, failed: 0, failures: [], durationMs: 0 };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => {
      results.passed++;
    });
    runner.on('fail', (test: Mocha.Runnable, err: unknown) => {
      results.failed++;
      results.failures.push({ title: test.fullTitle(), error: err instanceof Error ? err.message : String(err) });
    });
  });
  results.durationMs = Date.now() - started;
  fs.mkdirSync(config.artifacts, { recursive: true });
  fs.writeFileSync(path.join(config.artifacts, 'inhost-results.json'), JSON.stringify(results, null, 2));
  console.log(`inhost: ${results.passed} passed, ${results.failed} failed`);
  if (results.failed > 0) throw new Error(`${results.failed} in-host test(s) failed`);
}
