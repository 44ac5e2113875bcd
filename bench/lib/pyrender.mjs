// A small persistent CPython + matplotlib (Agg) renderer for the benchmarks: one /usr/bin/python3
// process, one JSON request a line on stdin, one JSON reply a line on stdout. Each program runs in
// fresh globals after `plt.close('all')` and `matplotlib.rcdefaults()`, and the current figure is
// saved at exactly width × height pixels (dpi 100), as the engine's renderers do. Used only when
// the engine's own local-python renderer (out/src/core/render/pythonRenderer.js) is not built.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { emitPyText } from '../../scripts/py-text.mjs';
emitPyText(); // out/…/harness.py.js: the harness source for the tsc build

const HARNESS = String.raw`
import sys, json, io, base64, os, traceback, warnings
warnings.filterwarnings('ignore')
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
for line in sys.stdin:
    req = json.loads(line)
    out = {'id': req['id']}
    try:
        plt.close('all')
        matplotlib.rcdefaults()
        g = {'__name__': '__main__'}
        _show = plt.show
        plt.show = lambda *a, **k: None
        try:
            exec(compile(req['code'], '<program>', 'exec'), g)
        finally:
            plt.show = _show
        if not plt.get_fignums():
            raise RuntimeError('the program drew no figure')
        fig = plt.gcf()
        w, h = req['width'], req['height']
        fig.set_dpi(100)
        fig.set_size_inches(w / 100, h / 100)
        buf = io.BytesIO()
        fig.savefig(buf, format='png', dpi=100)
        out['ok'] = True
        out['png'] = base64.b64encode(buf.getvalue()).decode()
    except BaseException as e:
        out['ok'] = False
        out['error'] = type(e).__name__ + ': ' + str(e)
        out['traceback'] = traceback.format_exc()[-2000:]
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
`;

/** Renderer-shaped ({ name, render(req), dispose() }) wrapper over the persistent process. */
export function createBenchRenderer(pythonPath = '/usr/bin/python3') {
  const cwd = mkdtempSync(join(tmpdir(), 'recode-bench-'));
  const proc = spawn(pythonPath, ['-u', '-c', HARNESS], { cwd, stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: '/usr/bin:/bin', HOME: cwd, MPLBACKEND: 'Agg' } });
  const pending = new Map();
  let seq = 0;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const r = JSON.parse(line);
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    p({
      ok: r.ok,
      png: r.png ? new Uint8Array(Buffer.from(r.png, 'base64')) : undefined,
      error: r.error,
      errorKind: r.ok ? undefined : 'python',
      traceback: r.traceback,
      stdout: '',
      durationMs: Date.now() - p.t0,
    });
  });
  proc.on('exit', () => {
    for (const p of pending.values()) p({ ok: false, error: 'the python process exited', errorKind: 'internal', stdout: '', durationMs: 0 });
    pending.clear();
  });
  return {
    name: 'bench-python',
    render(req) {
      return new Promise((resolve) => {
        const id = ++seq;
        const done = (r) => resolve(r);
        done.t0 = Date.now();
        pending.set(id, done);
        proc.stdin.write(JSON.stringify({ id, code: req.code, width: req.width, height: req.height }) + '\n');
      });
    },
    async dispose() {
      proc.stdin.end();
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    },
  };
}

/**
 * The engine's local-python renderer when it is built (out/src/core/render/pythonRenderer.js),
 * else the bench's own. Returns { renderer, kind }.
 */
export async function openRenderer(root, { preferEngine = true } = {}) {
  const built = join(root, 'out', 'src', 'core', 'render', 'pythonRenderer.js');
  if (preferEngine && existsSync(built)) {
    try {
      const mod = await import(built);
      const create = mod.createPythonRenderer ?? mod.default?.createPythonRenderer;
      if (create) {
        const renderer = create({ pythonPath: '/usr/bin/python3' });
        const smoke = await renderer.render({ code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\n', mode: 'figure', width: 200, height: 150, timeLimitMs: 60_000 });
        if (smoke.ok && smoke.png) return { renderer, kind: 'engine pythonRenderer (src/core/render/pythonRenderer.ts)' };
        console.error(`engine renderer failed its smoke render (${smoke.error}); using the bench renderer`);
        await renderer.dispose();
      }
    } catch (e) {
      console.error(`engine renderer unusable (${e.message}); using the bench renderer`);
    }
  }
  return { renderer: createBenchRenderer(), kind: 'bench persistent python' };
}
