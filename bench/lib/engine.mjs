// The compiled engine (out/, from `npx tsc -p tsconfig.test.json`) and the baselines the benchmarks
// compare it with, all loaded in one place.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './programs.mjs';

const require = createRequire(import.meta.url);
const OUT = join(ROOT, 'out', 'src', 'core');

export function loadEngine() {
  const need = ['critic/pixelCritic.js', 'refine/numeric.js', 'image.js'];
  for (const f of need) {
    if (!existsSync(join(OUT, f))) throw new Error(`out/src/core/${f} is missing: run \`npx tsc -p tsconfig.test.json\` first`);
  }
  return {
    critic: require(join(OUT, 'critic/pixelCritic.js')),
    numeric: require(join(OUT, 'refine/numeric.js')),
    image: require(join(OUT, 'image.js')),
  };
}

/** The naive critic: 1 − pixelmatch mismatch ratio of the whole images, the render resized to the original. */
export function naiveCritic(image) {
  const pixelmatch = require('pixelmatch').default ?? require('pixelmatch');
  return {
    name: 'naive pixelmatch',
    prepare: (orig) => orig,
    score: (orig, render) => {
      const r = render.width === orig.width && render.height === orig.height ? render : image.resize(render, orig.width, orig.height);
      const bad = pixelmatch(orig.data, r.data, undefined, orig.width, orig.height, { threshold: 0.1 });
      return 1 - bad / (orig.width * orig.height);
    },
  };
}

/**
 * The critic as it was before issue 6 (the engine's first version, commit 1929d47), transpiled from
 * git on the fly; undefined when git or that commit is not available.
 */
export function firstCritic() {
  try {
    const src = execFileSync('git', ['show', '1929d47:src/core/critic/pixelCritic.ts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const ts = require('typescript');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const mod = { exports: {} };
    const req = (p) => (p === '../image' ? require(join(OUT, 'image.js')) : p === '../types' ? {} : require(p));
    new Function('exports', 'require', 'module', js)(mod.exports, req, mod);
    const c = mod.exports;
    return { name: 'first critic (1929d47)', prepare: (orig) => c.prepareOriginal(orig), score: (p, render) => c.scorePair(p, render).score };
  } catch {
    return undefined;
  }
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function readJsonIfExists(f) {
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
}
