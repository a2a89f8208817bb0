"""The Results over an epoch page: both tabs summarize every epoch's 800 validation errors into the
same floats; self.log(..., on_epoch=True) averages batch values weighted by batch size, which is
the per-image mean to float32 rounding but never a median; the list must be cleared each epoch;
the 1.x hook validation_epoch_end is refused; a step's return value is not collected."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import torch

from conftest import REPO
from pages import epoch_results
from snippet_runner import clean, sections
from snippet_runner.runner import data_root, script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "epoch-results"
PYTORCH, LIGHTNING = FOLDER / "epoch_results_pytorch.py", FOLDER / "epoch_results_lightning.py"


def output(run) -> str:
    return clean(run.result())


def last_errors() -> torch.Tensor:
    """The last epoch's 800 per-image errors that the PyTorch tab saved."""
    return torch.load(epoch_results.epoch_results_pytorch.result().workdir / "errors_pytorch.pt", weights_only=True)


def as_printed(value) -> str:
    return f"{float(value):.9g}"


def lightning_epoch_mean(values, weights) -> torch.Tensor:
    """Lightning's accumulation for a mean-reduced on_epoch value (trainer/connectors/
    logger_connector/result.py, _ResultMetric.update and compute), written out here again."""
    total, count = torch.tensor(0.0, dtype=torch.float32), torch.tensor(0)
    for value, weight in zip(values, weights):
        total = total + value * weight
        count = count + weight
    return total / count


# ---------------------------------------------------------------- the two tabs


def test_the_two_tabs_have_the_same_sections_and_the_same_summary_function():
    assert sections.names(PYTORCH) == sections.names(LIGHTNING)
    assert sections.names(PYTORCH) == ["imports", "data", "summarize", "model", "collect", "epoch-end", "fit"]
    assert sections.text(PYTORCH, "summarize") == sections.text(LIGHTNING, "summarize")
    assert sections.text(PYTORCH, "data") == sections.text(LIGHTNING, "data")


def test_both_tabs_print_the_same_floats_every_epoch_over_800_images():
    plain = epoch_results.epochs(epoch_results.epoch_results_pytorch.result())
    lightning = epoch_results.epochs(epoch_results.epoch_results_lightning.result())
    assert sorted(plain) == [0, 1, 2]
    assert plain == lightning  # .9g tells any two float32 apart: equal text is the same float
    assert {summary["images"] for summary in plain.values()} == {"800"}  # the sanity check's batches were cleared
    means = [float(plain[epoch]["mean"]) for epoch in sorted(plain)]
    assert means == sorted(means, reverse=True), "the error falls as the model trains"


def test_the_saved_errors_are_the_ones_summarized():
    errors = last_errors()
    assert errors.shape == (800,) and errors.dtype == torch.float32
    last = epoch_results.epochs(epoch_results.epoch_results_pytorch.result())[2]
    assert as_printed(errors.mean()) == last["mean"]
    assert as_printed(errors.median()) == last["median"]
    assert as_printed(errors.quantile(0.9)) == last["90th percentile"]
    # torch.median of an even count is the lower middle value, as the page says.
    assert errors.median() == errors.sort().values[399]


def test_the_agreement_table_shows_what_the_runs_printed_and_all_same():
    table = epoch_results.agreement()
    rows = [row.strip("|").split("|") for row in table.splitlines()[2:]]
    assert [row[-1].strip() for row in rows] == ["yes"] * 7
    last = epoch_results.epochs(epoch_results.epoch_results_lightning.result())[2]
    assert {row[0].strip(): row[1].strip() for row in rows[:-1]} == last


# ---------------------------------------------------------------- what self.log averages


def test_self_log_weights_each_batch_by_its_size_and_misses_the_mean_by_float32_rounding_only():
    errors, logged = last_errors(), epoch_results.logged(epoch_results.epoch_results_lightning.result())
    batches = errors.split(128)
    sizes = [len(batch) for batch in batches]
    assert sizes == [128] * 6 + [32]
    means = [batch.mean() for batch in batches]
    assert logged["val_loss"] == as_printed(lightning_epoch_mean(means, sizes))
    mean = errors.mean().item()
    gap = abs(float(logged["val_loss"]) - mean)
    assert 0 < gap < 1e-6 * mean, "not the same float, but float32 rounding away"


