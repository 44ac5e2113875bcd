// Builds small pure-Python wheels and a pyodide-lock.json for them (in the bundled lock's format),
// for the Pyodide package-folder tests. Uses Debian's python's zipfile.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { SYSTEM_PYTHON } from './paths';

export interface TestPackage {
  /** Lock name, e.g. 'recode-testpkg'. */
  name: string;
  /** Import name, e.g. 'recode_testpkg'. */
  module: string;
  /** The module's __init__.py. */
  source: string;
  depends?: string[];
  version?: string;
}

export interface BuiltWheel {
  name: string;
  file: string;
  path: string;
  sha256: string;
  entry: Record<string, unknown>;
}

const BUILD_PY = String.raw`
import base64, hashlib, json, sys, zipfile
spec = json.loads(sys.stdin.read())
mod, ver, name = spec['module'], spec['version'], spec['name']
files = {mod + '/__init__.py': spec['source'],
         '%s-%s.dist-info/METADATA' % (mod, ver): 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (name, ver),
         '%s-%s.dist-info/WHEEL' % (mod, ver): 'Wheel-Version: 1.0\nGenerator: recode-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
         '%s-%s.dist-info/top_level.txt' % (mod, ver): mod + '\n'}
record = []
for k, v in files.items():
    d = base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b'=').decode()
    record.append('%s,sha256=%s,%d' % (k, d, len(v.encode())))
record.append('%s-%s.dist-info/RECORD,,' % (mod, ver))
files['%s-%s.dist-info/RECORD' % (mod, ver)] = '\n'.join(record) + '\n'
with zipfile.ZipFile(spec['out'], 'w') as z:
    for k, v in files.items():
        z.writestr(zipfile.ZipInfo(k, date_time=(2024, 1, 1, 0, 0, 0)), v)
`;

/** Writes `<module>-<version>-py3-none-any.whl` into `dir`. */
export function buildWheel(dir: string, pkg: TestPackage): BuiltWheel {
  const version = pkg.version ?? '1.0.0';
  const file = `${pkg.module}-${version}-py3-none-any.whl`;
  const path = join(dir, file);
  const r = spawnSync(SYSTEM_PYTHON, ['-c', BUILD_PY], {
    input: JSON.stringify({ module: pkg.module, version, name: pkg.name, source: pkg.source, out: path }),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building ${file} failed: ${r.stderr}`);
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const entry = {
    name: pkg.name,
    version,
    file_name: file,
    install_dir: 'site',
    sha256,
    package_type: 'package',
    imports: [pkg.module],
    depends: pkg.depends ?? [],
    unvendored_tests: false,
    tool: {},
  };
  return { name: pkg.name, file, path, sha256, entry };
}

/** The `info` of the lock bundled with the Pyodide core (a lock must match the runtime). */
export function coreLockInfo(): Record<string, unknown> {
  const core = join(dirname(require.resolve('pyodide/package.json')), 'pyodide-lock.json');
  return (JSON.parse(readFileSync(core, 'utf8')) as { info: Record<string, unknown> }).info;
}

/** Writes a pyodide-lock.json listing `wheels` to `file`. */
export function writeLock(file: string, wheels: BuiltWheel[]): void {
  const packages: Record<string, unknown> = {};
  for (const w of wheels) packages[w.name] = w.entry;
  writeFileSync(file, JSON.stringify({ info: coreLockInfo(), packages }, null, 1));
}
