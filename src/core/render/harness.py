# RECODE render harness: runs one untrusted matplotlib program and returns its render.
# Shared, unchanged, by the Pyodide renderer (Node worker, webview Web Worker) and the local
# CPython renderer. The host runs this source once, then calls
#     run = _recode_install(config_json)       # imports matplotlib, closes the sandbox
#     reply_json = run(job_json)               # one program; never raises
# The local CPython renderer calls _recode_main() instead (one job over stdin, reply on fd 3).
import sys, os, io, json, base64, math, builtins, warnings, weakref, _thread

# Imports refused to the program itself (a library may still import them lazily: what they do is
# checked by the audit hook, e.g. subprocess.Popen, socket.connect, ctypes.dlopen are refused).
_BLOCKED_TOP = frozenset((
    'ctypes', '_ctypes', 'subprocess', '_posixsubprocess', 'socket', '_socket', 'ssl', '_ssl',
    'select', 'selectors', 'multiprocessing', '_multiprocessing', 'pty', 'webbrowser', 'ftplib',
    'smtplib', 'poplib', 'imaplib', 'nntplib', 'telnetlib', 'socketserver', 'xmlrpc', 'asyncio',
    '_asyncio', '_testcapi', '_testinternalcapi', '_testlimitedcapi', '_testbuffer', '_testclinic',
    '_testclinic_limited', '_testmultiphase', '_testsinglephase', '_xxtestfuzz', '_remote_debugging',
    'tracemalloc', '_tracemalloc', 'faulthandler', 'resource', 'importlib', '_imp', 'gc', 'code',
    'codeop', 'pdb', 'bdb', 'inspect', 'marshal', 'runpy', 'pkgutil', 'signal', '_signal',
    '_frozen_importlib', '_frozen_importlib_external', 'zipimport',
))
_BLOCKED_FULL = frozenset(('urllib.request', 'http.client', 'http.server', 'urllib.robotparser'))
# The JavaScript bridge of Pyodide: refused to everyone, and scrubbed from the interpreter.
_PYODIDE_TOP = frozenset(('js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'micropip',
                          'pyodide_http', 'matplotlib_pyodide'))
# Cached modules the program must import afresh (so that the refusal above applies to it).
_DROP_CACHED = frozenset(('subprocess', 'socket', 'ctypes', 'urllib.request', 'http.client',
                          'multiprocessing', 'select', 'selectors', 'pty', 'webbrowser', 'resource',
                          'importlib', 'gc', 'inspect', 'marshal', 'code', 'codeop',
                          '_posixsubprocess', '_socket', '_ctypes', 'runpy', 'pkgutil', 'zipimport'))
# Built-in modules nobody may create once the sandbox is closed (a fresh module object would hold
# the original functions the harness replaced or the bridge it scrubbed).
_NEVER_CREATE = frozenset(('_imp', '_posixsubprocess', '_thread', 'posix', 'sys', 'builtins',
                           '_io', '_frozen_importlib', '_frozen_importlib_external'))


class SandboxError(PermissionError):
    """Raised when a program tries something the RECODE sandbox forbids."""


class OutputLimitError(BaseException):
    """The program printed more than the output limit (a BaseException, so 'except Exception' does not swallow it)."""


class FigureTooLargeError(BaseException):
    """A figure asked for more pixels than the limit."""


class _Capture(io.TextIOBase):
    """stdout + stderr of a program, capped at 'limit' UTF-8 bytes."""

    def __init__(self, limit):
        self._parts = []
        self._n = 0
        self._limit = limit
        self.overflow = False

    @property
    def encoding(self):
        return 'utf-8'

    def writable(self):
        return True

    def isatty(self):
        return False

    @property
    def buffer(self):
        """sys.stdout.buffer: bytes written there are decoded as UTF-8 into the same capture."""
        return _CaptureBytes(self)

    def write(self, s):
        if type(s) is not str:
            raise TypeError('write() argument must be str, not ' + type(s).__name__)
        if self.overflow:
            raise OutputLimitError('output over %d bytes' % self._limit)
        b = s.encode('utf-8', 'replace')
        if self._n + len(b) > self._limit:
            keep = self._limit - self._n
            if keep > 0:
                self._parts.append(b[:keep].decode('utf-8', 'ignore'))
            self._n = self._limit
            self.overflow = True
            raise OutputLimitError('output over %d bytes' % self._limit)
        self._parts.append(s)
        self._n += len(b)
        return len(s)

    def flush(self):
        pass

    def text(self):
        return ''.join(self._parts)


class _CaptureBytes(io.RawIOBase):
    """The byte side of a _Capture (programs that write to sys.stdout.buffer)."""

    def __init__(self, cap):
        self._cap = cap

    def writable(self):
        return True

    def write(self, b):
        data = bytes(b)
        self._cap.write(data.decode('utf-8', 'replace'))
        return len(data)


def _format_tb(tb, source_lines):
    """Traceback entries (filename, line, function, source) of a traceback object."""
    entries = []
    while tb is not None:
        f = tb.tb_frame
        co = f.f_code
        ln = tb.tb_lineno
        src = ''
        if co.co_filename == '<program>' and 0 < ln <= len(source_lines):
            src = source_lines[ln - 1].strip()
        entries.append((str(co.co_filename), int(ln), str(co.co_name), src))
        tb = tb.tb_next
    return entries


class _Made(BaseException):
    """Carries a module created by the audit hook back to the _imp.create_builtin wrapper."""


