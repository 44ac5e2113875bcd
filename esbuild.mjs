// Builds every bundle of RECODE into dist/:
//   dist/extension.js        extension host (node, `vscode` external)
//   dist/cli.js              the `recode` CLI (node)
//   dist/pyodideWorker.js    the Node worker thread that hosts Pyodide (CLI, tests, extension host)
//   dist/webview/main.js     the panel UI (browser)
//   dist/webview/pyodideWorker.js  the Web Worker that hosts Pyodide inside the panel (browser)
//   dist/pyodide/            Pyodide's core runtime, copied from the npm package (shipped in the VSIX)
//   dist/tesseract/          the OCR worker (tesseract.js's Node worker script, bundled), its LSTM-only
//                            wasm builds and the English LSTM data (4.0.0_best_int), for the chart reader
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
  // Python sources (src/core/render/harness.py) are imported as text.
  loader: { '.py': 'text' },
};

const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };
const browser = { ...common, platform: 'browser', target: 'es2022', format: 'iife' };

const builds = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { ...node, entryPoints: ['src/core/render/pyodideWorker.ts'], outfile: 'dist/pyodideWorker.js' },
  // tesseract.js 7.0.0's Node getCore passes `lstmOnly` (a boolean) where it tests for an OEM number, so
  // it always picks the legacy+LSTM cores: the bundle maps those to the LSTM-only builds it ships.
  {
    ...node,
    entryPoints: ['node_modules/tesseract.js/src/worker-script/node/index.js'],
    outfile: 'dist/tesseract/worker.js',
    external: ['node-fetch'],
    alias: {
      'tesseract.js-core/tesseract-core-relaxedsimd': 'tesseract.js-core/tesseract-core-relaxedsimd-lstm',
      'tesseract.js-core/tesseract-core-simd': 'tesseract.js-core/tesseract-core-simd-lstm',
      'tesseract.js-core/tesseract-core': 'tesseract.js-core/tesseract-core-lstm',
    },
  },
  { ...browser, entryPoints: ['webview-ui/src/main.ts'], outfile: 'dist/webview/main.js' },
  { ...browser, entryPoints: ['webview-ui/src/pyodideWorker.ts'], outfile: 'dist/webview/pyodideWorker.js' },
].filter((b) => existsSync(join(root, b.entryPoints[0])));

/** Pyodide's core runtime: the files loadPyodide needs, next to each other. */
function copyPyodideCore() {
  const src = dirname(require.resolve('pyodide/package.json'));
  const dst = join(root, 'dist', 'pyodide');
  mkdirSync(dst, { recursive: true });
  for (const f of readdirSync(src)) {
    if (/\.(mjs|js|wasm|zip|json|d\.ts)$/.test(f) && !f.endsWith('.map')) copyFileSync(join(src, f), join(dst, f));
  }
}

/**
 * The OCR's files: the LSTM-only wasm builds tesseract.js-core picks from (relaxed SIMD, SIMD, plain;
 * the bundled worker loads them from its own folder) and the LSTM-only English data.
 */
function copyTesseract() {
  const core = dirname(require.resolve('tesseract.js-core/package.json'));
  const eng = dirname(require.resolve('@tesseract.js-data/eng/package.json'));
  const dst = join(root, 'dist', 'tesseract');
  mkdirSync(dst, { recursive: true });
  for (const f of ['tesseract-core-relaxedsimd-lstm.wasm', 'tesseract-core-simd-lstm.wasm', 'tesseract-core-lstm.wasm']) copyFileSync(join(core, f), join(dst, f));
  copyFileSync(join(eng, '4.0.0_best_int', 'eng.traineddata.gz'), join(dst, 'eng.traineddata.gz'));
}

copyPyodideCore();
copyTesseract();
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
