/**
 * One CPython process of the local renderer (fresh-process path): the harness's `_recode_main`,
 * one program, its reply channel (fd 3) read as untrusted data. Node only.
 */
import type { ChildProcess } from 'node:child_process';
import { promises as fsp, mkdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HARNESS_PY, type HarnessJob } from './harness';
import { spawnLaunch, type Launch } from './isolation';

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

export interface Ready {
  ready: boolean;
  python?: string;
  matplotlib?: string | null;
  error?: string;
}

/** What the renderer needs of a process serving one program (a fresh process, or a fork server's job). */
export interface RenderProcess {
  /** Resolves when the process can take its job (the harness is ready; a fork server: the zygote is). */
  readonly ready: Promise<Ready>;
  /** The reply line ('R ' removed), or null when the process ended without one. */
  readonly reply: Promise<string | null>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Raw stdout + stderr (below Python), capped. */
  raw: string;
  rawOverflow: boolean;
  killedBy?: 'timeout' | 'abort' | 'dispose' | 'reply-size' | 'startup';
  readonly violations: string[];
  tampered?: string;
  send(job: HarnessJob): void;
  kill(why: NonNullable<RenderProcess['killedBy']>): void;
  setRef(on: boolean): void;
  /** Whether it still runs. */
  running(): boolean;
}

/**
 * The reply channel (fd 3 of the harness), read as untrusted data (the program can write on it
 * too): line 1 = ready; then any number of 'V <violation>' lines, appended by the audit hook before
 * it raises (so a refused attempt is known here even if the program then forges a reply); then one
 * 'R <reply>' line. Anything else, or a second reply, is tampering. Over `limit` bytes: overflow.
 */
export class ChannelReader {
  private buf = '';
  private lines = 0;
  private replied = false;
  constructor(
    private readonly limit: number,
    private readonly on: { ready(r: Ready): void; violation(v: string): void; reply(r: string): void; tampered(t: string): void; overflow(): void },
  ) {}

  feed(d: Buffer): void {
    this.buf += d.toString('utf8');
    if (this.buf.length > this.limit) {
      this.buf = '';
      this.on.overflow();
      return;
    }
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      this.lines++;
      if (this.lines === 1) {
        try {
          this.on.ready(JSON.parse(line) as Ready);
        } catch {
          this.on.ready({ ready: false, error: 'the harness did not start' });
        }
      } else if (line.startsWith('V ')) {
        this.on.violation(oneLine(line.slice(2), 400));
      } else if (line.startsWith('R ') && !this.replied) {
        this.replied = true;
        this.on.reply(line.slice(2));
      } else {
        this.on.tampered(this.replied ? 'a second reply' : 'a line that is neither a violation nor a reply');
      }
    }
  }
}

