/**
 * The `recode` command line, on the same engine as the extension:
 *   recode derender IMAGE [--question Q] …     the whole loop; writes program, answer, renders, run record
 *                                              (no model configured: the chart reader's program, data.csv, overlay.png)
 *   recode read IMAGE [--json|--csv] [--overlay OUT.png]   the built-in chart reader (exit 3: cannot read)
 *   recode render PROGRAM.py -o OUT.png        run a program in the sandboxed renderer
 *   recode score IMAGE RENDER.png [--json]     the critic's score of a render against an image
 *   recode compare IMAGE PROGRAM.py            render + score, no model needed
 *   recode data PROGRAM.py [--csv]             the data a program draws, as JSON or CSV
 *   recode prepare [--from PATH]               get Pyodide's matplotlib packages once (or import them)
 *   recode demo                                the bundled example (what the README runs)
 * Every failure: a non-zero exit and one line saying why.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { join, resolve, basename, dirname } from 'node:path';
import { derender, compareProgram } from '../core/loop';
import { errorText } from '../core/text';
import { decodeImage, MAX_IMAGE_BYTES } from '../core/image';
import { prepareOriginal, scorePair, diffHeatmap } from '../core/critic/pixelCritic';
import { extractData, dataToCsv, dataToJson } from '../core/data';
import { writeFileAtomic, freshDir, readInputFile, InputFileError, checkNewFile, ensureWritableDir } from '../core/files';
import { programText } from '../core/program';
import { visible } from '../core/text';
import { planOutput, writeRunOutput } from './runOutput';
import { DEFAULT_OPTIONS, type RunEvent, type Renderer } from '../core/types';
import { modelConfigFromEnv } from '../core/model/config';
import { createOpenAIModel } from '../core/model/openaiModel';
import { UNISOLATED_HELP, chooseRenderer, defaultPackageDir, type RendererChoice } from './renderers';
import { Progress } from './progress';
import { packageRoot, packageVersion } from './paths';
import { prepareCommand } from './prepare';
import { registerEval } from './eval';
import { registerRead, demoWithoutModel, noModelConfigured, noModelLines, withOcr, ExitCodeError, EXIT_UNREADABLE } from './read';

class CliError extends Error {}

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};
const seconds = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 3600)) throw new InvalidArgumentError('must be a number of seconds between 0 and 3600');
  return n;
};

function rendererOption() {
  return new Option('--renderer <kind>', 'where programs run: pyodide (sandboxed WebAssembly), python (local CPython + matplotlib) or auto')
    .choices(['auto', 'pyodide', 'python'])
    .default('auto');
}

/** Images up to the decoder's limit; programs up to 4 MB (a model's program is a few KB). */
async function readInput(path: string, what: 'image' | 'render' | 'program'): Promise<Uint8Array> {
  try {
    return await readInputFile(path, what, what === 'program' ? 4 * 1024 * 1024 : MAX_IMAGE_BYTES);
  } catch (e) {
    throw e instanceof InputFileError ? new CliError(e.message) : e;
  }
}

async function withRenderer<T>(choice: RendererChoice, opts: { python?: string; packages?: string; unisolated?: boolean; renderConcurrency?: number }, fn: (r: Renderer) => Promise<T>): Promise<T> {
  const renderer = await chooseRenderer(choice, { pythonPath: opts.python, packageDir: opts.packages, unisolated: opts.unisolated, renderConcurrency: opts.renderConcurrency });
  try {
    return await fn(renderer);
  } finally {
    await renderer.dispose();
  }
}

