"""How long does the site take to build? Whole `mkdocs build --strict` processes, timed from outside.

    .venv/bin/python benchmarks/build_speed.py [--runs 5] [--cold-runs 1] [--plain]

Measures, each as the median (and min–max) of several runs, interleaved so that a slow
moment of the machine spreads over all of them:
- cold: an empty snippet cache (the data present), so every script runs; also the same less
  the parity benchmark's own run time (it runs alone, last, because it measures time);
- warm: a rebuild with nothing changed (goal: at most 2 s for the whole process);
- one script edited: a rebuild after a change to one script (it re-runs that script only);
- bare: the same pages built by Material without markdown-exec and the runner (the floor);
- the yardstick (benchmarks/yardstick.py, one plain `python train_lightning.py`), and each median
  above as a multiple of it: the figures to compare across machines.
With --plain, each cold build is paired with one the old way (every script a plain
subprocess, one at a time: SNIPPET_FORKSERVER=0 SNIPPET_WORKERS=1), and the ratio is printed.
Uses cache folders of its own, so the project's cache is left as it is.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import yardstick  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EDITED = REPO / "snippets" / "installation" / "check_install.py"
PARITY = "snippets/parity/benchmark.py"
PLAIN = {"SNIPPET_FORKSERVER": "0", "SNIPPET_WORKERS": "1"}  # the way before: subprocesses, one at a time


def build(config: Path, site: Path, cache: Path, env: dict | None = None) -> tuple[float, str]:
    """Seconds the whole build process took, and its log."""
    env = {**os.environ, "SNIPPET_CACHE_DIR": str(cache), **(env or {})}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout + result.stderr


def run_seconds(log: str, script: str) -> float:
    """A run's own time, from the build's progress lines ("[k/N] <script>: 12.3 s")."""
    found = re.search(rf"\] {re.escape(script)}: ([0-9.]+) s$", log, re.M)
    return float(found.group(1)) if found else 0.0


def bare_config(folder: Path) -> Path:
    """mkdocs.yml without markdown-exec and the hooks: exec blocks are shown as plain code."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=yaml.Loader)  # noqa: S506 (our own file)
    config["plugins"] = [p for p in config["plugins"] if p != "markdown-exec"]
    config.pop("hooks", None)
    # Without the hooks and the exec blocks, the published scripts and the anchors that blocks
    # generate are missing: this build is a floor for speed, not a check, so it says so and goes on.
    config["validation"] = {
        key: "info" for key in ("omitted_files", "not_found", "absolute_links", "unrecognized_links", "anchors")
    }
    config["docs_dir"] = str(REPO / "docs")
    config["watch"] = [str(REPO / path) for path in config.get("watch", [])]
    path = folder / "mkdocs-bare.yml"
    path.write_text(yaml.dump(config))
    return path


def summary(name: str, times: list[float]) -> str:
    unit = "x" if "/" in name else "s"
    median, low, high = statistics.median(times), min(times), max(times)
    return f"{name:<22} median {median:6.2f} {unit}   min {low:6.2f}   max {high:6.2f}   n={len(times)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of warm, edited and bare builds (default 5)")
    parser.add_argument("--cold-runs", type=int, default=1, help="runs of the cold build (each runs every script)")
    parser.add_argument("--plain", action="store_true", help="pair each cold build with one the old way")
    options = parser.parse_args()

    original = EDITED.read_text()
    names = ["cold (empty cache)", "cold less parity run", "warm (no change)", "one script edited", "bare Material"]
    if options.plain:
        names[1:1] = ["cold, the old way", "cold old / new"]
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        config, bare = REPO / "mkdocs.yml", bare_config(scratch)
        for n in range(options.cold_runs):
            seconds, log = build(config, scratch / "site", scratch / f"cold-cache-{n}")
            times["cold (empty cache)"].append(seconds)
            times["cold less parity run"].append(seconds - run_seconds(log, PARITY))
            if options.plain:
                plain, _ = build(config, scratch / "site", scratch / f"plain-cache-{n}", env=PLAIN)
                times["cold, the old way"].append(plain)
                times["cold old / new"].append(plain / seconds)
        cache = scratch / f"cold-cache-{options.cold_runs - 1}"
        try:
            for n in range(options.runs):
                times["warm (no change)"].append(build(config, scratch / "site", cache)[0])
                EDITED.write_text(original + f"# benchmark edit {n} {time.time()}\n")
                times["one script edited"].append(build(config, scratch / "site", cache)[0])
                EDITED.write_text(original)
                times["bare Material"].append(build(bare, scratch / "site-bare", cache)[0])
        finally:
            EDITED.write_text(original)
        entries = len([e for e in cache.iterdir() if not e.name.startswith(".")])

    stick = yardstick.measure(3)
    print(f"machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    print(yardstick.line(stick))
    for name, values in times.items():
        ratio = "" if "/" in name else f"   = {statistics.median(values) / statistics.median(stick):5.2f}x yardstick"
        print(summary(name, values) + ratio)
    warm, bare_median = statistics.median(times["warm (no change)"]), statistics.median(times["bare Material"])
    print(
        f"warm / bare: {warm / bare_median:.2f}x; cache entries after the edits: {entries} "
        f"({options.runs} edits of {EDITED.relative_to(REPO)}, each a new entry)"
    )


if __name__ == "__main__":
    main()
