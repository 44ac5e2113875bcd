/**
 * The operating-system wall around a local CPython program (Linux): Debian's `bubblewrap`
 * (the sandbox behind Flatpak) with a seccomp filter built here. Node only.
 *
 * What `bwrapArgs` sets up, and what holds even when the program gets a shell inside:
 *   - new user, mount, PID, network, IPC, UTS and cgroup namespaces (`--unshare-all`,
 *     `--unshare-user`); a non-root uid/gid inside (65534); every capability dropped
 *     (`--cap-drop ALL`); no_new_privs (bwrap always sets it); `--new-session` (no TIOCSTI into
 *     the host's terminal); `--die-with-parent`;
 *   - a minimal read-only file system: /usr (and the /bin, /lib… links of a merged-/usr system),
 *     the few /etc files Python, numpy, matplotlib and fontconfig read, and the python's own
 *     folders when they lie elsewhere (e.g. a pyenv prefix) — never the user's home or working
 *     folder; a fresh /proc and a minimal /dev; a private size-limited tmpfs /tmp holding the job
 *     folder; no network (only the new namespace's own loopback);
 *   - a seccomp filter (x86_64 and aarch64; any other architecture, and the x32 ABI, is killed)
 *     refusing mount and the new mount API, umount2, pivot_root, chroot, unshare, setns, clone
 *     with namespace flags, process creation (fork, vfork, clone without CLONE_THREAD: a program
 *     cannot start a shell), clone3 (ENOSYS, so libc falls back to clone, whose flags are checked),
 *     ptrace, process_vm_readv/writev, kcmp, bpf, keyctl, add_key, request_key, perf_event_open,
 *     personality, open_by_handle_at, name_to_handle_at, module loading, kexec, userfaultfd,
 *     io_uring, and clock/host administration calls.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import * as os from 'node:os';

// ---------------------------------------------------------------------------------------------
// seccomp BPF
// ---------------------------------------------------------------------------------------------

/** One classic BPF instruction: struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }. */
interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const BPF_RET_K = 0x06; // BPF_RET | BPF_K

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
const X32_SYSCALL_BIT = 0x40000000;

// offsets in struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16; // little-endian: the low 32 bits of args[0]

const CLONE_THREAD = 0x00010000;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME. */
export const CLONE_NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080;

interface ArchTable {
  arch: number;
  /** syscalls refused with EPERM */
  deny: number[];
  clone: number;
  clone3: number;
  x32: boolean;
}

/** Syscall numbers (x86_64: arch/x86/entry/syscalls/syscall_64.tbl; aarch64: the generic table). */
const X86_64: ArchTable = {
  arch: AUDIT_ARCH_X86_64,
  x32: true,
  clone: 56,
  clone3: 435,
  deny: [
    165, // mount
    166, // umount2
    155, // pivot_root
    161, // chroot
    272, // unshare
    308, // setns
    101, // ptrace
    310, // process_vm_readv
    311, // process_vm_writev
    312, // kcmp
    321, // bpf
    250, // keyctl
    248, // add_key
    249, // request_key
    298, // perf_event_open
    135, // personality
    57, // fork
    58, // vfork
    304, // open_by_handle_at
    303, // name_to_handle_at
    175, // init_module
    313, // finit_module
    176, // delete_module
    246, // kexec_load
    320, // kexec_file_load
    323, // userfaultfd
    425, // io_uring_setup
    426, // io_uring_enter
    427, // io_uring_register
    428, // open_tree
    429, // move_mount
    430, // fsopen
    431, // fsconfig
    432, // fsmount
    433, // fspick
    442, // mount_setattr
    163, // acct
    167, // swapon
    168, // swapoff
    169, // reboot
    103, // syslog
    179, // quotactl
    172, // iopl
    173, // ioperm
    134, // uselib
    164, // settimeofday
    227, // clock_settime
    159, // adjtimex
    305, // clock_adjtime
    170, // sethostname
    171, // setdomainname
  ],
};

const AARCH64: ArchTable = {
  arch: AUDIT_ARCH_AARCH64,
  x32: false,
  clone: 220,
  clone3: 435,
  deny: [
    40, // mount
    39, // umount2
    41, // pivot_root
    51, // chroot
    97, // unshare
    268, // setns
    117, // ptrace
    270, // process_vm_readv
    271, // process_vm_writev
    272, // kcmp
    280, // bpf
    219, // keyctl
    217, // add_key
    218, // request_key
    241, // perf_event_open
    92, // personality
    265, // open_by_handle_at
    264, // name_to_handle_at
    105, // init_module
    273, // finit_module
    106, // delete_module
    104, // kexec_load
    294, // kexec_file_load
    282, // userfaultfd
    425, // io_uring_setup
    426, // io_uring_enter
    427, // io_uring_register
    428, // open_tree
    429, // move_mount
    430, // fsopen
    431, // fsconfig
    432, // fsmount
    433, // fspick
    442, // mount_setattr
    89, // acct
    224, // swapon
    225, // swapoff
    142, // reboot
    116, // syslog
    60, // quotactl
    170, // settimeofday
    112, // clock_settime
    171, // adjtimex
    266, // clock_adjtime
    161, // sethostname
    162, // setdomainname
  ],
};

