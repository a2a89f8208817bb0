"""Keep what a page helper drew (a chart, a table, a picture) so that a rebuild with nothing
changed draws nothing: a warm build then imports neither matplotlib nor torch.

A helper's result is stored under ``.cache/derived/<key>.html``. The key covers the helper's
name, its arguments, and the source of its own module and of every project module that module
imports, directly or not (``snippet_runner`` and ``pages``): editing one page's module redraws
that page's figures only, while editing ``snippet_runner/figures.py`` redraws every figure.
Arguments are results of runs (named by their cache keys), paths into the run cache (whose
folder names are the runs' keys) or plain values, so a new run of a script gives a new key.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from snippet_runner import runner

PROJECT_PACKAGES = ("snippet_runner", "pages")


def _module_file(name: str) -> Path | None:
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if file is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        file = spec.origin if spec else None
    return Path(file) if file and file.endswith(".py") else None


def _project_imports(file: Path, package: str) -> set[str]:
    """The project modules that ``file`` (a module of ``package``) imports."""
    found = set()
    for node in ast.walk(ast.parse(file.read_text(), filename=str(file))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in PROJECT_PACKAGES and _module_file(name))
    return found


@functools.cache
def module_digest(name: str) -> str:
    """A digest of the module's source and of every project module it imports, recursively."""
    digest = hashlib.sha256()
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        file = _module_file(current)
        if current in seen or file is None:
            continue
        seen.add(current)
        package = current if file.name == "__init__.py" else current.rpartition(".")[0]
        todo.extend(sorted(_project_imports(file, package) - seen))
    for current in sorted(seen):
        digest.update(current.encode() + b"\0" + _module_file(current).read_bytes())
    return digest.hexdigest()


def _stable(value):
    """What identifies an argument: a run by its folder (named by its cache key) and its output; a path by
    itself and the size and time of every file under it (a folder outside the run cache may change)."""
    if isinstance(value, runner.Run):
        value = value.result()
    if isinstance(value, runner.Result):
        return ("Result", str(value.workdir), hashlib.sha256(value.output.encode()).hexdigest())
    if isinstance(value, os.PathLike):
        path = Path(value)
        files = [path, *sorted(path.rglob("*"))] if path.is_dir() else [path]
        return (
            "path",
            os.fspath(path),
            [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists()],
        )
    return value


def memoized(helper):
    @functools.wraps(helper)
    def wrapper(*args, **kwargs):
        identity = (
            helper.__module__,
            helper.__qualname__,
            [_stable(a) for a in args],
            sorted((k, _stable(v)) for k, v in kwargs.items()),
            module_digest(helper.__module__),
        )
        key = hashlib.sha256(repr(identity).encode()).hexdigest()[:32]
        folder = runner.cache_root().parent / "derived"
        stored = folder / f"{key}.html"
        try:
            result = stored.read_text()
            os.utime(stored)  # used by this build (see runner.prune)
            return result
        except (OSError, UnicodeDecodeError):
            pass
        result = helper(*args, **kwargs)
        folder.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=folder, prefix=f".{key}.")
        with os.fdopen(fd, "w") as f:
            f.write(result)
        os.replace(partial, stored)  # whole or absent
        return result

    return wrapper
