"""The "How long to train, how often to validate" page: for each Trainer flag, the plain loop
validated after the same steps as the Trainer and ended with bit-identical weights (max_time
aside, which is on the clock), and what the page says of each flag is what Lightning does."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import pytest
import torch

from conftest import REPO
from pages import run_length
from snippet_runner import clean, sections
from snippet_runner.runner import data_root, script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "run-length"
PYTORCH, LIGHTNING = FOLDER / "run_length_pytorch.py", FOLDER / "run_length_lightning.py"
NAMES = [name for name, *_ in run_length.TRAININGS]
DETERMINISTIC = [name for name in NAMES if name not in run_length.ON_THE_CLOCK]
# What each flag means, worked out by hand for 100 training batches an epoch.
EXPECTED = {
    "max_epochs": (300, [100, 200, 300]),
    "max_steps": (250, [100, 200]),  # the cut third epoch is not validated
    "val_check_fraction": (200, [25, 50, 75, 100, 125, 150, 175, 200]),
    "val_check_count": (200, [40, 80, 140, 180]),  # not after batch 100: 100 % 40 != 0
    "every_n_epochs": (400, [200, 400]),
    "across_epochs": (300, [150, 300]),
    "limits": (50, [25, 50]),
    "min_epochs": (400, [100, 200, 300, 400]),
}


def output(run) -> str:
    return clean(run.result())


# ---------------------------------------------------------------- the scripts


def test_both_scripts_have_the_same_sections_one_per_training():
    assert sections.names(PYTORCH) == sections.names(LIGHTNING)
    assert sections.names(PYTORCH) == [
        "imports",
        "data",
        "model",
        *(section for _, section, *_ in run_length.TRAININGS),
    ]


def test_every_script_says_how_to_run_it_before_its_first_section():
    for script in sorted(FOLDER.glob("*.py")):
        head = script.read_text().split("# --8<-- [start:")[0]
        assert head.startswith("# Run"), script.name


# ---------------------------------------------------------------- the steps and the weights


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_both_tabs_validated_after_the_steps_the_flag_means(name):
    mine, theirs = (
        run_length.reports(run_length.run_length_pytorch.result()),
        run_length.reports(run_length.run_length_lightning.result()),
    )
    assert mine[name] == theirs[name] == EXPECTED[name]


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_both_tabs_end_with_bit_identical_weights(name, tmp_path):
    assert run_length.compared(run_length.compare.result())[name] == ("0.0e+00", True)
    # And again here, from the files themselves: they exist, they trained, they are equal.
    workdir = run_length.compare.result().workdir
    pytorch = torch.load(workdir / f"{name}_pytorch.pt", map_location="cpu", weights_only=True)
    lightning = torch.load(workdir / f"{name}_lightning.pt", map_location="cpu", weights_only=True)
    assert pytorch.keys() == lightning.keys() and len(pytorch) == 8
    assert all(torch.equal(pytorch[key], lightning[key]) for key in pytorch)
    torch.manual_seed(0)
    untrained = torch.nn.Linear(28 * 28, 64).weight
    assert not torch.equal(pytorch["encoder.0.weight"], untrained)


def test_the_trainings_are_not_all_the_same():
    """Different flags, different trainings: the proof compares something."""
    workdir = run_length.compare.result().workdir
    weights = {
        name: torch.load(workdir / f"{name}_lightning.pt", map_location="cpu", weights_only=True)["encoder.0.weight"]
        for name in DETERMINISTIC
    }
    assert not torch.equal(weights["max_epochs"], weights["max_steps"])
    assert not torch.equal(weights["max_steps"], weights["limits"])
    # The same 300 steps, validated at other moments: every iter(val_loader) draws from the global
    # generator, so where validation runs changes the shuffles after it (the page's last note).
    assert not torch.equal(weights["max_epochs"], weights["across_epochs"])
    assert not torch.equal(weights["val_check_fraction"], weights["val_check_count"])


def test_the_table_sets_what_each_tab_printed_side_by_side():
    rows = [row.strip("|").split(" | ") for row in run_length.agreement().splitlines()[2:]]
    assert len(rows) == len(NAMES)
    for (name, *_), row in zip(run_length.TRAININGS, rows):
        cells = [cell.strip() for cell in row]
        if name in run_length.ON_THE_CLOCK:
            assert cells[4].startswith("—") and cells[5].startswith("—")
            continue
        steps = ", ".join(map(str, EXPECTED[name][1]))
        assert cells[2:] == [steps, steps, "yes", "yes"], name


# ---------------------------------------------------------------- each section's own facts


def test_max_steps_and_max_epochs_say_why_fit_stopped():
    text = output(run_length.run_length_lightning)
    assert "`Trainer.fit` stopped: `max_steps=250` reached." in text
    assert "`Trainer.fit` stopped: `max_epochs=3` reached." in text


def test_the_limits_left_25_training_and_2_validation_batches():
    assert "batches: sanity check [2], training 25, validation [2]" in output(run_length.run_length_lightning)


def test_the_plain_sanity_check_must_leave_the_random_state_as_it_found_it(tmp_path):
    """The page's note: without fork_rng, the PyTorch tab's `limits` training no longer ends
    with the Lightning tab's weights (a DataLoader iterator draws its base seed from the global
    generator)."""
    limits = sections.text(PYTORCH, "limits")
    cut = re.sub(r"with torch\.random\.fork_rng\(\):[^\n]*\n    ", "", limits)
    assert cut != limits and "fork_rng" not in cut
    program = "\n".join(sections.text(PYTORCH, name) for name in ("imports", "data", "model")) + "\n" + cut + "\n"
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
    assert "limits: 50 steps, validated after steps [25, 50]" in result.stdout
    without = torch.load(tmp_path / "limits_pytorch.pt", map_location="cpu", weights_only=True)
    workdir = run_length.compare.result().workdir
    lightning = torch.load(workdir / "limits_lightning.pt", map_location="cpu", weights_only=True)
    assert not torch.equal(without["encoder.0.weight"], lightning["encoder.0.weight"])


def test_min_epochs_kept_training_after_early_stopping_asked_to_stop():
    text = output(run_length.run_length_lightning)
    assert (
        "Trainer was signaled to stop but the required `min_epochs=4` or `min_steps=None` has not been met. "
        "Training will continue..." in text
    )
    losses = [
        float(v) for v in re.findall(r"^epoch \d: val_loss ([0-9.]+)$", output(run_length.run_length_pytorch), re.M)
    ]
    assert len(losses) == 4
    # Epoch 1 improved by less than min_delta: early stopping (patience 1) asked to stop after 2 epochs.
    assert 0 < losses[0] - losses[1] < 0.01
    # Epoch 3 improved on the best by more than min_delta, and training stopped all the same.
    assert losses[0] - losses[3] > 0.01
    assert "Metric val_loss improved by 0.012 >= min_delta = 0.01." in text


@pytest.mark.parametrize(
    "run", [run_length.run_length_pytorch, run_length.run_length_lightning], ids=["pytorch", "lightning"]
)
def test_max_time_stopped_on_the_clock_and_validated_where_it_stopped(run):
    text = output(run)
    steps, validated = run_length.reports(run.result())["max_time"]
    elapsed = float(re.search(r"^stopped after ([0-9.]+) s$", text, re.M).group(1))
    assert 1.0 <= elapsed < 60
    assert steps > 0 and validated[-1] == steps  # a validation at the step where time ran out
    assert validated[:-1] == [100 * (i + 1) for i in range(len(validated) - 1)]  # and at each epoch's end before
    if run is run_length.run_length_lightning:
        assert re.search(r"^Time limit reached\. Elapsed time is 0:00:0\d\. Signaling Trainer to stop\.$", text, re.M)


# ---------------------------------------------------------------- what the page says without a run


class Tiny:
    """A 100-batch epoch of a one-weight model, to check a rule of Lightning's in a second."""

    @staticmethod
    def fit(**flags) -> tuple[list[int], object]:
        import pytorch_lightning as pl
        from torch.utils.data import DataLoader, TensorDataset

        class Model(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.layer = torch.nn.Linear(1, 1)
                self.validated_at = []

            def training_step(self, batch, batch_idx):
                return self.layer(batch[0]).pow(2).mean()

            def validation_step(self, batch, batch_idx):
                pass

            def on_validation_epoch_end(self):
                if not self.trainer.sanity_checking:
                    self.validated_at.append(self.trainer.global_step)

            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=0.01)

        loader = DataLoader(TensorDataset(torch.ones(100, 1)), batch_size=1)
        model = Model()
        trainer = pl.Trainer(
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            accelerator="cpu",
            **flags,
        )
        trainer.fit(model, loader, DataLoader(TensorDataset(torch.ones(2, 1)), batch_size=1))
        return model.validated_at, trainer


def test_a_fraction_that_does_not_divide_the_epoch_skips_its_end():
    validated_at, _ = Tiny.fit(max_epochs=1, val_check_interval=0.3)
    assert validated_at == [30, 60, 90]


def test_an_interval_longer_than_the_epoch_needs_check_val_every_n_epoch_none():
    with pytest.raises(ValueError, match=r"`val_check_interval` \(150\) must be less than or equal"):
        Tiny.fit(max_epochs=2, val_check_interval=150)
    with pytest.raises(Exception, match="should be an integer or a time-based duration") as raised:
        Tiny.fit(max_epochs=2, val_check_interval=0.5, check_val_every_n_epoch=None)
    assert type(raised.value).__name__ == "MisconfigurationException"


def test_no_limit_at_all_warns_and_means_1000_epochs():
    import pytorch_lightning as pl

    class StopAtOnce(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            trainer.should_stop = True  # the limits are set by now; no need to train 1,000 epochs

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validated_at, trainer = Tiny.fit(callbacks=[StopAtOnce()])
    assert trainer.fit_loop.max_epochs == 1000 and trainer.global_step == 0
    assert any("`max_epochs` was not set. Setting it to 1000 epochs." in str(w.message) for w in caught)
