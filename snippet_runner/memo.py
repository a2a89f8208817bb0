"""Keep what a page helper drew (a chart, a table, a picture) so that a rebuild with nothing
changed draws nothing: a warm build then imports neither matplotlib nor torch.

A helper's result is stored under ``.cache/derived/<key>.html``. The key covers the helper's
name, its arguments and the source of the whole ``snippet_runner`` package. The arguments are
paths into the run cache (whose folder names are the runs' own keys) or plain values, so a
new run of a script, or a change to the drawing code, gives a new key.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from snippet_runner import runner


@lru_cache(maxsize=1)
def machinery_digest() -> str:
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for source in sorted(package.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()


def _stable(value):
    """What identifies an argument: a Run by its folder (named by its cache key); a path by
    itself and the size and time of every file under it (a folder outside the run cache may change)."""
    if isinstance(value, runner.Run):
        return ("Run", str(value.workdir))
    if isinstance(value, os.PathLike):
        path = Path(value)
        files = [path, *sorted(path.rglob("*"))] if path.is_dir() else [path]
        return ("path", os.fspath(path), [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists()])
    return value


def memoized(helper):
    @functools.wraps(helper)
    def wrapper(*args, **kwargs):
        identity = (
            helper.__module__,
            helper.__qualname__,
            [_stable(a) for a in args],
            sorted((k, _stable(v)) for k, v in kwargs.items()),
            machinery_digest(),
        )
        key = hashlib.sha256(repr(identity).encode()).hexdigest()[:32]
        folder = runner.cache_root().parent / "derived"
        stored = folder / f"{key}.html"
        try:
            return stored.read_text()
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
