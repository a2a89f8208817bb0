"""Run every declared run up front, side by side, before the pages render.

The build knows all its runs before it renders a page (they are declared in ``pages/``), so it
starts them at once, as many at a time as there are cores, each after the runs it builds on;
a run declared ``alone`` (one that measures time) runs with nothing beside it. Pages then take
every result from the cache. Progress goes to the build's log as each run finishes, and a
failure is reported at once; the page block that shows the failed run then stops the strict
build with its own page and line.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from snippet_runner import settings
from snippet_runner.runner import Run, SnippetError

log = logging.getLogger("mkdocs.snippet_runner")


@dataclass
class Summary:
    cached: int = 0
    ran: list[tuple[Run, float]] = field(default_factory=list)
    failed: list[tuple[Run, str]] = field(default_factory=list)
    seconds: float = 0.0


def with_earlier(runs: Iterable[Run]) -> list[Run]:
    """The runs and every run they build on, each after the runs it builds on."""
    ordered: list[Run] = []

    def visit(run: Run) -> None:
        if run in ordered:
            return
        for earlier in run.earlier:
            visit(earlier)
        ordered.append(run)

    for run in runs:
        visit(run)
    return ordered


def label(run: Run) -> str:
    return " ".join([run.script, *map(str, run.args)]) if all(isinstance(a, str) for a in run.args) else run.script


class Progress:
    """Plain lines in a log; on a terminal, also a live line of what is running now."""

    def __init__(self, report: Callable[[str], None], total: int):
        self.report, self.total, self.done = report, total, 0
        self.live = sys.stderr.isatty()

    def line(self, text: str) -> None:
        self._clear()
        self.report(text)

    def finished(self, run: Run, text: str, running: Iterable[Run]) -> None:
        self.done += 1
        self.line(f"[{self.done}/{self.total}] {label(run)}: {text}")
        self.running(running)

    def running(self, running: Iterable[Run]) -> None:
        names = ", ".join(os.path.basename(run.script) for run in running)
        if self.live and names:
            sys.stderr.write(f"\r\x1b[K  running: {names} ({self.done}/{self.total} done)")
            sys.stderr.flush()

    def _clear(self) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def run_all(runs: Iterable[Run], *, workers: int | None = None, report: Callable[[str], None] = log.info) -> Summary:
    """Bring every run's result into the cache, side by side; returns what happened.

    ``workers`` defaults to SNIPPET_WORKERS from the environment, else the number of cores.
    Does not count as a page's use of any run (see ``Run.asked``)."""
    started = time.perf_counter()
    workers = workers or settings.workers()
    summary = Summary()
    done: set[Run] = set()
    todo: list[Run] = []
    for run in with_earlier(runs):
        try:
            hit = all(earlier in done for earlier in run.earlier) and run.cached() is not None
        except SnippetError:
            hit = False  # an argument read from an earlier run's output could not be had: run it
        if hit:
            done.add(run)
        else:
            todo.append(run)
    summary.cached = len(done)
    progress = Progress(report, len(todo))
    report(
        f"snippet runs: {len(done) + len(todo)} declared, {len(done)} from the cache, {len(todo)} to run"
        f"{f', {workers} at a time' if todo else ''}"
    )

    # The runs left, each ready once the runs it builds on are done (graphlib's bookkeeping).
    graph = TopologicalSorter({run: [e for e in run.earlier if e not in done] for run in todo})
    graph.prepare()
    failed: set[Run] = set()
    ready: list[Run] = []  # in declaration order, as far as readiness allows
    running: dict[Future, tuple[Run, float]] = {}

    def finish(run: Run, text: str) -> None:
        graph.done(run)
        progress.finished(run, text, [r for r, _ in running.values()])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        while graph.is_active():
            ready += sorted(graph.get_ready(), key=todo.index)
            for run in [r for r in ready if any(e in failed for e in r.earlier)]:
                ready.remove(run)
                failed.add(run)
                summary.failed.append((run, "not run: a run it builds on failed"))
                finish(run, "not run: a run it builds on failed")
            for run in list(ready):
                if len(running) >= workers or any(r.alone for r, _ in running.values()):
                    break
                if run.alone and (running or any(not r.alone for r in ready)):
                    continue  # it runs with nothing beside it, after the others that are ready
                ready.remove(run)
                running[pool.submit(run.compute)] = (run, time.perf_counter())
            progress.running(r for r, _ in running.values())
            if not running:
                continue  # runs marked not run just now: their dependents are ready next
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                run, since = running.pop(future)
                try:
                    result = future.result()
                except SnippetError as error:
                    failed.add(run)
                    first_line = str(error).splitlines()[0]
                    summary.failed.append((run, first_line))
                    finish(run, f"FAILED: {first_line}")
                    continue
                done.add(run)
                summary.ran.append((run, result.seconds))
                finish(run, f"{result.seconds:.1f} s")
    summary.seconds = time.perf_counter() - started
    if summary.ran or summary.failed:
        progress.line(
            f"snippet runs: {len(summary.ran)} ran in {summary.seconds:.1f} s"
            + (f", {len(summary.failed)} failed" if summary.failed else "")
        )
    return summary
