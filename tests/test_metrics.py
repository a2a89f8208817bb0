"""The Metrics with torchmetrics page: accuracy counted by hand and a logged torchmetrics Metric
agree epoch by epoch on bit-identical weights; MulticlassAccuracy's default average is "macro"
and differs from correct / total; under two-process DDP the synced metric (and a tensor logged
with sync_dist=True) is the one-process accuracy, while each process's own value differs."""

from __future__ import annotations

import re

import pytest
import torch

from conftest import REPO
from pages import metrics
from snippet_runner import clean, sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "metrics"
PAGE = REPO / "docs" / "metrics.md"
VAL_SET = 800


def output(run) -> str:
    return clean(run.result())


def value(text: str, label: str) -> float:
    found = re.search(rf"^{re.escape(label)}\s+([0-9.]+)", text, re.M)
    assert found, f"no line starting with {label!r} in\n{text}"
    return float(found.group(1))


# ---------------------------------------------------------------- the pair


def test_both_tabs_have_the_same_sections_in_the_same_order():
    assert sections.names(FOLDER / "metrics_pytorch.py") == sections.names(FOLDER / "metrics_lightning.py")
    assert sections.names(FOLDER / "metrics_pytorch.py") == ["imports", "data", "model", "accuracy", "fit"]


def test_the_lightning_tab_logs_a_micro_metric_object():
    code = sections.text(FOLDER / "metrics_lightning.py", "model") + sections.text(
        FOLDER / "metrics_lightning.py", "accuracy"
    )
    assert 'self.val_acc = MulticlassAccuracy(num_classes=10, average="micro")' in code
    assert 'self.log("val_acc", self.val_acc)' in code  # the object, not a tensor


def test_both_tabs_print_the_same_accuracy_every_epoch():
    pytorch = metrics.epochs(metrics.metrics_pytorch.result())
    lightning = metrics.epochs(metrics.metrics_lightning.result())
    assert [epoch for epoch, _ in pytorch] == [0, 1, 2]
    assert pytorch == lightning
    for _, accuracy in pytorch:  # a count of right answers over the 800 digits
        assert float(accuracy) * VAL_SET == pytest.approx(round(float(accuracy) * VAL_SET), abs=1e-6)
    assert len({accuracy for _, accuracy in pytorch}) == 3, "the accuracy changes from epoch to epoch"


def test_both_tabs_end_with_the_same_weights_bit_for_bit():
    pytorch = torch.load(metrics.metrics_pytorch.result().workdir / "classifier_pytorch.pt", map_location="cpu")
    lightning = torch.load(metrics.metrics_lightning.result().workdir / "classifier_lightning.pt", map_location="cpu")
    # The metric's counts are not in the state_dict: only the 4 tensors of the two Linear layers.
    assert sorted(lightning) == sorted(f"model.{name}" for name in pytorch) and len(pytorch) == 4
    assert all(torch.equal(weight, lightning[f"model.{name}"]) for name, weight in pytorch.items())
    assert re.search(r"same weights, bit for bit: True$", output(metrics.compare), re.M)


def test_the_agreement_table_is_what_the_runs_printed():
    rows = [row.strip("|").split(" | ") for row in metrics.agreement().splitlines()[2:]]
    by_epoch = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    for epoch, accuracy in metrics.epochs(metrics.metrics_pytorch.result()):
        assert by_epoch[str(epoch)] == [accuracy, accuracy]
    assert by_epoch["weights after the last epoch"][1].endswith("the same bit for bit: True")


# ---------------------------------------------------------------- average= defaults


def test_the_default_average_is_macro_and_differs_from_correct_over_total():
    text = output(metrics.average)
    by_hand = value(text, "correct / total, by hand:")
    last_epoch = float(metrics.epochs(metrics.metrics_pytorch.result())[-1][1])
    assert by_hand == last_epoch  # the same weights and the same 800 digits as the tab's last epoch
    assert value(text, 'MulticlassAccuracy(num_classes=10, average="micro"):') == by_hand
    assert value(text, 'Accuracy(task="multiclass", num_classes=10):') == by_hand
    macro = value(text, "MulticlassAccuracy(num_classes=10):")
    assert macro != by_hand
    assert value(text, "multiclass_accuracy(preds, target, num_classes=10):") == macro
    assert value(text, "mean of the 10 per-class accuracies (macro):") == macro


