"""A warm interpreter that has imported torch, torchvision, Lightning and TensorBoard once and
forks a child per snippet script, so that a script no longer pays 3-5 s of imports.

The calling process (MkDocs, pytest) never imports torch: it starts the server lazily, as a
separate process, ``python .../snippet_runner/forkserver.py --serve FD``, and talks to it over
a Unix socket pair. Per run, the caller makes a pipe for the script's output and a socket pair
for the run's messages and passes both ends to the server (SCM_RIGHTS); the server forks; the
child sets itself up as ``python script.py`` would be and runs the script; the output goes
straight from the child (and from whatever it starts) into the caller's pipe, never through the
server. The server reaps the child and sends its exit status.

Use::

    from snippet_runner import forkserver

    try:
        result = forkserver.run(script, args, cwd=workdir, env=env, timeout=300)
    except forkserver.ForkTimeout as timeout:     # a subprocess.TimeoutExpired: group killed
        ...timeout.output, timeout.seconds...
    except forkserver.ForkServerError as error:   # not forked (error.started is False):
        ...run it as a plain subprocess instead...
    result.returncode, result.output, result.seconds

A forked child is the script's own process, as with ``subprocess.Popen([sys.executable,
script, *args], cwd=cwd, env=env, stdin=DEVNULL, stdout=PIPE, stderr=STDOUT,
start_new_session=True)``:

- its own session and process group (``os.setsid``), so that killing the group on a time-out
  kills the script and every process it started (DDP workers);
- ``cwd``, exactly ``env`` as ``os.environ``, ``sys.argv == [script, *args]``,
  ``sys.path[0]`` the script's folder, stdin from /dev/null, fd 1 and 2 both onto the pipe
  (the server runs with the scripts' own ``PYTHON*`` variables, so ``sys.stdout`` and
  ``sys.stderr`` are set up as the script's own interpreter would set them up: with
  ``PYTHONUNBUFFERED=1``, unbuffered);
- a real ``__main__`` module for the whole life of the child (``pickle``, ``multiprocessing``
  spawn and Lightning's DDP launcher look it up); the script runs as ``runpy.run_path(script,
  run_name="__main__")`` would run it, but its module stays installed as ``__main__`` up to the
  child's exit (atexit handlers and threads see it);
- an uncaught exception prints the traceback ``python script.py`` prints (the script's frames,
  none of the server's) through ``sys.excepthook`` and exits 1; ``SystemExit`` is honoured as
  the interpreter honours it; then, as at interpreter exit: non-daemon threads are joined,
  atexit handlers run, the script's module is let go (unclosed files get flushed), the
  standard streams are flushed, and the child leaves through ``os._exit``;
- what the imports cached that depends on the environment or the working directory is reset
  (see ``_reset_import_state``), and the environment variables the preloaded libraries set
  while they were imported (Lightning sets ``PYTORCH_NVML_BASED_CUDA_CHECK=1``, torchvision
  ``TORCHINDUCTOR_CACHE_DIR``) are set in the child when the script imports a module whose
  import set them in the server, as a plain import would.

Variables read when the interpreter or a library starts (``PYTHON*``, thread counts, allocator
and loader variables: ``STARTUP_PREFIXES``) cannot change after the server started: a run with
other values raises ``NotForkable`` (a ``ForkServerError``), and the module-level ``run`` keeps
one server per set of such values.

Some scripts should not run forked: see ``unforkable_reason``.
"""

from __future__ import annotations

import ast
import atexit
import builtins
import errno
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
from typing import NamedTuple

