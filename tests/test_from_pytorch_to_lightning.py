"""The core page's two scripts: they train, they learn, and they end with the same weights."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import torch

import snippet_runner
from conftest import REPO
from pages import from_pytorch_to_lightning as core
from snippet_runner import clean
from snippet_runner import sections as script_sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = "snippets/from-pytorch-to-lightning"
PYTORCH = f"{FOLDER}/train_pytorch.py"
LIGHTNING = f"{FOLDER}/train_lightning.py"
EPOCH_LINE = re.compile(r"^epoch (\d+): train_loss ([0-9.]+)  val_loss ([0-9.]+)$", re.M)


def sections(script: str) -> list[str]:
    return script_sections.names(REPO / script)


def section_text(script: str, name: str) -> str:
    return script_sections.text(REPO / script, name)


def epochs(run) -> list[tuple[int, float, float]]:
    """The per-epoch lines a script printed, as the page shows them."""
    return [(int(e), float(t), float(v)) for e, t, v in EPOCH_LINE.findall(clean(run))]


@pytest.fixture(scope="module")
def pytorch_run():
    return core.train_pytorch.result()


@pytest.fixture(scope="module")
def lightning_run():
    return core.train_lightning.result()


def test_each_script_has_its_sections_in_its_own_order():
    # The page follows the Lightning script; the PyTorch one is laid out as PyTorch users write it.
    assert sections(LIGHTNING) == [
        "imports",
        "model",
        "optimizer",
        "training",
        "validation",
        "device",
        "hooks",
        "data",
        "init",
        "fit",
    ]
    assert sections(PYTORCH) == [
        "imports",
        "device",  # before the functions that read it
        "model",
        "training",
        "validation",
        "data",
        "init",
        "optimizer",
        "fit",
    ]


def test_the_data_code_is_the_same_in_both_scripts():
    """The page shows the data section once, from the Lightning script: it must be the PyTorch one too."""
    assert section_text(PYTORCH, "data") == section_text(LIGHTNING, "data")
    assert "shuffle=True" in section_text(PYTORCH, "data")
    pytorch_imports = section_text(PYTORCH, "imports").splitlines()
    lightning_imports = section_text(LIGHTNING, "imports").splitlines()
    assert [line for line in lightning_imports if line not in pytorch_imports] == [
        "import pytorch_lightning as pl",
        "from pytorch_lightning.utilities import grad_norm",  # step 6
    ]


def test_the_page_shows_every_section_of_both_scripts():
    page = (REPO / "docs" / "from-pytorch-to-lightning.md").read_text()
    shown = [section for path, section in script_sections.includes(page) if path == LIGHTNING and section]
    assert shown == sections(LIGHTNING), "the page walks the Lightning script from top to bottom"
    shown = script_sections.shown(page, PYTORCH)
    assert set(sections(PYTORCH)) - {"imports", "data"} <= set(shown)


def test_the_pytorch_loop_is_written_the_plain_way():
    """loss.backward() and the optimizer where they are used, no helper named after a Lightning hook."""
    script = (REPO / PYTORCH).read_text()
    assert "loss.backward()" in section_text(PYTORCH, "training")
    assert (
        section_text(PYTORCH, "optimizer").strip().endswith("optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)")
    )
    assert not re.search(r"^def (backward|configure_optimizers?)\b", script, re.M)


def test_both_scripts_train_five_epochs_and_print_their_losses(pytorch_run, lightning_run):
    for run in (pytorch_run, lightning_run):
        assert [e for e, _, _ in epochs(run)] == [0, 1, 2, 3, 4], run.output
    assert (pytorch_run.workdir / "autoencoder_pytorch.pt").is_file()
    assert (lightning_run.workdir / "lightning_logs/version_0/checkpoints/epoch=4-step=500.ckpt").is_file()


def test_validation_loss_ends_clearly_below_the_untrained_models(pytorch_run, tmp_path):
    """Build the untrained model from the script's own sections and measure its validation loss."""
    setup = "\n".join(section_text(PYTORCH, name) for name in sections(PYTORCH) if name != "fit")
    program = setup + "\nprint(validate(model, val_loader))\n"
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
    assert largest == 0.0, "bit for bit, as the page says"
    # The training really moved the weights: the comparison is not between two untouched models.
    torch.manual_seed(0)
    initial = torch.nn.Linear(28 * 28, 64).weight
    assert (pytorch_weights["encoder.0.weight"] - initial).abs().max() > 1e-3


def test_pytorch_and_lightning_have_the_same_losses_every_epoch(pytorch_run, lightning_run):
    assert epochs(pytorch_run) == epochs(lightning_run)