def _make_audit_hook(write_roots, read_roots, violations, report_fd=None, create_builtin=None,
                     report_call=None):
    """The sandbox's audit hook (PEP 578): once added it can never be removed. It is
    self-contained on purpose: every name it uses is a local of this closure bound now, it calls
    only C functions and methods of built-in types, and nothing user code can reach refers to it.
    So a program that monkeypatches os.path, builtins or this module cannot change its verdicts."""
    import posix
    from types import SimpleNamespace
    lstat = posix.lstat
    stat_ = posix.stat
    fstat = posix.fstat
    pwrite = posix.write
    die = posix._exit
    Made = _Made
    never_create = _NEVER_CREATE
    # The reply channel's identity: every violation is appended to it before it is raised, so the
    # host learns of it even if the program then forges a reply (it cannot take a line back).
    chan_id = None
    if report_fd is not None:
        st0 = fstat(report_fd)
        chan_id = (st0.st_dev, st0.st_ino)
    # File names of code compiled (or executed from the program) after the sandbox closed: such
    # code is the program's, whatever name it was given ('/x.py', '<frozen ...>').
    tainted = set()
    readlink = posix.readlink
    getcwd = posix.getcwd
    getframe = sys._getframe
    get_ident = _thread.get_ident
    Denied = SandboxError
    type_, str_, bytes_, int_, len_, OSError_ = type, str, bytes, int, len, OSError
    write_roots = tuple(write_roots)
    read_roots = None if read_roots is None else tuple(read_roots)
    blocked_top = _BLOCKED_TOP
    blocked_full = _BLOCKED_FULL
    bridge_top = _PYODIDE_TOP
    always_deny = frozenset((
        'os.system', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork', 'os.forkpty', 'os.kill',
        'os.killpg', 'os.startfile', 'subprocess.Popen', 'pty.spawn', 'signal.pthread_kill',
        'sys.settrace', 'sys.setprofile', 'sys._current_frames', 'sys._current_exceptions',
        'sys.addaudithook', 'sys.remote_exec', 'gc.get_objects', 'gc.get_referrers',
        'gc.get_referents', 'setopencodehook', 'os.symlink', 'os.link',
        'os.mkfifo', 'os.mknod', 'os.chown', 'os.lchown', 'os.chroot', 'os.setxattr',
        'os.removexattr', 'sqlite3.enable_load_extension',
        'sqlite3.load_extension', 'urllib.Request', 'webbrowser.open', 'os.add_dll_directory',
        'shutil.chown', 'cpython.remote_debugger_script',
    ))
    deny_prefixes = ('socket.', 'ctypes.', 'http.client.', 'ftplib.', 'smtplib.', 'poplib.',
                     'imaplib.', 'nntplib.', 'telnetlib.', 'sys.monitoring.', '_winapi.', 'winreg.',
                     'msvcrt.', 'os.exec', 'os.spawn', 'os.posix_spawn', '_posixsubprocess.')
    frame_attrs = frozenset(('tb_frame', 'gi_frame', 'cr_frame', 'ag_frame', 'f_back', 'f_code',
                             'f_globals', 'f_locals', 'f_builtins'))
    path_events_write = frozenset(('os.remove', 'os.rmdir', 'os.mkdir', 'os.chmod', 'os.utime',
                                   'os.truncate', 'os.chflags', 'os.lchflags', 'os.lchmod',
                                   'shutil.rmtree', 'shutil.copyfile', 'shutil.copymode',
                                   'shutil.copystat', 'shutil.copytree', 'shutil.move',
                                   'shutil.make_archive', 'shutil.unpack_archive'))
    path_events_read = frozenset(('os.listdir', 'os.scandir', 'glob.glob', 'glob.glob/2',
                                  'os.chdir', 'os.walk', 'os.fwalk'))
    code_suffixes = ('.so', '.pyc', '.pyd', '.pyo', '.dylib', '.dll', '.wasm', '.pth', '.py', '.zip')
    getattr_ = getattr
    frame_leakers = frozenset(('walk_stack', 'currentframe', 'stack', 'trace', 'getouterframes'))
    # events whose last argument is a dir_fd (-1: none)
    dirfd_last = frozenset(('os.remove', 'os.rmdir', 'os.mkdir', 'os.chmod', 'os.utime'))
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    busy = set()

    reporting = []

    def report(msg):
        if report_call is not None and not reporting:
            reporting.append(1)
            try:
                report_call(msg)
            except BaseException:
                pass
            finally:
                reporting.clear()
        if chan_id is None:
            return
        try:
            st = fstat(report_fd)
            if (st.st_dev, st.st_ino) != chan_id:
                die(86)  # the program replaced the channel: end now, with no reply
            line = ('V ' + ' '.join(msg.split()))[:2000].encode('utf-8', 'replace') + b'\n'
            while line:
                line = line[pwrite(report_fd, line):]
        except OSError_:
            die(86)

    def deny(event, detail):
        msg = 'the RECODE sandbox forbids ' + event + (': ' + detail if detail else '')
        report(msg)
        if len_(violations) < 20:
            violations.append(msg)
        raise Denied(msg)

    def under(path, roots):
        for r in roots:
            if path == r or path.startswith(r + '/'):
                return True
        return False

    def resolve(event, p):
        """Absolute path with symlinks resolved, using only C calls (posix.lstat/readlink)."""
        t = type_(p)
        if t is bytes_:
            p = p.decode('utf-8', 'surrogateescape')
        elif t is not str_:
            deny(event, 'a path that is not a plain string')
        if '\x00' in p:
            deny(event, 'a path with a NUL byte')
        if not p.startswith('/'):
            p = getcwd() + '/' + p
        todo = p.split('/')
        todo.reverse()
        done = []
        hops = 0
        missing = False
        while todo:
            seg = todo.pop()
            if seg == '' or seg == '.':
                continue
            if seg == '..':
                if done:
                    done.pop()
                continue
            done.append(seg)
            if missing:
                continue
            here = '/' + '/'.join(done)
            try:
                st = lstat(here)
            except OSError_:
                missing = True
                continue
            if (st.st_mode & 0o170000) == 0o120000:
                hops += 1
                if hops > 40:
                    deny(event, 'a symlink loop')
                target = readlink(here)
                done.pop()
                if target.startswith('/'):
                    done = []
                parts = target.split('/')
                parts.reverse()
                todo.extend(parts)
        return '/' + '/'.join(done)

    def at(event, dfd, p):
        """The path an *at() call reaches: p relative to directory descriptor dfd."""
        if type_(dfd) is not int_ or dfd < 0:
            return p
        t = type_(p)
        if t is bytes_:
            p = p.decode('utf-8', 'surrogateescape')
        elif t is not str_:
            deny(event, 'a path that is not a plain string')
        if p.startswith('/'):
            return p
        try:
            base = readlink('/proc/self/fd/' + str_(dfd))
        except OSError_:
            deny(event, 'a path relative to a descriptor that cannot be resolved')
        if not base.startswith('/'):
            deny(event, 'a path relative to a descriptor that is not a folder')
        return base + '/' + p

    def check_write(event, p):
        if type_(p) is int_ or p is None:
            return
        path = resolve(event, p)
        if not under(path, write_roots):
            deny(event, 'writing ' + path + ' (only the working folder is writable)')
        if path.endswith(code_suffixes):
            deny(event, 'writing a code file ' + path)

    def check_read(event, p):
        if type_(p) is int_ or p is None:
            return
        path = resolve(event, p)
        if read_roots is not None and not under(path, read_roots) and not under(path, write_roots):
            deny(event, 'reading ' + path)
        if path.endswith(code_suffixes) and under(path, write_roots):
            deny(event, 'loading code from the working folder')

    def is_user(fn):
        # code from a file, the import system or this harness is trusted, unless its name was
        # given to code compiled after the sandbox closed; the program and code it compiled
        # itself ('<program>', '<string>', '/x.py') is not
        if fn in tainted:
            return True
        return not (fn.startswith('/') or fn.startswith('<frozen') or fn == '<recode-harness>')

    def from_program():
        # the frame that caused the event: 0 = this, 1 = check, 2 = hook, 3 = caller
        f = getframe(3)
        return f is not None and is_user(f.f_code.co_filename)

    def imported_by_program():
        f = getframe(3)
        while f is not None:
            fn = f.f_code.co_filename
            if fn.startswith('<frozen importlib') or fn.endswith('/importlib/__init__.py') \
                    or fn.endswith('/importlib/util.py') or fn.endswith('/importlib/_bootstrap.py') \
                    or fn.endswith('/importlib/_bootstrap_external.py') \
                    or (fn == '<recode-harness>' and f.f_code.co_name == 'create_builtin'):
                f = f.f_back
                continue
            return is_user(fn)
        return False

    def check(event, args):
        if event in always_deny or event.startswith(deny_prefixes):
            deny(event, '')
        if event == 'import':
            name = args[0]
            if type_(name) is str_:
                top = name.partition('.')[0]
                if top in bridge_top:
                    deny('import', name)
                if (top in blocked_top or name in blocked_full) and imported_by_program():
                    deny('import', name)
            if len_(args) > 1 and args[1] is not None:
                # an extension module loaded from a file: never from a writable place
                if under(resolve('import', args[1]), write_roots):
                    deny('import', 'a module from the working folder')
            return
        if event == 'open':
            p, mode, flags = args[0], args[1], args[2]
            if mode is None and (type_(p) is str_ or type_(p) is bytes_):
                # os.open: its dir_fd is not in the event, so a relative path cannot be judged
                rel = p if type_(p) is str_ else p.decode('utf-8', 'surrogateescape')
                if not rel.startswith('/') and from_program():
                    deny('os.open', 'a relative path (use an absolute one or open())')
                if from_program():
                    # no directory descriptors outside the writable folders (a dir_fd base)
                    target = resolve('open', p)
                    try:
                        isdir = (stat_(target).st_mode & 0o170000) == 0o040000
                    except OSError_:
                        isdir = False
                    if isdir and not under(target, write_roots):
                        deny('os.open', 'a directory descriptor for ' + target)
            writing = False
            if type_(mode) is str_:
                writing = ('w' in mode) or ('a' in mode) or ('x' in mode) or ('+' in mode)
            elif type_(flags) is int_:
                writing = (flags & write_flags) != 0
            if writing:
                check_write('open', p)
            else:
                check_read('open', p)
            return
        if event == 'object.__getattr__':
            if len_(args) > 1 and args[1] in frame_attrs and from_program():
                deny('frame access', str_(args[1]))
            return
        if event == 'sys._getframe':
            # library helpers that hand frames of the whole stack (the harness's too) back to
            # their caller: refused whoever calls them during a job
            f = getframe(2)
            co = f.f_code if f is not None else None
            if co is not None and co.co_name in frame_leakers \
                    and co.co_filename.endswith(('/traceback.py', '/inspect.py')):
                deny('frame access', co.co_name)
        if event == 'sys._getframe' or event == 'sys._getframemodulename' or event == 'code.__new__' \
                or event == 'resource.setrlimit' or event == 'resource.prlimit':
            # frames, code objects built by hand (bytecode can corrupt memory; C extensions such as
            # Cython build code objects too) and rlimits (the harness sets the CPU limit per job):
            # only the program's own calls are refused
            if from_program():
                deny(event, '')
            return
        if event == 'marshal.loads' or event == 'marshal.load':
            # Only the import system turns bytes into code (from .pyc files it read itself).
            f = getframe(2)  # 0 = check, 1 = hook, 2 = the caller of marshal.loads
            outer = f.f_back if f is not None else None
            if f is None or outer is None \
                    or f.f_code.co_name not in ('_compile_bytecode', '_unmarshal_code') \
                    or not f.f_code.co_filename.startswith(('<frozen importlib', '<frozen zipimport')) \
                    or not outer.f_code.co_filename.startswith(('<frozen importlib', '<frozen zipimport')):
                deny(event, 'building code objects from bytes')
            return
        if event in path_events_write:
            dfd = args[-1] if event in dirfd_last else -1
            for a in args[:2]:
                if type_(a) is str_ or type_(a) is bytes_:
                    check_write(event, at(event, dfd, a))
            return
        if event == 'os.rename':
            check_write(event, at(event, args[2] if len_(args) > 2 else -1, args[0]))
            check_write(event, at(event, args[3] if len_(args) > 3 else -1, args[1]))
            return
        if event in path_events_read:
            if args and (type_(args[0]) is str_ or type_(args[0]) is bytes_):
                check_read(event, args[0])
            return
        if event == 'sqlite3.connect':
            # in-memory databases only: a file name or a file: URI reaches any path
            db = args[0] if args else None
            if not (type_(db) is str_ and (db == ':memory:' or db == '')):
                deny('sqlite3.connect', 'a database file (only ":memory:" databases)')
            return
        # (sqlite3.connect/handle comes before the connection is ready: no authorizer can be set
        # there, so ATTACH / VACUUM INTO from an in-memory database are bounded by the OS sandbox
        # (CPython) and the interpreter's own file system (Pyodide), not by this hook)
        if event == 'compile':
            fn = args[1] if len_(args) > 1 else None
            if type_(fn) is not str_:
                deny('compile', 'a file name that is not text')
            tainted.add(fn)
            return
        if event == 'exec':
            co = args[0] if args else None
            if co is not None and from_program():
                fn = co.co_filename
                if type_(fn) is str_:
                    tainted.add(fn)
            return
        if event == 'recode.create_builtin':
            spec = args[0] if args else None
            name = getattr_(spec, 'name', None)
            if type_(name) is not str_:
                deny('import', 'a module spec without a plain name')
            top = name.partition('.')[0]
            if top in bridge_top or name in never_create:
                deny('import', name)
            if (top in blocked_top or name in blocked_full) and imported_by_program():
                deny('import', name)
            if create_builtin is None:
                deny('import', name)
            clean = SimpleNamespace(name=name, origin='built-in', loader=None, parent='',
                                    submodule_search_locations=None, loader_state=None,
                                    cached=None, has_location=False)
            me = get_ident()
            busy.discard(me)  # the module's own initialisation is checked like any other code
            try:
                made = create_builtin(clean)
            finally:
                busy.add(me)
            raise Made(made)
        if event == 'mmap.__new__':
            if args and args[0] != -1:
                deny(event, 'mapping a file')
            return

    harmless = frozenset(('builtins.id', 'object.__setattr__',
                          'object.__delattr__', 'time.sleep', 'builtins.input',
                          'builtins.input/result', 'cpython.run_command', 'os.putenv',
                          'os.unsetenv', 'array.__new__', 'sys.intern'))

    def hook(event, args):
        if event in harmless:
            return
        me = get_ident()
        if me in busy:
            # the hook's own frame inspection; nothing else can run inside the hook
            if event == 'sys._getframe' or event == 'object.__getattr__':
                return
            deny(event, 'inside the sandbox check')
        busy.add(me)
        try:
            check(event, args)
        finally:
            busy.discard(me)

    return hook


