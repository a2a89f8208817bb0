"""The core page's two scripts: they train, they learn, and they end with the same weights."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
import torch

from conftest import REPO
from pages import from_pytorch_to_lightning as core
from snippet_runner import clean

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = "snippets/from-pytorch-to-lightning"
PYTORCH = f"{FOLDER}/train_pytorch.py"
LIGHTNING = f"{FOLDER}/train_lightning.py"
EPOCH_LINE = re.compile(r"^epoch (\d+): train_loss ([0-9.]+)  val_loss ([0-9.]+)$", re.M)


def sections(script: str) -> list[str]:
    return re.findall(r"--8<-- \[start:([-_0-9a-z]+)\]", (REPO / script).read_text())


def section_text(script: str, name: str) -> str:
    text = (REPO / script).read_text()
    body = re.search(rf"# --8<-- \[start:{name}\]\n(.*?)\n\s*# --8<-- \[end:{name}\]", text, re.S).group(1)
    return textwrap.dedent(body)


def epochs(run) -> list[tuple[int, float, float]]:
    """The per-epoch lines a script printed, as the page shows them."""
    return [(int(e), float(t), float(v)) for e, t, v in EPOCH_LINE.findall(clean(run))]


@pytest.fixture(scope="module")
def pytorch_run():
    return core.train_pytorch.result()


@pytest.fixture(scope="module")
def lightning_run():
    return core.train_lightning.result()


def test_both_scripts_have_the_same_sections_in_the_same_order():
    assert sections(PYTORCH) == sections(LIGHTNING)
    assert sections(PYTORCH) == [
        "imports",
        "data",
        "model",
        "optimizer",
        "training",
        "validation",
        "device",
        "hooks",
        "init",
        "fit",
    ]


def test_the_page_shows_every_section_of_both_scripts_in_order():
    page = (REPO / "docs" / "from-pytorch-to-lightning.md").read_text()
    for script in (PYTORCH, LIGHTNING):
        shown = re.findall(rf'--8<-- "{re.escape(script)}:([-_0-9a-z]+)"', page)
        in_file = sections(script)
        assert [s for s in shown if s in in_file] == [s for s in in_file if s in shown]
        assert set(in_file) - {"imports", "data"} <= set(shown)


def test_both_scripts_train_five_epochs_and_print_their_losses(pytorch_run, lightning_run):
    for run in (pytorch_run, lightning_run):
        assert [e for e, _, _ in epochs(run)] == [0, 1, 2, 3, 4], run.output
    assert (pytorch_run.workdir / "autoencoder_pytorch.pt").is_file()
    assert (lightning_run.workdir / "lightning_logs/version_0/checkpoints/epoch=4-step=500.ckpt").is_file()


def test_validation_loss_ends_clearly_below_the_untrained_models(pytorch_run, tmp_path):
    """Build the untrained model from the script's own sections and measure its validation loss."""
    setup = "\n".join(section_text(PYTORCH, name) for name in sections(PYTORCH) if name != "fit")
    program = setup + "\nprint(validate(model, device))\n"
    (tmp_path / "data").symlink_to(REPO / "data")
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr
    untrained = float(result.stdout.strip().splitlines()[-1])
    trained = epochs(pytorch_run)[-1][2]
    assert trained < 0.5 * untrained, (trained, untrained)
    val_losses = [v for _, _, v in epochs(pytorch_run)]
    assert val_losses == sorted(val_losses, reverse=True), "validation loss falls every epoch"


def test_pytorch_and_lightning_end_with_the_same_weights(pytorch_run, lightning_run):
    pytorch_weights = torch.load(pytorch_run.workdir / "autoencoder_pytorch.pt", weights_only=True)
    checkpoint = torch.load(
        lightning_run.workdir / "lightning_logs/version_0/checkpoints/epoch=4-step=500.ckpt", weights_only=True
    )
    lightning_weights = checkpoint["state_dict"]
    assert pytorch_weights.keys() == lightning_weights.keys()
    largest = max((w - lightning_weights[n]).abs().max().item() for n, w in pytorch_weights.items())
    assert largest <= 1e-6
    # The training really moved the weights: the comparison is not between two untouched models.
    torch.manual_seed(0)
    initial = torch.nn.Linear(28 * 28, 64).weight
    assert (pytorch_weights["encoder.0.weight"] - initial).abs().max() > 1e-3


def test_pytorch_and_lightning_have_the_same_losses_every_epoch(pytorch_run, lightning_run):
    assert epochs(pytorch_run) == epochs(lightning_run)


def test_the_comparison_the_page_shows_is_the_measured_one():
    run = core.compare_weights.result()
    match = re.search(r"largest difference over all ([\d,]+) weights: (\S+)", run.output)
    assert match, run.output
    assert int(match.group(1).replace(",", "")) == 101_651  # 784·64+64 + 64·3+3 + 3·64+64 + 64·784+784
    assert float(match.group(2)) <= 1e-6
