"""The Several optimizers page: the plain two-optimizer loop and the manual-optimization GAN end
with bit-identical weights in both networks and draw the same digits; clipping and the schedulers
stepped by hand do what the page says; the errors it quotes are the 2.x errors; and what the page
says of toggle_optimizer, the schedulers and the Trainer's own clipping holds on a module of its own."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import textwrap

import pytest
import torch

from conftest import REPO
from pages import manual_optimization as page
from pages import upgrade
from snippet_runner import clean, sections
from snippet_runner.runner import script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "manual-optimization"
PYTORCH, LIGHTNING = FOLDER / "gan_pytorch.py", FOLDER / "gan_lightning.py"
SECTIONS = ["imports", "model", "optimizers", "training", "epoch-end", "data", "init", "fit", "samples"]
EPOCHS, BOUND = 10, 1.0


def output(run) -> str:
    return clean(run.result())


def lightning_checkpoint() -> dict:
    run = page.gan_lightning.result()
    return torch.load(run.workdir / page.checkpoint(run), map_location="cpu", weights_only=True)


# ---------------------------------------------------------------- the scripts


def test_both_scripts_have_the_same_sections_in_the_same_order():
    assert sections.names(PYTORCH) == sections.names(LIGHTNING) == SECTIONS


def test_both_scripts_share_their_data_section_with_the_core_page_less_the_validation_loader():
    core = sections.text(REPO / "snippets" / "from-pytorch-to-lightning" / "train_pytorch.py", "data")
    without_val = "\n".join(line for line in core.splitlines() if not line.startswith("val_loader"))
    assert sections.text(PYTORCH, "data") == sections.text(LIGHTNING, "data") == without_val


def test_the_lightning_step_uses_the_manual_optimization_api():
    step = sections.text(LIGHTNING, "training")
    for call in ("self.optimizers()", "self.toggle_optimizer(opt_d)", "self.untoggle_optimizer(opt_d)",
                 "self.toggle_optimizer(opt_g)", "self.untoggle_optimizer(opt_g)", "self.manual_backward(d_loss)",
                 "self.manual_backward(g_loss)", "self.clip_gradients(opt_d, gradient_clip_val=1.0"):  # fmt: skip
        assert call in step, call
    assert not re.search(r"^[^#]*\.backward\(\)", step, re.M), "a .backward() call outside a comment"
    assert "self.automatic_optimization = False" in sections.text(LIGHTNING, "model")
    assert "self.lr_schedulers()" in sections.text(LIGHTNING, "epoch-end")


# ---------------------------------------------------------------- training, clipping, schedule


def test_both_tabs_train_ten_epochs_with_the_same_rates_and_norms():
    plain, lit = page.epochs(page.gan_pytorch.result()), page.epochs(page.gan_lightning.result())
    assert [e[0] for e in plain] == [e[0] for e in lit] == list(range(EPOCHS))
    same = [(e, lr, norm, clipped) for e, lr, _, _, norm, clipped in plain]
    assert same == [(e, lr, norm, clipped) for e, lr, _, _, norm, clipped in lit]


def test_the_mean_losses_agree_to_the_last_printed_digit():
    """Lightning averages a logged value as it goes, weighted by batch size; the plain loop
    stacks and averages: the page says they may differ in the last digit, no more."""
    plain, lit = page.epochs(page.gan_pytorch.result()), page.epochs(page.gan_lightning.result())
    for a, b in zip(plain, lit):
        for i in (2, 3):
            assert abs(a[i] - b[i]) <= 1.5e-6, (a, b)


def test_the_schedulers_stepped_by_hand_halve_the_rate_every_four_epochs():
    rates = [lr for _, lr, *_ in page.epochs(page.gan_lightning.result())]
    assert rates == [0.002] * 4 + [0.001] * 4 + [0.0005] * 2
    # What the schedulers and optimizers hold at the end, in the checkpoint: two of each, stepped
    # 10 times, the next epoch's rate 0.0005 · 0.5 only after epoch 12: still 0.0005.
    checkpoint = lightning_checkpoint()
    assert len(checkpoint["optimizer_states"]) == 2
    assert [s["last_epoch"] for s in checkpoint["lr_schedulers"]] == [EPOCHS, EPOCHS]
    assert [s["_last_lr"] for s in checkpoint["lr_schedulers"]] == [[0.0005], [0.0005]]


def test_clipping_caps_the_norm_at_the_bound_and_leaves_smaller_norms_alone():
    norms = [(norm, clipped) for *_, norm, clipped in page.epochs(page.gan_lightning.result())]
    assert any(norm > BOUND for norm, _ in norms) and any(norm < BOUND for norm, _ in norms), norms
    for norm, clipped in norms:
        assert clipped == (BOUND if norm > BOUND else norm), (norm, clipped)


def test_global_step_counts_both_optimizers_steps():
    text = output(page.gan_lightning)
    assert re.search(r"^global_step: 2000$", text, re.M), text
    assert page.checkpoint(page.gan_lightning.result()) == "lightning_logs/version_0/checkpoints/epoch=9-step=2000.ckpt"
    assert lightning_checkpoint()["global_step"] == 2000


# ---------------------------------------------------------------- the same weights, the same digits


def test_both_networks_end_bit_identical():
    plain = torch.load(page.gan_pytorch.result().workdir / "gan_pytorch.pt", map_location="cpu", weights_only=True)
    lit = lightning_checkpoint()["state_dict"]
    assert sorted(plain) == sorted(lit)
    for network in ("generator", "discriminator"):
        names = [name for name in plain if name.startswith(network + ".")]
        assert len(names) == 4, names
        for name in names:
            assert torch.equal(plain[name], lit[name]), name


def test_both_generators_draw_the_same_digits():
    plain = torch.load(page.gan_pytorch.result().workdir / "samples_pytorch.pt", map_location="cpu", weights_only=True)
    lit = torch.load(
        page.gan_lightning.result().workdir / "samples_lightning.pt", map_location="cpu", weights_only=True
    )
    assert plain.shape == (40, 28, 28)
    assert torch.equal(plain, lit)
    assert 0 <= plain.min() and plain.max() <= 1
    # Different inputs give different digits: the generator did not collapse to one image.
    assert (plain - plain.mean(0)).abs().mean() > 0.05


def test_the_comparison_the_page_shows_finds_both_networks_identical():
    found = page.compared(page.compare.result())
    assert found == {"generator": ("0.0", True), "discriminator": ("0.0", True)}
    text = output(page.compare)
    assert re.search(r"^the same parameter names: True$", text, re.M)
    assert re.search(r"^the 40 generated digits, bit-identical: True$", text, re.M)


def test_the_tables_set_what_each_tab_printed_beside_the_comparison():
    rows = [row.strip("|").split(" | ") for row in page.agreement().splitlines()[2:]]
    cells = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    assert cells["generator's weights"][2].startswith("bit-identical: True")
    assert cells["discriminator's weights"][2].startswith("bit-identical: True")
    assert cells["40 generated digits, mean pixel"][2] == "bit-identical: True"
    mean = re.compile(r"^samples: \(40, 28, 28\), mean pixel ([0-9.]+)$", re.M)
    assert cells["40 generated digits, mean pixel"][:2] == [
        mean.search(output(page.gan_pytorch)).group(1),
        mean.search(output(page.gan_lightning)).group(1),
    ]
    (exact,) = [cells[key] for key in cells if key.startswith("learning rate")]
    assert exact == [f"{EPOCHS} epochs", f"{EPOCHS} epochs", f"the same in {EPOCHS} of {EPOCHS} epochs"]
    clipping = page.clipping_table().splitlines()[2:]
    assert len(clipping) == EPOCHS
    assert clipping[0].startswith("| 0 | 0.002000 | ")


def test_the_digits_are_drawn_from_the_saved_samples():
    html = page.digits()
    assert 'alt="A grid of 40 small grayscale images' in html
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    assert png.startswith(b"\x89PNG")


# ---------------------------------------------------------------- what 2.x refuses


def test_the_errors_quoted_are_those_of_the_upgrade_pages_runs():
    old_idx, _ = upgrade.RUNS["optimizer_idx"]
    old_clip, _ = upgrade.RUNS["clip_manual"]
    assert old_idx.returncode == old_clip.returncode == 1
    assert "RuntimeError: Training with multiple optimizers is only supported with manual optimization." in (
        page.old_error("optimizer_idx")
    )
    assert "MisconfigurationException: Automatic gradient clipping is not supported for manual optimization." in (
        page.old_error("clip_manual")
    )
    # The section shows the Upgrade entry's error (its heading leaves the words to that entry, which
    # a pasted error finds first).
    page_text = (REPO / "docs" / "manual-optimization.md").read_text()
    section = page_text.split("{ #gradient-clip-val }", 1)[1].split("\n## ", 1)[0]
    assert 'print(manual_optimization.old_error("clip_manual"))' in section


PROBE = textwrap.dedent(
    """
    import pytorch_lightning as pl
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset


    class Probe(pl.LightningModule):
        def __init__(self, toggle=True):
            super().__init__()
            self.automatic_optimization = False
            self.toggle = toggle
            self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            opt_a, opt_b = self.optimizers()
            if self.toggle:
                self.toggle_optimizer(opt_a)
            self.manual_backward(self.b(self.a(batch[0])).sum())
            print("b.grad is None:", all(p.grad is None for p in self.b.parameters()),
                  "a.grad is None:", all(p.grad is None for p in self.a.parameters()))
            opt_a.step()
            opt_a.zero_grad()
            if self.toggle:
                self.untoggle_optimizer(opt_a)
                print("b requires grad again:", all(p.requires_grad for p in self.b.parameters()))

        def configure_optimizers(self):
            opt_a = torch.optim.SGD(self.a.parameters(), lr=0.1)
            opt_b = torch.optim.SGD(self.b.parameters(), lr=0.1)
            return [opt_a, opt_b], [torch.optim.lr_scheduler.StepLR(opt_a, step_size=1, gamma=0.5)]


    def fit(model, **trainer_options):
        options = dict(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                       enable_model_summary=False)
        trainer = pl.Trainer(**{**options, **trainer_options})
        trainer.fit(model, DataLoader(TensorDataset(torch.randn(2, 4)), batch_size=2))
        return trainer


    torch.manual_seed(0)
    model = Probe()
    fit(model)
    print("lr after 2 epochs, scheduler never stepped:", model.optimizers()[0].param_groups[0]["lr"])
    fit(Probe(toggle=False), max_epochs=1)
    for option in ({"gradient_clip_val": 1.0}, {"accumulate_grad_batches": 2}):
        try:
            fit(Probe(), **option)
        except Exception as error:
            print(f"{option}: {type(error).__name__}: {error}")
    """
)


def test_what_the_page_says_of_toggle_schedulers_and_trainer_options(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=script_environment({}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # With the toggle, the other optimizer's weights get no gradient and are trainable again after.
    assert lines[:4] == [
        "b.grad is None: True a.grad is None: False",
        "b requires grad again: True",
        "b.grad is None: True a.grad is None: False",
        "b requires grad again: True",
    ]
    assert "lr after 2 epochs, scheduler never stepped: 0.1" in lines
    # Without it, the same backward fills the other network's .grad too.
    assert "b.grad is None: False a.grad is None: False" in lines
    assert any(
        line.startswith("{'gradient_clip_val': 1.0}: MisconfigurationException: Automatic gradient clipping is not "
                        "supported for manual optimization.")
        for line in lines
    ), lines  # fmt: skip
    assert any(
        line.startswith("{'accumulate_grad_batches': 2}: MisconfigurationException: Automatic gradient accumulation "
                        "is not supported for manual optimization.")
        for line in lines
    ), lines  # fmt: skip
