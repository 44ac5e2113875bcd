/**
 * In-host tests of derendering with a model VS Code already has (the Language Model API), against
 * the fake vision provider of ../lm-provider (installed in the profile by run.sh). The endpoint
 * settings are emptied for these tests, so `recode.modelSource` = auto falls through to vscode.lm.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as VS from 'vscode';
import { E2E, type E2eConfig } from '../config';
import type { FakeModeSetting, FakeRequest } from '../lm-provider/extension';
import { EXTENSION_ID, type RunResult } from './tests';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function registerLmTests(vscode: typeof VS, config: E2eConfig): void {
  const folder = (): VS.Uri => vscode.workspace.workspaceFolders![0]!.uri;
  const image = (name: string): VS.Uri => vscode.Uri.joinPath(folder(), name);
  const recode = (): VS.WorkspaceConfiguration => vscode.workspace.getConfiguration('recode');
  const setMode = (m: FakeModeSetting): Thenable<unknown> => vscode.commands.executeCommand('recodeFakeLm.setMode', m);
  const requests = async (): Promise<FakeRequest[]> => (await vscode.commands.executeCommand<FakeRequest[]>('recodeFakeLm.requests')) ?? [];
  const endpointRequests = async (): Promise<number> => {
    const res = await fetch(`${config.model.url.replace(/\/v1\/?$/, '')}/_recode/requests`);
    return ((await res.json()) as Array<{ method: string }>).filter((r) => r.method === 'POST').length;
  };
  const show = (r: RunResult): string => JSON.stringify({ ...r, program: r.program ? `${r.program.slice(0, 60)}…` : undefined });

  /** The user settings these tests change, put back afterwards. */
  const KEYS = ['baseUrl', 'model', 'modelSource', 'vscodeModel', 'candidates', 'rounds', 'modelCritic'];
  let saved: Record<string, unknown> = {};

  async function set(values: Record<string, unknown>): Promise<void> {
    for (const [k, v] of Object.entries(values)) await recode().update(k, v, vscode.ConfigurationTarget.Global);
  }

  async function derender(uri: VS.Uri, question?: string): Promise<RunResult> {
    const r = await vscode.commands.executeCommand<RunResult>('recode.derenderImage', uri, question ? { question } : undefined);
    assert.ok(r && typeof r === 'object', `recode.derenderImage resolved to ${String(r)}`);
    return r;
  }

  /** The run record RECODE kept for a run (in its global storage, next to the user settings). */
  function runRecord(runId: string): { model?: string; usage?: { promptTokens: number; completionTokens: number }; modelCalls: Array<{ purpose: string; messages: Array<{ role: string; content: string }>; usage?: { promptTokens: number; completionTokens: number } }> } {
    const dir = path.join(path.dirname(config.userSettings), 'globalStorage', EXTENSION_ID, 'runs');
    const file = path.join(dir, `${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
    assert.ok(fs.existsSync(file), `no run record ${file} (there: ${fs.existsSync(dir) ? fs.readdirSync(dir).join(', ') : 'no folder'})`);
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  suite('vscode.lm: a model VS Code already has (fake vision provider), no endpoint', () => {
    suiteSetup(async function () {
      this.timeout(30_000);
      await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
      saved = Object.fromEntries(KEYS.map((k) => [k, recode().inspect(k)?.globalValue]));
      await set({ baseUrl: '', model: '', modelSource: 'auto', vscodeModel: '', candidates: 3, rounds: 1 });
    });
    suiteTeardown(async () => {
      await setMode('normal');
      await set(saved);
    });
    setup(async () => {
      await vscode.commands.executeCommand('recodeFakeLm.reset');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    test('the provider is visible to vscode.lm (it answers silent lookups), with a text-only model listed before the vision one', async () => {
      const models = await vscode.lm.selectChatModels({ vendor: 'recode-e2e-fake' });
      assert.deepEqual(models.map((m) => m.id), ['fake-text', 'fake-vision']);
    });

    test('with no endpoint, a derender with a question runs through vscode.lm: 3 candidates, a refine, the computed answer; every request carries the PNG and its purpose marker; token counts in the run record', async function () {
      this.timeout(300_000);
      const endpointBefore = await endpointRequests();
      const r = await derender(image('fivebars.png'), E2E.question);
      assert.equal(r.status, 'finished', show(r));
      assert.ok(r.program?.includes(E2E.faithfulLine), `the faithful candidate should win: ${show(r)}`);
      assert.equal(String(r.answer).trim(), E2E.fivebarsAnswer, show(r));
      const seen = await requests();
      assert.deepEqual(seen.flatMap((q) => q.problems), [], 'the provider found requests it could not accept');
      assert.deepEqual(seen.map((q) => q.purpose).sort(), ['answer', 'generate', 'generate', 'generate', 'refine'], JSON.stringify(seen.map((q) => q.purpose)));
      assert.ok(seen.every((q) => q.model === 'fake-vision'), `only the vision model is asked (not the text-only one listed first): ${JSON.stringify(seen.map((q) => q.model))}`);
      for (const q of seen) {
        assert.equal(q.images[0]?.mime, 'image/png');
        assert.equal(q.images[0]?.file, 'fivebars.png', `request ${q.seq} (${q.purpose}): the first image is the chart itself`);
      }
      assert.equal(seen.find((q) => q.purpose === 'refine')?.images.length, 3, 'refine sends the original, the render and the diff');
      assert.equal(seen.filter((q) => q.purpose === 'generate').every((q) => typeof q.modelOptions?.temperature === 'number'), true, 'the temperature goes along');
      assert.equal(await endpointRequests(), endpointBefore, 'the endpoint server was asked nothing');

      const uri = typeof r.programUri === 'string' ? vscode.Uri.parse(r.programUri) : r.programUri!;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      assert.ok(doc?.getText().includes(E2E.faithfulLine), 'the program editor holds the winning program');
      assert.match(doc!.getText().split('\n').filter((l) => l.startsWith('#')).join('\n'), /\b5\b/, 'the computed answer atop the program');

      const rec = runRecord(String((r as { runId?: string }).runId));
      assert.match(String(rec.model ?? ''), /recode-e2e-fake\/fake-vision|Fake Vision/, `run record model: ${rec.model}`);
      const gen = rec.modelCalls.filter((c) => c.purpose === 'generate');
      assert.ok(gen.length > 0 && gen.every((c) => (c.usage?.promptTokens ?? 0) > 100 && (c.usage?.completionTokens ?? 0) > 10), `countTokens in the record: ${JSON.stringify(rec.modelCalls.map((c) => c.usage))}`);
    });

    test('with the model critic on, the critic goes through vscode.lm too: it sees the original then each redraw, and its notes reach the refine request', async function () {
      this.timeout(300_000);
      await set({ modelCritic: true });
      try {
        const r = await derender(image('fivebars.png'));
        assert.equal(r.status, 'finished', show(r));
        assert.ok(r.program?.includes(E2E.faithfulLine), `the faithful candidate should win: ${show(r)}`);
        const seen = await requests();
        assert.deepEqual(seen.flatMap((q) => q.problems), [], 'the provider found requests it could not accept');
        const critic = seen.filter((q) => q.purpose === 'critic');
        assert.equal(critic.length, 1, `one critic request: ${JSON.stringify(seen.map((q) => q.purpose))}`);
        const c = critic[0]!;
        assert.equal(c.model, 'fake-vision');
        assert.equal(c.images[0]?.file, 'fivebars.png', 'the critic sees the chart first');
        assert.ok((c.critic?.ids.length ?? 0) >= 1 && c.images.length === 1 + c.critic!.ids.length, `then one render per redraw named: ${JSON.stringify(c)}`);
        // (the faithful redraw may equal fivebars.png byte for byte: the fixture was drawn by that program)
        assert.ok(c.images.slice(1).every((i) => i.mime === 'image/png' && i.bytes > 0), `the redraws are PNG images: ${JSON.stringify(c.images)}`);
        const rec = runRecord(String((r as { runId?: string }).runId));
        const criticCall = rec.modelCalls.find((m) => m.purpose === 'critic');
        assert.ok(criticCall && (criticCall.usage?.promptTokens ?? 0) > 0, `the critic's call and its token counts are in the run record: ${JSON.stringify(rec.modelCalls.map((m) => [m.purpose, m.usage]))}`);
        const refine = rec.modelCalls.find((m) => m.purpose === 'refine');
        // the fake critic's notes start "fake vision critic:" (../lm-provider/extension.ts)
        assert.ok(refine?.messages.some((m) => /A reviewer noted: fake vision critic:/.test(m.content)), `the critic's notes reach the refine prompt: ${JSON.stringify(refine?.messages.map((m) => m.content.slice(0, 200)))}`);
      } finally {
        await set({ modelCritic: saved.modelCritic });
      }
    });

    for (const [mode, reason, maxRequests] of [
      ['NoPermissions', /may not use the model 'Fake Vision'.*Manage Language Model Access/, 3],
      ['NotFound', /'Fake Vision' is no longer available in VS Code.*RECODE: Choose model/, 3],
      ['quota', /quota is used up/, 3],
    ] as const) {
      test(`the provider throwing ${mode} ends the run at once with one clear message`, async function () {
        this.timeout(60_000);
        await setMode(mode);
        const r = await derender(image('fivebars.png'));
        assert.equal(r.status, 'failed', show(r));
        assert.match(r.error ?? '', reason, show(r));
        assert.equal((r.error ?? '').split(/(?<=\.)\s+(?=[A-Z])/).filter((s) => /model/i.test(s)).length <= 2, true, `one message, not a list: ${r.error}`);
        const seen = await requests();
        assert.ok(seen.length >= 1 && seen.length <= maxRequests, `a failure that will repeat is not asked again and again: ${seen.length} requests`);
      });
    }

    test('the provider throwing Blocked: RECODE backs off (1 s, 2 s, 4 s), then stops with the reason', async function () {
      this.timeout(120_000);
      await setMode('Blocked');
      const t = Date.now();
      const r = await derender(image('fivebars.png'));
      const ms = Date.now() - t;
      assert.equal(r.status, 'failed', show(r));
      assert.match(r.error ?? '', /blocking or rate-limiting.*Too many requests.*still after 3 retries; RECODE stopped asking it/, show(r));
      const seen = await requests();
      const starts = seen.map((q) => q.startedAt).sort((a, b) => a - b);
      assert.ok(ms >= 6_000, `the back-off waits 1 + 2 + 4 s before giving up (took ${ms} ms)`);
      assert.ok(seen.length >= 4 && seen.length <= 8, `each request at most 1 + 3 retries, the third candidate never started: ${seen.length}`);
      assert.ok(starts[starts.length - 1]! - starts[0]! >= 6_000, 'the retries are spread out, not a burst');
    });

    test('blocked only while refining: the run goes on with what worked and finishes with the first round’s best', async function () {
      this.timeout(200_000);
      await setMode('Blocked@refine');
      const r = await derender(image('fivebars.png'));
      assert.equal(r.status, 'finished', show(r));
      assert.ok(r.program?.includes(E2E.faithfulLine), show(r));
      const seen = await requests();
      assert.equal(seen.filter((q) => q.purpose === 'generate' && q.outcome === 'answered').length, 3);
      assert.ok(seen.filter((q) => q.purpose === 'refine').length <= 4, 'refine: 1 + 3 retries at most');
    });

    test('replies with no code: the run fails with one message saying the model declined', async function () {
      this.timeout(60_000);
      await setMode('nocode');
      const r = await derender(image('fivebars.png'));
      assert.equal(r.status, 'failed', show(r));
      assert.match(r.error ?? '', /no candidate program could be rendered.*declined/, show(r));
    });

    test('cancel stops the requests: the provider sees its token cancelled, the run resolves cancelled, nothing more is asked', async function () {
      this.timeout(60_000);
      await setMode('slow');
      const running = derender(image('fivebars.png'));
      for (const t = Date.now(); (await requests()).length === 0; ) {
        assert.ok(Date.now() - t < 30_000, 'the derender never reached the provider');
        await sleep(100);
      }
      const t0 = Date.now();
      assert.equal(await vscode.commands.executeCommand<number>('recode.cancelRun'), 1);
      const r = await Promise.race([running, sleep(10_000).then(() => undefined)]);
      assert.ok(r, 'the derender did not resolve within 10 s of cancel');
      assert.equal(r.status, 'cancelled', show(r));
      assert.ok(Date.now() - t0 < 5_000, `cancel took ${Date.now() - t0} ms`);
      await sleep(500);
      const seen = await requests();
      assert.ok(seen.length >= 1 && seen.every((q) => q.cancelled), `every request's token was cancelled: ${JSON.stringify(seen.map((q) => [q.seq, q.cancelled, q.outcome]))}`);
      const n = seen.length;
      await sleep(1_500);
      assert.equal((await requests()).length, n, 'asked again after cancel');
    });

    test('a model that does not accept images is not offered: choosing it is refused, and set by hand the run fails at once saying so', async function () {
      this.timeout(30_000);
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('recode.chooseModel', 'recode-e2e-fake/fake-text')), /does not accept images/);
      await set({ modelSource: 'vscode', vscodeModel: 'recode-e2e-fake/fake-text' });
      try {
        const r = await derender(image('fivebars.png'));
        assert.equal(r.status, 'failed', show(r));
        assert.match(r.error ?? '', /fake-text.*accepts images.*RECODE: Choose model/, show(r));
        assert.equal((await requests()).length, 0, 'nothing was sent to the text-only model');
      } finally {
        await set({ modelSource: 'auto', vscodeModel: '' });
      }
    });

    test('"recode.vscodeModel" finds the model by vendor/id, vendor/family, id or family, in any case; by vendor alone, that vendor\'s model that takes images; a name that matches nothing says what there is', async function () {
      this.timeout(120_000);
      try {
        for (const pref of ['recode-e2e-fake/fake-vision', 'RECODE-E2E-FAKE/FAKE-EYES', 'fake-vision', 'Fake-Eyes', 'recode-e2e-fake']) {
          await vscode.commands.executeCommand('recodeFakeLm.reset');
          await setMode('NotFound'); // the first request shows which model was asked; the run then stops at once
          await set({ modelSource: 'vscode', vscodeModel: pref });
          const r = await derender(image('fivebars.png'));
          assert.equal(r.status, 'failed', `${pref}: ${show(r)}`);
          assert.match(r.error ?? '', /'Fake Vision' is no longer available/, `${pref}: ${show(r)}`);
          const seen = await requests();
          assert.ok(seen.length >= 1 && seen.every((q) => q.model === 'fake-vision'), `${pref}: asked ${JSON.stringify(seen.map((q) => q.model))}`);
        }
        await vscode.commands.executeCommand('recodeFakeLm.reset');
        await set({ vscodeModel: 'no-such-model' });
        const r = await derender(image('fivebars.png'));
        assert.equal(r.status, 'failed', show(r));
        assert.match(r.error ?? '', /No VS Code language model matches "recode.vscodeModel" = 'no-such-model' \(available: .*recode-e2e-fake\/fake-vision.*\).*RECODE: Choose model/, show(r));
        assert.equal((await requests()).length, 0, 'no model was asked');
      } finally {
        await set({ modelSource: 'auto', vscodeModel: '' });
      }
    });

    test('"RECODE: Choose model" remembers the choice: a VS Code model sets modelSource vscode and vscodeModel vendor/id; "auto" puts it back', async function () {
      this.timeout(30_000);
      const r = await vscode.commands.executeCommand<{ source: string; vscodeModel: string }>('recode.chooseModel', 'recode-e2e-fake/fake-vision');
      assert.deepEqual(r, { source: 'vscode', vscodeModel: 'recode-e2e-fake/fake-vision' });
      assert.equal(recode().get('modelSource'), 'vscode');
      assert.equal(recode().get('vscodeModel'), 'recode-e2e-fake/fake-vision');
      await vscode.commands.executeCommand('recode.chooseModel', 'auto');
      assert.equal(recode().get('modelSource'), 'auto');
    });

    test('modelSource endpoint with no endpoint configured does not fall back to vscode.lm: the chart reader derenders alone', async function () {
      this.timeout(180_000);
      await set({ modelSource: 'endpoint' });
      try {
        const r = await derender(image('fivebars.png'));
        // no model at all: the built-in chart reader's program (the panel says questions need a model)
        assert.equal(r.status, 'finished', show(r));
        assert.ok((r.program ?? '').includes('matplotlib'), show(r));
        assert.equal((await requests()).length, 0);
      } finally {
        await set({ modelSource: 'auto' });
      }
    });
  });
}