def test_the_class_sizes_the_page_names_are_the_measured_ones():
    text = output(metrics.average)
    counts = [int(n) for n in re.search(r"^samples\s+([\d ]+)$", text, re.M).group(1).split()]
    per_class = [float(a) for a in re.search(r"^accuracy\s+([\d. ]+)$", text, re.M).group(1).split()]
    assert sum(counts) == VAL_SET and len(per_class) == 10
    assert min(counts) == counts[3] == 66 and max(counts) == counts[7] == 90
    assert "(66 threes, 90 sevens)" in PAGE.read_text()
    # micro weighs each class by its size; macro weighs the ten the same
    assert sum(n * a for n, a in zip(counts, per_class)) / VAL_SET == pytest.approx(
        value(text, "correct / total, by hand:"), abs=1e-3
    )


# ---------------------------------------------------------------- DDP


def test_two_processes_each_validate_half_of_the_set():
    zero, one = metrics.ranks(metrics.metrics_ddp.result())
    assert int(zero["samples"]) == int(one["samples"]) == VAL_SET // 2
    assert "Starting with 2 processes" in output(metrics.metrics_ddp)


def test_the_synced_metric_is_the_one_process_accuracy():
    one_process = metrics.epochs(metrics.metrics_lightning.result())[-1][1]
    for rank in metrics.ranks(metrics.metrics_ddp.result()):
        assert rank["val_acc"] == one_process, rank
        assert float(rank["acc_tensor_synced"]) == pytest.approx(float(one_process), abs=1e-6), rank


def test_the_unsynced_values_are_each_process_share_and_differ():
    zero, one = metrics.ranks(metrics.metrics_ddp.result())
    for rank in (zero, one):
        assert rank["rank_acc"] == rank["acc_tensor"]  # sync_on_compute=False == self.log without sync_dist
    assert zero["rank_acc"] != one["rank_acc"]
    # Two halves of the same size: their mean is the whole set's accuracy.
    mean = (float(zero["rank_acc"]) + float(one["rank_acc"])) / 2
    assert mean == pytest.approx(float(zero["val_acc"]), abs=1e-9)


def test_lightning_warns_about_the_unsynced_tensor_and_the_sampler_as_the_page_quotes():
    text = output(metrics.metrics_ddp)
    assert "It is recommended to use `self.log('acc_tensor', ..., sync_dist=True)`" in text
    assert "acc_tensor_synced" not in re.findall(r"self\.log\('(\w+)'", text)
    sampler = "it is recommended to use `Trainer(devices=1, num_nodes=1)` to ensure each sample/batch gets evaluated"
    assert sampler in text
    assert sampler.replace("\n", " ") in " ".join(PAGE.read_text().split())


def test_the_ddp_table_is_what_the_runs_printed():
    rows = [row.strip("|").split(" | ") for row in metrics.ddp_agreement().splitlines()[2:]]
    cells = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    zero, one = metrics.ranks(metrics.metrics_ddp.result())
    one_process = metrics.epochs(metrics.metrics_lightning.result())[-1][1]
    assert cells["`MulticlassAccuracy`, logged: `val_acc` (synced)"] == [one_process, zero["val_acc"], one["val_acc"]]
    assert cells["a tensor, `self.log(...)`: `acc_tensor`"] == ["—", zero["acc_tensor"], one["acc_tensor"]]


def test_an_uneven_split_counts_one_digit_twice_and_moves_the_synced_accuracy():
    found = metrics.uneven(metrics.metrics_ddp.result())
    assert found["samples"] == [400, 400]  # 799 digits, padded to 800
    assert found["one_process_samples"] == 799
    (synced,) = set(found["synced"])  # every process computes the same synced value
    assert synced != found["one_process"]
    # The one-process value is a whole number of right answers out of 799 digits...
    right = float(found["one_process"]) * 799
    assert right == pytest.approx(round(right), abs=1e-3)
    # ...and the synced value a whole number out of 800: one more sample than there are digits.
    assert float(synced) * 800 == pytest.approx(round(float(synced) * 800), abs=1e-3)
    table = metrics.uneven_agreement()
    assert f"| 400 + 400 = 800 | {synced} |" in table
    assert f"| 799 | {found['one_process']} |" in table
