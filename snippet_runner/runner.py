"""Run a snippet script in its own process, in a scratch folder, with a cache.

A page's runs are declared once, as ``Run`` objects in ``pages/<page>.py``; the page shows
them and the tests read them. A run's result (its raw output, run time, versions and the files
it wrote) is stored under ``.cache/snippet-runs/<key>/``. The key covers everything the
declaration names (the script, its arguments and environment, the runs it starts from or
depends on, the other files it uses, the exit code it must give), the local modules the script
imports, the MNIST data and the versions of Python and the libraries: a rebuild with nothing
changed runs nothing, and an edited script re-runs only what depends on it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from snippet_runner import forkserver, mnist, settings

# The site being built: snippet paths, the cache and the data are relative to it.
# The MkDocs hooks set it to the folder of the mkdocs.yml being built.
ROOT = settings.REPOSITORY  # the build sets it to its mkdocs.yml's folder
# Bump when the cache layout or what a run does changes.
CACHE_FORMAT = 2
VERSIONED_PACKAGES = ("torch", "torchvision", "pytorch-lightning", "lightning", "tensorboard", "numpy", "matplotlib")
# markdown-exec names each block's code "<code block: id ...>"; the MkDocs hooks give every
# exec block the id "<page>:<line>", so a frame of that name says which block asked for a run.
BLOCK_FRAME = "<code block: id "


class SnippetError(RuntimeError):
    """A snippet failed, timed out or could not be run; the message says which and why."""


def block_location(*, unless_page_module: bool = False) -> str | None:
    """``docs/<page>.md:<line>`` of the page block whose code is running now, if any; with
    ``unless_page_module``, None when a page module (``pages/<page>.py``, even one a block
    imports) comes first on the way up the stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if unless_page_module and frame.f_globals.get("__name__", "").startswith("pages."):
            return None
        name = frame.f_code.co_filename
        if name.startswith(BLOCK_FRAME):
            return name[len(BLOCK_FRAME) : -1]
        frame = frame.f_back
    return None


def _located(message: str) -> str:
    where = block_location()
    return message if where is None or message.startswith(where) else f"{where}: {message}"


@dataclass
class Result:
    """What a run printed and wrote."""

    script: str  # path relative to the site root, e.g. snippets/installation/check_install.py
    output: str  # everything it printed, stdout and stderr merged, raw
    seconds: float
    versions: dict[str, str]
    workdir: Path  # the files it wrote (its working directory)
    ran_in: str = ""  # where the working directory was while it ran (to tidy paths in the output)
    root: str = ""  # the site root it ran from (a cache made in another clone names that one)
    cached: bool = field(default=False)
    # The processes the script started, one line each ("fork", "spawn python", "run python"),
    # recorded when it ran forked; None when it ran as a plain subprocess (not recorded).
    started: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return Path(self.script).name


