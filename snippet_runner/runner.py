"""Run a snippet script in its own process, in a scratch folder, with a cache.

A run's result (its raw output, run time, versions and the files it wrote) is
stored under ``.cache/snippet-runs/<key>/``. The key covers the script, the
local modules it imports, the files of the runs it builds on, its arguments,
the MNIST data and the versions of Python and the libraries, so a rebuild with
nothing changed runs nothing and an edited script re-runs only what depends on it.
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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from snippet_runner import mnist

# The site being built: snippet paths, the cache and the data are relative to it.
# The MkDocs hooks set it to the folder of the mkdocs.yml being built.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEOUT = 300  # seconds; a block may pass its own
# Bump when the cache layout or what a run does changes.
CACHE_FORMAT = 1
VERSIONED_PACKAGES = ("torch", "torchvision", "pytorch-lightning", "tensorboard", "numpy", "matplotlib")
TORCH_THREADS = 1  # the example model is tiny: one thread is several times faster on these machines


# (page path, page Markdown) while MkDocs renders a page; set by the MkDocs hooks so
# that an error names the page and line of the block that ran the script.
CURRENT_PAGE: tuple[str, str] | None = None


class SnippetError(RuntimeError):
    """A snippet failed, timed out or could not be run; the message says which and why."""


def _located(message: str, shown: str) -> str:
    if CURRENT_PAGE is None or message.startswith(CURRENT_PAGE[0]):
        return message
    page, markdown = CURRENT_PAGE
    for lineno, line in enumerate(markdown.split("\n"), start=1):
        if shown in line and "--8<--" not in line:
            return f"{page}:{lineno}: {message}"
    return f"{page}: {message}"


@dataclass
class Run:
    script: str  # path relative to the repo root, e.g. snippets/index/hello.py
    output: str  # everything it printed, stdout and stderr merged, raw
    seconds: float
    versions: dict[str, str]
    workdir: Path  # the files it wrote (its working directory)
    ran_in: str = ""  # where the working directory was while it ran (to tidy paths in the output)
    cached: bool = field(default=False)

    @property
    def name(self) -> str:
        return Path(self.script).name


def cache_root() -> Path:
    return Path(os.environ.get("SNIPPET_CACHE_DIR", ROOT / ".cache" / "snippet-runs"))


def data_root() -> Path:
    return Path(os.environ.get("SNIPPET_DATA_DIR", ROOT / "data"))


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
    """The modules beside the script that it imports, recursively (a snippet's own helpers),
    and the scripts beside it that it names as a string ("train_ddp.py"): a script that
    starts another one as a process depends on it as much as on an import."""
    found: list[Path] = []
    todo = [script]
    while todo:
        tree = ast.parse(todo.pop().read_text(), filename=str(script))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module.split(".")[0]]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".py"):
                names = [node.value[: -len(".py")]] if "/" not in node.value else []
            for name in names:
                module = script.parent / f"{name}.py"
                if module.is_file() and module not in found and module != script:
                    found.append(module)
                    todo.append(module)
    return sorted(found)


def resolve(script: str | os.PathLike) -> tuple[Path, str]:
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


def cache_key(script: Path, args: tuple[str, ...], env: dict[str, str], after: list[Run], returncode: int = 0) -> str:
    parts = {
        "returncode": returncode,
        "format": CACHE_FORMAT,
        "script": _sha256(script.read_bytes()),
        "imports": {p.name: _sha256(p.read_bytes()) for p in local_imports(script)},
        "args": list(args),
        "env": env,
        "after": [r.workdir.parent.name for r in after],
        "data": data_digest(),
        "versions": versions(),
        "threads": TORCH_THREADS,
    }
    return _sha256(json.dumps(parts, sort_keys=True).encode())[:24]


def _load_cached(entry: Path, shown: str) -> Run | None:
    """A cached run, or None when the entry is missing, partial or corrupt (a miss)."""
    try:
        record = json.loads((entry / "result.json").read_text())
        if record["script"] != shown or not (entry / "work").is_dir():
            return None
        return Run(
            script=record["script"],
            output=record["output"],
            seconds=float(record["seconds"]),
            versions=dict(record["versions"]),
            workdir=entry / "work",
            ran_in=record.get("ran_in", ""),
            cached=True,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _prepare_workdir(workdir: Path, after: list[Run]) -> None:
    workdir.mkdir(parents=True)
    for earlier in after:
        top = str(earlier.workdir)
        shutil.copytree(
            earlier.workdir,
            workdir,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=lambda folder, names: ["data"] if folder == top else [],  # the data link is made below
        )
    data_link = workdir / "data"
    if not data_link.exists():
        data_link.symlink_to(data_root().resolve(), target_is_directory=True)


def script_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment a snippet runs in (the tests start scripts with it too)."""
    env = dict(os.environ)
    env.update(
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ under snippets/, which `mkdocs serve` watches
        PYTHONUNBUFFERED="1",
        PYTHONHASHSEED="0",
        OMP_NUM_THREADS=str(TORCH_THREADS),
        MKL_NUM_THREADS=str(TORCH_THREADS),
        COLUMNS="100",
    )
    env.pop("SNIPPET_CACHE_DIR", None)
    env.update(extra)
    return env


def _execute(
    script: Path, shown: str, args: tuple[str, ...], env: dict[str, str], workdir: Path, timeout: float, returncode: int
):
    started = time.perf_counter()
    # A session of its own, so that a timeout kills the script and every process it started (DDP workers).
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=workdir,
        env=script_environment(env),
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
        output = raw.decode("utf-8", "replace")
        raise SnippetError(
            f"{shown} timed out after {timeout:g} s and was killed. Last output:\n{_tail(output)}"
        ) from None
    finally:
        _kill_group(process)
    seconds = time.perf_counter() - started
    output = raw.decode("utf-8", "replace")
    if process.returncode != returncode:
        expected = "" if returncode == 0 else f" (expected {returncode})"
        raise SnippetError(f"{shown} exited with code {process.returncode}{expected}:\n{_tail(output)}")
    return output, seconds


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(output: str, lines: int = 60) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


def run(
    script: str | os.PathLike,
    *,
    args: tuple[str, ...] | list[str] = (),
    after: tuple[str | Run, ...] | list[str | Run] = (),
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    returncode: int = 0,
) -> Run:
    """Run ``script`` (cached) and return what it printed and where its files are.

    ``after`` names scripts whose files this one reads: they run first (or come
    from the cache) and the scratch folder starts as a copy of theirs. An entry
    may also be a ``Run`` already made, for a chain (a script after a script that
    itself ran after another, or with arguments).
    ``returncode`` is the exit code the script must give: 1 for a script that shows
    an error on purpose (an uncaught exception), 0 otherwise.
    """
    try:
        return _run(script, args=args, after=after, env=env, timeout=timeout, returncode=returncode)
    except SnippetError as error:
        raise SnippetError(_located(str(error), Path(script).as_posix())) from None


def _run(script, *, args, after, env, timeout, returncode) -> Run:
    path, shown = resolve(script)
    args = tuple(str(a) for a in args)
    env = dict(env or {})
    earlier = [s if isinstance(s, Run) else run(s) for s in after]
    key = cache_key(path, args, env, earlier, returncode)
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
        _prepare_workdir(workdir, earlier)
        output, seconds = _execute(path, shown, args, env, workdir, timeout, returncode)
        record = {
            "script": shown,
            "output": output,
            "seconds": seconds,
            "versions": versions(),
            "ran_in": str(workdir),
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