# What the server imports before it forks. The order matters for ``_EnvRecorder`` only a
# little (it records import edges), but importing the module that imports the most first lets
# it see the most of them.
PRELOAD = ("pytorch_lightning", "torchvision", "torch", "tensorboard")
# Environment variables read when an interpreter or a preloaded library starts (not when a
# script runs): a run whose values differ from the server's cannot be forked from it.
# PYTHON*: hash seed, buffering, warnings, paths; LANG, LC_*: stdio and file-system encodings, C
# locale coercion; OMP_* to GOMP_*: thread pools, sized when the libraries load; LD_*, MALLOC_*: the
# loader and the allocator; TORCH_*, PYTORCH_*, TQDM_*, POSSIBLE_USER_WARNINGS: read at import.
STARTUP_PREFIXES = ("PYTHON", "LANG", "LC_", "OMP_", "MKL_", "OPENBLAS_", "GOTO_", "KMP_", "GOMP_", "LD_", "MALLOC_")
STARTUP_PREFIXES += ("TORCH_", "PYTORCH_", "TQDM_", "POSSIBLE_USER_WARNINGS")
# Set in the server only (not in the children): no CUDA initialisation while the preloaded
# libraries count devices (a forked child of a process that initialised CUDA cannot use it).
SERVER_ONLY_ENV = {"PYTORCH_NVML_BASED_CUDA_CHECK": "1"}
# SNIPPET_FORKSERVER=0 in the caller's environment turns forking off: the module-level ``run``
# then raises ForkServerError at once, and callers fall back to plain subprocesses.
# (This module names it itself: it runs as the server's own script and imports nothing of the
# package, whose imports would start threads before the server forks.)
SWITCH = "SNIPPET_FORKSERVER"
START_TIMEOUT = 300.0  # seconds for the server's imports, on a busy 2-core machine
DRAIN_SECONDS = 5.0  # after a kill, how long to wait for the last output and the exit status
_MAX_MESSAGE = 100_000  # bytes in one request (an environment is a few kB); fits a socket buffer


class Result(NamedTuple):
    returncode: int  # as subprocess.Popen.returncode: negative for a signal
    output: bytes  # stdout and stderr merged, raw
    seconds: float  # from the request to the exit status and the end of the output


class ForkServerError(RuntimeError):
    """The run could not be done in a forked child. ``started`` is False when the script did
    not start (run it as a plain subprocess instead), True when it started and its end is unknown
    (the server died under it)."""

    def __init__(self, message: str, *, started: bool = False):
        super().__init__(message)
        self.started = started


class NotForkable(ForkServerError):
    """This run cannot be forked from this server (its start-up variables differ)."""


class ForkTimeout(subprocess.TimeoutExpired):
    """The script ran past its time-out; its process group was killed. ``output`` holds what it
    printed, raw bytes, as ``subprocess.TimeoutExpired.output`` does."""

    def __init__(self, cmd, timeout: float, output: bytes, seconds: float, returncode: int | None):
        super().__init__(cmd, timeout, output=output)
        self.seconds = seconds
        self.returncode = returncode


def startup_env(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The part of ``env`` that must be the same for a run and the server it forks from."""
    return tuple(sorted((k, v) for k, v in env.items() if k.startswith(STARTUP_PREFIXES)))


# ---------------------------------------------------------------------------------------------
# Which scripts to run as a plain subprocess

_MEASURING_MODULES = {
    "resource": "it measures memory (a forked child starts with the server's peak memory)",
    "tracemalloc": "it measures memory allocations",
    "cProfile": "it profiles (a forked child skips the imports a fresh process pays for)",
    "profile": "it profiles",
    "timeit": "it measures time",
}
_TIMERS = {"perf_counter", "perf_counter_ns", "process_time", "process_time_ns", "monotonic", "time"}
# Names that print the whole Python stack of the process (anomaly mode prints the forward call's):
# in a forked child that stack starts with the server's own frames.
_STACK_PRINTERS = {"detect_anomaly", "set_detect_anomaly", "print_stack", "format_stack", "extract_stack"}


def unforkable_reason(source: str) -> str | None:
    """Why the script with this source should run as a plain subprocess, or None if it can be
    forked. A script is kept plain when it measures the process it runs in (time, memory,
    profiles) or looks at what is imported (``sys.modules``), because a forked child has
    already imported the preloaded libraries and shares the server's memory; and when it
    prints the whole call stack (anomaly detection), which in a child starts in the server. Starting DDP
    workers, other processes or ``multiprocessing`` works forked."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None  # the child prints the SyntaxError as python would
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module.split(".")[0]]
            if names[0] == "time" and any(alias.name in _TIMERS for alias in node.names):
                return "it measures time"
        for name in names:
            if name in _MEASURING_MODULES:
                return _MEASURING_MODULES[name]
        if (isinstance(node, ast.Attribute) and node.attr in _STACK_PRINTERS) or (
            isinstance(node, ast.keyword) and node.arg in _STACK_PRINTERS
        ):
            return "it prints the whole call stack, which in a forked child starts in the server"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "time" and node.attr in _TIMERS:
                return "it measures time"
            if node.value.id == "sys" and node.attr == "modules":
                return "it reads sys.modules, which in a forked child holds what the server imported"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "importtime" in node.value:
            return "it measures imports"
    return None


