"""Settings of the build, each defined once and imported where it is used."""

from __future__ import annotations

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
