/**
 * The fork server of the local CPython renderer (host side). One zygote per renderer (zygote.py):
 * a CPython started inside bubblewrap like the fresh-process path (same binds, read-only file
 * system, uid 65534, no network), with an outer seccomp filter that also lets it fork, unshare and
 * mount. It imports matplotlib, numpy and the harness once and forks a child per job (one ahead, so
 * that a job finds its child's sandbox and harness already set up); the child
 * enters its own user, mount, PID, network and IPC namespaces, and its grandchild (pid 1 there)
 * installs the strict filter and the audit hook before it runs the program (see zygote.py).
 *
 * The zygote relays each job's descriptors as frames (u32 job id, u8 kind, u32 length, bytes): the
 * host reads them as untrusted data with the same ChannelReader as a fresh process's fd 3, keeps
 * its own limits, kills a job that overruns through the zygote, and kills the whole zygote when a
 * killed job does not end within KILL_GRACE_MS or the framing is broken. Node only.
 */
/// <reference path="./pyText.d.ts" />
import type { ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import ZYGOTE_PY from './zygote.py';
import { HARNESS_PY, harnessJob, parseHarnessReply, type HarnessJob } from './harness';
import { bwrapCommand, seccompFilter } from './osSandbox';
import { BWRAP_BASE, spawnLaunch } from './isolation';
import { ChannelReader, killGroup, oneLine, type Ready, type RenderProcess } from './process';

/** How long a job the host killed may take to end before the whole zygote is killed. */
const KILL_GRACE_MS = 2000;
/** The largest frame the zygote writes (it reads 64 KiB at a time); anything larger is a broken zygote. */
const MAX_FRAME = 1 << 20;

export interface ZygoteOptions {
  python: string;
  needs: string[];
  tmpfsMb: number;
  /** bwrap runs as SANDBOX_UID (a root host). */
  asNobody: boolean;
  env: NodeJS.ProcessEnv;
  /** The init line: { config, fontCache } (the filter, tmpfsMb and replyLimit are added here). */
  init: { config: object; fontCache?: unknown };
  replyLimit: number;
  rawLimit: number;
  /** Tests only: another harness source (one without the audit hook, to test the OS walls alone). */
  harness?: string;
}

export class Zygote {
  readonly child: ChildProcess;
  /** Resolves when the zygote has imported everything and waits for jobs (or failed to). */
  readonly ready: Promise<Ready>;
  readonly exited: Promise<void>;
  dead = false;
  /** The zygote's own stderr (its last lines), for the reason it failed. */
  private errText = '';
  private readonly jobs = new Map<number, ZygoteJob>();
  private nextId = 1;
  private refs = 0;

  constructor(private readonly o: ZygoteOptions) {
    const c = bwrapCommand([o.python, '-I', '-B', '-c', ZYGOTE_PY, o.harness ?? HARNESS_PY], { base: BWRAP_BASE, tmpfsMb: o.tmpfsMb, needs: o.needs }, { asNobody: o.asNobody, filter: seccompFilter({ forkServer: true }) });
    this.child = spawnLaunch(c, { cwd: os.tmpdir(), env: o.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    let resolveReady!: (r: Ready) => void;
    this.ready = new Promise((r) => (resolveReady = r));
    const keepErr = (d: Buffer): void => {
      this.errText = (this.errText + d.toString('utf8')).slice(-4000);
    };
    this.child.stdout?.on('data', keepErr);
    this.child.stderr?.on('data', keepErr);
    let pending: Buffer = Buffer.alloc(0);
    (this.child.stdio[3] as Readable).on('data', (d: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, d]) : d;
      while (pending.length >= 9) {
        const id = pending.readUInt32BE(0);
        const kind = String.fromCharCode(pending[4]);
        const len = pending.readUInt32BE(5);
        if (len > MAX_FRAME) {
          this.errText += '\nthe fork server wrote a frame over the size limit';
          this.kill();
          pending = Buffer.alloc(0);
          return;
        }
        if (pending.length < 9 + len) break;
        const data = pending.subarray(9, 9 + len);
        pending = pending.subarray(9 + len);
        if (id === 0 && kind === 'Z') {
          try {
            resolveReady(JSON.parse(data.toString('utf8')) as Ready);
          } catch {
            resolveReady({ ready: false, error: 'the fork server did not start' });
          }
        } else this.jobs.get(id)?.frame(kind, data);
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => keepErr(Buffer.from(`\n${e.message}`)));
      this.child.on('close', () => {
        this.dead = true;
        resolveReady({ ready: false, error: this.reason() });
        for (const j of this.jobs.values()) j.zygoteEnded();
        this.jobs.clear();
        resolve();
      });
    });
    this.child.stdin?.on('error', () => {});
    const init = {
      ...o.init,
      filter: seccompFilter().toString('base64'),
      tmpfsMb: o.tmpfsMb,
      replyLimit: o.replyLimit,
      // tests of the fallback: behave as on a system that refuses namespaces (this can only refuse)
      ...(process.env.RECODE_TEST_NO_USERNS === '1' ? { noUserns: true } : {}),
    };
    (this.child.stdin as Writable).write(JSON.stringify(init) + '\n');
    this.setRef(false);
  }

  /** Why the zygote is not serving (its last line of stderr). */
  reason(): string {
    const tail = this.errText.trim().split('\n').filter(Boolean).pop();
    return tail ? `the fork server ended: ${tail.slice(0, 300)}` : 'the fork server ended';
  }

  /** A new job (not started until send()). */
  job(): ZygoteJob {
    const id = this.nextId++;
    const j = new ZygoteJob(this, id, this.o.replyLimit, this.o.rawLimit);
    if (this.dead) j.zygoteEnded();
    else this.jobs.set(id, j);
    return j;
  }

  /** @internal */
  post(msg: object): void {
    if (this.dead) return;
    (this.child.stdin as Writable).write(JSON.stringify(msg) + '\n');
  }

  /** @internal the job ended: forget it. */
  forget(id: number): void {
    this.jobs.delete(id);
  }

  /** Kills the zygote and, with it (bwrap's PID namespace), every job it runs. */
  kill(): void {
    killGroup(this.child);
  }

  /** Keeps Node alive while a job (or a waiter) needs the zygote; counted. */
  ref(on: boolean): void {
    this.refs += on ? 1 : -1;
    this.setRef(this.refs > 0);
  }

  private setRef(on: boolean): void {
    const handles: Array<{ ref?: () => void; unref?: () => void } | null | undefined> = [
      this.child,
      ...[0, 1, 2, 3].map((i) => this.child.stdio[i] as unknown as { ref?: () => void; unref?: () => void }),
    ];
    for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
  }
}

/** One program on a fork server: the same surface as a fresh process for the renderer. */
export class ZygoteJob implements RenderProcess {
  readonly ready: Promise<Ready>;
  readonly reply: Promise<string | null>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  raw = '';
  rawOverflow = false;
  killedBy?: RenderProcess['killedBy'];
  readonly violations: string[] = [];
  tampered?: string;
  /** The child could not enter its namespaces (the first line of its channel said why). */
  startError?: string;
  private ended = false;
  private refd = false;
  private resolveReply!: (r: string | null) => void;
  private resolveExit!: (r: { code: number | null; signal: NodeJS.Signals | null }) => void;
  private readonly reader: ChannelReader;

  constructor(
    private readonly z: Zygote,
    readonly id: number,
    replyLimit: number,
    private readonly rawLimit: number,
  ) {
    this.ready = z.ready;
    this.reply = new Promise((r) => (this.resolveReply = r));
    this.exited = new Promise((r) => (this.resolveExit = r));
    this.reader = new ChannelReader(replyLimit, {
      ready: (r) => {
        if (!r.ready) {
          this.startError = r.error ?? 'the sandboxed child did not start';
          this.raw = `${this.raw}\n${this.startError}`.trim();
        }
      },
      violation: (v) => {
        if (this.violations.length < 20) this.violations.push(v);
      },
      reply: (r) => this.resolveReply(r),
      tampered: (t) => {
        if (!this.tampered) this.tampered = t;
      },
      overflow: () => this.kill('reply-size'),
    });
  }

  send(job: HarnessJob): void {
    this.z.post({ op: 'job', id: this.id, job });
  }

  running(): boolean {
    return !this.ended;
  }

  /** @internal a frame from the zygote for this job */
  frame(kind: string, data: Buffer): void {
    if (this.ended) return;
    if (kind === 'C') this.reader.feed(data);
    else if (kind === 'O') {
      if (this.rawOverflow) return;
      const s = data.toString('utf8');
      if (this.raw.length + s.length > this.rawLimit) {
        this.raw += s.slice(0, Math.max(0, this.rawLimit - this.raw.length));
        this.rawOverflow = true;
      } else this.raw += s;
    } else if (kind === 'E') {
      let st: { status?: number | null; signal?: number | null; overflow?: boolean } = {};
      try {
        st = JSON.parse(data.toString('utf8'));
      } catch {
        /* a broken status: treated as an unknown end */
      }
      if (st.overflow && !this.killedBy) this.killedBy = 'reply-size';
      const code = typeof st.status === 'number' ? st.status : null;
      const sigNum = typeof st.signal === 'number' ? st.signal : code !== null && code > 128 && code < 128 + 65 ? code - 128 : null;
      const name = sigNum !== null ? (Object.entries(os.constants.signals).find(([, n]) => n === sigNum)?.[0] as NodeJS.Signals | undefined) : undefined;
      this.end(name ? { code: null, signal: name } : { code, signal: null });
    }
  }

  /** @internal the zygote died: this job died with it. */
  zygoteEnded(): void {
    if (this.ended) return;
    if (!this.killedBy) this.raw = `${this.raw}\n${this.z.reason()}`.trim();
    this.end({ code: null, signal: 'SIGKILL' });
  }

  private end(r: { code: number | null; signal: NodeJS.Signals | null }): void {
    if (this.ended) return;
    this.ended = true;
    this.z.forget(this.id);
    this.setRef(false);
    this.resolveReply(null);
    this.resolveExit(r);
  }

  kill(why: NonNullable<RenderProcess['killedBy']>): void {
    if (!this.killedBy) this.killedBy = why;
    if (this.ended) return;
    this.z.post({ op: 'kill', id: this.id });
    // a zygote that does not end the job is not trusted with another one
    const t = setTimeout(() => {
      if (!this.ended) this.z.kill();
    }, KILL_GRACE_MS);
    t.unref();
  }

  setRef(on: boolean): void {
    if (on === this.refd || (on && this.ended)) return;
    this.refd = on;
    this.z.ref(on);
  }
}

/** Run by the fork server's first child (a program like any other): what it sees of its sandbox. */
const FORK_CHECK_PY = String.raw`
import json, os
st = {}
with open('/proc/self/status') as f:
    for line in f:
        k, _, v = line.partition(':')
        st[k] = v.strip()
with open('/proc/self/net/dev') as f:
    ifaces = sorted(l.split(':')[0].strip() for l in f.read().splitlines()[2:] if ':' in l)
answer = json.dumps({'pid': str(os.getpid()), 'Seccomp': st.get('Seccomp'), 'NoNewPrivs': st.get('NoNewPrivs'),
                     'CapEff': st.get('CapEff'), 'CapBnd': st.get('CapBnd'), 'ifaces': ','.join(ifaces)})
`;

/**
 * Waits for the zygote and runs FORK_CHECK_PY in a child: it must see itself as pid 1 with no
 * capability (bounding set too), no_new_privs, a seccomp filter and no network but loopback. On
 * failure the zygote is killed and the reason returned (the renderer then uses fresh processes).
 */
export async function checkForkServer(z: Zygote, limits: { maxOutputBytes: number; maxPixels: number }, timeoutMs: number): Promise<{ ok: boolean; reason?: string }> {
  z.ref(true);
  try {
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    const ready = await Promise.race([z.ready, timeout]);
    if (ready === 'timeout' || !ready.ready) throw new Error(ready === 'timeout' ? 'it did not start in time' : (ready.error ?? 'it did not start'));
    const j = z.job();
    j.send(harnessJob({ code: FORK_CHECK_PY, mode: 'script', width: 1, height: 1 }, { ...limits, cpuSeconds: 30 }));
    const line = await Promise.race([j.reply, timeout]);
    if (line === 'timeout' || line === null) throw new Error(j.startError ?? (line === 'timeout' ? 'the check program did not reply' : j.raw.trim().split('\n').pop() || 'the check program ended without a reply'));
    const reply = parseHarnessReply(line);
    const v = reply.ok ? (JSON.parse(reply.answer ?? '{}') as Record<string, string>) : undefined;
    if (!v) throw new Error(`the check program failed: ${reply.error ?? 'no answer'}`);
    if (v.pid !== '1' || v.Seccomp !== '2' || v.NoNewPrivs !== '1' || !/^0+$/.test(v.CapEff ?? '') || !/^0+$/.test(v.CapBnd ?? '') || v.ifaces !== 'lo') {
      throw new Error(`the child's sandbox was incomplete (${JSON.stringify(v)})`);
    }
    return { ok: true };
  } catch (e) {
    z.kill();
    return { ok: false, reason: oneLine((e as Error).message, 300) };
  } finally {
    z.ref(false);
  }
}
