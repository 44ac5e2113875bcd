/**
 * Runs the in-host suite: opens code-server's workbench in chromium with the test payload
 * (extensionDevelopmentPath + extensionTestsPath), exactly as VS Code's own browser integration
 * tests do, and waits for the workbench to report the suite's exit code through
 * window.codeAutomationExit (needs code-server started with --vscode-option enable-smoke-test-driver).
 *
 *   node out/test/e2e/inhost/launch.js --run       (configuration: RECODE_E2E_CONFIG, see ../config.ts)
 *
 * Prints the extension host's output (filtered) and `inhost: N passed, N failed` last.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchChromium } from '../browser';
import { loadConfig } from '../config';
import type { InhostResults } from './index';

const NOISE = /ChatModelSelection|AgentHost|AccountPolicyGate|authentication provider|Service Worker|sandbox attribute|vsda|open-vsx|Failed to load resource|^\s*at |grace-time|^\s*(Resolv|Creat|Updating)|connection token|gallery as it is disabled|^\s*$/;

/** Prints the lines of an extension-host message that are not the workbench's own chatter. */
function relay(text: string): void {
  for (const line of text.split('\n')) if (!NOISE.test(line)) console.log(`  │ ${line}`);
}

async function main(): Promise<number> {
  const config = loadConfig(__dirname);
  const limitMs = Number(process.env.RECODE_E2E_INHOST_TIMEOUT_MS || 600_000);
  const resultsFile = path.join(config.artifacts, 'inhost-results.json');
  fs.rmSync(resultsFile, { force: true });
  const host = `127.0.0.1:${config.port}`;
  const remote = (p: string): string => `vscode-remote://${host}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(config.extensionPath)],
    ['extensionTestsPath', remote(path.join(__dirname, 'index.js'))],
    ['skipWelcome', 'true'],
  ]);
  const url = `${config.serverUrl}/?folder=${encodeURIComponent(config.workspace)}&payload=${encodeURIComponent(payload)}`;
  const log = fs.createWriteStream(path.join(config.artifacts, 'inhost-console.log'));
  const t0 = Date.now();
  const { browser, close } = await launchChromium();
  try {
    const page = await browser.newPage();
    let exit!: (code: number) => void;
    const exited = new Promise<number>((r) => (exit = r));
    // Both must exist before the workbench loads: it looks them up once.
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    // The extension host's console (mocha's spec reporter among it), as printf-style arguments.
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      log.write(`${text}\n`);
      relay(text);
    });
    page.on('console', (m) => log.write(`[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => log.write(`[pageerror] ${e instanceof Error ? e.message : String(e)}\n`));
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    const timeout = new Promise<'timeout'>((r) => setTimeout(r, limitMs, 'timeout'));
    const code = await Promise.race([exited, timeout]);
    await page.screenshot({ path: path.join(config.artifacts, 'inhost-final.png') }).catch(() => undefined);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    if (code === 'timeout') {
      console.log(`inhost: the suite did not report within ${limitMs / 1000} s (was the server started with enable-smoke-test-driver?)`);
    } else {
      console.log(`inhost: the extension host exited with code ${code} after ${seconds} s`);
    }
    let results: InhostResults | undefined;
    if (fs.existsSync(resultsFile)) results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as InhostResults;
    for (const f of results?.failures ?? []) console.log(`  FAILED ${f.title}\n    ${f.error.split('\n').join('\n    ')}`);
    // A run that never reported (crash, timeout, no results file) counts as one failure.
    const passed = results?.passed ?? 0;
    const failed = results ? results.failed + (code === 0 || results.failed > 0 ? 0 : 1) : 1;
    console.log(`inhost: ${passed} passed, ${failed} failed`);
    return failed === 0 && code === 0 ? 0 : 1;
  } finally {
    log.end();
    await close();
  }
}

if (require.main === module && process.argv.includes('--run')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('inhost launcher failed:', err);
      console.log('inhost: 0 passed, 1 failed');
      process.exit(1);
    },
  );
}