const ld = (k: number): Insn => ({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k });
const ret = (k: number): Insn => ({ code: BPF_RET_K, jt: 0, jf: 0, k: k >>> 0 });
const jeq = (k: number, jt: number, jf: number): Insn => ({ code: BPF_JEQ_K, jt, jf, k: k >>> 0 });
const jge = (k: number, jt: number, jf: number): Insn => ({ code: BPF_JGE_K, jt, jf, k: k >>> 0 });
const jset = (k: number, jt: number, jf: number): Insn => ({ code: BPF_JSET_K, jt, jf, k: k >>> 0 });

/** The instructions for one architecture, assuming the accumulator holds the syscall number. */
function archBlock(t: ArchTable, o: FilterOptions): Insn[] {
  const out: Insn[] = [ld(OFF_NR)];
  if (t.x32) out.push(jge(X32_SYSCALL_BIT, 0, 1), ret(SECCOMP_RET_KILL_PROCESS));
  const processes = t === X86_64 ? [57, 58] : [];
  // the fork server's outer filter: unshare (its children's namespaces) and mount (their private
  // /tmp, /dev and /proc) too; each child installs the strict filter before it runs a program
  const forkServer = t === X86_64 ? [272, 165] : [97, 40];
  const allowProcesses = o.allowProcesses || o.forkServer;
  for (const nr of t.deny) {
    if (allowProcesses && processes.includes(nr)) continue;
    if (o.forkServer && forkServer.includes(nr)) continue;
    out.push(jeq(nr, 0, 1), ret(SECCOMP_RET_ERRNO | EPERM));
  }
  out.push(jeq(t.clone3, 0, 1), ret(SECCOMP_RET_ERRNO | ENOSYS));
  // clone: only a thread (CLONE_THREAD) and never with a namespace flag
  out.push(
    jeq(t.clone, 0, 5),
    ld(OFF_ARG0_LO),
    jset(CLONE_NS_FLAGS, 2, 0),
    jset(allowProcesses ? 0xffffffff : CLONE_THREAD, 0, 1),
    ret(SECCOMP_RET_ALLOW),
    ret(SECCOMP_RET_ERRNO | EPERM),
  );
  out.push(ret(SECCOMP_RET_ALLOW));
  return out;
}

export interface FilterOptions {
  /** Let fork, vfork and clone without CLONE_THREAD through (namespace flags stay refused). */
  allowProcesses?: boolean;
  /** The fork server's outer filter: processes, unshare and mount (everything else stays refused). */
  forkServer?: boolean;
}

/**
 * The filter's instructions (exported for tests). `allowProcesses`: only for the test that gives a
 * shell every other wall of the sandbox. `forkServer`: the zygote's (zygote.py), never a program's.
 */
export function seccompProgram(o: FilterOptions = {}): Insn[] {
  const x86 = archBlock(X86_64, o);
  const arm = archBlock(AARCH64, o);
  // ld arch; jeq x86_64 → x86 block; jeq aarch64 → arm block; else kill
  const head: Insn[] = [ld(OFF_ARCH), jeq(AUDIT_ARCH_X86_64, 2, 0), jeq(AUDIT_ARCH_AARCH64, 1 + x86.length, 0), ret(SECCOMP_RET_KILL_PROCESS)];
  // after the head: [x86 block][arm block]; the x86 jump (jt=2) lands on the x86 block's first
  // instruction (head index 1 + 1 + 2 = 4), the aarch64 one (jt=1+x86.length) on the arm block.
  const prog = [...head, ...x86, ...arm];
  for (const i of prog) if (i.jt > 255 || i.jf > 255) throw new Error('seccomp jump out of range');
  return prog;
}

/** The compiled filter: an array of struct sock_filter in the host's byte order (what bwrap --seccomp reads). */
export function seccompFilter(o: FilterOptions = {}): Buffer {
  const prog = seccompProgram(o);
  const buf = Buffer.alloc(prog.length * 8);
  const le = os.endianness() === 'LE';
  prog.forEach((i, n) => {
    const o = n * 8;
    if (le) {
      buf.writeUInt16LE(i.code, o);
      buf.writeUInt32LE(i.k, o + 4);
    } else {
      buf.writeUInt16BE(i.code, o);
      buf.writeUInt32BE(i.k, o + 4);
    }
    buf.writeUInt8(i.jt, o + 2);
    buf.writeUInt8(i.jf, o + 3);
  });
  return buf;
}

// ---------------------------------------------------------------------------------------------
// bubblewrap
// ---------------------------------------------------------------------------------------------

