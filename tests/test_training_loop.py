"""The Training loop page: each pair of scripts does what its section says (the clipped norm never
exceeds the bound, the accumulated step count, the scheduler's rates, the epoch early stopping
stopped at), the two tabs end bit-identical where the maths is the same, and mixed precision stays
within the tolerance the page states."""

from __future__ import annotations

import math
import re

import pytest
import torch

from conftest import REPO
from pages import from_pytorch_to_lightning as core
from pages import training_loop as page
from snippet_runner import clean
from snippet_runner import sections as script_sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "training-loop"
PAGE = REPO / "docs" / "training-loop.md"
PAIRS = ["precision", "fp16", "clipping", "accumulation", "schedule", "plateau", "early_stopping"]
# The page's scripts in the order it first shows them.
PAGE_ORDER = [f"{name}_{tab}.py" for name in PAIRS for tab in ("pytorch", "lightning")] + ["compare_weights.py"]
# The sections every script of a tab holds byte for byte, which the page shows once, from the first pair.
SHARED = ["imports", "data", "model"]
# Each pair whose maths is the same in both tabs, with the run that compares their final weights.
COMPARED = {
    "precision": page.precision_compare,
    "clipping": page.clipping_compare,
    "accumulation": page.accumulation_compare,
    "schedule": page.schedule_compare,
    "plateau": page.plateau_compare,
    "early_stopping": page.early_stopping_compare,
}
TOLERANCE = 0.005  # the page: every epoch's val_loss within 0.5 % of float32


def run(name: str):
    return getattr(page, name)


def output(name: str) -> str:
    return clean(run(name).result())


def sections(script: str) -> list[str]:
    return script_sections.names(FOLDER / script)


def epoch_lines(text: str) -> list[str]:
    return re.findall(r"^epoch \d+: .*$", text, re.M)


