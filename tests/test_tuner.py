"""The Learning rate and batch size finder page: lr_find written out with its two quirks gives its
rates, losses and suggestion bit for bit; the plain PyTorch range test differs where the page says;
the curve is read from the saved results; the chart marks the suggestion that Lightning's own code
gives on the saved results; lr_find restores the weights and sets hparams.lr; a short training shows
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


def test_lr_find_written_out_with_its_two_quirks_agrees_bit_for_bit():
    found = tuner.results(tuner.lr_find_lightning.result())
    assert len(found["lr"]) == len(found["loss"]) == 100
    assert found["lr"][0] == 1e-8 and found["lr"][-1] == pytest.approx(1.0)
    ratios = [b / a for a, b in zip(found["lr"][1:], found["lr"][2:])]
    assert ratios == pytest.approx([10 ** (8 / 100)] * 98)  # exponential steps, 1e-8 to 1 in 100
    assert found["lr"][1] / found["lr"][0] == pytest.approx(10 ** (16 / 100))  # quirk 1: a step skipped
    text = output(tuner.compare)
    assert value(text, "lr_find recomputed by hand, quirks included: ") == "100 points, 100 from lr_find"
    for line in ("same learning rates, bit for bit: True", "same smoothed losses, bit for bit: True"):
        assert line in text
    assert value(text, "same suggestion: ") == f"True ({found['suggestion']:.6g})"


def test_the_pytorch_tab_is_a_plain_range_test_with_lightnings_suggestion_rule():
    source = (FOLDER / "lr_find_pytorch.py").read_text()
    assert "ExponentialLR" in source and "beta ** (step + 1)" in source
    assert "i + 2" not in source and "Lightning" not in source  # no copied quirks
    plain = tuner.results(tuner.lr_find_pytorch.result())
    assert len(plain["lr"]) == len(plain["loss"]) == 100
    assert plain["lr"][0] == 1e-8 and plain["lr"][-1] == pytest.approx(1.0)
    ratios = [b / a for a, b in zip(plain["lr"], plain["lr"][1:])]
    assert ratios == pytest.approx([10 ** (8 / 99)] * 99)  # 1e-8 to 1 in 100 rates, no step skipped
    finder = _LRFinder("exponential", 1e-8, 1.0, 100)
    finder.results = {"lr": plain["lr"], "loss": plain["loss"]}
    assert finder.suggestion() == plain["suggestion"]  # the same rule as lr_find's
    assert value(output(tuner.lr_find_pytorch), "suggestion: ") == f"{plain['suggestion']:.6g}"
    assert value(output(tuner.lr_find_pytorch), "steps run: ") == "100 of 100"


def test_compare_reports_how_the_plain_test_and_lr_find_differ():
    plain, found = tuner.results(tuner.lr_find_pytorch.result()), tuner.results(tuner.lr_find_lightning.result())
    text = output(tuner.compare)
    assert value(text, "the PyTorch tab: ") == f"100 points, rates 1e-08 to {plain['lr'][-1]:.6g}"
    lr_ratios = [a / b for a, b in zip(plain["lr"], found["lr"])]
    assert value(text, "same learning rates: ").startswith("False")
    assert f"{min(lr_ratios):.3f} to {max(lr_ratios):.3f})" in text
    assert min(lr_ratios) == lr_ratios[1] and lr_ratios == sorted(lr_ratios[:1]) + sorted(
        lr_ratios[1:]
    )  # less and less
    # "which halves its first point": the same first loss, divided by 1 - beta**2 instead of 1 - beta
    assert found["loss"][0] == pytest.approx(plain["loss"][0] / 1.98)
    assert f"(ratio {found['loss'][0] / plain['loss'][0]:.4f})" in text
    # "follow each other until near the top, where the PyTorch tab's loss blew up ... lr_find's kept falling"
    apart = int(value(text, "first step after that more than 10% apart: ").split(",")[0])
    assert 90 <= apart < 100
    assert all(abs(a / b - 1) <= 0.1 for a, b in zip(plain["loss"][10:apart], found["loss"][10:apart]))
    assert plain["loss"][-1] > 4 * min(plain["loss"]) and plain["loss"][-2] <= 4 * min(plain["loss"][:-1])
    assert max(found["loss"]) < 4 * min(found["loss"])  # "Both tabs ran all 100 steps"
    assert found["loss"][apart:] == sorted(found["loss"][apart:], reverse=True)
    # "more than ten times apart", "both among the tiny rates on the left"
    ratio = plain["suggestion"] / found["suggestion"]
    assert max(ratio, 1 / ratio) > 10
    assert f"({max(ratio, 1 / ratio):.3g} times apart)" in text
    assert max(plain["suggestion"], found["suggestion"]) < 1e-6


def test_the_curve_is_read_from_the_saved_results():
    plain, found = tuner.results(tuner.lr_find_pytorch.result()), tuner.results(tuner.lr_find_lightning.result())
    lrs, losses = found["lr"], found["loss"]
    top, fall = tuner.curve_readings(found)
    assert losses[top] == max(losses) and top <= fall < len(losses) - 1
    assert losses[fall:] == sorted(losses[fall:], reverse=True) and losses[fall - 1] <= losses[fall]
    text = tuner.curve_text()
    assert f"highest at a rate of {lrs[top]:.3g} ({losses[top]:.4f}, point {top})" in text
    assert f"to {losses[-1]:.4f} at {lrs[-1]:.3g}." in text
    # "the suggestion ... among the tiny rates on the left", left of the highest point
    assert found["suggestion"] < lrs[top]
    # "the rise on the left": lr_find's curve rises from its first point; the PyTorch tab's has no such rise
    assert losses[0] < min(losses[1:top])
    assert plain["loss"][0] > max(plain["loss"][1:top])


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
