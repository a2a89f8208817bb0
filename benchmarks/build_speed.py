"""How long does the site take to build? Whole `mkdocs build --strict` processes, timed from outside.

    .venv/bin/python benchmarks/build_speed.py [--runs 5] [--cold-runs 1]

Measures, each as the median (and min–max) of several runs, interleaved so that a slow
moment of the machine spreads over all of them:
- cold: an empty snippet cache, so every script runs;
- warm: a rebuild with nothing changed (goal: at most 2 s for the whole process);
- one script edited: a rebuild after a change to one script (it re-runs that script only);
- bare: the same pages built by Material without markdown-exec and the runner (the floor).
Uses a cache folder of its own, so the project's cache is left as it is.
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

import yaml

REPO = Path(__file__).resolve().parent.parent
EDITED = REPO / "snippets" / "installation" / "check_install.py"


def build(config: Path, site: Path, cache: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SNIPPET_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def bare_config(folder: Path) -> Path:
    """mkdocs.yml without markdown-exec and the hooks: exec blocks are shown as plain code."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=yaml.Loader)  # noqa: S506 (our own file)
    config["plugins"] = [p for p in config["plugins"] if p != "markdown-exec"]
    config.pop("hooks", None)
    config["docs_dir"] = str(REPO / "docs")
    config["watch"] = [str(REPO / path) for path in config.get("watch", [])]
    path = folder / "mkdocs-bare.yml"
    path.write_text(yaml.dump(config))
    return path


def summary(name: str, times: list[float]) -> str:
    return f"{name:<22} median {statistics.median(times):6.2f} s   min {min(times):6.2f}   max {max(times):6.2f}   n={len(times)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of warm, edited and bare builds (default 5)")
    parser.add_argument("--cold-runs", type=int, default=1, help="runs of the cold build (each runs every script)")
    options = parser.parse_args()

    original = EDITED.read_text()
    times: dict[str, list[float]] = {
        "cold (empty cache)": [],
        "warm (no change)": [],
        "one script edited": [],
        "bare Material": [],
    }
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        config, bare = REPO / "mkdocs.yml", bare_config(scratch)
        for n in range(options.cold_runs):
            times["cold (empty cache)"].append(build(config, scratch / "site", scratch / f"cold-cache-{n}"))
        cache = scratch / f"cold-cache-{options.cold_runs - 1}"
        try:
            for n in range(options.runs):
                times["warm (no change)"].append(build(config, scratch / "site", cache))
                EDITED.write_text(original + f"# benchmark edit {n} {time.time()}\n")
                times["one script edited"].append(build(config, scratch / "site", cache))
                EDITED.write_text(original)
                times["bare Material"].append(build(bare, scratch / "site-bare", cache))
        finally:
            EDITED.write_text(original)
        entries = len([e for e in cache.iterdir() if not e.name.startswith(".")])

    print(f"machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    for name, values in times.items():
        print(summary(name, values))
    warm, bare_median = statistics.median(times["warm (no change)"]), statistics.median(times["bare Material"])
    print(
        f"warm / bare: {warm / bare_median:.2f}x; cache entries after the edits: {entries} "
        f"({options.runs} edits of {EDITED.relative_to(REPO)}, each a new entry)"
    )


if __name__ == "__main__":
    main()
