"""The Learning rate and batch size finder page: the hand-written range test and lr_find give the
same rates, losses and suggestion; the chart marks the suggestion that Lightning's own code gives
on the saved results; lr_find restores the weights and sets hparams.lr; a short training shows
how far the suggestion goes; scale_batch_size on a CPU stops at the dataset's size."""

from __future__ import annotations

import re

import pytest
import torch
from pytorch_lightning.tuner.lr_finder import _LRFinder

from conftest import REPO
from pages import tuner
from snippet_runner import clean, sections

pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "tuner"


def output(run) -> str:
    return clean(run.result())


def value(text: str, label: str) -> str:
    found = re.search(rf"^{re.escape(label)}(.*)$", text, re.M)
    assert found, f"no line starting with {label!r} in\n{text}"
    return found.group(1).strip()


def test_both_tabs_have_the_same_sections_in_the_same_order():
    assert sections.names(FOLDER / "lr_find_pytorch.py") == sections.names(FOLDER / "lr_find_lightning.py")
    assert sections.names(FOLDER / "lr_find_lightning.py") == ["imports", "data", "model", "find"]


def test_the_range_test_by_hand_and_lr_find_agree_bit_for_bit():
    by_hand, found = tuner.results(tuner.lr_find_pytorch.result()), tuner.results(tuner.lr_find_lightning.result())
    assert len(found["lr"]) == len(found["loss"]) == 100
    assert by_hand == found
    assert found["lr"][0] == 1e-8 and found["lr"][-1] == pytest.approx(1.0)
    ratios = [b / a for a, b in zip(found["lr"][1:], found["lr"][2:])]
    assert ratios == pytest.approx([10 ** (8 / 100)] * 98)  # exponential steps, 1e-8 to 1 in 100
    text = output(tuner.compare)
    for line in ("same learning rates, bit for bit: True", "same smoothed losses, bit for bit: True"):
        assert line in text
    assert value(text, "same suggestion: ").startswith("True")


def test_the_drawn_suggestion_is_lightnings_own_on_the_saved_results():
    found = tuner.results(tuner.lr_find_lightning.result())
    finder = _LRFinder("exponential", 1e-8, 1.0, 100)
    finder.results = {"lr": found["lr"], "loss": found["loss"]}
    assert finder.suggestion() == found["suggestion"]
    printed = value(output(tuner.lr_find_lightning), "suggestion: ")
    assert printed == f"{found['suggestion']:.6g}"
    chart = tuner.chart()
    step = found["lr"].index(found["suggestion"])
    assert step == finder._optimal_idx
    assert f"The suggestion, {found['suggestion']:.6g} (point {step}), is marked in red" in chart
    assert f"suggestion() = {found['suggestion']:.3g}" in chart  # the legend


def test_the_suggestion_is_the_steepest_gradient_against_the_rate_not_its_log():
    found = tuner.results(tuner.lr_find_lightning.result())
    lrs, losses = torch.tensor(found["lr"][10:-1]), torch.tensor(found["loss"][10:-1])
    on_log = lrs[torch.gradient(losses, spacing=[lrs.log10()])[0].argmin()].item()
    assert f"{on_log:.6g}" == f"{tuner.steepest_on_log_axis(found):.6g}"
    assert found["suggestion"] < 1e-6 < 1e-3 < on_log
    assert 1e-3 / found["suggestion"] > 1000  # "more than a thousand times below"


def test_lr_find_restores_the_weights_keeps_hparams_lr_when_told_and_leaves_no_file():
    result = tuner.lr_find_lightning.result()
    text = output(tuner.lr_find_lightning)
    assert value(text, "weights as before lr_find: ") == "True"
    assert value(text, "model.hparams.lr is still ") == "0.001"  # update_attr=False
    assert value(text, "steps run: ") == "100 of 100"
    assert "Learning rate set to" not in text
    assert not list(result.workdir.rglob(".lr_find_*.ckpt"))
    assert re.search(r"^Restored all states from the checkpoint at \S*\.lr_find_[-0-9a-f]+\.ckpt$", text, re.M), text


def test_three_epochs_at_the_suggestion_do_far_worse_than_at_1e_3():
    text = output(tuner.try_lrs)
    losses = {float(lr): float(v) for lr, v in re.findall(r"^lr (\S+): val_loss after 3 epochs ([0-9.]+)$", text, re.M)}
    suggestion = tuner.results(tuner.lr_find_lightning.result())["suggestion"]
    arguments = tuner.try_lrs.arguments()
    assert arguments[0] == f"{suggestion:.6g}" and arguments[1] == "0.001"
    assert list(losses) == [float(a) for a in arguments]
    at_suggestion, at_default, at_steepest = losses.values()
    assert at_suggestion > 2 * at_default
    assert at_default < at_steepest < at_suggestion


def test_scale_batch_size_on_a_cpu_stops_at_the_size_of_the_dataset():
    result = tuner.batch_size.result()
    text = output(tuner.batch_size)
    tried = [int(size) for size in re.findall(r"^Batch size (\d+) succeeded, trying batch size \d+$", text, re.M)]
    assert tried == [2**k for k in range(1, 12)]  # 2 to 2,048, each doubled
    assert "The batch size 4096 is greater or equal than the length of your dataset: 3200." in text
    assert "scale_batch_size returned 4096; datamodule.batch_size is now 4096" in text
    assert value(text, "training images: ") == "3200"
    assert "out of memory" not in text.lower()
    assert not list(result.workdir.rglob(".scale_batch_size_*.ckpt"))
