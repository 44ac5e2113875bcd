// Builds every bundle of RECODE into dist/:
//   dist/extension.js        extension host (node, `vscode` external)
//   dist/cli.js              the `recode` CLI (node)
//   dist/pyodideWorker.js    the Node worker thread that hosts Pyodide (CLI, tests, extension host)
//   dist/webview/main.js     the panel UI (browser)
//   dist/webview/pyodideWorker.js  the Web Worker that hosts Pyodide inside the panel (browser)
//   dist/pyodide/            Pyodide's core runtime, copied from the npm package (shipped in the VSIX)
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };
const browser = { ...common, platform: 'browser', target: 'es2022', format: 'iife' };

const builds = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { ...node, entryPoints: ['src/core/render/pyodideWorker.ts'], outfile: 'dist/pyodideWorker.js' },
  { ...node, entryPoints: ['node_modules/tesseract.js/src/worker-script/node/index.js'], outfile: 'dist/tesseract/worker.js' },
  { ...browser, entryPoints: ['webview-ui/src/main.ts'], outfile: 'dist/webview/main.js' },
  { ...browser, entryPoints: ['webview-ui/src/pyodideWorker.ts'], outfile: 'dist/webview/pyodideWorker.js' },
].filter((b) => existsSync(join(root, b.entryPoints[0])));

/**
 * The chart reader's OCR, offline, next to the bundles: dist/tesseract/worker.js (tesseract.js's
 * Node worker, bundled below), the core builds it loads in Node (.wasm, found next to the worker; tesseract.js 7 picks the full, not the LSTM-only, build there) and
 * the English data (src/core/reader/ocr.ts looks here first, then in node_modules).
 */
function copyTesseractData() {
  if (!existsSync(join(root, 'node_modules', 'tesseract.js'))) return;
  const dst = join(root, 'dist', 'tesseract');
  mkdirSync(dst, { recursive: true });
  const core = dirname(require.resolve('tesseract.js-core/package.json'));
  for (const f of readdirSync(core)) if (/^tesseract-core(-simd|-relaxedsimd)?\.wasm$/.test(f)) copyFileSync(join(core, f), join(dst, f));
  const eng = join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int', 'eng.traineddata.gz');
  copyFileSync(eng, join(dst, 'eng.traineddata.gz'));
}

/** Pyodide's core runtime: the files loadPyodide needs, next to each other. */
function copyPyodideCore() {
  const src = dirname(require.resolve('pyodide/package.json'));
  const dst = join(root, 'dist', 'pyodide');
  mkdirSync(dst, { recursive: true });
  for (const f of readdirSync(src)) {
    if (/\.(mjs|js|wasm|zip|json|d\.ts)$/.test(f) && !f.endsWith('.map')) copyFileSync(join(src, f), join(dst, f));
  }
}

copyPyodideCore();
copyTesseractData();
if (existsSync(join(root, 'webview-ui', 'src', 'styles.css'))) {
  mkdirSync(join(root, 'dist', 'webview'), { recursive: true });
  copyFileSync(join(root, 'webview-ui', 'src', 'styles.css'), join(root, 'dist', 'webview', 'styles.css'));
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  console.log(`watching ${builds.length} bundles`);
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