def test_a_batch_that_weighs_1_or_a_batch_median_is_off_in_the_third_digit():
    errors, logged = last_errors(), epoch_results.logged(epoch_results.epoch_results_lightning.result())
    batches = errors.split(128)
    means = [batch.mean() for batch in batches]
    assert logged["val_loss_batch_size_1"] == as_printed(lightning_epoch_mean(means, [1] * 7))
    # 1.x's torch.stack(outputs).mean(): the same mean, summed in another order.
    assert float(logged["val_loss_batch_size_1"]) == pytest.approx(torch.stack(means).mean().item(), rel=1e-6)
    medians = [batch.median() for batch in batches]
    assert logged["val_median_of_batches"] == as_printed(lightning_epoch_mean(medians, [len(b) for b in batches]))
    for name, own in (("val_loss_batch_size_1", errors.mean()), ("val_median_of_batches", errors.median())):
        relative = abs(float(logged[name]) - own.item()) / own.item()
        assert 1e-3 < relative < 1e-2, (name, relative)  # the third significant digit
    assert logged["val_median"] == as_printed(errors.median())


def test_compare_py_recomputes_every_logged_value():
    again = epoch_results.recomputed(epoch_results.compare.result())
    logged = epoch_results.logged(epoch_results.epoch_results_lightning.result())
    assert again["batch means weighted by batch size"] == logged["val_loss"]
    assert again["batch means weighing 1 each"] == logged["val_loss_batch_size_1"]
    assert again["batch medians weighted by batch size"] == logged["val_median_of_batches"]
    assert again["median of the 800 errors"] == logged["val_median"]
    assert "batch sizes [128, 128, 128, 128, 128, 128, 32]" in output(epoch_results.compare)


def test_the_log_table_sets_logged_beside_recomputed_and_measures_the_gap():
    rows = [
        [cell.strip() for cell in row.strip("|").split("|")]
        for row in epoch_results.what_log_averaged().splitlines()[2:]
    ]
    cells = {row[0]: row for row in rows}
    logged = epoch_results.logged(epoch_results.epoch_results_lightning.result())
    for name in ("val_loss", "val_loss_batch_size_1", "val_median_of_batches", "val_median"):
        row = cells[f"`{name}`"]
        assert row[2] == row[3] == logged[name]
    assert cells["`val_median`"][5] == "0 (the same)"
    assert cells["`val_loss`"][5] != "0 (the same)" and float(cells["`val_loss`"][5]) < 1e-7
    assert float(cells["`val_loss_batch_size_1`"][5]) > 1e-5


# ---------------------------------------------------------------- clearing the list


def test_without_clear_the_sanity_check_and_every_earlier_epoch_pile_up(tmp_path):
    """The page's claim, checked: delete the two .clear() lines and run the Lightning tab."""
    source = LIGHTNING.read_text()
    assert source.count(".clear()") == 2
    cut = re.sub(r"^\s*self\.val_(errors|labels)\.clear\(\).*\n", "", source, flags=re.M)
    assert ".clear()" not in cut
    script = tmp_path / "no_clear.py"
    script.write_text(cut)
    (tmp_path / "data").symlink_to(data_root().resolve(), target_is_directory=True)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=script_environment({}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    counts = [int(n) for n in re.findall(r"epoch \d: (\d+) images", result.stdout)]
    assert counts == [256 + 800, 256 + 1600, 256 + 2400]


# ---------------------------------------------------------------- the 1.x hook, and what a step returns


def test_the_old_hook_is_refused_when_fit_starts():
    text = output(epoch_results.validation_epoch_end)
    assert re.search(
        r"^NotImplementedError: Support for `validation_epoch_end` has been removed in v2\.0\.0\. "
        r"`LitAutoEncoder` implements this method\. You can use the `on_validation_epoch_end` hook instead\.",
        text,
        re.M,
    ), text
    assert "Epoch 0" not in epoch_results.validation_epoch_end.result().output  # refused before any training
    assert "NotImplementedError: Support for `validation_epoch_end`" in epoch_results.validation_epoch_end.show(
        keep=r"^NotImplementedError"
    )


def test_a_returned_value_reaches_only_the_batch_hook():
    text = output(epoch_results.step_outputs)
    shapes = re.findall(r"^on_validation_batch_end, batch (\d): outputs Tensor \((\d+),\)$", text, re.M)
    assert shapes == [("0", "128"), ("1", "128"), ("2", "44")]  # 300 images
    assert "on_validation_epoch_end: no outputs" in text
    assert re.search(r"^trainer\.validate returned \[\{\}\]$", text, re.M)
