/**
 * "RECODE: Evaluate manifest…": `recode eval` inside VS Code. Pick an input (our manifest, a ChartQA
 * or CharXiv file, a Geometry3K folder) and the modes; the evaluation runs in the extension host
 * with a cancellable progress notification, writes into a new folder next to the input, and opens
 * the report. Automation arguments (tests): recode.evaluateManifest(input?, { modes?, out?, limit?, open? }).
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Renderer } from '../core/types';
import { errorText } from '../core/text';
import { loadInput, type LoadedInput } from '../core/manifest';
import { evaluate, EVAL_MODES, type EvalMode, type TableReader } from '../core/eval/index';
import { readChart, readingToCsv } from '../core/reader/index';
import { createRenderer } from '../core/render/index';
import { checkPackages, createPythonRenderer, pickRenderer } from './renderBackends';
import { allowUnisolatedPython } from './renderers';
import { showError, showInfo, withNotificationProgress } from './notify';
import { createModelFromSettings } from './model';
import { derenderOptions, readSettings } from './settings';
import type { Ext } from './ext';

export interface EvaluateCommandResult {
  status: 'finished' | 'cancelled' | 'failed';
  out?: string;
  reportPath?: string;
  error?: string;
  /** Accuracy per mode, when it ran. */
  accuracy?: Partial<Record<EvalMode, number>>;
}

const AVAILABLE: EvalMode[] = EVAL_MODES;
const DESCRIPTIONS: Record<EvalMode, string> = {
  direct: 'the model answers from the image alone',
  recode: 'derender, then compute the answer over the program',
  reader: "no model: the chart reader's table against the data table",
};

const reader: TableReader = async (image, signal) => {
  const r = await readChart(image, { signal });
  return r.ok ? { ok: true, csv: readingToCsv(r.reading) } : { ok: false, reason: r.reason };
};

function fail(ext: Ext, error: string): EvaluateCommandResult {
  ext.log.error(`evaluation: ${error}`);
  void showError(`RECODE: ${error}`, 'Show Log').then(ext.onErrorButton);
  return { status: 'failed', error };
}

async function pickInput(arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && arg) return arg;
  const picked = await vscode.window.showOpenDialog({
    title: 'RECODE: Evaluate — a manifest (.jsonl), a ChartQA or CharXiv .json, or a Geometry3K folder',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: { 'Manifests and benchmark files': ['jsonl', 'json'] },
  });
  return picked?.[0]?.fsPath;
}

/** A new folder next to the input: recode-eval-<date>-<time>[-n]. */
function newOutDir(input: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const base = join(dirname(input), `recode-eval-${stamp}`);
  for (let k = 1; ; k++) {
    const p = k === 1 ? base : `${base}-${k}`;
    if (!existsSync(p)) return p;
  }
}

async function rendererFor(ext: Ext): Promise<Renderer> {
  const s = readSettings();
  const packageDir = ext.packagesDir.fsPath;
  const allow = allowUnisolatedPython();
  const pick = await pickRenderer(s.renderer, { packagesReady: async () => (await checkPackages(packageDir)).ok, pythonPath: s.pythonPath, allowUnisolated: allow });
  if (pick.use === 'pyodide') return createRenderer('pyodide', { packageDir });
  if (pick.use === 'python') return createPythonRenderer(pick.python.path, allow);
  if (pick.why === 'cannot-isolate') {
    throw new Error(`local Python cannot isolate generated programs on this machine (${pick.reason ?? 'no sandbox'}): install bubblewrap, run "RECODE: Prepare renderer", or allow unisolated programs with the machine setting "recode.allowUnisolatedPython"`);
  }
  throw new Error('no renderer is ready for the recode mode: run "RECODE: Prepare renderer", or set "recode.pythonPath" to a Python with matplotlib');
}