def can_fork(source: str) -> bool:
    """True when the script with this source can run in a forked child (see unforkable_reason)."""
    return unforkable_reason(source) is None


# ---------------------------------------------------------------------------------------------
# The caller's side


class ForkServer:
    """A warm server, started on first use, and the runs forked from it.

    ``run`` may be called from several threads at once: each run has its own socket pair and
    output pipe, and the children run side by side. ``close`` stops the server and kills what
    still runs.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        preload: tuple[str, ...] | list[str] = PRELOAD,
        python: str | None = None,
        start_timeout: float = START_TIMEOUT,
    ):
        self.env = dict(env)  # the server's environment: the scripts' own (start-up variables)
        self.preload = tuple(preload)
        self.python = python or sys.executable
        self.start_timeout = start_timeout
        self.info: dict = {}  # what the server said when ready: pid, seconds, imported, warnings
        self._key = startup_env(self.env)
        self._lock = threading.Lock()  # start-up and sending on the control socket
        self._control: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self._folder: str | None = None
        self._failure: str | None = None
        self._closed = False

    # -- life cycle

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Start the server and wait until it has imported everything (idempotent)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._failure is not None:
            raise ForkServerError(self._failure)
        if self._closed:
            raise ForkServerError("the fork server was closed")
        if self._control is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._folder = tempfile.mkdtemp(prefix="snippet-forkserver-")
        log = open(os.path.join(self._folder, "server.log"), "wb")
        env = {**self.env, **SERVER_ONLY_ENV}
        command = [
            self.python,
            os.path.abspath(__file__),
            "--serve",
            str(theirs.fileno()),
            "--preload",
            ",".join(self.preload),
        ]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self._folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # a Ctrl-C in the terminal is for the caller, not for it
            )
        except OSError as error:
            ours.close()
            self._fail(f"the fork server could not start: {error}")
        finally:
            theirs.close()
            log.close()
        ours.settimeout(self.start_timeout)
        try:
            ours.send(json.dumps({"env": env}).encode())  # what it was given (see _Server.serve)
            message = ours.recv(_MAX_MESSAGE)
            reply = json.loads(message) if message else {"error": "it exited during its imports"}
        except (OSError, ValueError) as error:  # socket.timeout is an OSError
            reply = {"error": f"no answer ({error})"}
        if "error" in reply:
            ours.close()
            self._stop_process()
            self._fail(f"the fork server did not start: {reply['error']}\n{self._log_tail()}")
        ours.settimeout(None)
        self.info = reply
        self._control = ours

    def _fail(self, message: str):
        self._failure = message
        raise ForkServerError(message)

    def _log_tail(self, size: int = 4000) -> str:
        try:
            with open(os.path.join(self._folder or "", "server.log"), "rb") as f:
                return f.read()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _stop_process(self) -> None:
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def close(self) -> None:
        """Stop the server; it kills the process groups of the runs still going."""
        with self._lock:
            self._closed = True
            if self._control is not None:
                self._control.close()  # the server sees the end of the control socket and stops
                self._control = None
            if self._process is not None and self._process.poll() is None:
                self._stop_process()
            if self._folder:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs

    def run(
        self,
        script: str | os.PathLike,
        args: tuple[str, ...] | list[str] = (),
        *,
        cwd: str | os.PathLike,
        env: dict[str, str],
        timeout: float | None = None,
        process_log: str | os.PathLike | None = None,
    ) -> Result:
        """Run ``script`` with ``args`` in a forked child, in ``cwd``, with exactly ``env``.

        Returns a ``Result``. Raises ``ForkTimeout`` after ``timeout`` seconds, once the child's
        process group is killed; ``ForkServerError`` when the script could not be started this
        way (``started`` False: run it as a plain subprocess). With ``process_log``, the child
        appends a line to that file for each process the script starts (see ``_log_process_starts``)."""
        env = {str(k): str(v) for k, v in env.items()}
        if startup_env(env) != self._key:
            differ = sorted({k for k, _ in set(startup_env(env)) ^ set(self._key)})
            raise NotForkable(f"start-up variables differ from the fork server's: {', '.join(differ)}")
        request = {"script": os.fspath(script), "args": [str(a) for a in args], "cwd": os.fspath(cwd), "env": env}
        if process_log is not None:
            request["process_log"] = os.fspath(process_log)
        request = json.dumps(request).encode()
        if len(request) > _MAX_MESSAGE:
            raise NotForkable("the request is too large")
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        out_r, out_w = os.pipe()
        try:
            with self._lock:
                self._start_locked()
                started = time.perf_counter()  # the server's own start is not the script's time
                try:
                    socket.send_fds(self._control, [request], [theirs.fileno(), out_w])
                except OSError as error:
                    if error.errno == errno.EMSGSIZE:
                        raise NotForkable("the request is too large for one message") from None
                    self._fail(f"the fork server is gone ({error}):\n{self._log_tail()}")
        except BaseException:
            os.close(out_r)
            mine.close()
            raise
        finally:
            theirs.close()
            os.close(out_w)
        try:
            return self._collect(script, mine, out_r, started, timeout)
        finally:
            mine.close()
            os.close(out_r)

    def _collect(self, script, conn: socket.socket, out_r: int, started: float, timeout: float | None) -> Result:
        deadline = None if timeout is None else started + timeout
        chunks: list[bytes] = []
        pid = status = None
        out_open = conn_open = True
        killed = False
        with selectors.DefaultSelector() as selector:
            selector.register(out_r, selectors.EVENT_READ, "out")
            selector.register(conn, selectors.EVENT_READ, "conn")
            while out_open or status is None:
                if not conn_open and status is None:
                    break  # the server is gone (or we gave up on it)
                if deadline is not None and time.perf_counter() >= deadline:
                    if killed:
                        break  # what is left after the kill did not come in time
                    killed = True
                    deadline = time.perf_counter() + DRAIN_SECONDS
                    if pid is not None:
                        _kill_group(pid)
                    else:  # not forked yet: the server kills it when it sees our end close
                        selector.unregister(conn)
                        conn.shutdown(socket.SHUT_RDWR)
                        conn_open = False
                    continue
                wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
                for key, _ in selector.select(wait):
                    if key.data == "out":
                        data = os.read(out_r, 1 << 16)
                        if data:
                            chunks.append(data)
                        else:
                            selector.unregister(out_r)
                            out_open = False
                        continue
                    try:
                        message = conn.recv(_MAX_MESSAGE)
                    except OSError:
                        message = b""
                    if not message:
                        selector.unregister(conn)
                        conn_open = False
                        continue
                    reply = json.loads(message)
                    if "error" in reply:
                        raise ForkServerError(f"the fork server could not run {script}: {reply['error']}")
                    pid = reply.get("pid", pid)
                    status = reply.get("status", status)
        seconds = time.perf_counter() - started
        if pid is not None:
            _kill_group(pid)  # what the script left behind, as runner._execute does after a run
        output = b"".join(chunks)
        returncode = os.waitstatus_to_exitcode(status) if status is not None else None
        if killed:
            raise ForkTimeout([self.python, os.fspath(script)], timeout, output, seconds, returncode)
        if status is None:
            raise ForkServerError(
                f"the fork server stopped while {script} ran; its exit status is unknown:\n{self._log_tail()}",
                started=pid is not None,
            )
        return Result(returncode, output, seconds)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_servers: dict[tuple, ForkServer] = {}
_servers_lock = threading.Lock()


def shared_server(env: dict[str, str], preload: tuple[str, ...] | list[str] = PRELOAD) -> ForkServer:
    """The process-wide server for runs with these start-up variables, created on first use
    (started on its first run). A server that failed to start keeps failing fast."""
    key = (startup_env(env), tuple(preload))
    with _servers_lock:
        server = _servers.get(key)
        if server is None:
            server = _servers[key] = ForkServer(env, preload=preload)
        return server


def run(
    script: str | os.PathLike,
    args: tuple[str, ...] | list[str] = (),
    *,
    cwd: str | os.PathLike,
    env: dict[str, str],
    timeout: float | None = None,
    process_log: str | os.PathLike | None = None,
) -> Result:
    """``ForkServer.run`` on the shared server for ``env`` (ForkServerError when switched off)."""
    if os.environ.get(SWITCH, "1") == "0":
        raise ForkServerError(f"forking is switched off ({SWITCH}=0)")
    return shared_server(env).run(script, args, cwd=cwd, env=env, timeout=timeout, process_log=process_log)


def close_all() -> None:
    """Stop every shared server (also done at exit)."""
    with _servers_lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        server.close()


atexit.register(close_all)


# ---------------------------------------------------------------------------------------------
# The server's side (runs as ``python forkserver.py --serve FD``; imports torch and friends)


class _EnvRecorder:
    """While the server imports, which environment variables the imports set, and which modules'
    imports lead to the module that set them; so that a child sets them when its script imports
    one of those modules, as the script's own import would have."""

    def __init__(self):
        self.stack: list[str] = []  # modules being imported, outermost first
        self.edges: dict[str, set[str]] = {}  # importer -> imported (full module names)
        self.changes: list[tuple[str, str | None, str | None]] = []  # (name, value or None, set by)
        self._import = builtins.__import__

    def __enter__(self):
        environ = type(os.environ)
        self._setitem, self._delitem = environ.__setitem__, environ.__delitem__
        recorder = self

        def setitem(mapping, key, value, _real=self._setitem):
            _real(mapping, key, value)
            if mapping is os.environ:
                recorder.changes.append((_text(key), _text(value), recorder.stack[-1] if recorder.stack else None))

        def delitem(mapping, key, _real=self._delitem):
            _real(mapping, key)
            if mapping is os.environ:
                recorder.changes.append((_text(key), None, recorder.stack[-1] if recorder.stack else None))

        environ.__setitem__, environ.__delitem__ = setitem, delitem
        builtins.__import__ = self._recording_import
        return self

    def __exit__(self, *exc):
        environ = type(os.environ)
        environ.__setitem__, environ.__delitem__ = self._setitem, self._delitem
        builtins.__import__ = self._import

    def _recording_import(self, name, globals=None, locals=None, fromlist=(), level=0):
        target = name
        if level:
            try:
                from importlib import _bootstrap

                target = _bootstrap._resolve_name(name, _bootstrap._calc___package__(globals or {}), level)
            except Exception:  # noqa: BLE001 - the import itself will say what is wrong
                target = name
        if self.stack:
            self.edges.setdefault(self.stack[-1], set()).add(target)
        for item in fromlist or ():  # `from package import submodule` imports package.submodule
            if item != "*":
                self.edges.setdefault(target, set()).add(f"{target}.{item}")
        self.stack.append(target)
        try:
            return self._import(name, globals, locals, fromlist, level)
        finally:
            self.stack.pop()

    def triggers(self) -> dict[str, dict[str, str | None]]:
        """For each module whose import (here, transitively) set variables: those variables."""
        reverse: dict[str, set[str]] = {}
        for importer, imported in self.edges.items():
            for module in imported:
                reverse.setdefault(module, set()).add(importer)
        found: dict[str, dict[str, str | None]] = {}
        for key, value, setter in self.changes:
            if setter is None:
                continue
            todo, seen = [setter], {setter}
            while todo:
                module = todo.pop()
                found.setdefault(module, {})[key] = value
                for importer in reverse.get(module, ()):
                    if importer not in seen:
                        seen.add(importer)
                        todo.append(importer)
        return found


