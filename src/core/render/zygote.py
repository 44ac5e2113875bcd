# RECODE fork server ("zygote") for the local CPython renderer. Trusted code: it runs inside the
# bubblewrap sandbox (uid 65534, read-only file system, no network, an outer seccomp filter that
# still refuses everything the per-program sandbox refuses except making child processes, unshare
# and mount). It imports matplotlib, numpy and the harness ONCE, then keeps one child forked ahead
# of the next job (a spare: its sandbox set up, its harness installed, waiting for the job on its
# stdin) and gives each job to it:
#
#   zygote --fork--> child C: unshare(user, mount, pid, net, ipc), map its uid
#                    --fork--> grandchild G, pid 1 of the new pid namespace: a private /tmp, /dev
#                              and /proc (its own /proc/self only), rlimits, every capability
#                              dropped, no_new_privs, non-dumpable, the STRICT seccomp filter (no
#                              processes), the harness's audit hook; only then the program.
#
# The zygote never runs a program, never parses a program's output: it relays the bytes of each
# job's descriptors to the host as frames (u32 job id, u8 kind, u32 length, bytes), at most
# `replyLimit` bytes per job. It stays single-threaded and refuses to fork if a thread appears.
#   argv: [-c, this source, the harness source]
#   stdin (from the host, JSON lines): line 1 {config, fontCache, filter (base64), tmpfsMb,
#     replyLimit}; then {"op": "job", "id": N, "job": {...}} and {"op": "kill", "id": N}.
#   fd 3 (to the host): frames. kind 'Z' (id 0): the zygote's own JSON (ready / error); 'C': the
#     job's reply channel (what the harness writes on fd 3: ready line, 'V ' lines, 'R ' line);
#     'O': the job's stdout/stderr; 'E': the job ended, JSON {status, signal, overflow}.
import os, sys, gc, json, base64, ctypes, select, struct, signal

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_NEWIPC = 0x40000000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


def check(r, what):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, '%s: %s' % (what, os.strerror(e)))


def mount(src, dst, fstype, flags, data=None):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    check(libc.mount(enc(src), enc(dst), enc(fstype), ctypes.c_ulong(flags), enc(data)), 'mount %s' % dst)


class SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]


class CapHeader(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32), ('inheritable', ctypes.c_uint32)]


def frame(job_id, kind, data):
    buf = memoryview(struct.pack('>IcI', job_id, kind, len(data)) + data)
    while buf:
        buf = buf[os.write(3, buf):]


def say(obj):
    frame(0, b'Z', json.dumps(obj).encode())


stdin_fd = 0
first = b''
while not first.endswith(b'\n'):
    c = os.read(stdin_fd, 1)
    if not c:
        break
    first += c
init = json.loads(first or b'{}')
cfg = init.get('config', {})
tmpfs_mb = int(init.get('tmpfsMb', 64))
reply_limit = int(init.get('replyLimit', 64 << 20))
strict = base64.b64decode(init.get('filter', ''))
base = os.path.dirname(os.path.realpath(str(cfg.get('workdir', '/tmp/recode-job/work'))))

harness = {'__name__': 'recode_harness'}
exec(compile(sys.argv[1], '<recode-harness>', 'exec'), harness)
harness['_recode_font_cache'](init)
try:
    harness['_recode_preload']()
except BaseException:  # the install in the child reports what is missing
    pass
cap_last = 40
try:
    with open('/proc/sys/kernel/cap_last_cap') as f:
        cap_last = int(f.read())
except (OSError, ValueError):
    pass
uid, gid = os.getuid(), os.getgid()
check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 'non-dumpable')
# what every child shares stays shared: the collector of a child never walks (and so never
# copies) the zygote's objects
gc.collect()
gc.freeze()
# nothing forked from here may hold the zygote's descriptors but its own job's
os.set_inheritable(3, False)


def threads():
    try:
        return len(os.listdir('/proc/self/task'))
    except OSError:
        return 1