def numbers(line: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?(?:e[-+]\d+)?", line)]


# ---------------------------------------------------------------- the page and its scripts


def test_every_pair_has_the_same_sections_in_the_same_order():
    for name in PAIRS:
        pytorch, lightning = sections(f"{name}_pytorch.py"), sections(f"{name}_lightning.py")
        assert pytorch == lightning, name
        assert pytorch[:3] == ["imports", "data", "model"] and pytorch[-1] == "fit", name


def section_text(script: str, name: str) -> str:
    return script_sections.text(FOLDER / script, name)


def test_every_script_of_a_tab_starts_with_the_same_imports_data_and_model():
    """What lets the page show them once ("the same in every script on this page")."""
    for tab in ("pytorch", "lightning"):
        first = f"{PAIRS[0]}_{tab}.py"
        for name in PAIRS[1:]:
            for section in SHARED:
                assert section_text(f"{name}_{tab}.py", section) == section_text(first, section), (name, tab, section)


def test_the_page_shows_every_section_of_every_script_in_page_order():
    """Every section once: the shared ones from the first pair, each script's own ones under its section."""
    included = script_sections.includes(PAGE.read_text())
    folder = "snippets/training-loop/"
    shown = [(path.removeprefix(folder), section) for path, section in included if section and path.startswith(folder)]
    assert list(dict.fromkeys(script for script, _ in shown)) == PAGE_ORDER
    assert sorted(p.name for p in FOLDER.glob("*.py")) == sorted(PAGE_ORDER)
    for script in PAGE_ORDER:
        own = sections(script)
        if script.endswith(("_pytorch.py", "_lightning.py")) and not script.startswith(f"{PAIRS[0]}_"):
            own = [section for section in own if section not in SHARED]
        assert [section for s, section in shown if s == script] == own, script


def test_every_pair_prints_the_same_epochs_in_both_tabs():
    """Same numbers where the maths is the same: every per-epoch line, to every digit printed
    (and "16-mixed" on a CPU, which Lightning runs as "bf16-mixed", prints the bf16 run's lines)."""
    for name in COMPARED:
        pytorch, lightning = epoch_lines(output(f"{name}_pytorch")), epoch_lines(output(f"{name}_lightning"))
        assert pytorch and pytorch == lightning, name
    assert epoch_lines(output("fp16_lightning")) == epoch_lines(output("precision_lightning"))


def test_every_pair_whose_maths_is_the_same_ends_with_bit_identical_weights():
    for name, compared in COMPARED.items():
        text = clean(compared.result())
        assert "largest difference over all weights: 0.0e+00, bit-identical: True" in text, (name, text)
        assert f"{name}_pytorch.pt against lightning_logs/version_0/checkpoints/epoch=" in text, (name, text)


def test_the_agreement_table_is_read_from_each_comparison():
    table = page.agreement_table().splitlines()
    assert len(table) == 2 + len(COMPARED)
    for (name, compared), row in zip(COMPARED.items(), table[2:]):
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[0] == page.AGREEING[name], row
        assert int(cells[1]) == len(epoch_lines(output(f"{name}_pytorch"))), row
        assert cells[2:] == ["yes", "0.0e+00", "yes"], row
        assert page.weights_compared(compared.result()) == ("0.0e+00", True)
    # A comparison that found different weights reads as such.
    assert page.weights_compared(page.precision_against_float32.result())[1] is False


def test_the_weights_really_trained():
    """The comparisons are between trained weights, not two untouched copies of the start."""
    torch.manual_seed(0)
    initial = torch.nn.Linear(28 * 28, 64).weight
    for name in COMPARED:
        weights = torch.load(run(f"{name}_pytorch").result().workdir / f"{name}_pytorch.pt", weights_only=True)
        assert (weights["encoder.0.weight"] - initial).abs().max() > 1e-3, name


# ---------------------------------------------------------------- mixed precision


def test_mixed_precision_stays_within_the_stated_tolerance_of_float32():
    float32 = page.val_losses(core.train_pytorch.result())
    assert len(float32) == 5
    for name in ("precision_pytorch", "precision_lightning", "fp16_pytorch", "fp16_lightning"):
        losses = page.val_losses(run(name).result())
        assert len(losses) == 5, name
        assert page.largest_relative_difference(run(name)) <= TOLERANCE, name
        assert losses != float32, f"{name} printed float32's losses: did it run in 16 bits at all?"


def test_bfloat16_weights_differ_from_float32_ones():
    text = clean(page.precision_against_float32.result())
    largest = float(re.search(r"largest difference over all weights: (\S+), bit-identical: False", text).group(1))
    assert 1e-3 < largest < 1.0, text


def test_lightning_warns_and_runs_bfloat16_when_asked_for_16_mixed_on_a_cpu():
    text = output("fp16_lightning")
    assert (
        "You passed `Trainer(accelerator='cpu', precision='16-mixed')` but AMP with fp16 is not supported on CPU. "
        "Using `precision='bf16-mixed'` instead." in text
    )
    assert "Using bfloat16 Automatic Mixed Precision (AMP)" in text
    assert re.search(r"^precision: bf16-mixed$", text, re.M)
    assert "Using bfloat16 Automatic Mixed Precision (AMP)" in output("precision_lightning")


def test_pytorch_float16_runs_with_a_grad_scaler_on_a_cpu():
    scales = re.findall(r"loss scale (\d+)$", output("fp16_pytorch"), re.M)
    assert scales == ["65536"] * 5  # GradScaler's starting scale, never lowered: no step overflowed


# ---------------------------------------------------------------- gradient clipping


CLIP_LINE = re.compile(
    r"^epoch (\d+): val_loss ([0-9.]+)  clipped (\d+) of (\d+) steps, "
    r"largest norm ([0-9.]+) before clipping, ([0-9.]+) after$",
    re.M,
)
MAX_NORM = 0.02


def test_the_clipped_norm_never_exceeds_the_bound():
    for name in ("clipping_pytorch", "clipping_lightning"):
        epochs = CLIP_LINE.findall(output(name))
        assert [int(e[0]) for e in epochs] == [0, 1, 2], name
        for _, _, clipped, steps, before, after in epochs:
            assert int(steps) == 100
            assert float(after) <= MAX_NORM, (name, after)
            assert float(before) > MAX_NORM  # every epoch had a step that needed clipping
            assert 0 < int(clipped) < 100
    # The page: "about one step in seven" exceeds the bound.
    clipped = sum(int(epoch[2]) for epoch in CLIP_LINE.findall(output("clipping_pytorch")))
    assert "one step in seven of this model exceeds" in PAGE.read_text()
    assert 6.5 < 300 / clipped < 7.5, clipped
    assert f"gradient_clip_val={MAX_NORM}" in (FOLDER / "clipping_lightning.py").read_text()
    assert f"max_norm={MAX_NORM}" in (FOLDER / "clipping_pytorch.py").read_text()


def test_clipping_changed_the_training():
    """Clipped and unclipped runs part ways (the core page trains the same 3 epochs unclipped)."""
    clipped = page.val_losses(run("clipping_pytorch").result())
    unclipped = page.val_losses(core.train_pytorch.result())[:3]
    assert clipped != unclipped


# ---------------------------------------------------------------- gradient accumulation


def test_accumulation_takes_one_optimizer_step_per_group_including_the_last_partial_one():
    batches, accumulate = 100, 3
    per_epoch = math.ceil(batches / accumulate)  # 33 full groups and one of 1 batch
    for name in ("accumulation_pytorch", "accumulation_lightning"):
        steps = [int(s) for s in re.findall(r"optimizer steps so far: (\d+)$", output(name), re.M)]
        assert steps == [per_epoch, 2 * per_epoch, 3 * per_epoch] == [34, 68, 102], name
    assert page.checkpoint(run("accumulation_lightning").result()).endswith("epoch=2-step=102.ckpt")


# ---------------------------------------------------------------- learning-rate schedules


def test_warm_up_per_step_then_decay_per_epoch_gives_the_same_rates_in_both_tabs():
    # Epoch by epoch, the rate of the first step and of the last: 100 warm-up steps from 10⁻⁴ to
    # 10⁻³ (the last one of epoch 0 is step 99), then halved after every epoch.
    expected = [1e-4, 1e-3 * (0.1 + 0.9 * 99 / 100), 5e-4, 5e-4, 2.5e-4, 2.5e-4]
    for name in ("schedule_pytorch", "schedule_lightning"):
        found = re.findall(r"learning rate (\S+) at the first step, (\S+) at the last$", output(name), re.M)
        rates = [float(rate) for pair in found for rate in pair]
        assert rates == pytest.approx(expected, rel=1e-4), name


def test_the_plateau_rates_are_the_same_in_both_tabs_and_in_tensorboard():
    pytorch, lightning = run("plateau_pytorch").result(), run("plateau_lightning").result()
    assert page.rates(pytorch) == page.rates(lightning) == [1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]
    table = page.plateau_table(pytorch, lightning)
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    assert [float(row[5]) for row in rows] == pytest.approx(page.rates(lightning), rel=1e-6)  # float32 in the file


def test_the_plateau_rates_follow_from_the_printed_losses():
    """Feed the printed val_loss of each epoch to a fresh ReduceLROnPlateau: it gives the same rates."""
    losses = page.val_losses(run("plateau_pytorch").result())
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=0.5, patience=0, threshold=0.05
    )
    rates = []
    for loss in losses:
        rates.append(optimizer.param_groups[0]["lr"])
        scheduler.step(loss)
    assert rates == page.rates(run("plateau_pytorch").result())