def _text(value) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else str(value)


def _native_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


class _Server:
    def __init__(self, control_fd: int, preload: list[str]):
        self.control = socket.socket(fileno=control_fd)
        self.preload = preload
        self.children: dict[int, socket.socket] = {}  # pid -> the run's socket
        self.own_fds: set[int] = {control_fd}
        self.env_triggers: dict[str, dict[str, str | None]] = {}
        self.added_at_start: dict[str, str] = {}

    def prepare(self) -> dict:
        import gc
        import warnings

        started = time.perf_counter()
        gc.disable()  # no collection while importing, and none of the server's garbage in the children
        with _EnvRecorder() as recorder, warnings.catch_warnings(record=True) as caught:
            for name in self.preload:
                __import__(name)
        self.env_triggers = recorder.triggers()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_initialized():
            raise RuntimeError("CUDA was initialised while importing: a forked child could not use it")
        threads = _native_threads()
        if threading.active_count() != 1 or threads != 1:
            raise RuntimeError(
                f"{threads} native threads after the imports ({threading.active_count()} Python threads): forking"
                " is safe only from one thread (are OMP_NUM_THREADS/OPENBLAS_NUM_THREADS set to 1?)"
            )
        gc.collect()
        gc.freeze()  # the imported objects: never scanned by the children's collections (no copy-on-write)
        gc.enable()
        return {
            "ready": True,
            "pid": os.getpid(),
            "seconds": time.perf_counter() - started,
            "imported": list(self.preload),
            "warnings": [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught],
            "env_added_at_start": sorted(self.added_at_start),
            "env_set_by_imports": sorted({k for changes in self.env_triggers.values() for k in changes}),
        }

    def serve(self) -> None:
        # What the interpreter added to the environment it was given when it started (LC_CTYPE,
        # when it coerces the C locale): the script's own interpreter would add it too.
        given = json.loads(self.control.recv(_MAX_MESSAGE))["env"]
        self.added_at_start = {k: v for k, v in os.environ.items() if k not in given}
        try:
            ready = self.prepare()
        except BaseException as error:  # noqa: BLE001 - reported to the caller, then exit
            import traceback

            traceback.print_exc()
            self.control.send(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode())
            return
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.own_fds |= {wake_r, wake_w}
        signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector = selectors.DefaultSelector()
        self.own_fds.add(self.selector.fileno())
        self.selector.register(self.control, selectors.EVENT_READ, "control")
        self.selector.register(wake_r, selectors.EVENT_READ, "wake")
        self.control.send(json.dumps(ready).encode())
        try:
            while True:
                for key, _ in self.selector.select():
                    if key.data == "control":
                        if not self.request():
                            return
                    elif key.data == "wake":
                        while True:
                            try:
                                if not os.read(wake_r, 512):
                                    break
                            except BlockingIOError:
                                break
                        self.reap()
                    else:  # a run's socket: the caller went away (or gave up) before the end
                        self.abandon(key.data)
                self.reap()
        finally:  # the caller is gone or closed us: no run outlives the server
            for pid in list(self.children):
                _kill_group(pid)
            for pid, conn in list(self.children.items()):
                try:
                    _, status = os.waitpid(pid, 0)
                except ChildProcessError:
                    continue
                self._send(conn, {"status": status})
                conn.close()

    def request(self) -> bool:
        try:
            message, fds, _, _ = socket.recv_fds(self.control, _MAX_MESSAGE, 4)
        except OSError:
            return False
        if not message:
            for fd in fds:
                os.close(fd)
            return False  # the caller closed the control socket: stop
        conn = socket.socket(fileno=fds[0])
        out_fd = fds[1]
        try:
            pid = self.fork(json.loads(message), conn, out_fd)
        except Exception as error:  # noqa: BLE001 - reported to that run's caller
            self._send(conn, {"error": f"{type(error).__name__}: {error}"})
            conn.close()
            return True
        finally:
            os.close(out_fd)
        self.children[pid] = conn
        self.own_fds.add(conn.fileno())
        self.selector.register(conn, selectors.EVENT_READ, pid)
        self._send(conn, {"pid": pid})
        return True

    def fork(self, request: dict, conn: socket.socket, out_fd: int) -> int:
        threads = _native_threads()
        if threading.active_count() != 1 or threads != 1:
            raise RuntimeError(f"the server has {threads} threads; it forks only with one")
        sync_r, sync_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(sync_r)
            request["env"] = {**request["env"], **self.added_at_start}
            _child(request, out_fd, sync_w, self.own_fds | {conn.fileno()}, self.env_triggers)
        os.close(sync_w)
        with os.fdopen(sync_r, "rb") as sync:
            said = sync.read()  # up to the child's end of set-up (or its death)
        if said != b"ok":
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            raise RuntimeError(said.decode("utf-8", "replace") or "the child died while setting up")
        return pid

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                self._forget(conn)
                self._send(conn, {"status": status})
                conn.close()

    def abandon(self, pid: int) -> None:
        """The caller of this run closed its socket before the exit status: kill the run."""
        conn = self.children.get(pid)
        if conn is None:
            return
        try:
            data = conn.recv(16, socket.MSG_DONTWAIT | socket.MSG_PEEK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            conn.recv(16)  # callers send nothing; ignore
            return
        _kill_group(pid)
        self.selector.unregister(conn)  # the exit status still gets reaped, and dropped

    def _forget(self, conn: socket.socket) -> None:
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        self.own_fds.discard(conn.fileno())

    @staticmethod
    def _send(conn: socket.socket, message: dict) -> None:
        try:
            conn.send(json.dumps(message).encode())
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# The child


def _child(request: dict, out_fd: int, sync_w: int, server_fds: set[int], env_triggers) -> None:
    """Become the script's process and run it; leaves through os._exit only."""
    try:
        try:
            prepared = _prepare_child(request, out_fd, server_fds, env_triggers)
        except BaseException as error:  # noqa: BLE001 - told to the server, which tells the caller
            os.write(sync_w, f"set-up failed: {type(error).__name__}: {error}".encode())
            os._exit(70)
        os.write(sync_w, b"ok")
        os.close(sync_w)
        main = types.ModuleType("__main__")
        _exit(_run_main(prepared, main), main)
    finally:
        os._exit(70)  # never back into the server's loop, whatever happened


def _prepare_child(request: dict, out_fd: int, server_fds: set[int], env_triggers):
    import importlib
    import warnings

    os.setsid()  # first: the caller may kill the group as soon as it has the pid
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in server_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)

    env = request["env"]
    os.environ.clear()
    os.environ.update(env)
    cwd = request["cwd"]
    os.chdir(cwd)
    script = request["script"]
    sys.argv = [script, *request["args"]]
    sys.orig_argv = [sys.executable, *sys.argv]
    path = os.path.abspath(script)
    sys.path[0] = os.path.dirname(os.path.realpath(path))  # as python does for `python script.py`
    _reset_import_state(env, cwd)
    _watch_imports(env_triggers)
    if request.get("process_log"):
        _log_process_starts(request["process_log"])
    importlib.invalidate_caches()
    warnings._filters_mutated()  # a warning the imports gave in the server shows again
    warnings.onceregistry.clear()

    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as error:
        return ("cannot open", path, error)
    return ("source", path, source)