def test_the_page_table_holds_the_losses_both_scripts_printed(pytorch_run, lightning_run):
    table = core.losses_table()
    rows = re.findall(r"^\| (\d+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|$", table, re.M)
    assert [(int(e), float(tp), float(vp)) for e, tp, _, vp, _ in rows] == epochs(pytorch_run)
    assert [(int(e), float(tl), float(vl)) for e, _, tl, _, vl in rows] == epochs(lightning_run)


def test_the_hook_logs_gradient_norms_on_the_steps_the_logger_writes(lightning_run):
    """Step 6: grad_norm, logged from on_before_optimizer_step only where the logger writes a point
    (global steps 49, 99, ...: the train_loss_step points), not at every step."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(
        str(lightning_run.workdir / "lightning_logs/version_0"), size_guidance={"scalars": 0}
    )
    accumulator.Reload()
    steps = [event.step for event in accumulator.Scalars("train_loss_step")]
    assert steps == list(range(49, 500, 50))
    checkpoint = lightning_run.workdir / "lightning_logs/version_0/checkpoints/epoch=4-step=500.ckpt"
    weights = torch.load(checkpoint, weights_only=True)
    norms = [tag for tag in accumulator.Tags()["scalars"] if tag.startswith("grad_2.0_norm")]
    assert set(norms) == {f"grad_2.0_norm/{name}" for name in weights["state_dict"]} | {"grad_2.0_norm_total"}
    for tag in norms:
        logged = accumulator.Scalars(tag)
        assert [event.step for event in logged] == steps, tag
        assert all(event.value > 0 for event in logged), tag
    # The hook only looks: no per-step check of the loss in either script any more.
    for script in (PYTORCH, LIGHTNING):
        assert "isfinite" not in (REPO / script).read_text(), script


@pytest.mark.parametrize(
    ("trainer_options", "val_losses"),
    [
        # No validation at all: no val_loss in callback_metrics, printed as nan.
        ("max_epochs=2, limit_val_batches=0", ["nan", "nan"]),
        # Validation every second epoch: nan before the first, then the last one's value.
        ("max_epochs=3, check_val_every_n_epoch=2", ["nan", "measured", "same as before"]),
    ],
)
def test_the_epoch_print_survives_epochs_without_validation(tmp_path, trainer_options, val_losses):
    """The page's words on on_train_epoch_end, measured: no KeyError when validation is skipped."""
    text = (REPO / LIGHTNING).read_text()
    assert text.count("max_epochs=5, ") == 1
    variant = tmp_path / "skip_validation.py"
    variant.write_text(text.replace("max_epochs=5, ", f"{trainer_options}, enable_progress_bar=False, "))
    result = snippet_runner.run(variant)
    printed = re.findall(r"^epoch \d+: train_loss [0-9.]+  val_loss (\S+)$", clean(result), re.M)
    assert len(printed) == len(val_losses), result.output
    for epoch, (value, expected) in enumerate(zip(printed, val_losses)):
        if expected == "nan":
            assert value == "nan"
        elif expected == "measured":
            assert 0 < float(value) < 1
        else:
            assert value == printed[epoch - 1]


def test_the_comparison_the_page_shows_is_the_measured_one():
    run = core.compare_weights.result()
    match = re.search(r"largest difference over all ([\d,]+) weights: (\S+)", run.output)
    assert match, run.output
    assert int(match.group(1).replace(",", "")) == 101_651  # 784·64+64 + 64·3+3 + 3·64+64 + 64·784+784
    assert float(match.group(2)) == 0.0


def test_a_loader_with_its_own_generator_drifts_apart_from_the_second_epoch(tmp_path):
    """The page's warning, measured: the same two scripts with `generator=` on the training loader."""
    own_generator = "shuffle=True, generator=torch.Generator().manual_seed(0))"
    variants = []
    for script in (PYTORCH, LIGHTNING):
        text = (REPO / script).read_text()
        assert text.count("shuffle=True)") == 1
        variant = tmp_path / f"generator_{os.path.basename(script)}"
        variant.write_text(text.replace("shuffle=True)", own_generator))
        variants.append(epochs(snippet_runner.run(variant)))
    pytorch_epochs, lightning_epochs = variants
    assert len(pytorch_epochs) == len(lightning_epochs) == 5
    assert pytorch_epochs[0] == lightning_epochs[0], "the first epoch still matches"
    assert all(p != lt for p, lt in zip(pytorch_epochs[1:], lightning_epochs[1:])), "then every epoch differs"
