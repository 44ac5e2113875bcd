// Issue 17: where bubblewrap cannot isolate programs (here: turned off for this test process), the
// local CPython renderer is never picked silently: 'auto' and 'python' refuse without an explicit
// --unisolated, and with it every run says UNISOLATED.
process.env.RECODE_TEST_NO_BWRAP = '1';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseRenderer } from '../src/cli/renderers';
import { createPythonRenderer } from '../src/core/render/pythonRenderer';
import { SYSTEM_PYTHON } from './support/paths';

const noPackages = mkdtempSync(join(tmpdir(), 'recode-nopk-'));
test.after(() => rmSync(noPackages, { recursive: true, force: true }));

test('CLI: --renderer python refuses to run programs unisolated unless --unisolated', async () => {
  await assert.rejects(chooseRenderer('python', { pythonPath: SYSTEM_PYTHON, packageDir: noPackages }), /cannot isolate programs here.*--unisolated/);
});

test('CLI: auto does not fall back to an unisolated local python', async () => {
  await assert.rejects(chooseRenderer('auto', { pythonPath: SYSTEM_PYTHON, packageDir: noPackages }), /no isolated renderer available.*--unisolated/);
});

test('CLI: with --unisolated the run works and says UNISOLATED', async () => {
  const lines: string[] = [];
  const r = await chooseRenderer('auto', { pythonPath: SYSTEM_PYTHON, packageDir: noPackages, unisolated: true, warn: (l) => lines.push(l) });
  try {
    assert.match(lines.join('\n'), /WARNING UNISOLATED/);
    const res = await r.render({ code: 'answer = 6 * 7', mode: 'script', width: 100, height: 100, timeLimitMs: 30_000 });
    assert.equal(res.answer, '42', res.error);
    assert.match((r as unknown as { sandbox: string }).sandbox, /^UNISOLATED/);
  } finally {
    await r.dispose();
  }
});

test('the renderer itself refuses to run a program when it cannot isolate it and was not allowed to', async () => {
  const r = createPythonRenderer({ pythonPath: SYSTEM_PYTHON });
  try {
    const res = await r.render({ code: 'answer = 1', mode: 'script', width: 100, height: 100, timeLimitMs: 30_000 });
    assert.equal(res.ok, false);
    assert.match(res.error ?? '', /cannot be isolated here/);
  } finally {
    await r.dispose();
  }
});