def _reset_import_state(env: dict[str, str], cwd: str) -> None:
    """What an import cached in the server that depends on the environment or the working
    directory, set as the script's own imports would have set it."""
    import tempfile as _tempfile

    _tempfile.tempdir = None  # from TMPDIR, on first use
    mp_process = sys.modules.get("multiprocessing.process")
    if mp_process is not None:
        mp_process.ORIGINAL_DIR = cwd  # os.getcwd() at import; used by spawn to find __main__
    fabric_rank = sys.modules.get("lightning_fabric.utilities.rank_zero")
    if fabric_rank is not None:  # from RANK/LOCAL_RANK/SLURM_PROCID/JSM_NAMESPACE_RANK at import
        fabric_rank.rank_zero_only.rank = fabric_rank._get_rank() or 0
    torch = sys.modules.get("torch")
    if torch is not None:
        cuda = sys.modules.get("torch.cuda")
        if cuda is not None and hasattr(cuda, "_cached_device_count"):
            cuda._cached_device_count = None  # from CUDA_VISIBLE_DEVICES
        threads = env.get("OMP_NUM_THREADS", "")
        if threads.isdigit() and int(threads) > 0:
            torch.set_num_threads(int(threads))
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()  # fresh entropy, as in a new process (random reseeds itself at fork)