@dataclass(frozen=True, eq=False)
class Run:
    """One run of a script, declared once in ``pages/<page>.py``; pages show it, tests read it.

    ``starts_from``: runs whose files this one reads; they run first and its scratch folder
    starts as a copy of theirs. ``depends_on``: runs that must happen first and whose change
    re-runs this one, without copying their files. ``uses``: other files the script reads or
    starts by path (a script that launches another one). ``returncode``: the exit code the
    script must give (1 for a script that shows an error on purpose). An argument may be a
    function of nothing, for a value an earlier run printed (called when the run resolves).
    """

    script: str
    args: tuple[str | Callable[[], str], ...] = ()
    starts_from: tuple[Run, ...] = ()
    depends_on: tuple[Run, ...] = ()
    uses: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    returncode: int = 0
    timeout: float = settings.DEFAULT_TIMEOUT
    alone: bool = False  # run with nothing else running beside it (it measures time)

    def __post_init__(self):
        where = block_location(unless_page_module=True)
        if where is not None:
            raise SnippetError(
                f"{where}: a page block made its own Run of {self.script}; "
                "declare runs in pages/<page>.py and show them from there"
            )
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "starts_from", tuple(self.starts_from))
        object.__setattr__(self, "depends_on", tuple(self.depends_on))
        object.__setattr__(self, "uses", tuple(self.uses))
        self._reset()

    def __repr__(self) -> str:
        extra = f" {' '.join(map(str, self.args))}" if self.args else ""
        return f"Run({self.script}{extra})"

    @property
    def asked(self) -> bool:
        """Whether something asked for the result (the build checks that every declared run was
        asked for: an unused declaration fails it)."""
        return self._asked

    def _reset(self) -> None:
        """Nothing known yet: key, result and failure are found once per object, and every build
        imports the page modules anew, so it gets new objects."""
        object.__setattr__(self, "_key", None)
        object.__setattr__(self, "_result", None)
        object.__setattr__(self, "_error", None)
        object.__setattr__(self, "_asked", False)

    @property
    def earlier(self) -> tuple[Run, ...]:
        """The runs that must be done before this one."""
        return self.starts_from + self.depends_on

    def key(self) -> str:
        """The run's cache key, computed without running it (an argument that is a function may
        need an earlier run's result)."""
        if self._key is None:
            path, _ = resolve(self.script)
            key = cache_key(
                path,
                self.arguments(),
                self.env,
                [earlier.key() for earlier in self.starts_from],
                [earlier.key() for earlier in self.depends_on],
                self.uses,
                self.returncode,
            )
            object.__setattr__(self, "_key", key)
        return self._key

    def arguments(self) -> tuple[str, ...]:
        return tuple(str(a() if callable(a) else a) for a in self.args)

    def cached(self) -> Result | None:
        """The result from the cache, or None when it would have to run (nothing runs here)."""
        if self._result is None:
            object.__setattr__(self, "_result", _load_cached(cache_root() / self.key(), resolve(self.script)[1]))
        return self._result

    def result(self) -> Result:
        """The run's result: from the cache, or by running it (and what it starts from) now.
        A run that failed in this build fails again at once, with the same error."""
        self._mark_asked()
        return self.compute()

    def _mark_asked(self) -> None:
        object.__setattr__(self, "_asked", True)
        for earlier in self.earlier:  # a page that shows a run uses what it builds on
            earlier._mark_asked()

    def compute(self) -> Result:
        """``result()``, without counting as a page's use of the run (for running runs up front)."""
        if self._error is not None:
            raise SnippetError(_located(self._error))
        if self._result is None:
            try:
                object.__setattr__(self, "_result", _resolve(self))
            except SnippetError as error:
                object.__setattr__(self, "_error", str(error))
                raise SnippetError(_located(str(error))) from None
        return self._result

    def show(self, **render_options) -> str:
        """Markdown for a page: the cleaned output, run time and versions (see ``output.render``)."""
        from snippet_runner.output import render

        try:
            return render(self.result(), **render_options)
        except SnippetError as error:
            raise SnippetError(_located(str(error))) from None


def run(script: str | os.PathLike, **options) -> Result:
    """Run a script now (cached), outside any page: for the tests' own variants of a run."""
    return Run(str(script), **options).result()


def cache_root() -> Path:
    return settings.cache_dir(ROOT)


def data_root() -> Path:
    return settings.data_dir(ROOT)


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    found = {"python": ".".join(map(str, sys.version_info[:3]))}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=4)
def _data_digest(root: Path, stamp: tuple) -> str:
    raw = mnist.raw_dir(root)
    return _sha256(b"".join(_sha256((raw / f).read_bytes()).encode() for f in sorted(os.listdir(raw))))


def data_digest() -> str:
    root = data_root()
    mnist.provide(root)
    raw = mnist.raw_dir(root)
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(raw.iterdir()))
    return _data_digest(root, stamp)


def local_imports(script: Path) -> list[Path]:
    """The modules beside the script that it imports, recursively (a snippet's own helpers)."""
    files = [script, *sorted(script.parent.glob("*.py"))]
    return list(_local_imports(script, tuple((f, f.stat().st_mtime_ns, f.stat().st_size) for f in files)))


