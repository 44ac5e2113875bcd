/**
 * The run configuration the e2e runner (test/e2e/run.sh) writes for its suites: where code-server
 * listens, the workspace copy, the artifacts folder, the scripted model servers. The UI suite reads
 * it from RECODE_E2E_CONFIG; the in-host suite (inside code-server's extension host, which may not
 * inherit the runner's environment) falls back to the fixed path test-artifacts/e2e/e2e-config.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface E2eConfig {
  /** http://127.0.0.1:PORT */
  serverUrl: string;
  port: number;
  /** The run's copy of test/e2e/workspace (charts copied in). */
  workspace: string;
  /** The repository root. */
  repo: string;
  /** test-artifacts/e2e of the repository. */
  artifacts: string;
  /** code-server's user settings.json. */
  userSettings: string;
  /** The extension folder loaded by the in-host suite (the unpacked VSIX). */
  extensionPath: string;
  model: {
    /** Base URL of the scripted model server (…/v1), see model/server.ts. */
    url: string;
    apiKey: string;
    name: string;
  };
  /** 'all' or 'rig' (only the tests that need no extension: checks the rig itself). */
  only: 'all' | 'rig';
}

/** Repository root, from a compiled file under out/test/e2e/**. */
export function repoRoot(fromDir: string): string {
  let dir = fromDir;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`e2e: no repository root above ${fromDir}`);
    dir = up;
  }
  return dir;
}

export function loadConfig(fromDir: string): E2eConfig {
  const file = process.env.RECODE_E2E_CONFIG || path.join(repoRoot(fromDir), 'test-artifacts', 'e2e', 'e2e-config.json');
  if (!fs.existsSync(file)) throw new Error(`e2e: no run configuration at ${file} (start the suites with test/e2e/run.sh)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as E2eConfig;
}

/** Constants shared by the runner's scripts and the suites. */
export const E2E = {
  apiKey: 'sk-recode-e2e-4f1c2a',
  wrongApiKey: 'sk-wrong-key-000',
  model: 'recode-e2e-model',
  /** What the scripted answer computes for fivebars.png: max(values) - min(values). */
  fivebarsAnswer: '5',
  question: 'What is the difference between the tallest and the shortest bar?',
  /** A line only the faithful program has. */
  faithfulLine: 'values = [3, 7, 2, 5, 4]',
  /** The model answers requests about this chart only after slowDelayMs: the cancel tests use it. */
  slowChart: 'nile-line.png',
  slowDelayMs: 180_000,
  /** Every program the model writes for this chart raises an error holding a command link (`[label](command:…)`): the notification must show it as text. */
  hostileChart: 'chickwts-bar-labels.png',
  /** The link's label in that error. */
  hostileLinkLabel: 'Update the viewer',
  /** The charts the runner copies into the workspace. */
  charts: ['fivebars.png', 'insectsprays-bar.png', 'nile-line.png', 'chickwts-bar-labels.png'],
  /** The fixture notebook (fivebars as a kept PNG output of its second cell, no kernel). */
  notebook: 'charts.ipynb',
  /** The panel's name for a run on that output. */
  notebookRunLabel: 'charts.cell2.png',
} as const;