export async function evaluateManifest(ext: Ext, inputArg?: unknown, optsArg?: unknown): Promise<EvaluateCommandResult> {
  const o = (optsArg && typeof optsArg === 'object' ? optsArg : {}) as { modes?: unknown; out?: unknown; limit?: unknown; open?: unknown };
  const inputPath = await pickInput(inputArg);
  if (!inputPath) return { status: 'cancelled', error: 'no input chosen' };
  let input: LoadedInput;
  try {
    input = await loadInput(inputPath);
  } catch (e) {
    return fail(ext, errorText(e));
  }
  const questions = input.images.reduce((s, i) => s + i.questions.length, 0);
  let modes: EvalMode[];
  if (Array.isArray(o.modes)) modes = o.modes.filter((m): m is EvalMode => AVAILABLE.includes(m as EvalMode));
  else {
    const picked = await vscode.window.showQuickPick(
      AVAILABLE.map((m) => ({ label: m, picked: true, description: DESCRIPTIONS[m] })),
      { title: `RECODE: Evaluate ${basename(inputPath)} (${input.format}, ${questions} questions) — modes`, canPickMany: true, ignoreFocusOut: true },
    );
    if (!picked) return { status: 'cancelled', error: 'no modes chosen' };
    modes = picked.map((p) => p.label as EvalMode);
  }
  if (modes.length === 0) return { status: 'cancelled', error: 'no modes chosen' };
  const limit = typeof o.limit === 'number' && Number.isInteger(o.limit) && o.limit > 0 ? o.limit : undefined;
  const out = typeof o.out === 'string' && o.out ? o.out : newOutDir(inputPath);

  const settings = readSettings();
  const needsModel = modes.some((m) => m !== 'reader');
  const choice = needsModel ? await createModelFromSettings(settings, ext.context.secrets, (m) => ext.log.warn(m)) : {};
  if (needsModel && !choice.model) return fail(ext, choice.problem ?? 'no model configured');
  for (const w of input.warnings.slice(0, 50)) ext.log.warn(`evaluation input: ${w}`);
  ext.log.info(`evaluation of ${inputPath} (${input.format}, ${questions} questions) in ${modes.join(', ')} → ${out}`);

  const result = await withNotificationProgress(
    `RECODE: Evaluating ${basename(inputPath)}`,
    true,
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      let last = 0;
      try {
        return await evaluate(
          input,
          { outDir: out, modes, concurrency: 2, limit, resume: false, judge: false, derender: derenderOptions(settings), describe: { input: inputPath, model: choice.model?.description } },
          { model: choice.model, renderer: () => rendererFor(ext), reader },
          (e) => {
            if (e.type === 'progress' && e.total > 0) {
              const pctDone = (e.done / e.total) * 100;
              progress.report({ message: `${e.done}/${e.total} · ${e.tokens} tokens`, increment: pctDone - last });
              last = pctDone;
            } else if (e.type === 'warning') ext.log.warn(`evaluation: ${e.message}`);
            else if (e.type === 'stopping') ext.log.info(`evaluation stopping: ${e.reason}`);
          },
          ac.signal,
        );
      } finally {
        sub.dispose();
      }
    },
  ).then(
    (r) => r,
    (e: unknown) => e as Error,
  );
  if (result instanceof Error) return fail(ext, errorText(result));
  const accuracy: Partial<Record<EvalMode, number>> = {};
  for (const m of modes) if (result.summary.byMode[m]) accuracy[m] = result.summary.byMode[m]!.accuracy;
  ext.log.info(`evaluation ${result.stopped ? `stopped (${result.stopped})` : 'finished'}: ${Object.entries(accuracy).map(([m, a]) => `${m} ${(a! * 100).toFixed(1)} %`).join(', ')}; report: ${result.reportPath}`);
  if (o.open !== false) await showReport(result.reportPath);
  return { status: result.stopped === 'cancelled' ? 'cancelled' : 'finished', out, reportPath: result.reportPath, accuracy };
}

/** The report in an editor tab: its own page, images embedded, its filter script and nothing else. */
async function showReport(reportPath: string): Promise<void> {
  const html = await vscode.workspace.fs.readFile(vscode.Uri.file(reportPath));
  const panel = vscode.window.createWebviewPanel('recode.evalReport', `RECODE: ${basename(dirname(reportPath))}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
  panel.webview.html = Buffer.from(html).toString('utf8');
  void showInfo(`RECODE: evaluation written to ${dirname(reportPath)}`, 'Open in Browser').then((b) => {
    if (b) void vscode.env.openExternal(vscode.Uri.file(reportPath));
  });
}
