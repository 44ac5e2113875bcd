/**
 * The in-host tests: they run inside code-server's real extension host (Node 24) next to the
 * RECODE extension and drive it through the `vscode` API, against the scripted model servers.
 * Registered by index.ts after mocha's 'pre-require' (tdd: suite/test/suiteSetup/teardown), so
 * nothing here runs at load time.
 */
import * as assert from 'node:assert/strict';
import type * as VS from 'vscode';
import { E2E, type E2eConfig } from '../config';

export const EXTENSION_ID = 'recode.recode-vscode';

export const COMMANDS: ReadonlyArray<[id: string, title: string]> = [
  ['recode.derenderImage', 'RECODE: Derender image'],
  ['recode.askAboutImage', 'RECODE: Ask about image…'],
  ['recode.compareProgram', 'RECODE: Compare program with image'],
  ['recode.setApiKey', 'RECODE: Set API key'],
  ['recode.chooseModel', 'RECODE: Choose model'],
  ['recode.prepareRenderer', 'RECODE: Prepare renderer'],
  ['recode.showLog', 'RECODE: Show log'],
  ['recode.cancelRun', 'RECODE: Cancel run'],
];

/** What recode.derenderImage / recode.askAboutImage resolve to (the extension's automation contract). */
export interface RunResult {
  status: 'finished' | 'failed' | 'cancelled';
  program?: string;
  answer?: string;
  score?: number | { score: number };
  programUri?: string | VS.Uri;
  error?: string;
}

/** A request as the scripted server's GET /_recode/requests lists it. */
interface SeenRequest {
  seq: number;
  purpose?: string;
  model?: string;
  status?: number;
  path: string;
  method: string;
}

async function seenRequests(baseUrl: string): Promise<SeenRequest[]> {
  const res = await fetch(`${baseUrl.replace(/\/v1\/?$/, '')}/_recode/requests`);
  assert.equal(res.status, 200, `scripted server at ${baseUrl} did not list its requests`);
  return ((await res.json()) as SeenRequest[]).filter((r) => r.method === 'POST');
}

function scoreOf(r: RunResult): number | undefined {
  return typeof r.score === 'number' ? r.score : r.score?.score;
}