@lru_cache(maxsize=1024)
def _local_imports(script: Path, stamp: tuple) -> tuple[Path, ...]:
    """``local_imports``, kept while the script and the files beside it are unchanged (``stamp``)."""
    found: list[Path] = []
    todo = [script]
    while todo:
        source = todo.pop()
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module.split(".")[0]]
            for name in names:
                module = script.parent / f"{name}.py"
                if module.is_file() and module not in found and module != script:
                    found.append(module)
                    todo.append(module)
    return tuple(sorted(found))


def resolve(script: str | os.PathLike) -> tuple[Path, str]:
    """The script's absolute path, and its path as pages show it (relative to the site root)."""
    path = Path(script)
    if not path.is_absolute():
        path = ROOT / path
    if not path.is_file():
        raise SnippetError(f"{script}: no such snippet file")
    try:
        shown = path.resolve().relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return path.resolve(), shown


def cache_key(script: Path, args, env, starts_from: list[str], depends_on: list[str], uses, returncode) -> str:
    parts = {
        "format": CACHE_FORMAT,
        "returncode": returncode,
        "script": _sha256(script.read_bytes()),
        # The modules it imports and the files it is declared to use (a script it starts, say).
        "imports": {p.name: _sha256(p.read_bytes()) for p in [*local_imports(script), *(resolve(u)[0] for u in uses)]},
        "args": list(args),
        "env": dict(env),
        "after": list(starts_from),  # their keys
        "data": data_digest(),
        "versions": versions(),
        "threads": settings.TORCH_THREADS,
    }
    if depends_on:  # only when declared, so that the keys of other runs stay as they were
        parts["depends_on"] = list(depends_on)
    return _sha256(json.dumps(parts, sort_keys=True).encode())[:24]