export function buildProgram(): Command {
  const program = new Command('recode')
    .description('RECODE: answer questions about charts and diagrams by redrawing them as programs')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });

  program
    .command('derender')
    .description('derender IMAGE into a matplotlib program (and answer QUESTION by computing over it)')
    .argument('<image>', 'a PNG or JPEG chart or diagram')
    .option('-q, --question <text>', 'a question to answer about the image')
    .option('-n, --candidates <n>', 'candidate programs to generate', int('--candidates', 1, 16), DEFAULT_OPTIONS.candidates)
    .option('-k, --rounds <k>', 'refinement rounds with the model', int('--rounds', 0, 20), DEFAULT_OPTIONS.rounds)
    .option('--numeric-budget <renders>', 'renders for tuning the numbers without the model (0 = off)', int('--numeric-budget', 0, 2000), DEFAULT_OPTIONS.numericRefineBudget)
    .option('--model-critic', 'let the model rank near-tied renders', false)
    .option('--kind <kind>', 'chart, geometry or auto', 'auto')
    .option('--temperature <t>', 'sampling temperature for generation', parseFloat, DEFAULT_OPTIONS.temperature)
    .addOption(rendererOption())
    .option('--unisolated', UNISOLATED_HELP)
    .option('--python <path>', 'python with matplotlib for the python renderer (default: auto-detect)')
    .option('--render-concurrency <n>', 'programs the python renderer runs at once (default: the number of cores)', int('--render-concurrency', 1, 64))
    .option('--packages <dir>', 'folder with Pyodide packages (default: the user cache)')
    .option('--time-limit <s>', 'time limit per program run, seconds', seconds, DEFAULT_OPTIONS.renderTimeLimitMs / 1000)
    .option('-m, --model <name>', 'model name (else RECODE_MODEL)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (else RECODE_BASE_URL)')
    .option('-o, --out <dir>', 'where to write the results (a new folder; default ./recode-runs/<run id>)')
    .option('--json', 'print the result as JSON on stdout', false)
    .option('--no-reader', 'do not read the chart with the built-in reader first (its OCR text and program); needs a model')
    .action(async (imagePath: string, o) => {
      const env = { ...process.env };
      if (o.model) env.RECODE_MODEL = o.model;
      if (o.baseUrl) env.RECODE_BASE_URL = o.baseUrl;
      const cfg = modelConfigFromEnv(env);
      if (!cfg.config && !(noModelConfigured(env) && o.reader)) throw new CliError(cfg.problem ?? 'no model configured');
      if (!['chart', 'geometry', 'auto'].includes(o.kind)) throw new CliError('--kind must be chart, geometry or auto');
      const image = await readInput(imagePath, 'image');
      decodeImage(image, imagePath); // a clear error before any model call
      const plan = await planOutput(o.out, (p) => resolve(p)); // so is an --out that cannot be written
      const model = cfg.config ? createOpenAIModel(cfg.config) : undefined;
      const progress = new Progress(process.stderr, o.json);
      const ac = new AbortController();
      const onSigint = () => {
        progress.note('cancelling…');
        ac.abort();
      };
      process.once('SIGINT', onSigint);
      try {
        const outcome = await withRenderer(o.renderer, o, (renderer) => withOcr(o.reader, (ocr) =>
          derender(
            { image, imageName: basename(imagePath), question: o.question },
            { model, renderer, ocr },
            {
              reader: o.reader,
              candidates: o.candidates,
              rounds: o.rounds,
              numericRefineBudget: o.numericBudget,
              modelCritic: o.modelCritic,
              kind: o.kind,
              temperature: o.temperature,
              renderTimeLimitMs: o.timeLimit * 1000,
            },
            (e: RunEvent) => progress.event(e),
            ac.signal,
          ),
        ));
        progress.done();
        const runId = outcome.record.runId;
        // the run record is kept whatever happened (elsewhere, said so, if --out fails meanwhile)
        const written = await writeRunOutput(plan, outcome, image);
        const out = written.dir;
        if (written.fallback) process.stderr.write(`recode: ${written.fallback}\n`);
        const readingFiles = written.readingFiles;
        if (outcome.unreadable) throw new ExitCodeError(`${outcome.error} (run record: ${join(out, 'run.json')})`, EXIT_UNREADABLE);
        if (!outcome.summary) {
          throw new CliError(`${outcome.cancelled ? 'cancelled' : 'derender failed'}: ${outcome.error} (run record: ${join(out, 'run.json')})`);
        }
        const s = outcome.summary;
        if (o.json) {
          process.stdout.write(JSON.stringify({ out, runId, score: s.score, answer: s.answer, bestCandidateId: s.bestCandidateId, usage: s.usage, renders: s.renders }, null, 2) + '\n');
        } else {
          const lines = [
            ...(model ? [] : noModelLines(outcome, o.question)),
            `best program: ${s.bestCandidateId}, score ${s.score.score.toFixed(3)} (${Object.entries(s.score.parts).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})`,
          ];
          if (s.answer) {
            lines.push(`question: ${s.answer.question}`);
            lines.push(`answer: ${s.answer.value}${s.answer.computed ? '  (computed by running code over the recovered program)' : '  (NOT computed: the model\'s own words)'}`);
            if (s.answer.truncatedAt) lines.push(`(the answer is TRUNCATED: only its first ${s.answer.truncatedAt.toLocaleString('en')} characters were kept)`);
            if (s.answer.computation) lines.push(`computation:\n${indent(s.answer.computation)}`);
          }
          lines.push(`tokens: ${s.usage.promptTokens} in, ${s.usage.completionTokens} out; renders: ${s.renders}; ${(s.durationMs / 1000).toFixed(1)} s`);
          lines.push(`written to ${out}/ (program.py, render.png, diff.png, ${s.answer ? 'answer.json, ' : ''}${readingFiles.map((f) => f + ', ').join('')}renders/, run.json)`);
          // the answer and computation are the model's: its control characters are shown, not obeyed
          process.stdout.write(visible(lines.join('\n')) + '\n');
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });

  registerRead(program);

  program
    .command('render')
    .description('run PROGRAM.py in the sandboxed renderer and save its figure as a PNG')
    .argument('<program>', 'a Python file that draws with matplotlib')
    .requiredOption('-o, --output <png>', 'the PNG to write (never overwrites an existing file)')
    .option('--size <WxH>', 'figure size in pixels', '800x600')
    .option('--like <image>', 'use the size of this image')
    .addOption(rendererOption())
    .option('--unisolated', UNISOLATED_HELP)
    .option('--python <path>', 'python with matplotlib for the python renderer')
    .option('--packages <dir>', 'folder with Pyodide packages')
    .option('--time-limit <s>', 'time limit, seconds', seconds, DEFAULT_OPTIONS.renderTimeLimitMs / 1000)
    .action(async (programPath: string, o) => {
      const code = programText(await readInput(programPath, 'program'));
      let width: number, height: number;
      if (o.like) {
        const img = decodeImage(await readInput(o.like, 'image'), o.like);
        width = img.width;
        height = img.height;
      } else {
        const m = /^(\d{1,5})x(\d{1,5})$/.exec(o.size);
        if (!m) throw new CliError('--size must look like 800x600');
        width = Number(m[1]);
        height = Number(m[2]);
      }
      await checkNewFile(o.output); // before the work: it exists (a dangling symlink too), or its folder is a file
      const r = await withRenderer(o.renderer, o, (renderer) => renderer.render({ code, mode: 'figure', width, height, timeLimitMs: o.timeLimit * 1000 }));
      if (r.stdout.trim()) process.stderr.write(visible(r.stdout.trimEnd()) + '\n');
      if (!r.ok || !r.png) throw new CliError(`render failed (${r.errorKind ?? 'error'}): ${r.error ?? 'no figure'}${r.traceback ? '\n' + r.traceback : ''}`);
      await writeFileAtomic(o.output, r.png);
      process.stdout.write(`wrote ${o.output} (${width}×${height}, ${r.durationMs} ms)\n`);
    });

  program
    .command('score')
    .description('score how faithfully RENDER reproduces IMAGE (1 = identical)')
    .argument('<image>', 'the original')
    .argument('<render>', 'the redraw')
    .option('--json', 'one JSON object with score and parts', false)
    .option('--diff <png>', 'also write the difference heat-map')
    .action(async (imagePath: string, renderPath: string, o) => {
      const original = prepareOriginal(decodeImage(await readInput(imagePath, 'image'), imagePath));
      if (o.diff) await checkNewFile(o.diff); // never overwritten, nor renamed behind the user's back
      const render = decodeImage(await readInput(renderPath, 'render'), renderPath);
      const s = scorePair(original, render);
      if (o.diff) await writeFileAtomic(o.diff, diffHeatmap(original, render));
      if (o.json) process.stdout.write(JSON.stringify({ score: s.score, parts: s.parts, canvas: s.canvas }) + '\n');
      else process.stdout.write(`score ${s.score.toFixed(4)}  (${Object.entries(s.parts).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')})\n`);
    });

  program
    .command('compare')
    .description('render PROGRAM.py at the size of IMAGE and score it against IMAGE (no model needed)')
    .argument('<image>', 'the original')
    .argument('<program>', 'a Python file that draws with matplotlib')
    .addOption(rendererOption())
    .option('--unisolated', UNISOLATED_HELP)
    .option('--python <path>', 'python with matplotlib for the python renderer')
    .option('--packages <dir>', 'folder with Pyodide packages')
    .option('--time-limit <s>', 'time limit, seconds', seconds, DEFAULT_OPTIONS.renderTimeLimitMs / 1000)
    .option('-o, --out <dir>', 'also write render.png and diff.png into this (new) folder')
    .option('--json', 'one JSON object with score and parts', false)
    .action(async (imagePath: string, programPath: string, o) => {
      const image = await readInput(imagePath, 'image');
      decodeImage(image, imagePath);
      const code = programText(await readInput(programPath, 'program'));
      if (o.out) await ensureWritableDir(resolve(o.out)); // before the work
      const c = await withRenderer(o.renderer, o, (renderer) => compareProgram(image, code, renderer, undefined, o.timeLimit * 1000));
      if (!c.score) throw new CliError(`render failed (${c.render.errorKind ?? 'error'}): ${c.render.error ?? 'no figure'}${c.render.traceback ? '\n' + c.render.traceback : ''}`);
      let out: string | undefined;
      if (o.out) {
        out = await freshDir(resolve(o.out), 'compare');
        await writeFileAtomic(join(out, 'render.png'), c.render.png!);
        await writeFileAtomic(join(out, 'diff.png'), c.diffPng!);
      }
      if (o.json) process.stdout.write(JSON.stringify({ score: c.score.score, parts: c.score.parts, renderMs: c.render.durationMs, out }) + '\n');
      else {
        process.stdout.write(
          `score ${c.score.score.toFixed(4)}  (${Object.entries(c.score.parts).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}); rendered in ${c.render.durationMs} ms` +
            (out ? `; render.png and diff.png in ${out}` : '') +
            '\n',
        );
      }
    });

  program
    .command('data')
    .description('run PROGRAM.py and print the data it draws (bars, lines, points, slices)')
    .argument('<program>', 'a Python file that draws with matplotlib')
    .option('--csv', 'CSV instead of JSON', false)
    .addOption(rendererOption())
    .option('--unisolated', UNISOLATED_HELP)
    .option('--python <path>', 'python with matplotlib for the python renderer')
    .option('--packages <dir>', 'folder with Pyodide packages')
    .action(async (programPath: string, o) => {
      const code = programText(await readInput(programPath, 'program'));
      const { tables } = await withRenderer(o.renderer, o, (renderer) => extractData(code, renderer));
      const text = o.csv ? dataToCsv(tables) : dataToJson(tables);
      // labels come from the program: on a terminal, their control characters are shown, not obeyed
      process.stdout.write(process.stdout.isTTY ? visible(text) : text);
    });

  program
    .command('prepare')
    .description("get the Pyodide packages (matplotlib and its dependencies) once, checking every file's sha256")
    .option('--from <path>', 'import them from a folder or archive instead of downloading')
    .option('--dir <dir>', 'where to keep them', defaultPackageDir())
    .action(async (o) => prepareCommand(o));

  registerEval(program);

  program
    .command('demo')
    .description('the bundled example: derender it with the configured model, or (with none) render and score the example program')
    .action(async () => demo());

  return program;
}

async function demo(): Promise<void> {
  const examples = join(packageRoot(), 'media', 'examples');
  const chart = join(examples, 'insectsprays-bar.png');
  const cfg = modelConfigFromEnv(process.env);
  if (cfg.config) {
    process.stdout.write(`Derendering ${chart} with ${cfg.config.model} at ${cfg.config.baseURL}…\n`);
    await buildProgram().parseAsync(['derender', chart, '--question', 'What is the mean count for spray F?', '--out', join('recode-runs', 'demo')], { from: 'user' });
    return;
  }
  await demoWithoutModel(chart, cfg.problem ?? 'No model configured.', (args) => buildProgram().parseAsync(args, { from: 'user' }));
}

function indent(s: string): string {
  return s.trim().split('\n').map((l) => '    ' + l).join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return 2; // commander already printed the reason
    process.stderr.write(`recode: ${visible(oneLineError(e))}\n`);
    return e instanceof ExitCodeError ? e.exitCode : 1;
  }
}

function oneLineError(e: unknown): string {
  const m = errorText(e);
  // tracebacks stay multi-line; everything else is one line
  return m.includes('Traceback') ? m : m.replace(/\s*\n\s*/g, ' ');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`recode: ${visible(errorText(e))}\n`);
      process.exitCode = 1;
    },
  );
}

export { dirname };
