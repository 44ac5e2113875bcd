/**
 * Finding a python for the local CPython renderer: which interpreter, its version, matplotlib and
 * the folders it needs (trusted code only, run once per command and cached). Node only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCapture, type Probe } from './isolation';

export type { Probe };

// ---------------------------------------------------------------------------------------------
// Finding a python
// ---------------------------------------------------------------------------------------------


const PROBE_PY = String.raw`
import json, os, sys, glob
out = {'path': sys.executable, 'version': sys.version.split()[0], 'matplotlib': None,
       'needs': [p for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                 os.path.dirname(os.__file__)] + sys.path if p]}
try:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.font_manager
    out['matplotlib'] = matplotlib.__version__
    out['needs'] += [matplotlib.get_data_path(), os.path.dirname(os.path.dirname(matplotlib.__file__))]
    try:
        import numpy
        out['needs'].append(os.path.dirname(os.path.dirname(numpy.__file__)))
    except Exception:
        pass
    files = sorted(glob.glob(os.path.join(matplotlib.get_cachedir(), 'fontlist-*.json')))
    if files:
        with open(files[-1], encoding='utf-8') as f:
            out['fontCache'] = {'name': os.path.basename(files[-1]), 'text': f.read()}
except Exception as e:
    out['error'] = '%s: %s' % (type(e).__name__, e)
out['needs'] = sorted(set(os.path.realpath(p) for p in out['needs']))
print(json.dumps(out))
`;

const probes = new Map<string, Promise<Probe | null>>();

/** Runs `cmd` (trusted code only) to learn its version, matplotlib and folders. Cached per command. */
export function probePython(cmd: string): Promise<Probe | null> {
  let p = probes.get(cmd);
  if (!p) {
    p = (async () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'recode-probe-'));
      try {
        const r = await runCapture({ cmd, args: ['-I', '-B', '-c', PROBE_PY] }, {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, MPLCONFIGDIR: tmp, MPLBACKEND: 'Agg', LANG: 'C.UTF-8' },
          cwd: tmp,
          timeoutMs: 60_000,
        });
        if (r.code !== 0) return null;
        const line = r.stdout.trim().split('\n').pop() ?? '';
        const v = JSON.parse(line) as Probe;
        return typeof v.path === 'string' ? v : null;
      } catch {
        return null;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    })();
    probes.set(cmd, p);
  }
  return p;
}

/**
 * The first of `candidates` (default ['python3', '/usr/bin/python3', 'python']) that imports
 * matplotlib: its sys.executable and matplotlib version; null if none does.
 */
export async function findPython(candidates?: string | string[]): Promise<{ path: string; matplotlib: string } | null> {
  const list = candidates === undefined ? ['python3', '/usr/bin/python3', 'python'] : Array.isArray(candidates) ? candidates : [candidates];
  for (const c of list) {
    const p = await probePython(c);
    if (p?.matplotlib) return { path: p.path, matplotlib: p.matplotlib };
  }
  return null;
}