def _load_cached(entry: Path, shown: str) -> Result | None:
    """A cached run, or None when the entry is missing, partial or corrupt (a miss)."""
    try:
        record = json.loads((entry / "result.json").read_text())
        if record["script"] != shown or not (entry / "work").is_dir():
            return None
        result = Result(
            script=record["script"],
            output=record["output"],
            seconds=float(record["seconds"]),
            versions=dict(record["versions"]),
            workdir=entry / "work",
            ran_in=record.get("ran_in", ""),
            root=record.get("root", ""),
            cached=True,
            started=None if record["started"] is None else tuple(record["started"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    _mark_used(entry)
    return result


def _mark_used(entry: Path) -> None:
    """Record that a build used this entry now (``prune`` drops entries no build used for long)."""
    try:
        os.utime(entry / "result.json")
    except OSError:
        pass


def prune(older_than_days: float = settings.CACHE_KEEP_DAYS, root: Path | None = None) -> list[Path]:
    """Delete cache entries (runs and derived outputs) that no build has used for ``older_than_days``,
    and scratch folders of runs that never finished. Returns what it deleted."""
    root = root or cache_root().parent
    limit = time.time() - older_than_days * 86400
    removed = []
    runs = root / "snippet-runs"
    for entry in sorted(runs.iterdir()) if runs.is_dir() else []:
        stamp = entry / "result.json"
        used = stamp.stat().st_mtime if stamp.exists() else entry.stat().st_mtime
        if used < limit:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    derived = root / "derived"
    for stored in sorted(derived.iterdir()) if derived.is_dir() else []:
        if stored.stat().st_mtime < limit:
            stored.unlink(missing_ok=True)
            removed.append(stored)
    return removed


def _prepare_workdir(workdir: Path, starts_from: list[Result]) -> None:
    workdir.mkdir(parents=True)
    for earlier in starts_from:
        top = str(earlier.workdir)
        shutil.copytree(
            earlier.workdir,
            workdir,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=lambda folder, names, top=top: ["data"] if folder == top else [],  # the data link is made below
        )
    data_link = workdir / "data"
    if not data_link.exists():
        data_link.symlink_to(data_root().resolve(), target_is_directory=True)


def script_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment a snippet runs in (the tests start scripts with it too)."""
    env = dict(os.environ)
    env.update(settings.SCRIPT_ENVIRONMENT)
    env.pop("SNIPPET_CACHE_DIR", None)
    env.update(extra)
    return env


def _execute(script: Path, shown: str, args, env, workdir: Path, timeout: float, returncode: int):
    """Run the script in its own process; returns what it printed, how long it took and the
    processes it started (``Result.started``).

    A child forked from the warm interpreter of ``forkserver`` (torch and Lightning already
    imported) where the script allows it, else a plain ``python script.py``; the output the
    page shows is the same either way (tests/test_forkserver.py compares them)."""
    full_env = script_environment(env)
    if _imports_preloaded(script) and forkserver.can_fork(script.read_text()):
        log = workdir.parent / "started-processes"
        try:
            ran = forkserver.run(script, args, cwd=workdir, env=full_env, timeout=timeout, process_log=log)
        except forkserver.ForkTimeout as error:
            raise SnippetError(_timed_out(shown, timeout, error.output)) from None
        except forkserver.ForkServerError as error:
            if error.started:  # it died while running the script: its folder is not clean for a second try
                raise SnippetError(f"{shown}: {error}") from None
            # the warm interpreter could not take it: run it the plain way below
        else:
            started = tuple(dict.fromkeys(log.read_text().splitlines())) if log.exists() else ()
            return _checked(shown, ran.returncode, returncode, ran.output), ran.seconds, started
    started = time.perf_counter()
    # A session of its own, so that a timeout kills the script and every process it started (DDP workers).
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=workdir,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        raw, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raw, _ = process.communicate()
        raise SnippetError(_timed_out(shown, timeout, raw)) from None
    finally:
        _kill_group(process)
    return _checked(shown, process.returncode, returncode, raw), time.perf_counter() - started, None


def _imports_preloaded(script: Path) -> bool:
    """Whether the script, or a module beside it that it imports, imports a library the warm
    interpreter preloads (torch, Lightning, ...): for any other script a plain process is as quick."""
    preloaded = {name.split(".")[0] for name in forkserver.PRELOAD}
    for source in (script, *local_imports(script)):
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] in preloaded for a in node.names):
                return True
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in preloaded:
                return True
    return False


def _timed_out(shown: str, timeout: float, raw: bytes) -> str:
    output = raw.decode("utf-8", "replace")
    return f"{shown} timed out after {timeout:g} s and was killed. Last output:\n{_tail(output)}"


def _checked(shown: str, got: int, expected: int, raw: bytes) -> str:
    """The output, when the script exited with the code it must give; else the error."""
    output = raw.decode("utf-8", "replace")
    if got != expected:
        wanted = "" if expected == 0 else f" (expected {expected})"
        raise SnippetError(f"{shown} exited with code {got}{wanted}:\n{_tail(output)}")
    return output


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(output: str, lines: int = 60) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


def _resolve(declared: Run) -> Result:
    path, shown = resolve(declared.script)
    starts_from = [earlier.compute() for earlier in declared.starts_from]
    for earlier in declared.depends_on:
        earlier.compute()
    args, key = declared.arguments(), declared.key()
    entry = cache_root() / key
    cached = _load_cached(entry, shown)
    if cached is not None:
        return cached
    if entry.exists():  # partial or corrupt: start again
        shutil.rmtree(entry, ignore_errors=True)

    cache_root().mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache_root()))
    try:
        workdir = scratch / "work"
        _prepare_workdir(workdir, starts_from)
        output, seconds, started = _execute(
            path, shown, args, declared.env, workdir, declared.timeout, declared.returncode
        )
        record = {
            "script": shown,
            "output": output,
            "seconds": seconds,
            "started": None if started is None else list(started),
            "versions": versions(),
            "ran_in": str(workdir.resolve()),  # as a script sees it (os.getcwd()), links resolved
            "root": str(ROOT),
        }
        (scratch / "result.json").write_text(json.dumps(record))
        try:
            os.replace(scratch, entry)  # atomic: the entry is whole or absent
        except OSError:
            if _load_cached(entry, shown) is None:  # someone else's whole entry is fine to keep
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = _load_cached(entry, shown)
    if result is None:
        raise SnippetError(f"{shown}: the cache entry {entry} could not be written")
    result.cached = False
    return result