def _warm_render(plt, savefig):
    """Render a small figure once, so that every module a render imports lazily (PIL plugins, text
    layout) is loaded before the sandbox closes."""
    fig = plt.figure(figsize=(1, 1), dpi=50)
    ax = fig.add_subplot()
    ax.bar(['a'], [1], label='a')
    ax.plot([0, 1], [0, 1], 'o-')
    ax.set_title('warm $x^2$')
    ax.legend()
    savefig(fig, io.BytesIO(), format='png')
    plt.close('all')


def _recode_install(config_json, report=None):
    """Prepare this interpreter for untrusted programs and return run(job_json) -> reply_json.
    config: renderer ('pyodide'|'python'), workdir, restrictReads (reads only from Python's own
    folders, fonts and the working folder) with extra readRoots, writeRoots, reuse (the
    interpreter serves many jobs: state is restored after each), missingHint, maxRecursion,
    maxPixels, memoryLimitMb / fileSizeLimitMb (CPython: rlimits)."""
    cfg = json.loads(config_json)
    renderer = str(cfg.get('renderer', 'python'))
    workdir = os.path.realpath(str(cfg['workdir']))
    reuse = bool(cfg.get('reuse', False))
    missing_hint = str(cfg.get('missingHint', ''))
    max_recursion = int(cfg.get('maxRecursion', 3000))
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    os.environ['MPLBACKEND'] = 'Agg'
    os.environ['TMPDIR'] = workdir
    import tempfile
    tempfile.tempdir = workdir

    dumps = json.dumps
    loads = json.loads
    b64 = base64.b64encode
    chdir = os.chdir
    # --- matplotlib -------------------------------------------------------------------------
    mpl_error = None
    plt = None
    mpl = None
    Figure = None
    orig_savefig = None
    created = []  # weak references to figures created by the current program
    try:
        import matplotlib as mpl
        mpl.use('Agg', force=True)
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure
        from matplotlib.backends import backend_agg
        __import__('matplotlib.font_manager')  # builds / loads the font cache now
    except BaseException as e:  # ImportError, or a broken install
        mpl_error = '%s: %s' % (type(e).__name__, e)
        plt = mpl = Figure = None
    np = None
    try:
        import numpy as np
    except BaseException:
        np = None

    if mpl is not None:
        def _use(*args, **kwargs):
            return None  # the backend is always Agg
        mpl.use = _use
        orig_switch = plt.switch_backend
        orig_switch('agg')

        def _switch(*args, **kwargs):
            return orig_switch('agg')
        plt.switch_backend = _switch
        plt.show = lambda *args, **kwargs: None
        Figure.show = lambda self, *args, **kwargs: None
        orig_savefig = Figure.savefig

        def savefig(self, fname, *args, **kwargs):
            # A program's own file output is dropped: the harness saves the figure itself.
            if isinstance(fname, (str, bytes, os.PathLike)):
                return None
            return orig_savefig(self, fname, *args, **kwargs)
        Figure.savefig = savefig
        orig_fig_init = Figure.__init__

        def fig_init(self, *args, **kwargs):
            orig_fig_init(self, *args, **kwargs)
            created.append(weakref.ref(self))
            del created[:-8]
        Figure.__init__ = fig_init
        limit_px = [int(cfg.get('maxPixels', 40_000_000))]
        orig_renderer_init = backend_agg.RendererAgg.__init__

        def renderer_init(self, width, height, dpi):
            if width * height > limit_px[0]:
                raise FigureTooLargeError('a %d x %d px canvas is over the limit of %d pixels'
                                          % (width, height, limit_px[0]))
            orig_renderer_init(self, width, height, dpi)
        backend_agg.RendererAgg.__init__ = renderer_init
        try:
            from matplotlib import _api

            def warn_external(message, category=None):
                warnings.warn(message, category, stacklevel=2)
            _api.warn_external = warn_external
        except Exception:
            pass
        rc_saved = dict(mpl.rcParams)
    else:
        limit_px = [0]
        rc_saved = {}

    if mpl is not None and cfg.get('warm', True):
        # Render once now, so that every module a render imports lazily (PIL plugins, text
        # layout) is loaded before the sandbox closes (a fork server's child: its zygote did).
        try:
            _warm_render(plt, orig_savefig)
        except Exception:
            pass
    import logging
    logging.currentframe = lambda: None  # findCaller would need frames, which the sandbox denies
    __import__('linecache')  # imported now, while imports are still allowed
    __import__('traceback')

    # --- interpreter limits --------------------------------------------------------------
    orig_setrl = sys.setrecursionlimit

    def setrecursionlimit(n):
        orig_setrl(max(50, min(int(n), max_recursion)))
    sys.setrecursionlimit = setrecursionlimit
    if sys.getrecursionlimit() > max_recursion:
        orig_setrl(max_recursion)
    base_recursion = sys.getrecursionlimit()

    if renderer == 'python':
        try:
            import resource
            mem = int(cfg.get('memoryLimitMb', 0))
            if mem > 0:
                resource.setrlimit(resource.RLIMIT_AS, (mem << 20, mem << 20))
            fsz = int(cfg.get('fileSizeLimitMb', 64))
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsz << 20, fsz << 20))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            try:
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard if hard > 0 else 256),) * 2)
            except (ValueError, OSError):
                pass
            try:
                resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
            except (ValueError, OSError):
                pass
            cpu_limit = resource.RLIMIT_CPU
            setrlimit = resource.setrlimit
            getrusage = resource.getrusage
            RUSAGE_SELF = resource.RUSAGE_SELF
        except ImportError:
            setrlimit = None
    else:
        setrlimit = None

    # --- close the doors --------------------------------------------------------------------
    ps = sys.modules.get('_posixsubprocess')
    sp = sys.modules.get('subprocess')
    for name in list(sys.modules):
        top = name.partition('.')[0]
        if top in _PYODIDE_TOP:
            m = sys.modules.pop(name, None)
            try:
                m.__dict__.clear()
            except Exception:
                pass
        elif name in _DROP_CACHED:
            sys.modules.pop(name, None)
    def bridge_object(f):
        mod = getattr(f, '__module__', None) if isinstance(f, type) else getattr(type(f), '__module__', None)
        return str(mod or '').startswith(('_pyodide', 'pyodide', 'js', 'micropip'))
    sys.meta_path[:] = [f for f in sys.meta_path if not bridge_object(f)]
    sys.path_hooks[:] = [h for h in sys.path_hooks if not bridge_object(h)]
    sys.path_importer_cache.clear()

    if renderer == 'pyodide':
        # Classes of the bridge stay reachable through object.__subclasses__(): strip them of
        # their methods and converters so they cannot make JavaScript values.
        def refuse_bridge(*args, **kwargs):
            raise SandboxError('the RECODE sandbox forbids the JavaScript bridge')
        seen = set()
        stack = [object]
        while stack:
            cls = stack.pop()
            try:
                subs = type.__subclasses__(cls)
            except TypeError:
                continue
            for c in subs:
                if id(c) in seen:
                    continue
                seen.add(id(c))
                stack.append(c)
                mod = str(getattr(c, '__module__', '') or '')
                if mod.partition('.')[0] in _PYODIDE_TOP or (
                        mod == 'builtins' and c.__name__ in ('Py2JsConverter', 'Js2PyConverter', 'JsFuncSignature')):
                    for k in list(vars(c)):
                        if not (k.startswith('__') and k.endswith('__')):
                            try:
                                delattr(c, k)
                            except (AttributeError, TypeError):
                                pass
                    for k in ('__new__', '__init__'):
                        try:
                            setattr(c, k, refuse_bridge)
                        except (AttributeError, TypeError):
                            pass
        del seen, stack

    class _Guard:
        """Refuses the JavaScript bridge to every importer (the audit hook refuses it too)."""
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.partition('.')[0] in _PYODIDE_TOP:
                raise SandboxError('the RECODE sandbox forbids import: ' + name)
            return None
    sys.meta_path.insert(0, _Guard)
    def forbidden(event):
        def refuse(*args, **kwargs):
            sys.audit(event)  # the audit hook records and refuses it
            raise SandboxError('the RECODE sandbox forbids ' + event)
        return refuse
    for attr, event in (('system', 'os.system'), ('popen', 'subprocess.Popen'), ('fork', 'os.fork'),
                        ('forkpty', 'os.forkpty'), ('kill', 'os.kill'), ('killpg', 'os.killpg'),
                        ('posix_spawn', 'os.posix_spawn'), ('posix_spawnp', 'os.posix_spawn'),
                        ('startfile', 'os.startfile')) + tuple(
            (a, 'os.exec') for a in ('execv', 'execve', 'execl', 'execle', 'execlp', 'execlpe',
                                     'execvp', 'execvpe')) + tuple(
            (a, 'os.spawn') for a in ('spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv',
                                      'spawnve', 'spawnvp', 'spawnvpe')):
        for mod in (os, sys.modules.get('posix')):
            if mod is not None and hasattr(mod, attr):
                setattr(mod, attr, forbidden(event))
    # A signal handler is called with the interrupted frame (and so the whole stack): no handlers.
    def refuse_signal(signalnum, handler):
        raise SandboxError('the RECODE sandbox forbids signal handlers')
    for m in (sys.modules.get('signal'), sys.modules.get('_signal')):
        if m is not None and hasattr(m, 'signal'):
            try:
                m.signal = refuse_signal
            except (AttributeError, TypeError):
                pass
    # fork_exec raises no audit event: the cached module (reachable from subprocess, which
    # libraries imported) gets a refusal in its place
    for m, attr in ((ps, 'fork_exec'), (sp, '_fork_exec')):
        if m is not None and hasattr(m, attr):
            try:
                setattr(m, attr, forbidden('_posixsubprocess.fork_exec'))
            except (AttributeError, TypeError):
                pass
    del ps, sp

    def _exit(status=0):
        # os._exit would end the interpreter the harness runs in: it is a SystemExit here
        raise SystemExit(status)
    os._exit = _exit
    sys.path[:] = [p for p in sys.path if p not in ('', '.') and os.path.realpath(p) != workdir]

    # --- state a job may change, restored after each job (interpreters that serve many jobs) ---
    snap_modules = {}
    snap_builtins = dict(builtins.__dict__)
    snap_sys = {k: getattr(sys, k) for k in ('stdout', 'stderr', 'stdin', 'displayhook',
                                             'excepthook', 'unraisablehook', 'breakpointhook')
                if hasattr(sys, k)}
    snap_path = list(sys.path)
    snap_meta = list(sys.meta_path)
    snap_env = dict(os.environ)
    snap_filters = list(warnings.filters)
    snap_np = None
    if np is not None:
        try:
            snap_np = (np.get_printoptions(), np.geterr(), np.random.get_state())
        except Exception:
            snap_np = None
    import random as _random
    snap_random = _random.getstate()
    if reuse:
        for name, m in list(sys.modules.items()):
            d = getattr(m, '__dict__', None)
            if type(d) is dict and name != '__main__':
                snap_modules[name] = (m, dict(d))

    def changed(d, d0):
        if len(d) != len(d0):
            return True
        for k, v in d0.items():
            if d.get(k, changed) is not v:
                return True
        return False

    def restore():
        for k, v in snap_sys.items():
            setattr(sys, k, v)
        sys.path[:] = snap_path
        sys.meta_path[:] = snap_meta
        warnings.filters[:] = snap_filters
        orig_setrl(base_recursion)
        bd = builtins.__dict__
        if changed(bd, snap_builtins):
            bd.clear()
            bd.update(snap_builtins)
        if os.environ != snap_env:
            os.environ.clear()
            os.environ.update(snap_env)
        try:
            _random.setstate(snap_random)
        except Exception:
            pass
        if rc_saved:
            try:
                dict.update(mpl.rcParams, rc_saved)
            except Exception:
                pass
        if snap_np is not None:
            try:
                np.set_printoptions(**snap_np[0])
                np.seterr(**snap_np[1])
                np.random.set_state(snap_np[2])
            except Exception:
                pass
        if reuse:
            for name, (m, d0) in snap_modules.items():
                d = m.__dict__
                if changed(d, d0):
                    d.clear()
                    d.update(d0)
                if sys.modules.get(name) is not m:
                    sys.modules[name] = m
            for name in [n for n in sys.modules if n not in snap_modules]:
                # modules first imported by this program stay cached unless they were blocked
                if name.partition('.')[0] in _BLOCKED_TOP:
                    sys.modules.pop(name, None)

    def clear_workdir():
        if not reuse:
            return
        import shutil
        for entry in os.listdir(workdir):
            p = os.path.join(workdir, entry)
            try:
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    os.remove(p)
            except OSError:
                pass

    violations = []
    read_roots = None
    if cfg.get('restrictReads'):
        read_roots = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                      os.path.dirname(os.__file__), '/usr/share', '/usr/lib', '/usr/lib64', '/lib',
                      '/lib64', '/usr/local/lib', '/usr/local/share', '/etc/fonts',
                      '/etc/matplotlibrc', '/etc/localtime', '/etc/timezone', '/dev/null',
                      '/dev/urandom', '/dev/zero', '/proc/self', '/proc/cpuinfo', '/proc/meminfo',
                      '/sys/devices/system/cpu', workdir] + [p for p in sys.path if p]
        for m in (mpl, np):
            if m is not None and getattr(m, '__file__', None):
                read_roots.append(os.path.dirname(os.path.dirname(m.__file__)))
        if mpl is not None:
            read_roots.append(mpl.get_data_path())
            read_roots.append(mpl.get_configdir())
            read_roots.append(mpl.get_cachedir())
        read_roots += [str(p) for p in cfg.get('readRoots') or []]
        read_roots = sorted(set(os.path.realpath(p) for p in read_roots))
    write_roots = [workdir, '/dev/null'] + [str(p) for p in cfg.get('writeRoots') or []]
    if mpl is not None:
        write_roots.append(mpl.get_cachedir())
    write_roots = sorted(set(os.path.realpath(p) for p in write_roots))
    import _imp
    orig_create_builtin = _imp.create_builtin
    report_fd = cfg.get('reportFd')
    hook = _make_audit_hook(write_roots, read_roots, violations,
                            report_fd if type(report_fd) is int else None, orig_create_builtin,
                            report)
    report = None
    format_tb = _format_tb

    def png_size(data):
        if len(data) < 24 or data[:8] != b'\x89PNG\r\n\x1a\n':
            return None
        return int.from_bytes(data[16:20], 'big'), int.from_bytes(data[20:24], 'big')

    def pick_figure():
        if plt.get_fignums():
            return plt.gcf()
        for ref in reversed(created):
            fig = ref()
            if fig is not None:
                return fig
        return None

    def save_figure(fig, width, height, max_pixels):
        if not (fig.axes or fig.lines or fig.patches or fig.texts or fig.images or fig.artists
                or fig.legends or getattr(fig, 'subfigs', None)):
            return None, 'no-figure', 'the figure is empty: the program drew nothing on it'
        dpi = float(fig.dpi)
        w_in, h_in = fig.get_size_inches()
        asked = float(w_in) * dpi * float(h_in) * dpi
        if not math.isfinite(asked) or asked > max_pixels:
            return None, 'limit', ('the figure asks for %.0f pixels (%.0f x %.0f), over the limit of %d'
                                   % (asked, w_in * dpi, h_in * dpi, max_pixels))
        if not (10.0 <= dpi <= 1000.0):
            dpi = 100.0
            fig.set_dpi(dpi)
        wi = width / dpi
        hi = height / dpi
        while int(wi * dpi) < width:
            wi = math.nextafter(wi, math.inf)
        while int(hi * dpi) < height:
            hi = math.nextafter(hi, math.inf)
        fig.set_size_inches(wi, hi, forward=False)
        mpl.rcParams['savefig.bbox'] = 'standard'
        buf = io.BytesIO()
        orig_savefig(fig, buf, format='png', dpi=dpi)
        data = buf.getvalue()
        size = png_size(data)
        if size != (width, height):
            return None, 'internal', 'the render is %s px, not %d x %d' % (
                '%d x %d' % size if size else 'not a PNG', width, height)
        return data, None, None

    def figure_marks(fig):
        # Where the figure's data marks were drawn, for the critic's data part: per axes its box
        # (px from the top left) and per artist (bars, lines, scatter points, pie wedges) each
        # mark's data values and drawn place. Capped; None when anything is odd (never raises).
        try:
            from matplotlib.patches import Wedge
            from matplotlib.collections import PathCollection
            from matplotlib.colors import to_rgb
            H = float(fig.bbox.height)
            left = [20000]

            def num(v):
                v = float(v)
                return round(v, 6) if math.isfinite(v) else None

            def rgb(c):
                try:
                    return [int(round(255 * v)) for v in to_rgb(c)]
                except Exception:
                    return None

            def label(a):
                t = str(a.get_label() or '')
                return '' if t.startswith('_') else t[:200]

            def items(rows):
                rows = rows[:max(0, min(len(rows), left[0]))]
                left[0] -= len(rows)
                return [[num(v) for v in r] for r in rows]
            out = []
            for ax in fig.axes[:8]:
                b = ax.bbox
                tx = ax.transData
                ticks = []
                for axis in (ax.xaxis, ax.yaxis):
                    locs = list(axis.get_majorticklocs())[:200]
                    texts = [t.get_text()[:100] for t in axis.get_majorticklabels()][:200]
                    ticks.append([[num(v), t] for v, t in zip(locs, texts)])
                arts = []
                for c in ax.containers:
                    if type(c).__name__ != 'BarContainer' or not c.patches:
                        continue
                    rows = []
                    for p in c.patches:
                        e = p.get_window_extent()
                        rows.append([p.get_x(), p.get_y(), p.get_width(), p.get_height(),
                                     e.x0, H - e.y1, e.width, e.height])
                    arts.append({'kind': 'bar', 'orientation': str(getattr(c, 'orientation', None) or 'vertical'),
                                 'label': label(c), 'color': rgb(c.patches[0].get_facecolor()), 'items': items(rows)})
                for ln in ax.lines:
                    xy = ln.get_xydata()
                    if len(xy) == 0 or ln.get_transform() != tx:
                        continue
                    d = tx.transform(xy)
                    rows = [[x, y, u, H - v] for (x, y), (u, v) in zip(xy.tolist(), d.tolist())]
                    arts.append({'kind': 'line', 'label': label(ln), 'color': rgb(ln.get_color()),
                                 'marker': str(ln.get_marker()), 'items': items(rows)})
                for col in ax.collections:
                    if not isinstance(col, PathCollection) or col.get_offset_transform() != tx:
                        continue
                    xy = col.get_offsets()
                    if len(xy) == 0:
                        continue
                    d = tx.transform(xy)
                    fc = col.get_facecolor()
                    rows = [[x, y, u, H - v] for (x, y), (u, v) in zip(xy.tolist(), d.tolist())]
                    arts.append({'kind': 'points', 'label': label(col), 'color': rgb(fc[0]) if len(fc) else None,
                                 'items': items(rows)})
                wedges = [p for p in ax.patches if isinstance(p, Wedge)]
                if wedges:
                    rows = [[(w.theta2 - w.theta1) / 360.0, w.theta1, w.theta2] for w in wedges]
                    arts.append({'kind': 'slice', 'label': '', 'labels': [label(w) for w in wedges][:2000],
                                 'color': None, 'items': items(rows)})
                out.append({'box': [num(b.x0), num(H - b.y1), num(b.width), num(b.height)],
                            'xscale': ax.get_xscale(), 'yscale': ax.get_yscale(),
                            'xlim': [num(v) for v in ax.get_xlim()], 'ylim': [num(v) for v in ax.get_ylim()],
                            'xticks': ticks[0], 'yticks': ticks[1], 'artists': arts})
            return out
        except Exception:
            return None

    def one_line(s, n=400):
        s = ' '.join(str(s).split())
        return s if len(s) <= n else s[:n - 1] + '\u2026'

    def run(job_json):
        try:
            job = loads(job_json)
            code = str(job['code'])
            mode = str(job.get('mode', 'figure'))
            width = int(job.get('width', 640))
            height = int(job.get('height', 480))
            max_out = int(job.get('maxOutputBytes', 1_000_000))
            max_px = int(job.get('maxPixels', 40_000_000))
        except Exception as e:
            return dumps({'ok': False, 'stdout': '', 'error': 'bad job: %s' % e, 'error_kind': 'internal'})
        reply = {'ok': False, 'stdout': ''}
        cap = _Capture(max_out)
        source_lines = code.splitlines()
        del violations[:]
        limit_px[0] = max_px
        user_globals = {'__name__': '__main__', '__builtins__': builtins, '__file__': '<program>'}
        exc = None
        exc_tb = None
        kind = None
        error = None
        try:
            sys.stdout = cap
            sys.stderr = cap
            sys.stdin = io.StringIO('')
            chdir(workdir)
            if setrlimit is not None and job.get('cpuSeconds'):
                used = getrusage(RUSAGE_SELF)
                used_s = int(used.ru_utime + used.ru_stime) + 1
                lim = used_s + int(job['cpuSeconds'])
                setrlimit(cpu_limit, (lim, lim + 1))
            if mode == 'figure':
                if mpl_error is not None:
                    raise ModuleNotFoundError(mpl_error, name='matplotlib')
                if width <= 0 or height <= 0 or width * height > max_px:
                    raise FigureTooLargeError('the render size %d x %d is over the limit of %d pixels'
                                              % (width, height, max_px))
            if plt is not None:
                plt.close('all')
            del created[:]
            compiled = compile(code, '<program>', 'exec')
            try:
                exec(compiled, user_globals)
            except SystemExit as e:
                if e.code not in (None, 0):
                    raise
            if mode == 'figure':
                fig = pick_figure()
                if fig is None:
                    kind, error = 'no-figure', 'the program drew no figure'
                else:
                    data, kind, error = save_figure(fig, width, height, max_px)
                    if data is not None:
                        reply['png_b64'] = b64(data).decode('ascii')
                        marks = figure_marks(fig)
                        if marks is not None:
                            reply['marks'] = marks
            else:
                if 'answer' in user_globals:
                    a = str(user_globals['answer'])
                    reply['answer'] = a if len(a) <= max_out else a[:max_out]
            if kind is None:
                reply['ok'] = True
        except BaseException as e:
            exc = e
            exc_tb = sys.exc_info()[2]
            try:
                kind, error = classify(e)
            except BaseException as e2:
                kind, error = 'python', 'the program raised an exception (%s)' % type(e2).__name__
        finally:
            try:
                if plt is not None:
                    plt.close('all')
            except BaseException:
                pass
            try:
                user_globals.clear()
            except BaseException:
                pass
            try:
                restore()
            except BaseException:
                sys.stdout, sys.stderr = snap_sys.get('stdout'), snap_sys.get('stderr')
            try:
                chdir(workdir)
            except OSError:
                pass
        if exc is not None:
            reply['ok'] = False
            try:
                reply['traceback'] = render_tb(exc, exc_tb, source_lines)
                line = last_program_line(exc, exc_tb, source_lines)
                if line and kind == 'python' and '(line ' not in error:
                    error = error + ' (line %d)' % line
            except BaseException:
                pass
        exc = exc_tb = None
        if violations:
            reply['ok'] = False
            kind = 'forbidden'
            error = violations[0]
        if cap.overflow:
            reply['ok'] = False
            kind = 'limit'
            error = 'the program printed more than %d bytes of output' % max_out
        if not reply['ok']:
            reply.pop('png_b64', None)
            reply['error'] = one_line(error or 'the program failed')
            reply['error_kind'] = kind or 'python'
        reply['stdout'] = cap.text()
        clear_workdir()
        return dumps(reply)

    def classify(e):
        t = type(e)
        name = t.__name__
        msg = one_line(e)
        if isinstance(e, SandboxError):
            return 'forbidden', msg
        if isinstance(e, OutputLimitError):
            return 'limit', 'the program printed more than the output limit'
        if isinstance(e, FigureTooLargeError):
            return 'limit', msg
        if isinstance(e, MemoryError):
            return 'limit', 'the program ran out of memory (MemoryError)'
        if isinstance(e, RecursionError):
            return 'limit', 'the program recursed too deeply (RecursionError: %s)' % msg
        if isinstance(e, KeyboardInterrupt):
            return 'timeout', 'the program was interrupted at its time limit'
        if isinstance(e, ImportError) and not isinstance(e, SandboxError):
            mod = (getattr(e, 'name', None) or '').partition('.')[0]
            if isinstance(e.__context__, SandboxError) or isinstance(e.__cause__, SandboxError):
                return 'forbidden', one_line(e.__context__ or e.__cause__)
            if mod in _PYODIDE_TOP:
                return 'forbidden', 'the RECODE sandbox forbids import: %s' % mod
            if mod == 'matplotlib' and mpl_error is not None:
                detail = mpl_error
            else:
                detail = '%s: %s' % (name, msg)
            if mod:
                return 'missing-package', one_line('%s is not available to the %s renderer: %s%s' % (
                    mod, renderer, detail, (' ' + missing_hint) if missing_hint else ''), 600)
            return 'python', '%s: %s' % (name, msg)
        if isinstance(e, SystemExit):
            return 'python', 'the program exited with status %s' % one_line(e.code)
        if isinstance(e, SyntaxError):
            return 'python', 'SyntaxError: %s (line %s)' % (one_line(e.msg), e.lineno)
        return 'python', '%s: %s' % (name, msg)

    def last_program_line(e, tb, lines):
        if isinstance(e, SyntaxError) and e.filename == '<program>':
            return e.lineno
        line = None
        for fn, ln, _f, _s in format_tb(tb, lines):
            if fn == '<program>':
                line = ln
        return line

    def render_tb(e, tb, lines):
        head = 'Traceback (most recent call last):\n'
        tail = '%s: %s' % (type(e).__name__, str(e))
        if isinstance(e, SyntaxError) and e.filename == '<program>':
            src = lines[e.lineno - 1] if e.lineno and 0 < e.lineno <= len(lines) else ''
            caret = ''
            if e.offset:
                caret = '\n    ' + ' ' * max(0, e.offset - 1 - (len(src) - len(src.lstrip()))) + '^'
            return '  File "<program>", line %s\n    %s%s\nSyntaxError: %s' % (
                e.lineno, src.strip(), caret, e.msg)
        entries = format_tb(tb, lines)
        first = next((i for i, en in enumerate(entries) if en[0] == '<program>'), None)
        if first is None:
            return head + tail
        entries = [en for en in entries[first:] if en[0] != '<recode-harness>']
        out = []
        hidden = 0
        last = None
        repeats = 0
        for i, (fn, ln, func, src) in enumerate(entries):
            if fn == '<program>' or i == len(entries) - 1:
                if hidden:
                    out.append('  ... %d library frame%s ...\n' % (hidden, '' if hidden == 1 else 's'))
                    hidden = 0
                if (fn, ln, func) == last:
                    repeats += 1
                    if repeats >= 3:
                        continue
                else:
                    if repeats >= 3:
                        out.append('  [Previous line repeated %d more times]\n' % (repeats - 2))
                    repeats = 0
                last = (fn, ln, func)
                out.append('  File "%s", line %d, in %s\n' % (fn, ln, func))
                if src:
                    out.append('    %s\n' % src)
            else:
                hidden += 1
        if repeats >= 3:
            out.append('  [Previous line repeated %d more times]\n' % (repeats - 2))
        if len(out) > 60:
            out = out[:20] + ['  ... %d lines ...\n' % (len(out) - 40)] + out[-20:]
        return head + ''.join(out) + tail

    # _imp.create_builtin makes a fresh module object (with the original functions, or Pyodide's
    # bridge) from any spec: every call now goes through the audit hook, which holds the original.
    sys_audit = sys.audit
    Made = _Made

    def create_builtin(spec):
        try:
            sys_audit('recode.create_builtin', spec)
        except Made as m:
            return m.args[0]
        raise SandboxError('the RECODE sandbox forbids import: a built-in module')
    sys.addaudithook(hook)
    _imp.create_builtin = create_builtin
    if '_imp' in snap_modules:
        # restore() after each job must put the wrapper back, never the original
        snap_modules['_imp'] = (_imp, dict(_imp.__dict__))
    del hook, orig_create_builtin
    return run


