"""The yardstick every time of the project is set beside: one plain run of the core page's
Lightning script (``python train_lightning.py``), in a fresh interpreter, in an empty folder with the
data, with the environment the build gives scripts; the median of several runs. Machines differ
several-fold; a ratio to this run does not.

    .venv/bin/python benchmarks/yardstick.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "snippets" / "from-pytorch-to-lightning" / "train_lightning.py"


def one_run() -> float:
    """Seconds of one ``python train_lightning.py``, process start to exit."""
    from snippet_runner.settings import SCRIPT_ENVIRONMENT

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data").symlink_to(REPO / "data")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(SCRIPT)],
            cwd=folder,
            env={**os.environ, **SCRIPT_ENVIRONMENT},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return time.perf_counter() - started


def measure(runs: int = 3) -> list[float]:
    return [one_run() for _ in range(runs)]


def line(times: list[float]) -> str:
    return (
        f"yardstick (python train_lightning.py): median {statistics.median(times):.2f} s "
        f"({', '.join(f'{t:.2f}' for t in times)}), {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    print(line(measure(parser.parse_args().runs)))
