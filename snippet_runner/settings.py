"""Settings of the build, each defined once and imported where it is used."""

from __future__ import annotations

import os
from pathlib import Path

# The repository: the default root of the build (a build sets runner.ROOT from its mkdocs.yml).
REPOSITORY = Path(__file__).resolve().parent.parent

# The environment knobs, each read here only, when asked (a test may set one for a while).
CACHE_DIR = "SNIPPET_CACHE_DIR"  # the run cache (default <root>/.cache/snippet-runs; derived outputs beside it)
DATA_DIR = "SNIPPET_DATA_DIR"  # the MNIST files the scripts read (default <root>/data)
WORKERS = "SNIPPET_WORKERS"  # runs side by side (default: the number of cores)
MATRIX_DIR = "MATRIX_DIR"  # the version matrix's venvs and caches (default <repo>/.cache/matrix)
# SNIPPET_FORKSERVER=0 (every script a plain subprocess) is read by forkserver.py, which runs on
# its own in the server process and so imports nothing from here.


def cache_dir(root: Path) -> Path:
    return Path(os.environ.get(CACHE_DIR) or root / ".cache" / "snippet-runs")


def data_dir(root: Path) -> Path:
    return Path(os.environ.get(DATA_DIR) or root / "data")


def workers() -> int:
    return int(os.environ.get(WORKERS) or 0) or os.cpu_count() or 1


def matrix_dir() -> Path:
    return Path(os.environ.get(MATRIX_DIR) or REPOSITORY / ".cache" / "matrix")


DEFAULT_TIMEOUT = 300  # seconds a script may run; a declared Run may set its own
TORCH_THREADS = 1  # the example model is tiny: one thread is several times faster on these machines
# Cache entries (script runs and derived outputs) that no build has used for this long are pruned
# by `make prune` (every build marks what it uses; see runner.prune).
CACHE_KEEP_DAYS = 14

# The environment every snippet runs in, on top of the build's own.
SCRIPT_ENVIRONMENT = {
    "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ under snippets/, which `mkdocs serve` watches
    "PYTHONUNBUFFERED": "1",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": str(TORCH_THREADS),
    "MKL_NUM_THREADS": str(TORCH_THREADS),
    "COLUMNS": "100",
}