def _log_process_starts(log: str) -> None:
    """Append a line to ``log`` for each process the script starts: ``fork`` (a ``multiprocessing``
    fork, a DataLoader worker), ``spawn <program>`` (the spawn and forkserver start methods) or
    ``run <program>`` (``subprocess``, ``os.system``: Lightning's DDP launcher, torchrun). The
    start method matters only to a run that starts one (tests/test_spawn.py reruns those)."""
    import multiprocessing.util as mp_util

    def note(line: str) -> None:
        with open(log, "a", encoding="utf-8") as file:
            file.write(line + "\n")

    def audit(event: str, args: tuple) -> None:
        if event in ("os.fork", "os.forkpty"):
            note("fork")
        elif event in ("subprocess.Popen", "os.posix_spawn", "os.spawn", "os.exec", "os.system"):
            program = os.fsdecode(args[0]).split(" ")[0] if event == "os.system" else os.fsdecode(args[0])
            note(f"run {os.path.basename(program)}")

    sys.addaudithook(audit)  # for the rest of this process, and its forked children

    real_spawnv_passfds = mp_util.spawnv_passfds  # the spawn start method starts no audited event

    def spawnv_passfds(path, args, passfds):
        note(f"spawn {os.path.basename(os.fsdecode(path))}")
        return real_spawnv_passfds(path, args, passfds)

    mp_util.spawnv_passfds = spawnv_passfds