# ---------------------------------------------------------------- early stopping


def test_both_tabs_stop_early_at_the_same_epoch():
    for name in ("early_stopping_pytorch", "early_stopping_lightning"):
        text = output(name)
        assert len(epoch_lines(text)) == 8 < 20, name
        assert re.search(r"^stopped after epoch 7, best val_loss 0\.046228$", text, re.M), name
    assert page.checkpoint(run("early_stopping_lightning").result()).endswith("epoch=7-step=800.ckpt")
    assert "Signaling Trainer to stop." in output("early_stopping_lightning")


def test_the_stopping_epoch_follows_from_the_printed_losses():
    """The rule the page states (better than the best by min_delta, patience 2), applied to the
    printed losses, stops at the epoch both tabs stopped at."""
    losses = page.val_losses(run("early_stopping_pytorch").result())
    best, bad, stopped = math.inf, 0, None
    for epoch, loss in enumerate(losses):
        if loss < best - 0.002:
            best, bad = loss, 0
        else:
            bad += 1
        if bad == 2:
            stopped = epoch
            break
    assert stopped == 7 == len(losses) - 1
    # The page: epoch 2's improvement of 0.0021 reads "improved by 0.002" (the callback rounds to 3 decimals).
    assert round(losses[1] - losses[2], 4) == 0.0021
    assert "improvement of 0.0021 reads" in PAGE.read_text()
    verbose = re.findall(
        r"^Metric val_loss improved by ([0-9.]+) >= min_delta", output("early_stopping_lightning"), re.M
    )
    assert verbose[1] == "0.002", verbose  # the first "improved by" line is epoch 1's (epoch 0's has none)
    # Every decision is far from the edge, so float32 and float64 comparisons agree.
    assert all(abs((previous_best - loss) - 0.002) > 1e-4 for previous_best, loss in _decisions(losses))


def _decisions(losses):
    best = math.inf
    for loss in losses:
        yield best, loss
        if loss < best - 0.002:
            best = loss
