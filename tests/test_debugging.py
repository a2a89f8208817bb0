"""The Debugging page: each flag does what the page says, the two bugs are caught where it says,
seeded runs end with identical weights, and what changes them is what the page names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
import torch

from conftest import REPO, assert_processes_gone
from pages import debugging
from pages import from_pytorch_to_lightning as core
from snippet_runner import Run, clean
from snippet_runner import sections as script_sections
from snippet_runner.runner import script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = "snippets/debugging"
PAGE = REPO / "docs" / "debugging.md"
EPOCH_LINE = re.compile(r"^epoch (\d+): (\d+) training batches, train_loss (\S+), val_loss (\S+)$", re.M)
SHAPE_ERROR = "RuntimeError: mat1 and mat2 shapes cannot be multiplied (5600x28 and 784x64)"


def epochs(run) -> list[tuple[int, int, float, float]]:
    return [(int(e), int(b), float(t), float(v)) for e, b, t, v in EPOCH_LINE.findall(clean(run.result()))]


# ---------------------------------------------------------------------------------------------
# The flags


def test_fast_dev_run_runs_one_batch_of_each_loop_and_writes_nothing():
    run = debugging.fast_dev_run.result()
    output = clean(run)
    assert "Running in `fast_dev_run` mode: will run the requested loop using 1 batch(es)" in output
    assert [(e, b) for e, b, _, _ in epochs(debugging.fast_dev_run)] == [(0, 1)]
    assert "`Trainer.fit` stopped: `max_steps=1` reached." in output
    # No logger and no checkpoint: the run left nothing but the data link behind.
    assert sorted(p.name for p in run.workdir.iterdir()) == ["data"]
    by_hand = clean(debugging.by_hand.result())
    assert re.search(r"^fast dev run: train_loss [0-9.]+, val_loss [0-9.]+$", by_hand, re.M)


def test_the_flag_values_the_page_names_without_running_them():
    import pytorch_lightning as pl

    five = pl.Trainer(fast_dev_run=5, logger=False, enable_progress_bar=False)
    assert (five.limit_train_batches, five.limit_val_batches, five.fit_loop.max_steps) == (5, 5, 5)
    assert five.num_sanity_val_steps == 0  # fast_dev_run skips the sanity check
    assert pl.Trainer(logger=False).num_sanity_val_steps == 2  # the default
    assert pl.Trainer(num_sanity_val_steps=-1, logger=False).num_sanity_val_steps == float("inf")


@pytest.mark.parametrize(
    ("run", "steps"),
    [
        (debugging.shape_bug, 0),  # the sanity check (the default) meets the bug before training
        (debugging.shape_bug_no_sanity, 100),  # without it, after the whole first epoch
        (debugging.shape_bug_fast_dev_run, 1),  # fast_dev_run, after one step
    ],
    ids=["sanity-check", "no-sanity-check", "fast-dev-run"],
)
def test_the_shape_bug_is_caught_after_this_many_training_steps(run, steps):
    output = clean(run.result())
    assert re.findall(r"^validation starts after (\d+) training steps$", output, re.M) == [str(steps)]
    assert output.rstrip().endswith(SHAPE_ERROR)
    assert re.search(r'shape_bug\.py", line \d+, in validation_step', output)
    assert not EPOCH_LINE.search(output), "no epoch ended before the error"


def test_limit_batches_trains_on_a_tenth_and_warns_about_logging():
    assert [(e, b) for e, b, _, _ in epochs(debugging.limit_batches)] == [(0, 10), (1, 10)]
    assert "smaller than the logging interval Trainer(log_every_n_steps=50)" in clean(debugging.limit_batches.result())
    by_hand = clean(debugging.by_hand.result())
    assert len(re.findall(r"^limited epoch \d: train_loss", by_hand, re.M)) == 2


def test_overfit_batches_learns_one_batch_far_below_a_normal_training():
    found = epochs(debugging.overfit)
    assert [e for e, _, _, _ in found] == list(range(200))
    assert {b for _, b, _, _ in found} == {1}
    train = [t for _, _, t, _ in found]
    val = [v for _, _, _, v in found]
    core_final = float(re.findall(r"train_loss ([0-9.]+)", clean(core.train_pytorch.result()))[-1])
    assert train[-1] < 0.035 < core_final, (train[-1], core_final)
    assert train[-1] < train[0] / 4
    # The validation loss stopped falling and rose again: the batch was learned by heart.
    assert val[-1] > min(val) + 0.001
    output = clean(debugging.overfit.result())
    assert "We are turning off the train dataloader shuffling for you." in output
    by_hand = re.search(
        r"^overfit one batch: train_loss ([0-9.]+) after 200 steps$", clean(debugging.by_hand.result()), re.M
    )
    assert float(by_hand.group(1)) < 0.035


def test_without_detect_anomaly_the_nan_goes_unnoticed_in_training():
    output = clean(debugging.nan_bug.result())
    steps = [float(loss) for loss in re.findall(r"^step \d: loss ([0-9.]+)$", output, re.M)]
    assert len(steps) == 3 and all(0 < loss < 1 for loss in steps)
    [(_, batches, train_loss, val_loss)] = epochs(debugging.nan_bug)
    assert batches == 100
    assert train_loss == train_loss and 0 < train_loss < 1  # a number...
    assert val_loss != val_loss  # ...while the validation loss is nan
    assert "every weight a number: False" in output


def test_detect_anomaly_stops_in_the_first_backward_pass_and_names_the_line():
    output = clean(debugging.nan_bug_anomaly.result())
    assert re.findall(r"^step (\d): loss", output, re.M) == ["0"]
    assert "Error detected in SqrtBackward0. Traceback of forward call that caused the error:" in output
    forward = re.search(r'nan_bug\.py", line \d+, in training_step\n\s+(.*)\n', output)
    assert forward and forward.group(1).startswith("root = torch.where(x_hat > 0, x_hat.sqrt()")
    assert output.rstrip().endswith("RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.")


def test_the_gradient_of_sqrt_under_where_is_nan_and_the_clamp_fixes_it():
    x_hat = torch.tensor([-0.5, 0.25], requires_grad=True)
    torch.where(x_hat > 0, x_hat.sqrt(), torch.zeros_like(x_hat)).sum().backward()
    assert torch.isnan(x_hat.grad[0]) and torch.isfinite(x_hat.grad[1])
    x_hat.grad = None
    x_hat.clamp(min=1e-6).sqrt().sum().backward()
    assert torch.isfinite(x_hat.grad).all()


def test_the_profiler_counts_the_calls_of_one_epoch():
    output = clean(debugging.profiler.result())
    assert "FIT Profiler Report" in output
    for action, calls in (("run_training_epoch", 1), ("run_training_batch", 100), ("optimizer_step", 100)):
        row = re.search(rf"^\|\s+\S*{action}\s+\|\s+[0-9.e-]+\s+\|\s+(\d+)\s+\|", output, re.M)
        assert row and int(row.group(1)) == calls, action
    assert "ModelCheckpoint" not in output
    by_hand = clean(debugging.by_hand.result())
    assert re.search(r"^one epoch: [0-9.]+ s loading batches, [0-9.]+ s in training steps$", by_hand, re.M)


def test_by_hand_anomaly_detection_is_on_and_finds_nothing_in_a_healthy_model():
    output = clean(debugging.by_hand.result())
    assert "Anomaly Detection has been enabled" in output
    assert re.search(r"^with anomaly detection: train_loss [0-9.]+$", output, re.M)


# ---------------------------------------------------------------------------------------------
# Reproducible runs


def weights(run: Run, name: str) -> dict[str, torch.Tensor]:
    loaded = torch.load(run.result().workdir / name, weights_only=True)
    return loaded.get("state_dict", loaded)


def largest(a, b) -> float:
    assert a.keys() == b.keys()
    return max((a[n] - b[n]).abs().max().item() for n in a)


def test_two_seeded_runs_end_with_identical_weights():
    pairs = [
        (debugging.repro_pytorch_1, "pytorch_1.pt", debugging.repro_pytorch_2, "pytorch_2.pt"),
        (debugging.repro_lightning_1, "lightning_1.ckpt", debugging.repro_lightning_2, "lightning_2.ckpt"),
        (
            debugging.no_seed_workers_1,
            "no_seed_workers_1.ckpt",
            debugging.no_seed_workers_2,
            "no_seed_workers_2.ckpt",
        ),
    ]
    for first, first_file, second, second_file in pairs:
        a, b = weights(first, first_file), weights(second, second_file)
        assert all(torch.equal(a[n], b[n]) for n in a), first
        # Two runs, two processes, not one cached result shown twice.
        assert first.result().workdir != second.result().workdir
    # Training moved the weights away from the seeded start.
    torch.manual_seed(0)
    start = torch.nn.Linear(28 * 28, 64).weight
    assert (weights(debugging.repro_lightning_1, "lightning_1.ckpt")["encoder.0.weight"] - start).abs().max() > 1e-3


def test_workers_true_and_the_number_of_workers_change_the_weights():
    seeded = weights(debugging.repro_lightning_1, "lightning_1.ckpt")
    assert largest(seeded, weights(debugging.no_seed_workers_1, "no_seed_workers_1.ckpt")) > 1e-3
    assert largest(seeded, weights(debugging.three_workers, "three_workers.ckpt")) > 1e-3


def test_the_comparison_the_page_shows_is_the_measured_one():
    output = clean(debugging.repro_compare.result())
    shown = {
        label.strip(): float(value)
        for label, value in re.findall(r"^(.+?)\s+max \|difference\| = (\S+)$", output, re.M)
    }
    assert shown["PyTorch by hand, run 1 and run 2"] == 0.0
    assert shown["Lightning, run 1 and run 2"] == 0.0
    assert shown["Lightning without workers=True, run 1 and run 2"] == 0.0
    assert shown["Lightning with and without workers=True"] > 1e-3
    assert shown["Lightning with 2 workers and with 3 workers"] > 1e-3


def test_pytorch_seeds_every_workers_generators_from_the_main_generator(tmp_path):
    """What the page says of PyTorch's DataLoader, in a process of its own: after the same
    torch.manual_seed, the workers draw the same Python, NumPy and torch numbers, and two
    workers draw different ones."""
    program = textwrap.dedent(
        """
        import random
        import numpy as np
        import torch
        from torch.utils.data import DataLoader, Dataset

        class Draw(Dataset):
            def __len__(self):
                return 2

            def __getitem__(self, index):
                return [random.random(), float(np.random.rand()), torch.rand(()).item()]

        def draws():
            torch.manual_seed(0)
            return [batch for batch in DataLoader(Draw(), batch_size=None, num_workers=2)]

        first, second = draws(), draws()
        print(first == second, first[0] != first[1] and all(a != b for a, b in zip(*first)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=script_environment({}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_deterministic_true_turns_on_deterministic_algorithms_for_the_whole_process(tmp_path):
    """Trainer(deterministic=True) is process-global: check it in a process of its own."""
    program = textwrap.dedent(
        """
        import os
        import torch
        import pytorch_lightning as pl

        assert not torch.are_deterministic_algorithms_enabled()
        pl.Trainer(deterministic=True, logger=False)
        print(torch.are_deterministic_algorithms_enabled(), os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
        """
    )
    env = {k: v for k, v in script_environment({}).items() if k != "CUBLAS_WORKSPACE_CONFIG"}
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", ":4096:8"]


# ---------------------------------------------------------------------------------------------
# workers=True under DDP

WORKER_LINE = re.compile(r"^rank (\d) \(pid (\d+)\), batch (\d): (\[.*\])$", re.M)


def batches(run) -> dict[tuple[int, int], list[float]]:
    output = clean(run.result())
    assert "All distributed processes registered. Starting with 2 processes" in output
    found = {(int(rank), int(batch)): eval(numbers) for rank, _, batch, numbers in WORKER_LINE.findall(output)}  # noqa: S307
    assert sorted(found) == [(0, 0), (0, 1), (1, 0), (1, 1)], output
    pids = {int(pid) for _, pid, _, _ in WORKER_LINE.findall(output)}
    assert len(pids) == 2 and os.getpid() not in pids
    assert_processes_gone(pids, "worker_seeds.py")
    return found


def test_without_workers_true_both_processes_draw_the_same_numbers():
    found = batches(debugging.worker_seeds_unseeded)
    assert found[0, 0] == found[1, 0] and found[0, 1] == found[1, 1]
    assert found[0, 0] != found[0, 1]  # within a process, the two workers differ


def test_with_workers_true_every_worker_of_every_process_draws_its_own():
    found = batches(debugging.worker_seeds)
    values = [tuple(numbers) for numbers in found.values()]
    assert len(set(values)) == 4, found


# ---------------------------------------------------------------------------------------------
# The page


def test_the_page_shows_every_script_of_its_folder():
    """(That each one's sections are all shown, in file order: tests/test_site.py.)"""
    shown = {path for path, _ in script_sections.includes(PAGE.read_text())}
    for script in sorted((REPO / FOLDER).glob("*.py")):
        assert script.relative_to(REPO).as_posix() in shown, script


def test_the_page_shows_the_measured_runs(built_site):
    html = (built_site / "debugging" / "index.html").read_text()
    for steps in (0, 100, 1):
        assert f"validation starts after {steps} training steps" in html
    assert "Function &#39;SqrtBackward0&#39; returned nan values" in html or "SqrtBackward0" in html
    assert "Lightning, run 1 and run 2" in html
    assert "Traceback (most recent call last)" not in html