def enter_sandbox():
    """In C (forked from the zygote): the namespaces, then G; returns in G only."""
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), 'pdeathsig')
    # /proc/self/{uid,gid}_map of a non-dumpable process belong to root: dumpable while mapping
    check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 'dumpable')
    if init.get('noUserns'):  # tests of the fallback: behave as where namespaces are refused
        raise OSError(1, 'unshare refused (RECODE_TEST_NO_USERNS)')
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC), 'unshare')
    for name, text in (('setgroups', 'deny'), ('uid_map', '%d %d 1' % (uid, uid)), ('gid_map', '%d %d 1' % (gid, gid))):
        with open('/proc/self/' + name, 'w') as f:
            f.write(text)
    check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 'non-dumpable')
    g = os.fork()
    if g:
        os.write(ctl_w, struct.pack('>i', g))
        os.close(ctl_w)
        for fd in (0, 1, 2, 3):
            os.close(fd)
        while True:
            try:
                _, st = os.waitpid(g, 0)
                break
            except ChildProcessError:
                os._exit(70)
        os._exit(128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st))
    os.close(ctl_w)
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), 'pdeathsig')
    # G: pid 1 of its namespace. A private file system view.
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    mount('recode-tmp', '/tmp', 'tmpfs', MS_NOSUID | MS_NODEV, 'size=%dm,mode=1777' % tmpfs_mb)
    stage = '/tmp/.recode-stage'
    os.mkdir(stage, 0o700)
    me = os.readlink('/proc/self')  # this process in the zygote's /proc
    os.mkdir(stage + '/self')
    mount('/proc/' + me, stage + '/self', None, MS_BIND | MS_REC)
    proc_files = [f for f in ('cpuinfo', 'meminfo') if os.path.exists('/proc/' + f)]
    dev_files = [f for f in ('null', 'zero', 'full', 'random', 'urandom') if os.path.exists('/dev/' + f)]
    for f in proc_files:
        open(stage + '/' + f, 'w').close()
        mount('/proc/' + f, stage + '/' + f, None, MS_BIND)
    for f in dev_files:
        open(stage + '/dev-' + f, 'w').close()
        mount('/dev/' + f, stage + '/dev-' + f, None, MS_BIND)
    # /proc: only this process (it sees neither the zygote nor the other jobs)
    mount('recode-proc', '/proc', 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'size=16k,mode=755')
    os.mkdir('/proc/self')
    mount(stage + '/self', '/proc/self', None, MS_MOVE)
    for f in proc_files:
        open('/proc/' + f, 'w').close()
        mount(stage + '/' + f, '/proc/' + f, None, MS_MOVE)
    mount(None, '/proc', None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # /dev: its own (the zygote's is a tmpfs every job would share)
    mount('recode-dev', '/dev', 'tmpfs', MS_NOSUID | MS_NOEXEC, 'size=16k,mode=755')
    for f in dev_files:
        open('/dev/' + f, 'w').close()
        mount(stage + '/dev-' + f, '/dev/' + f, None, MS_MOVE)
    for name, target in (('fd', '/proc/self/fd'), ('stdin', '/proc/self/fd/0'),
                         ('stdout', '/proc/self/fd/1'), ('stderr', '/proc/self/fd/2')):
        os.symlink(target, '/dev/' + name)
    os.mkdir('/dev/shm')
    mount('recode-shm', '/dev/shm', 'tmpfs', MS_NOSUID | MS_NODEV, 'size=1m,mode=1777')
    mount(None, '/dev', None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    os.rmdir(stage + '/self')
    for f in proc_files:
        os.remove(stage + '/' + f)
    for f in dev_files:
        os.remove(stage + '/dev-' + f)
    os.rmdir(stage)
    for d in (base, base + '/work', base + '/mpl', base + '/home'):
        os.makedirs(d, exist_ok=True)
    os.chdir(base + '/work')
    # no capability left (bounding set, ambient, then the sets themselves), no new privileges
    for c in range(cap_last + 1):
        check(libc.prctl(PR_CAPBSET_DROP, c, 0, 0, 0), 'drop capability %d' % c)
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 'clear ambient capabilities')
    hdr = CapHeader(0x20080522, 0)
    data = (CapData * 2)()
    check(libc.capset(ctypes.byref(hdr), ctypes.byref(data)), 'capset')
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'no_new_privs')
    check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 'non-dumpable')
    buf = ctypes.create_string_buffer(strict, len(strict))
    prog = SockFprog(len(strict) // 8, ctypes.cast(buf, ctypes.c_void_p))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), 'seccomp')


class Job:
    def __init__(self, job_id, pid, fds, ctl):
        self.id, self.pid, self.fds, self.ctl = job_id, pid, fds, ctl
        self.gpid = None
        self.total = 0
        self.status = None
        self.overflow = False
        self.pidfd = None
        self.job_w = None
        self.pending = []  # frames before the job was given (a spare's ready line)

    def kill(self):
        for p in (self.gpid, self.pid):
            if p:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass


jobs = {}
by_fd = {}
poller = select.poll()
poller.register(stdin_fd, select.POLLIN)


def spawn_child():
    """A child entering its sandbox now, before its job (a spare): its harness reports ready and
    waits for the job on its stdin, so a job finds its sandbox and harness already set up."""
    global ctl_w
    if threads() != 1:
        return None
    chan_r, chan_w = os.pipe()
    out_r, out_w = os.pipe()
    ctl_r, ctl_w = os.pipe()
    job_r, job_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(job_r, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            os.dup2(chan_w, 3)
            keep = os.dup(ctl_w)
            os.closerange(4, keep)
            os.closerange(keep + 1, 65536)
            ctl_w = keep
        except BaseException:
            os._exit(72)
        try:
            enter_sandbox()
        except BaseException as e:
            try:
                os.write(3, (json.dumps({'ready': False, 'error': 'namespaces: %s: %s' % (type(e).__name__, e)}) + '\n').encode())
            except OSError:
                pass
            os._exit(97)
        job_cfg = dict(cfg)
        job_cfg['warm'] = False
        sys.stdin = open(0, 'r', encoding='utf-8', closefd=False)  # nothing buffered from the zygote's stdin
        harness['_recode_main']({'config': job_cfg})
        os._exit(0)
    for fd in (chan_w, out_w, ctl_w, job_r):
        os.close(fd)
    j = Job(None, pid, {chan_r: b'C', out_r: b'O'}, ctl_r)
    j.job_w = job_w
    j.pidfd = os.pidfd_open(pid)
    for fd in (chan_r, out_r, ctl_r, j.pidfd):
        by_fd[fd] = j
        poller.register(fd, select.POLLIN)
    return j


spare = None


def start(job_id, job):
    """Gives the job to the spare child (made now if there is none), then makes the next spare."""
    global spare
    j = spare or spawn_child()
    spare = None
    if j is None:
        frame(job_id, b'C', (json.dumps({'ready': False, 'error': 'the fork server has a thread running'}) + '\n').encode())
        frame(job_id, b'E', json.dumps({'status': 71}).encode())
        return
    j.id = job_id
    jobs[job_id] = j
    for kind, data in j.pending:
        frame(job_id, kind, data)
    j.pending = []
    try:
        data = memoryview((json.dumps(job) + '\n').encode())
        while data:
            data = data[os.write(j.job_w, data):]
    except OSError:
        pass  # it died: its status says how
    os.close(j.job_w)
    j.job_w = None
    finish_if_done(j)
    spare = spawn_child()


def finish_if_done(j):
    if j.id is None or j.fds or j.ctl is not None or j.status is None:
        return
    frame(j.id, b'E', json.dumps(j.status).encode())
    jobs.pop(j.id, None)


def close_fd(j, fd):
    poller.unregister(fd)
    by_fd.pop(fd, None)
    os.close(fd)
    if fd == j.ctl:
        j.ctl = None
    else:
        j.fds.pop(fd, None)


def reap(j):
    """C ended (its pidfd is readable): its status, once."""
    poller.unregister(j.pidfd)
    by_fd.pop(j.pidfd, None)
    os.close(j.pidfd)
    j.pidfd = None
    try:
        _, st = os.waitpid(j.pid, 0)
    except ChildProcessError:
        st = 0
    j.status = {'status': os.WEXITSTATUS(st) if os.WIFEXITED(st) else None,
                'signal': os.WTERMSIG(st) if os.WIFSIGNALED(st) else None,
                'overflow': j.overflow}
    finish_if_done(j)


say({'ready': True, 'python': sys.version.split()[0], 'pid': os.getpid(), 'threads': threads()})
spare = spawn_child()
pending = b''
while True:
    events = poller.poll()
    for fd, ev in events:
        if fd == stdin_fd:
            chunk = os.read(stdin_fd, 1 << 20)
            if not chunk:
                for j in list(jobs.values()) + ([spare] if spare else []):
                    j.kill()
                os._exit(0)
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                msg = json.loads(line)
                if msg.get('op') == 'job':
                    start(int(msg['id']), msg['job'])
                elif msg.get('op') == 'kill' and int(msg['id']) in jobs:
                    jobs[int(msg['id'])].kill()
            continue
        j = by_fd.get(fd)
        if j is None:
            continue
        if fd == j.pidfd:
            reap(j)
            continue
        data = os.read(fd, 1 << 16)
        if fd == j.ctl:
            if len(data) == 4:
                j.gpid = struct.unpack('>i', data)[0]
            close_fd(j, fd)
        elif not data:
            close_fd(j, fd)
        else:
            j.total += len(data)
            if j.total > reply_limit:
                j.overflow = True
                j.kill()
                close_fd(j, fd)
            elif j.id is None:
                j.pending.append((j.fds[fd], data))
            else:
                frame(j.id, j.fds[fd], data)
        finish_if_done(j)