export class PyProcess implements RenderProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<Ready>;
  readonly reply: Promise<string | null>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  raw = '';
  rawOverflow = false;
  killedBy?: 'timeout' | 'abort' | 'dispose' | 'reply-size' | 'startup';
  /** The temporary folder on the host, while it exists. */
  hostDir?: string;
  private refd = true;
  private readonly chan: Readable;
  private signalByStatus = false;
  /** What the audit hook refused, as the host received it (first 20). */
  readonly violations: string[] = [];
  /** Set when the reply channel carried something the harness does not write. */
  tampered?: string;

  constructor(
    readonly base: string,
    launch: Launch,
    python: string,
    init: object,
    private readonly rawLimit: number,
    replyLimit: number,
  ) {
    this.hostDir = base;
    const work = path.join(base, 'work');
    const mpl = path.join(base, 'mpl');
    const home = path.join(base, 'home');
    // With namespaces the folders exist only inside the sandbox (a tmpfs that vanishes with it);
    // otherwise they are a real temporary folder, removed when the process ends.
    const onHost = launch.isolation !== 'namespaces' && launch.isolation !== 'bwrap';
    if (onHost) for (const d of [work, mpl, home]) mkdirSync(d, { recursive: true });
    else this.hostDir = undefined;
    const boot =
      "import sys\ng = {'__name__': 'recode_harness'}\nexec(compile(sys.argv[1], '<recode-harness>', 'exec'), g)\ng['_recode_main']()\n";
    const c = launch.command(base, python, ['-I', '-B', '-c', boot, HARNESS_PY]);
    // bwrap passes on the exit status of the program, 128 + N when signal N killed it
    this.signalByStatus = launch.isolation === 'bwrap';
    this.child = spawnLaunch(c, {
      cwd: onHost ? work : os.tmpdir(),
      env: harnessEnv(home, mpl, work),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole (bwrap: its PID namespace dies with it)
    });
    this.chan = this.child.stdio[3] as Readable;
    const collect = (d: Buffer): void => {
      if (this.rawOverflow) return;
      const s = d.toString('utf8');
      if (this.raw.length + s.length > this.rawLimit) {
        this.raw += s.slice(0, Math.max(0, this.rawLimit - this.raw.length));
        this.rawOverflow = true;
      } else this.raw += s;
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.raw += `\n${e.message}`;
      });
      this.child.on('close', (code, signal) => {
        if (this.signalByStatus && signal === null && code !== null && code > 128 && code < 128 + 65) {
          const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
          if (name) return resolve({ code: null, signal: name });
        }
        resolve({ code, signal });
      });
    });
    // fd 3, read as untrusted data (the program can write on it too): see ChannelReader
    let resolveReady!: (r: Ready) => void;
    let resolveReply!: (r: string | null) => void;
    this.ready = new Promise((r) => (resolveReady = r));
    this.reply = new Promise((r) => (resolveReply = r));
    const reader = new ChannelReader(replyLimit, {
      ready: resolveReady,
      violation: (v) => {
        if (this.violations.length < 20) this.violations.push(v);
      },
      reply: resolveReply,
      tampered: (t) => {
        if (!this.tampered) this.tampered = t;
      },
      overflow: () => this.kill('reply-size'),
    });
    this.chan.on('data', (d: Buffer) => reader.feed(d));
    void this.exited.then(() => {
      resolveReady({ ready: false, error: this.startError() });
      resolveReply(null);
      if (this.hostDir) void fsp.rm(this.hostDir, { recursive: true, force: true }).catch(() => {});
      this.hostDir = undefined;
    });
    this.child.stdin?.on('error', () => {});
    this.child.stdin?.write(JSON.stringify(init) + '\n');
    this.setRef(false);
  }

  private startError(): string {
    const tail = this.raw.trim().split('\n').filter(Boolean).pop();
    return tail ? tail.slice(0, 300) : 'the Python process exited before it was ready';
  }

  setRef(on: boolean): void {
    if (on === this.refd) return;
    this.refd = on;
    const handles: Array<{ ref?: () => void; unref?: () => void } | null | undefined> = [
      this.child,
      this.child.stdin as unknown as { ref?: () => void; unref?: () => void },
      this.child.stdout as unknown as { ref?: () => void; unref?: () => void },
      this.child.stderr as unknown as { ref?: () => void; unref?: () => void },
      this.chan as unknown as { ref?: () => void; unref?: () => void },
    ];
    for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
  }

  send(job: HarnessJob): void {
    const stdin = this.child.stdin as Writable;
    stdin.write(JSON.stringify(job) + '\n');
    stdin.end();
  }

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(why: NonNullable<PyProcess['killedBy']>): void {
    if (!this.killedBy) this.killedBy = why;
    killGroup(this.child);
  }
}

/** s on one line, at most n characters, control characters removed. */
/** The whole environment of a harness process: nothing of the user's (BLAS single-threaded: a fork server forks). */
export function harnessEnv(home: string, mpl: string, work: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    MPLBACKEND: 'Agg',
    MPLCONFIGDIR: mpl,
    TMPDIR: work,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
}

export function oneLine(s: string, n: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
}

/** Every process of every renderer: their temporary folders are removed if Node exits first. */
export const allLive = new Set<{ kill(why: 'dispose'): void; hostDir?: string }>();
let exitHook = false;
export function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const p of allLive) {
      p.kill('dispose');
      if (p.hostDir) rmSync(p.hostDir, { recursive: true, force: true });
    }
  });
}

/** SIGKILL to a child's process group (it was started detached, as a group leader) and to the child itself. */
export function killGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  try {
    child.kill('SIGKILL');
  } catch {
    /* gone */
  }
}
