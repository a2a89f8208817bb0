"""Every declared run ends the same under the spawn start method, the default on macOS and
Windows, as in the build (Linux: fork).

The start method matters only to a run that starts processes. The build records, for each run
forked from the warm interpreter, the processes its script started (``Result.started``, from an
audit hook: ``fork``, ``spawn <program>``, ``run <program>``). A run that started none cannot
depend on the start method, and its test checks that record. Every other run (one that started
a process, or ran as a plain subprocess, where nothing is recorded) runs again here, from a clean
scratch folder like the build's, with ``multiprocessing.set_start_method("spawn")`` done before
the script by ``tests/spawn/sitecustomize.py`` on ``PYTHONPATH`` (in its DDP workers too), and
must end as the build's run did: the same exit code and the same results, the numbers it printed
(losses with four or more decimals, weight checksums, lists of sample indices; for a run that
fails on purpose, its error line too), in any order (two processes' lines interleave
differently each run). Not compared: times, process ids, ports, and the warnings the start
method itself brings (under spawn, Lightning suggests ``persistent_workers=True`` and torch
repeats its worker-count warning). These runs are cached like the build's, so a second
``make test`` reruns none of them.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from snippet_runner import output, runner
from snippet_runner.discovery import declared_runs, page_modules

SPAWN_ON_START = Path(__file__).resolve().parent / "spawn"
DECLARED = {where: run for run, where in declared_runs(page_modules()).items()}
# What a run computed: numbers with four or more decimals, hexadecimal digests, lists of integers.
# A digest is read up to its last hex digit: two processes' lines may be glued right after it.
RESULT = re.compile(r"-?\d+\.\d{4,}(?:e[-+]\d+)?|\b[0-9a-f]{12,64}(?![0-9a-f])|\[\d+(?:, \d+)*\]")
EXCEPTION_LINE = re.compile(r"^([\w.]+(?:Error|Exception)\b.*)$", re.MULTILINE)


def spawned(run: runner.Run) -> runner.Run:
    """The same run, with processes started by spawning."""
    return runner.Run(
        run.script,
        args=run.args,
        starts_from=run.starts_from,
        depends_on=run.depends_on,
        uses=run.uses,
        env={**run.env, "PYTHONPATH": os.pathsep.join(filter(None, [str(SPAWN_ON_START), run.env.get("PYTHONPATH")]))},
        returncode=run.returncode,
        timeout=run.timeout,
        alone=run.alone,
    )


# Lines that depend on the clock, not on the start method: a run stopped by a time limit
# (max_time) stops after however many steps the machine managed.
TIMED = {
    "pages/run_length.py: run_length_pytorch": re.compile(r"^max_time: "),
    "pages/run_length.py: run_length_lightning": re.compile(r"^max_time: "),
}


def results(result: runner.Result, where: str = "") -> list[str]:
    """What the run computed and, if it raised, its last error line, in a fixed order (without
    the lines that depend on the clock)."""
    text = output.clean(result)
    if where in TIMED:
        text = "\n".join(line for line in text.splitlines() if not TIMED[where].match(line))
    errors = EXCEPTION_LINE.findall(text)
    return sorted(RESULT.findall(text)) + errors[-1:]


def lines(result: runner.Result) -> list[str]:
    return sorted(line for line in output.clean(result).splitlines() if line.strip())


def test_the_spawn_switch_changes_the_start_method_in_every_process(tmp_path):
    """The switch itself: the script, its DataLoader workers and a process it starts all spawn."""
    script = tmp_path / "start_method.py"
    script.write_text(
        "import multiprocessing, subprocess, sys\n"
        "print('script', multiprocessing.get_start_method())\n"
        "child = 'import multiprocessing; print(\"child\", multiprocessing.get_start_method())'\n"
        "subprocess.run([sys.executable, '-c', child], check=True)\n"
    )
    plain = runner.run(script)
    assert lines(plain) == ["child fork", "script fork"]
    assert plain.started == ("run python",) or plain.started is None
    switched = spawned(runner.Run(str(script))).result()
    assert lines(switched) == ["child spawn", "script spawn"]


def test_the_build_records_the_processes_a_run_starts(tmp_path):
    """A recorded ``()`` means no process, not "not recorded": a script that starts a DataLoader
    worker, a spawned process and a command is recorded with each of them."""
    script = tmp_path / "starts.py"
    script.write_text(
        "import multiprocessing, subprocess\n"
        "import torch\n"
        "from torch.utils.data import DataLoader\n"
        "if __name__ == '__main__':\n"
        "    print(sum(len(b) for b in DataLoader(torch.arange(4), batch_size=2, num_workers=1)))\n"
        "    p = multiprocessing.get_context('spawn').Process(target=print, args=('spawned',))\n"
        "    p.start(); p.join()\n"
        "    subprocess.run(['true'], check=True)\n"
    )
    idle = tmp_path / "idle.py"
    idle.write_text("import torch\nprint(torch.ones(2).sum().item())\n")
    assert runner.run(idle).started == ()
    started = runner.run(script).started
    assert started is not None, "the fork server did not run it: nothing recorded"
    assert started[0] == "fork" and started[1].startswith("spawn python") and started[2:] == ("run true",), started


def test_the_scripts_that_start_processes_are_recorded_as_doing_so(all_runs):
    """The record is not empty by accident: the DDP, worker and torchrun runs start processes."""
    for where in [
        "pages/multi_device.py: train_ddp",
        "pages/debugging.py: worker_seeds",
        "pages/debugging.py: repro_lightning_1",
    ]:
        assert DECLARED[where].result().started, where
    rerun = [where for where, run in DECLARED.items() if run.result().started != ()]
    assert 10 <= len(rerun) < len(DECLARED) / 2, rerun


@pytest.mark.parametrize("where", sorted(DECLARED))
def test_a_declared_run_ends_the_same_under_spawn(where, all_runs):
    run = DECLARED[where]
    built = run.result()
    if built.started == ():
        return  # recorded: the script started no process, so no start method is involved
    again = spawned(run).result()  # raises, with the script's output, if it ended otherwise
    before, after = results(built, where), results(again, where)
    assert after == before, f"{where} ({built.started}) computes otherwise under spawn:\n" + "\n".join(
        difflib.unified_diff(before, after, "fork (the build)", "spawn", lineterm="", n=1)
    )