export function bwrapBinary(): string | undefined {
  for (const p of ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap']) if (existsSync(p)) return p;
  return undefined;
}

/** The uid/gid a program runs as inside the sandbox (and, when the host runs as root, outside). */
export const SANDBOX_UID = 65534;

/** The file descriptor bwrap reads the seccomp filter from. */
export const SECCOMP_FD = 4;

/** Files and folders of /etc that Python, numpy, matplotlib and fontconfig read. */
const ETC = ['/etc/fonts', '/etc/alternatives', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/matplotlibrc', '/etc/localtime', '/etc/mime.types'];

export interface BwrapLayout {
  /** Where the job folder is inside the sandbox (in its private /tmp). */
  base: string;
  /** Size of the private /tmp, MB. */
  tmpfsMb: number;
  /** Folders the python needs (its prefixes, sys.path, matplotlib's data): bound read-only when outside /usr. */
  needs: string[];
}

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : root + '/');
}

/** Folders that are never bound, even when the python lists them: homes and the user's working folder. */
function privateFolders(): string[] {
  const out: string[] = [];
  for (const c of [os.homedir(), process.cwd(), '/home', '/root']) {
    try {
      out.push(realpathSync(c));
    } catch {
      /* absent */
    }
  }
  return out;
}

/** The bwrap arguments (before the command) for one program. */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const a = ['--unshare-all', '--unshare-user', '--cap-drop', 'ALL', '--die-with-parent', '--new-session', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID), '--hostname', 'recode-sandbox'];
  a.push('--ro-bind', '/usr', '/usr');
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const st = lstatSync(top);
      if (st.isSymbolicLink()) a.push('--symlink', readlinkSync(top), top);
      else if (st.isDirectory()) a.push('--ro-bind', top, top);
    } catch {
      /* absent */
    }
  }
  const etc = [...ETC];
  try {
    for (const e of readdirSync('/etc')) if (/^python3(\.\d+)?$/.test(e)) etc.push(`/etc/${e}`);
  } catch {
    /* no /etc */
  }
  for (const e of etc) a.push('--ro-bind-try', e, e);
  const hidden = privateFolders();
  const bound: string[] = ['/usr'];
  for (const n of [...layout.needs].sort()) {
    if (!n.startsWith('/') || n === '/' || bound.some((b) => under(n, b))) continue;
    if (under(n, '/etc') || under(n, '/proc') || under(n, '/dev') || under(n, '/sys') || under(n, '/tmp')) continue;
    // a python inside a home folder (pyenv, a venv) is bound, but never a home or the working folder itself
    if (hidden.some((h) => under(h, n))) continue;
    if (!existsSync(n)) continue;
    a.push('--ro-bind', n, n);
    bound.push(n);
  }
  a.push('--proc', '/proc', '--dev', '/dev');
  a.push('--size', String(layout.tmpfsMb * 1024 * 1024), '--perms', '1777', '--tmpfs', '/tmp');
  a.push('--dir', layout.base, '--dir', `${layout.base}/work`, '--dir', `${layout.base}/mpl`, '--dir', `${layout.base}/home`);
  a.push('--remount-ro', '/'); // the sandbox's own root (a tmpfs holding the mount points) is not writable either
  a.push('--chdir', `${layout.base}/work`);
  a.push('--seccomp', String(SECCOMP_FD));
  return a;
}

/** Whether bwrap supports every option used here (0.8.0: --size, --perms). Cached. */
let bwrapUsable: { ok: boolean; reason?: string } | undefined;
export function bwrapAvailable(): { ok: boolean; reason?: string } {
  if (bwrapUsable) return bwrapUsable;
  if (process.platform !== 'linux') return (bwrapUsable = { ok: false, reason: `not Linux (${process.platform})` });
  // tests of the fallback: behave as on a machine without bubblewrap (this can only refuse)
  if (process.env.RECODE_TEST_NO_BWRAP === '1') return (bwrapUsable = { ok: false, reason: 'bubblewrap is turned off (RECODE_TEST_NO_BWRAP)' });
  const bin = bwrapBinary();
  if (!bin) return (bwrapUsable = { ok: false, reason: 'bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)' });
  const r = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 10_000 });
  const help = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  for (const opt of ['--unshare-all', '--cap-drop', '--seccomp', '--size', '--perms', '--die-with-parent', '--new-session']) {
    if (!help.includes(opt)) return (bwrapUsable = { ok: false, reason: `${bin} is too old (no ${opt}; bubblewrap 0.8 or later is needed)` });
  }
  return (bwrapUsable = { ok: true });
}

/** A command under bwrap: what to spawn, as whom, and the filter to write on fd SECCOMP_FD. */
export interface SandboxCommand {
  cmd: string;
  args: string[];
  uid?: number;
  gid?: number;
  seccomp: Buffer;
}

/**
 * `argv` under the sandbox. `asNobody`: run bwrap itself as SANDBOX_UID (when the host runs as
 * root, so that no file owned by root is the program's own). `filter` defaults to seccompFilter().
 */
export function bwrapCommand(argv: string[], layout: BwrapLayout, o: { asNobody?: boolean; filter?: Buffer } = {}): SandboxCommand {
  return {
    cmd: bwrapBinary() ?? 'bwrap',
    args: [...bwrapArgs(layout), '--', ...argv],
    seccomp: o.filter ?? seccompFilter(),
    ...(o.asNobody ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : {}),
  };
}
