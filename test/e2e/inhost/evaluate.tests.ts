/**
 * In-host test of "RECODE: Evaluate manifest…" (recode.evaluateManifest): a manifest of the
 * workspace's fivebars chart, evaluated direct vs recode against the e2e scripted model server;
 * the results land in a new folder next to the manifest.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as VS from 'vscode';
import { E2E, type E2eConfig } from '../config';

interface EvaluateResult {
  status: 'finished' | 'cancelled' | 'failed';
  out?: string;
  reportPath?: string;
  error?: string;
  accuracy?: Record<string, number>;
}

export function registerEvaluateTests(vscode: typeof VS, config: E2eConfig): void {
  suite('RECODE: Evaluate manifest…', () => {
    test('evaluates a manifest direct vs recode, writes items, summary and report next to it', async function () {
      this.timeout(180_000);
      await vscode.commands.executeCommand('recode.setApiKey', config.model.apiKey);
      const dir = path.join(config.workspace, 'eval-e2e');
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(config.workspace, 'fivebars.png'), path.join(dir, 'fivebars.png'));
      const manifest = path.join(dir, 'manifest.jsonl');
      fs.writeFileSync(manifest, JSON.stringify({ id: 'fivebars', image: 'fivebars.png', qa: [{ question: E2E.question, answer: E2E.fivebarsAnswer }] }) + '\n');
      const r = await vscode.commands.executeCommand<EvaluateResult>('recode.evaluateManifest', vscode.Uri.file(manifest), { modes: ['direct', 'recode'] });
      assert.ok(r && r.status === 'finished', `evaluation resolved to ${JSON.stringify(r)}`);
      assert.equal(path.dirname(r.out!), dir, 'a new folder next to the manifest');
      assert.match(path.basename(r.out!), /^recode-eval-\d{8}-\d{6}$/);
      const lines = fs.readFileSync(path.join(r.out!, 'items.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { mode: string; correct?: boolean; answer?: string; computed?: boolean });
      const recode = lines.find((l) => l.mode === 'recode')!;
      assert.equal(recode.answer, E2E.fivebarsAnswer);
      assert.equal(recode.correct, true);
      assert.equal(recode.computed, true);
      assert.ok(lines.some((l) => l.mode === 'direct'));
      assert.equal(r.accuracy?.recode, 1);
      assert.ok(fs.existsSync(path.join(r.out!, 'summary.json')) && fs.existsSync(r.reportPath!));
      assert.match(fs.readFileSync(r.reportPath!, 'utf8'), /data-testid="summary"/);
    });

    test('an input it cannot read fails at once with one sentence, and writes nothing', async () => {
      const bad = path.join(config.workspace, 'eval-e2e-bad.json');
      fs.writeFileSync(bad, '{"hello": "world"}');
      const before = fs.readdirSync(config.workspace).sort();
      const r = await vscode.commands.executeCommand<EvaluateResult>('recode.evaluateManifest', vscode.Uri.file(bad), { modes: ['direct'] });
      assert.equal(r.status, 'failed');
      assert.match(r.error ?? '', /not a format recode eval knows/);
      assert.deepEqual(fs.readdirSync(config.workspace).sort(), before);
    });
  });
}
