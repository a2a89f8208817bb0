"""Where the time of `make test` goes: pytest's own per-test times (setup, call and teardown, so a
session fixture counts where it is first set up), summed by test file and by kind, beside the
yardstick (benchmarks/yardstick.py) measured in the same run, as ratios.

    .venv/bin/python benchmarks/profile_tests.py [pytest arguments...]      # make profile-tests

Runs pytest once with every argument given (none: the whole suite, as `make test` does), then the
yardstick three times. Prints the table; the JUnit XML it read stays in .cache/test-time.xml.
"""

from __future__ import annotations

import collections
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import yardstick  # noqa: E402

REPO = yardstick.REPO
REPORT = REPO / ".cache" / "test-time.xml"
# What each test file spends its time on, beyond its own assertions.
KINDS = {
    "test_notebooks.py": "notebooks executed in kernels",
    "test_browser.py": "browser and axe checks",
    "test_html.py": "HTML validator (vnu)",
    "test_spawn.py": "runs again under spawn",
    "test_forkserver.py": "fork server against plain runs",
    "test_multi_device.py": "page tests (torchrun, two nodes)",
    "test_checkpoints.py": "page tests (SIGKILL, one after the other)",
    "test_tensorboard.py": "page tests (TensorBoard server)",
}


def main(arguments: list[str]) -> int:
    REPORT.parent.mkdir(exist_ok=True)
    started = time.perf_counter()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", f"--junitxml={REPORT}", *arguments], cwd=REPO)
    wall = time.perf_counter() - started
    stick = statistics.median(yardstick.measure(3))

    by_file: dict[str, float] = collections.Counter()
    count: dict[str, int] = collections.Counter()
    slowest = []
    for case in ET.parse(REPORT).iter("testcase"):
        file = case.get("file") or case.get("classname", "?").replace(".", "/") + ".py"
        seconds = float(case.get("time", 0))
        by_file[Path(file).name] += seconds
        count[Path(file).name] += 1
        slowest.append((seconds, f"{case.get('classname')}::{case.get('name')}"))
    by_kind: dict[str, float] = collections.Counter()
    for name, seconds in by_file.items():
        by_kind[KINDS.get(name, "page and site tests")] += seconds

    print(f"\npytest: {wall:.0f} s wall (exit code {tests.returncode}); yardstick median {stick:.2f} s")
    print(f"pytest / yardstick: {wall / stick:.0f}x\n")
    print(f"{'test file':<36} {'tests':>5} {'seconds':>8} {'x yardstick':>11}")
    for name, seconds in sorted(by_file.items(), key=lambda item: -item[1]):
        print(f"{name:<36} {count[name]:>5} {seconds:>8.1f} {seconds / stick:>11.1f}")
    print(f"\n{'kind':<44} {'seconds':>8} {'share':>6}")
    total = sum(by_kind.values()) or 1
    for kind, seconds in sorted(by_kind.items(), key=lambda item: -item[1]):
        print(f"{kind:<44} {seconds:>8.1f} {seconds / total:>6.0%}")
    print("\nslowest tests (a session fixture counts in the first test that sets it up):")
    for seconds, name in sorted(slowest, reverse=True)[:12]:
        print(f"{seconds:8.1f}  {name}")
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