def _watch_imports(env_triggers: dict[str, dict[str, str | None]]) -> None:
    """Set the variables the server's imports set, when the script imports a module whose
    import set them (they are in sys.modules already, so no import hook would see it)."""
    if not env_triggers:
        return
    pending = dict(env_triggers)
    real_import = builtins.__import__

    def apply(module: str) -> None:
        for key, value in pending.pop(module, {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def watching_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and pending:
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                apply(".".join(parts[:i]))
            for item in fromlist or ():
                if item != "*":
                    apply(f"{name}.{item}")
        if not pending:
            builtins.__import__ = real_import
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = watching_import


def _run_main(prepared, main: types.ModuleType) -> int:
    """Run the script in ``main`` as __main__, as ``python script.py`` does; return the exit code."""
    import importlib.machinery

    kind, path, payload = prepared
    if kind == "cannot open":
        sys.stderr.write(f"{sys.executable}: can't open file {path!r}: [Errno {payload.errno}] {payload.strerror}\n")
        return 2
    main.__dict__.update(
        __file__=path,
        __cached__=None,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
        __builtins__=builtins,
        __spec__=None,
        __package__=None,
    )
    sys.modules["__main__"] = main
    code = None
    try:
        code = compile(payload, path, "exec", dont_inherit=True)
        exec(code, main.__dict__)  # noqa: S102 - running the script is the point
    except SystemExit as exit_:
        return _system_exit_code(exit_)
    except BaseException as error:  # noqa: BLE001 - printed as python prints it
        tb = error.__traceback__
        if code is None:
            tb = None  # a SyntaxError: python shows no traceback, just the error
        else:
            while tb is not None and tb.tb_frame.f_code is not code:
                tb = tb.tb_next  # the server's frames: not the script's
            if tb is None:
                tb = error.__traceback__
        error.__traceback__ = tb
        try:
            sys.excepthook(type(error), error, tb)
        except BaseException:  # noqa: BLE001
            pass
        if isinstance(error, KeyboardInterrupt):
            return -signal.SIGINT
        return 1
    return 0


def _system_exit_code(exit_: SystemExit) -> int:
    code = exit_.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF  # as the operating system keeps it
    try:
        sys.stderr.write(f"{code}\n")
    except BaseException:  # noqa: BLE001
        pass
    return 1


def _exit(code: int, main: types.ModuleType) -> None:
    """What the interpreter does at exit, then os._exit."""
    import gc

    try:
        threading._shutdown()  # join the non-daemon threads
    except BaseException:  # noqa: BLE001
        pass
    try:
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        pass
    try:  # clear the script's module as the interpreter does, so that what it left open gets
        # flushed and closed in order (a garbage collection may close a file before its buffer)
        if sys.modules.get("__main__") is main:
            del sys.modules["__main__"]
        if main.__dict__.get("__name__") == "__main__":  # the script ran in it (not the server's)
            names = main.__dict__
            for name in [n for n in names if n.startswith("_") and not n.startswith("__")]:
                names[name] = None
            for name in [n for n in names if n != "__builtins__"]:
                names[name] = None
        del main
        gc.collect()
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    if code < 0:  # an uncaught KeyboardInterrupt: python ends by the signal itself
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


def _main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="The snippet fork server (started by ForkServer).")
    parser.add_argument("--serve", type=int, required=True, help="the control socket's file descriptor")
    parser.add_argument("--preload", default=",".join(PRELOAD))
    options = parser.parse_args(argv)
    _Server(options.serve, [m for m in options.preload.split(",") if m]).serve()


if __name__ == "__main__":
    _main(sys.argv[1:])
