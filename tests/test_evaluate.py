"""The Test and predict page: both tabs test the same best weights and get the same test loss,
which is what a plain loop computes on Lightning's best checkpoint; they predict the same codes;
and each Trainer call sets the model's mode, autograd and logging the way the page says."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import textwrap

import pytest
import torch

from conftest import REPO
from pages import evaluate
from snippet_runner import clean
from snippet_runner import sections as script_sections
from snippet_runner.runner import data_root, script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "evaluate"
PAGE = REPO / "docs" / "evaluate.md"
PYTORCH, LIGHTNING = "evaluate_pytorch.py", "evaluate_lightning.py"
PAGE_ORDER = [PYTORCH, LIGHTNING, "compare.py", "modes.py"]
EPOCH_LINE = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)$", re.M)


def sections(script: str) -> list[str]:
    return script_sections.names(FOLDER / script)


def section_text(script: str, name: str) -> str:
    return script_sections.text(FOLDER / script, name)


def output(run) -> str:
    return clean(run.result())


def line_value(text: str, label: str) -> str:
    found = re.search(rf"^{re.escape(label)}(.*)$", text, re.M)
    assert found, f"no line starting with {label!r} in\n{text}"
    return found.group(1).strip()


# ---------------------------------------------------------------- the page and its scripts


def test_both_scripts_have_the_same_sections_in_the_same_order():
    assert sections(PYTORCH) == sections(LIGHTNING)
    assert sections(PYTORCH) == ["imports", "data", "model", "test", "predict", "fit", "run-test", "run-predict"]


def test_the_page_shows_its_scripts_in_page_order_each_step_tab_beside_tab():
    """(That each script's sections are all shown, in file order: tests/test_site.py.)"""
    included = script_sections.includes(PAGE.read_text())
    shown = [(path.removeprefix("snippets/evaluate/"), section) for path, section in included if section]
    assert sorted(p.name for p in FOLDER.glob("*.py")) == sorted(PAGE_ORDER)
    assert list(dict.fromkeys(script for script, _ in shown)) == PAGE_ORDER
    # Past the folded set-up, each step shows the same section of both scripts, tab beside tab.
    steps = [section for s, section in shown if s in (PYTORCH, LIGHTNING)][6:]
    assert steps == [name for name in sections(PYTORCH)[3:] for _ in (PYTORCH, LIGHTNING)]


# ---------------------------------------------------------------- training, test, predict


def test_both_tabs_train_the_same_epochs_and_keep_the_last_as_best():
    pytorch, lightning = output(evaluate.evaluate_pytorch), output(evaluate.evaluate_lightning)
    epochs = EPOCH_LINE.findall(pytorch)
    assert [int(e) for e, _ in epochs] == [0, 1, 2, 3, 4]
    assert epochs == EPOCH_LINE.findall(lightning)
    losses = [float(v) for _, v in epochs]
    assert losses == sorted(losses, reverse=True), "the loss falls every epoch, so the best epoch is the last"
    assert evaluate.best_checkpoint(evaluate.evaluate_lightning.result()).endswith("epoch=4-step=500.ckpt")
    assert "Restoring states from the checkpoint path at lightning_logs/version_0/checkpoints/epoch=4" in lightning


def reported_test_loss() -> float:
    """The test loss at full precision, from the table trainer.test printed."""
    found = re.search(r"^\s*test_loss\s+([0-9.]+)\s*$", output(evaluate.evaluate_lightning), re.M)
    assert found, output(evaluate.evaluate_lightning)
    return float(found.group(1))


def test_both_tabs_print_the_same_test_loss():
    pytorch = float(line_value(output(evaluate.evaluate_pytorch), "test_loss "))
    lightning = float(line_value(output(evaluate.evaluate_lightning), "test_loss "))
    assert pytorch == lightning
    assert f"{reported_test_loss():.6f}" == f"{lightning:.6f}"


def test_the_test_loss_is_what_a_plain_loop_computes_on_the_best_checkpoint(tmp_path):
    """Load the checkpoint trainer.test used into the plain AutoEncoder and run the page's own
    test function (the PyTorch tab's sections, unchanged) on the same 1,000 digits."""
    lightning = evaluate.evaluate_lightning.result()
    checkpoint = lightning.workdir / evaluate.best_checkpoint(lightning)
    setup = "\n".join(section_text(PYTORCH, name) for name in ("imports", "data", "model", "test"))
    program = setup + textwrap.dedent(
        f"""
        model = AutoEncoder().to(device)
        model.load_state_dict(torch.load({str(checkpoint)!r}, map_location="cpu", weights_only=True)["state_dict"])
        print(repr(test(model, test_loader)))
        """
    )
    (tmp_path / "data").symlink_to(data_root().resolve(), target_is_directory=True)
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=script_environment({}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    plain = float(result.stdout.strip().splitlines()[-1])
    # Lightning sums loss × batch size in float32, the plain loop in float64: the same mean to
    # within float32 rounding (measured: 4.5e-9 apart on a loss of 0.048, about one float32 step).
    assert plain == pytest.approx(reported_test_loss(), rel=1e-6, abs=0)
    assert f"{plain:.6f}" == line_value(output(evaluate.evaluate_pytorch), "test_loss ")


def test_both_tabs_predict_the_same_codes_bit_for_bit():
    pytorch = torch.load(evaluate.evaluate_pytorch.result().workdir / "codes_pytorch.pt", weights_only=True)
    lightning = torch.load(evaluate.evaluate_lightning.result().workdir / "codes_lightning.pt", weights_only=True)
    assert pytorch.shape == (1000, 3)
    assert torch.equal(pytorch, lightning)
    assert "codes (1000, 3)" in output(evaluate.evaluate_lightning)


def test_the_comparison_the_page_shows_finds_both_identical():
    text = output(evaluate.compare)
    assert re.search(r"hold the same weights, bit for bit: True$", text, re.M), text
    assert re.search(r"codes are the same, bit for bit: True$", text, re.M), text


def test_the_table_sets_what_each_tab_printed_beside_the_bit_for_bit_comparison():
    """The page's one proof that the tabs agree: each cell is what a run printed."""
    rows = [row.strip("|").split(" | ") for row in evaluate.agreement().splitlines()[2:]]
    cells = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    pytorch, lightning = output(evaluate.evaluate_pytorch), output(evaluate.evaluate_lightning)
    losses = dict(EPOCH_LINE.findall(pytorch))
    assert cells["best epoch, val_loss"] == ["4, " + losses["4"], "4, " + losses["4"], "same weights: True"]
    assert min(losses.values(), key=float) == losses["4"]
    assert cells["test_loss"] == [line_value(pytorch, "test_loss "), line_value(lightning, "test_loss "), "—"]
    code = "codes (1000, 3), first digit's code "
    assert cells["first digit's code"] == [
        line_value(pytorch, code),
        line_value(lightning, code),
        "all 1,000 codes the same: True",
    ]


# ---------------------------------------------------------------- what each Trainer call does


STATE_LINE = re.compile(
    r"^(\w+)\s+(\w+_step)\s+training=(\w+)\s+grad enabled=(\w+)\s+inference mode=(\w+)$",
    re.M,
)


def test_each_call_sets_mode_and_autograd_as_the_page_says():
    states = STATE_LINE.findall(output(evaluate.modes))
    assert states == [
        ("fit", "training_step", "True", "True", "False"),
        ("fit", "validation_step", "False", "False", "False"),
        ("validate", "validation_step", "False", "False", "True"),
        ("test", "test_step", "False", "False", "True"),
        ("predict", "predict_step", "False", "False", "True"),
    ]


def test_each_call_gives_the_model_back_in_training_mode():
    text = output(evaluate.modes)
    assert line_value(text, "after fit: ") == "model.training=True"
    for call in ("validate", "test", "predict"):
        assert line_value(text, f"{call} returns ").endswith("model.training=True"), call


def test_predict_cannot_log_and_logs_nothing():
    text = output(evaluate.modes)
    assert "self.log in predict_step: MisconfigurationException: " in text
    (metrics,) = (evaluate.modes.result().workdir / "logs").rglob("metrics.csv")
    rows = list(csv.DictReader(metrics.open()))
    logged = [(row["step"], name) for row in rows for name in ("train_loss", "val_loss", "test_loss") if row[name]]
    # fit: train_loss at steps 0 and 1, val_loss after its one epoch; then one row each from
    # validate and test; nothing from predict.
    assert logged == [
        ("0", "train_loss"),
        ("1", "train_loss"),
        ("1", "val_loss"),
        ("2", "val_loss"),
        ("2", "test_loss"),
    ]