function describeResult(r: RunResult | undefined): string {
  if (!r) return String(r);
  const { program, ...rest } = r;
  return JSON.stringify({ ...rest, program: program === undefined ? undefined : `${program.slice(0, 60)}…` });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function registerTests(vscode: typeof VS, config: E2eConfig): void {
  const folder = (): VS.Uri => {
    const f = vscode.workspace.workspaceFolders?.[0];
    assert.ok(f, 'no workspace folder is open');
    return f.uri;
  };
  const image = (name: string): VS.Uri => vscode.Uri.joinPath(folder(), name);
  const recode = (): VS.WorkspaceConfiguration => vscode.workspace.getConfiguration('recode');

  async function derender(uri: VS.Uri): Promise<RunResult> {
    const r = await vscode.commands.executeCommand<RunResult>('recode.derenderImage', uri);
    assert.ok(r && typeof r === 'object', `recode.derenderImage resolved to ${String(r)}, not a run result`);
    return r;
  }

  /** The document of the program editor the run opened. */
  function programDocument(r: RunResult): VS.TextDocument {
    assert.ok(r.programUri, `the run result names no program editor: ${describeResult(r)}`);
    const uri = typeof r.programUri === 'string' ? vscode.Uri.parse(r.programUri) : r.programUri;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(doc, `no open document ${uri.toString()} (open: ${vscode.workspace.textDocuments.map((d) => d.uri.toString()).join(', ')})`);
    return doc;
  }

  async function withSetting<T>(key: string, value: unknown, body: () => Promise<T>): Promise<T> {
    const before = recode().inspect(key)?.globalValue;
    await recode().update(key, value, vscode.ConfigurationTarget.Global);
    try {
      return await body();
    } finally {
      await recode().update(key, before, vscode.ConfigurationTarget.Global);
    }
  }

  suite('rig: the real VS Code', () => {
    test('rig: the extension host runs this suite with the example workspace open', async () => {
      assert.equal(folder().fsPath, config.workspace);
      const charts = (await vscode.workspace.findFiles('*.png')).map((u) => u.path.split('/').pop()).sort();
      assert.deepEqual(charts, [...E2E.charts].sort());
      assert.equal(vscode.env.uiKind, vscode.UIKind.Web);
    });
  });

  suite('RECODE in the extension host', () => {
    suiteSetup(async function () {
      this.timeout(30_000);
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `extension ${EXTENSION_ID} is not loaded (loaded: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ')})`);
      await ext.activate();
      // The workspace opens with no editors; earlier tests' editors would hide what a run opened.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    test('every command is contributed with its title and registered', async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      const contributed = new Map<string, string>(
        ((ext?.packageJSON as { contributes?: { commands?: Array<{ command: string; title: string; category?: string }> } }).contributes?.commands ?? []).map(
          (c) => [c.command, c.category ? `${c.category}: ${c.title}` : c.title],
        ),
      );
      const registered = new Set(await vscode.commands.getCommands(true));
      const problems: string[] = [];
      for (const [id, title] of COMMANDS) {
        if (contributed.get(id) !== title) problems.push(`${id}: contributed title ${JSON.stringify(contributed.get(id))}, expected ${JSON.stringify(title)}`);
        if (!registered.has(id)) problems.push(`${id}: not registered after activation`);
      }
      assert.deepEqual(problems, []);
    });

    test('the settings the runner seeded are what the extension sees', () => {
      const c = recode();
      assert.equal(c.get('baseUrl'), config.model.url);
      assert.equal(c.get('model'), E2E.model);
      assert.equal(c.get('renderer'), 'python');
      assert.equal(c.get('pythonPath'), '/usr/bin/python3');
      // The contributed defaults exist (a missing contribution reads as undefined).
      for (const key of ['candidates', 'rounds', 'modelCritic', 'temperature', 'renderTimeLimit', 'requestTimeout']) {
        assert.notEqual(c.inspect(key)?.defaultValue, undefined, `recode.${key} has no contributed default`);
      }
    });

    test('SecretStorage round trip: recode.setApiKey(key) with no UI; a wrong key fails the run, the right one is used', async function () {
      this.timeout(60_000);
      await vscode.commands.executeCommand('recode.setApiKey', E2E.wrongApiKey);
      const rejected = await derender(image('fivebars.png'));
      assert.equal(rejected.status, 'failed', `with a wrong key the run should fail: ${describeResult(rejected)}`);
      assert.match(rejected.error ?? '', /key|401|auth|unauthori/i, `the error should say the key was refused: ${describeResult(rejected)}`);
      assert.ok(!(rejected.error ?? '').includes(E2E.wrongApiKey), 'the error message must not contain the key');
      await vscode.commands.executeCommand('recode.setApiKey', E2E.apiKey);
      // the next run (next test) finishing proves the stored key is read back
    });

    test('recode.askAboutImage(uri, question) reads the settings at run time, resolves to the program and the computed answer, and opens the program with question and answer atop', async function () {
      this.timeout(400_000);
      await vscode.commands.executeCommand('recode.setApiKey', E2E.apiKey);
      const before = (await seenRequests(config.model.url)).length;
      const r = await withSetting('candidates', 2, () =>
        withSetting('rounds', 0, async () => vscode.commands.executeCommand<RunResult>('recode.askAboutImage', image('fivebars.png'), E2E.question)),
      );
      assert.ok(r && typeof r === 'object', `recode.askAboutImage resolved to ${String(r)}, not a run result`);
      assert.equal(r.status, 'finished', describeResult(r));
      const mine = (await seenRequests(config.model.url)).slice(before);
      assert.equal(mine.filter((q) => q.purpose === 'generate').length, 2, `recode.candidates = 2 should make 2 generate requests: ${JSON.stringify(mine.map((q) => q.purpose))}`);
      assert.equal(mine.filter((q) => q.purpose === 'refine').length, 0, 'recode.rounds = 0 should make no refine request');
      assert.equal(mine.filter((q) => q.purpose === 'answer').length, 1, 'one answer request');
      assert.deepEqual([...new Set(mine.map((q) => q.model))], [E2E.model]);
      assert.ok(mine.every((q) => q.status === 200), 'every request should have been accepted (the stored key was sent)');

      assert.ok(r.program?.includes(E2E.faithfulLine), `the faithful candidate should win: ${describeResult(r)}`);
      const score = scoreOf(r);
      assert.ok(score !== undefined && score > 0.9 && score <= 1, `score of the faithful program should be in (0.9, 1], got ${score}`);
      assert.equal(String(r.answer).trim(), E2E.fivebarsAnswer, `answer should be max(values) - min(values) = 5: ${describeResult(r)}`);

      const doc = programDocument(r);
      assert.equal(doc.uri.scheme, 'untitled');
      assert.equal(doc.languageId, 'python');
      assert.ok(doc.getText().includes(E2E.faithfulLine), 'the editor should hold the winning program');
      assert.ok(vscode.window.visibleTextEditors.some((e) => e.document === doc), 'the program editor should be visible');
      const head: string[] = [];
      for (let i = 0; i < doc.lineCount && doc.lineAt(i).text.startsWith('#'); i++) head.push(doc.lineAt(i).text);
      const comments = head.join('\n');
      assert.ok(comments.includes(E2E.question), `the leading comments should hold the question:\n${comments}`);
      assert.match(comments, /\b5\b/, `the leading comments should hold the answer 5:\n${comments}`);
    });

    test('a workspace cannot send the API key elsewhere or pick the executable: recode.baseUrl and recode.pythonPath in its .vscode/settings.json are ignored', async function () {
      this.timeout(180_000);
      const fs = await import('node:fs');
      const path = await import('node:path');
      const http = await import('node:http');
      await vscode.commands.executeCommand('recode.setApiKey', E2E.apiKey);
      // The workspace's endpoint: records whatever reaches it.
      const hits: string[] = [];
      const trap = http.createServer((req, res) => {
        hits.push(`${req.method} ${req.url} (key sent: ${req.headers.authorization ? 'yes' : 'no'})`);
        res.writeHead(500).end();
      });
      await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
      const trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}/v1`;
      const dir = path.join(folder().fsPath, '.vscode');
      const file = path.join(dir, 'settings.json');
      /** Writes the workspace's settings and waits until VS Code has read them (an ordinary setting's workspace value shows). */
      const writeWorkspaceSettings = async (values: Record<string, unknown>, temperature: number): Promise<void> => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ ...values, 'recode.temperature': temperature }));
        for (let i = 0; i < 150 && recode().inspect('temperature')?.workspaceValue !== temperature; i++) await sleep(100);
        assert.equal(recode().inspect('temperature')?.workspaceValue, temperature, 'the workspace settings were not read; the test proves nothing');
      };
      const run = async (): Promise<RunResult> => withSetting('candidates', 1, () => withSetting('rounds', 0, () => derender(image('fivebars.png'))));
      try {
        // 1. the endpoint alone (so the run reaches the model)
        await writeWorkspaceSettings({ 'recode.baseUrl': trapUrl }, 0.11);
        const before = (await seenRequests(config.model.url)).length;
        const r1 = await run();
        assert.deepEqual(hits, [], 'the workspace endpoint was sent requests');
        assert.equal(r1.status, 'finished', `the user's endpoint should have served the run: ${describeResult(r1)}`);
        assert.ok((await seenRequests(config.model.url)).length > before, "the user's endpoint saw no request");
        // 2. and an executable
        await writeWorkspaceSettings({ 'recode.baseUrl': trapUrl, 'recode.pythonPath': '/bin/false' }, 0.22);
        const r2 = await run();
        assert.equal(r2.status, 'finished', `the user's Python should have rendered: ${describeResult(r2)}`);
        assert.deepEqual(hits, [], 'the workspace endpoint was sent requests');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        trap.close();
      }
    });

    test('an image outside the workspace, opened through a symlink, derenders, and its program would be saved beside it; a pipe, a folder and a broken link named .png each fail at once with one clear reason', async function () {
      this.timeout(120_000);
      const fs = await import('node:fs');
      const os = await import('node:os');
      const path = await import('node:path');
      await vscode.commands.executeCommand('recode.setApiKey', E2E.apiKey);
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'recode-outside-'));
      fs.copyFileSync(image('fivebars.png').fsPath, path.join(outside, 'chart.png'));
      fs.symlinkSync(path.join(outside, 'chart.png'), path.join(outside, 'linked.png'));
      // the scripted model starts a run's candidates with the faithful one only after a pause in
      // generate requests (test/e2e/model/server.ts, RUN_GAP_MS = 2 s): the test before this one
      // ends with one-candidate runs, and with warm renders it can end within that pause
      await sleep(2_500);
      const r = await withSetting('candidates', 1, () => withSetting('rounds', 0, () => derender(vscode.Uri.file(path.join(outside, 'linked.png')))));
      assert.equal(r.status, 'finished', describeResult(r));
      assert.ok(r.program?.includes(E2E.faithfulLine), describeResult(r));
      const doc = programDocument(r);
      assert.equal(doc.uri.scheme, 'untitled');
      assert.equal(path.dirname(doc.uri.path), outside, 'the program is saved next to the image it came from');
      assert.equal(fs.readdirSync(outside).sort().join(','), 'chart.png,linked.png', 'nothing was written before the user saves');

      const execFileSync = (await import('node:child_process')).execFileSync;
      execFileSync('mkfifo', [path.join(outside, 'pipe.png')]);
      fs.mkdirSync(path.join(outside, 'folder.png'));
      fs.symlinkSync(path.join(outside, 'gone.png'), path.join(outside, 'broken.png'));
      for (const [name, reason] of [
        ['pipe.png', /pipe\.png is not a regular file/],
        ['folder.png', /folder\.png is a folder/],
        ['broken.png', /broken\.png is a symlink to nothing/],
      ] as const) {
        const t = Date.now();
        const bad = await derender(vscode.Uri.file(path.join(outside, name)));
        assert.equal(bad.status, 'failed', `${name}: ${describeResult(bad)}`);
        assert.match(bad.error ?? '', reason, name);
        assert.ok(Date.now() - t < 5_000, `${name} took ${Date.now() - t} ms`);
      }
    });

    test('recode.cancelRun stops a running derender: it resolves cancelled and asks the model nothing more', async function () {
      this.timeout(60_000);
      await vscode.commands.executeCommand('recode.setApiKey', E2E.apiKey);
      const before = (await seenRequests(config.model.url)).length;
      const running = derender(image(E2E.slowChart));
      // Condition, not a sleep: the run is going when the model holds its first (slow) request.
      for (let t = Date.now(); (await seenRequests(config.model.url)).length === before; ) {
        assert.ok(Date.now() - t < 30_000, 'the derender never reached the model server');
        await sleep(100);
      }
      const cancelledAt = Date.now();
      const count = await vscode.commands.executeCommand<number>('recode.cancelRun');
      assert.equal(count, 1, 'recode.cancelRun should report one run cancelled');
      const r = await Promise.race([running, sleep(10_000).then(() => undefined)]);
      assert.ok(r, 'the derender did not resolve within 10 s of recode.cancelRun');
      assert.equal(r.status, 'cancelled', describeResult(r));
      assert.ok(Date.now() - cancelledAt < 5_000, `cancel took ${Date.now() - cancelledAt} ms`);
      const asked = (await seenRequests(config.model.url)).length;
      await sleep(1_500);
      assert.equal((await seenRequests(config.model.url)).length, asked, 'the model was asked again after the run was cancelled');
      assert.equal(await vscode.commands.executeCommand<number>('recode.cancelRun', 'all'), 0, 'a run is still going after cancel');
    });
  });
}