def _recode_font_cache(init):
    """Writes the host's matplotlib font cache (init['fontCache']: name, text) into MPLCONFIGDIR, so
    that matplotlib does not rebuild it; before matplotlib is imported. Nothing on failure."""
    cache = init.get('fontCache')
    mpldir = os.environ.get('MPLCONFIGDIR')
    if cache and mpldir:
        try:
            os.makedirs(mpldir, exist_ok=True)
            with open(os.path.join(mpldir, os.path.basename(str(cache['name']))), 'w', encoding='utf-8') as f:
                f.write(str(cache['text']))
        except (OSError, KeyError, TypeError):
            pass


def _recode_preload():
    """For a fork server (zygote.py): import what every program uses and render once, before any
    fork, so that each child starts warm. Runs no program and closes nothing."""
    import matplotlib
    matplotlib.use('Agg', force=True)
    import matplotlib.pyplot as plt
    __import__('matplotlib.font_manager')
    try:
        __import__('numpy')
    except ImportError:
        pass
    from matplotlib.figure import Figure
    _warm_render(plt, Figure.savefig)
    for m in ('tempfile', 'logging', 'linecache', 'traceback', 'resource', 'random', 'shutil'):
        __import__(m)


def _recode_main(init=None, job=None):
    """Local CPython: one job per process. Line 1 on stdin: init {config, fontCache}; the harness
    then reports ready on fd 3, reads line 2 (the job) and writes 'R <reply>' on fd 3 (the audit
    hook appends 'V <refusal>' lines there as they happen). A fork server's child passes init and
    the job (JSON) itself."""
    exit_now = os._exit
    chan = os.fdopen(3, 'w', encoding='utf-8')
    stdin = sys.stdin.buffer
    if init is None:
        init = json.loads(stdin.readline() or b'{}')
    cfg = init.get('config', {})
    _recode_font_cache(init)
    cfg['reportFd'] = 3
    try:
        run = _recode_install(json.dumps(cfg))
    except BaseException as e:
        chan.write(json.dumps({'ready': False, 'error': '%s: %s' % (type(e).__name__, e)}) + '\n')
        chan.flush()
        exit_now(2)
    mpl_version = None
    m = sys.modules.get('matplotlib')
    if m is not None:
        mpl_version = getattr(m, '__version__', None)
    chan.write(json.dumps({'ready': True, 'python': sys.version.split()[0], 'matplotlib': mpl_version}) + '\n')
    chan.flush()
    line = stdin.readline().decode('utf-8', 'replace') if job is None else job
    if not line:
        exit_now(0)
    reply = run(line)
    chan.write('R ' + reply + '\n')
    chan.flush()
    exit_now(0)
