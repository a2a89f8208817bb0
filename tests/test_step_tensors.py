"""The Tensors made in a step page: every tensor the step makes follows the module, to another dtype
(and to a GPU where the machine has one); a persistent buffer is in the checkpoint and a
non-persistent one is not, checked by loading; both tabs train to the same weights; and a tensor
made without a dtype fails in a float64 module, with the error the page quotes, where its fix runs."""

from __future__ import annotations

import importlib.util
import os
import re

import pytest
import torch

from conftest import REPO
from pages import step_tensors
from snippet_runner import clean
from snippet_runner.output import printed
from snippet_runner.pairs import exception_lines
from snippet_runner.runner import data_root

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "step-tensors"
EPOCH_LINE = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)$", re.M)
ZEROS_ERROR = (
    "RuntimeError: Index put requires the source and destination dtypes match, "
    "got Float for the destination and Double for the source."
)


def output(run) -> str:
    return clean(run.result())


def line_value(text: str, label: str) -> str:
    found = re.search(rf"^{re.escape(label)}(.*)$", text, re.M)
    assert found, f"no line starting with {label!r} in\n{text}"
    return found.group(1).strip()


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    """The page's two modules, denoiser_pytorch.py and denoiser_lightning.py, imported as a reader
    would, from a folder with the MNIST data (they build their loaders when imported)."""
    folder = tmp_path_factory.mktemp("step-tensors")
    (folder / "data").symlink_to(data_root().resolve(), target_is_directory=True)
    before = os.getcwd()
    os.chdir(folder)
    try:
        loaded = {}
        for name in ("denoiser_pytorch", "denoiser_lightning"):
            spec = importlib.util.spec_from_file_location(f"step_tensors_{name}", FOLDER / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            loaded[name] = module
    finally:
        os.chdir(before)
    return loaded


def a_batch(module) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return next(iter(module.train_loader))


DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine")),
]
DTYPES = [torch.float64, torch.bfloat16]


# ---------------------------------------------------------------- every tensor follows the module


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_the_lightning_step_runs_with_the_module_moved_and_cast(modules, device, dtype):
    module = modules["denoiser_lightning"]
    model = module.LitDenoiser(mean=0.13, std=0.31).to(device=device, dtype=dtype)
    assert (model.device.type, model.dtype) == (device, dtype)
    assert (model.mean.device.type, model.mean.dtype) == (device, dtype)
    assert (model.inside.device.type, model.inside.dtype) == (device, torch.bool)  # a mask is not cast
    x, y = a_batch(module)
    batch = (x.to(device=device, dtype=dtype), y.to(device))  # what the Trainer hands the step
    noisy = model.corrupt(batch[0].view(len(x), -1))
    assert (noisy.device.type, noisy.dtype) == (device, dtype)
    loss = model.training_step(batch, 0)
    assert (loss.device.type, loss.dtype) == (device, dtype)
    loss.backward()
    assert model.encoder[0].weight.grad.dtype == dtype


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_the_plain_module_corrupts_and_runs_moved_and_cast(modules, device, dtype):
    module = modules["denoiser_pytorch"]
    model = module.DenoisingAutoEncoder(mean=0.13, std=0.31).to(device=device, dtype=dtype)
    x, _ = a_batch(module)
    x = x.view(len(x), -1).to(device=device, dtype=dtype)
    noisy = model.corrupt(x)
    assert (noisy.device.type, noisy.dtype) == (device, dtype)
    loss = torch.nn.functional.mse_loss(model(noisy), x)
    assert (loss.device.type, loss.dtype) == (device, dtype)


def test_the_corruption_drops_pixels_and_adds_noise_only_inside(modules):
    model = modules["denoiser_lightning"].LitDenoiser()
    torch.manual_seed(0)
    x = torch.full((64, 28 * 28), 0.5)
    noisy = model.corrupt(x)
    dropped = noisy == 0
    assert 0.2 < dropped.float().mean() < 0.3  # a quarter of the pixels, blacked out
    border = ~model.inside
    assert int(model.inside.sum()) == 400
    assert torch.all((noisy[:, border] == 0.5) | dropped[:, border])  # no noise on the border
    assert not torch.all((noisy[:, model.inside] == 0.5) | dropped[:, model.inside])


def test_a_plain_attribute_would_stay_behind_and_be_left_out():
    """What the page says of ``self.mean = torch.tensor(...)`` beside a buffer."""

    class Plain(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attribute = torch.tensor(0.5)
            self.register_buffer("buffer", torch.tensor(0.5))

    model = Plain().double()
    assert model.attribute.dtype == torch.float32 and model.buffer.dtype == torch.float64
    assert list(model.state_dict()) == ["buffer"]


# ---------------------------------------------------------------- training and the checkpoints


def test_both_tabs_train_the_same_epochs_to_the_same_losses():
    pytorch, lightning = output(step_tensors.train_pytorch), output(step_tensors.train_lightning)
    epochs = EPOCH_LINE.findall(pytorch)
    assert [int(e) for e, _ in epochs] == [0, 1, 2]
    assert epochs == EPOCH_LINE.findall(lightning)
    losses = [float(v) for _, v in epochs]
    assert losses == sorted(losses, reverse=True)
    assert line_value(pytorch, "training set: ") == line_value(lightning, "training set: ")


def saved_tensors() -> tuple[dict, dict]:
    pytorch = step_tensors.train_pytorch.result().workdir / "denoiser.pt"
    lightning_run = step_tensors.train_lightning.result()
    lightning = lightning_run.workdir / printed(lightning_run, "checkpoint")
    return (
        torch.load(pytorch, map_location="cpu", weights_only=True),
        torch.load(lightning, map_location="cpu", weights_only=True)["state_dict"],
    )


def test_the_files_hold_the_persistent_buffers_and_not_the_other():
    for state_dict in saved_tensors():
        assert "mean" in state_dict and "std" in state_dict
        assert "inside" not in state_dict
        assert len(state_dict) == 10  # 8 parameters, 2 buffers
    mean, std = (
        float(v) for v in re.findall(r"[0-9.]+", line_value(output(step_tensors.train_pytorch), "training set: "))
    )
    pytorch, _ = saved_tensors()
    assert f"{pytorch['mean'].item():.6f}" == f"{mean:.6f}" and f"{pytorch['std'].item():.6f}" == f"{std:.6f}"


def test_loading_the_checkpoint_brings_back_the_persistent_buffers(modules):
    lightning_run = step_tensors.train_lightning.result()
    path = lightning_run.workdir / printed(lightning_run, "checkpoint")
    fresh = modules["denoiser_lightning"].LitDenoiser()
    assert (fresh.mean.item(), fresh.std.item()) == (0.0, 1.0)
    loaded = modules["denoiser_lightning"].LitDenoiser.load_from_checkpoint(path, map_location="cpu")
    _, saved = saved_tensors()
    assert torch.equal(loaded.mean, saved["mean"]) and torch.equal(loaded.std, saved["std"])
    assert loaded.mean.item() != 0.0
    assert torch.equal(loaded.inside, fresh.inside)  # rebuilt by __init__, not read from the file
    # Both scripts printed what they loaded back, and the same.
    for run in (step_tensors.train_pytorch, step_tensors.train_lightning):
        assert line_value(output(run), "loaded: ").endswith("inside 400 pixels")
    assert line_value(output(step_tensors.train_pytorch), "loaded: ") == line_value(
        output(step_tensors.train_lightning), "loaded: "
    )


def test_both_tabs_saved_the_same_tensors_bit_for_bit():
    pytorch, lightning = saved_tensors()
    assert list(pytorch) == list(lightning)
    assert all(torch.equal(tensor, lightning[name]) for name, tensor in pytorch.items())
    text = output(step_tensors.compare)
    assert "the same names: True" in text
    assert re.search(r"bit for bit: True$", text, re.M), text
    assert line_value(text, "largest difference: ") == "0"


def test_the_table_sets_what_each_tab_printed_beside_the_comparison():
    rows = [row.strip("|").split(" | ") for row in step_tensors.agreement().splitlines()[2:]]
    cells = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    epochs = EPOCH_LINE.findall(output(step_tensors.train_pytorch))
    for epoch, loss in epochs:
        assert cells[f"epoch {epoch}: val_loss"] == [loss, loss, "—"]
    names = cells["tensors saved"]
    assert names[0] == names[1] and names[0].startswith("mean, std, encoder.0.weight")
    assert "inside" not in names[0] and names[2] == "the same names: True"
    loaded = line_value(output(step_tensors.train_pytorch), "loaded: ")
    assert cells["loaded back"] == [loaded, loaded, "every saved tensor the same, bit for bit: True"]


# ---------------------------------------------------------------- a tensor made without a dtype


def test_zeros_without_a_dtype_fails_by_hand_with_the_error_the_page_quotes():
    text = output(step_tensors.zeros)
    assert step_tensors.zeros.result()  # declared with returncode=1: the runner checked the exit code
    assert exception_lines(step_tensors.zeros)[-1] == ZEROS_ERROR
    # Under Trainer(precision="64-true") the same step ran; and the page's own module ran by hand.
    assert 'Trainer(precision="64-true"): LitDenoiserZeros trained 2 steps' in text
    assert "LitDenoiser in float64: loss torch.float64, mean torch.float64, inside torch.bool" in text
    assert "LitDenoiserZeros in float64" not in text


def test_the_one_line_fix_runs():
    text = output(step_tensors.zeros_fixed)
    assert "LitDenoiserZeros in float64: loss torch.float64" in text
    assert "Error" not in text
    diff = step_tensors.zeros_diff()
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [
        "-        noisy = torch.zeros(x.shape, device=self.device)  # the module's device, the default dtype",
        "+        noisy = x.new_zeros(x.shape)  # like x: its device and its dtype",
    ]


def test_the_other_fix_the_page_names_runs_too(modules):
    """``torch.zeros(x.shape, device=self.device, dtype=self.dtype)``: self.dtype follows .double()."""
    module = modules["denoiser_lightning"]

    class WithDtype(module.LitDenoiser):
        def corrupt(self, x):
            noisy = torch.zeros(x.shape, device=self.device, dtype=self.dtype)
            keep = torch.rand(x.shape, device=self.device) > 0.25
            noisy[keep] = (x + 0.5 * torch.randn_like(x) * self.inside)[keep]
            return noisy

    model = WithDtype().double()
    assert model.dtype == torch.float64
    x, y = a_batch(module)
    assert model.training_step((x.double(), y), 0).dtype == torch.float64


def test_the_scripts_say_how_to_run_them():
    for script in sorted(FOLDER.glob("*.py")):
        first = script.read_text().splitlines()[0]
        assert first.startswith(("# Run: python ", "# Imported by ", "# Run after ")), script.name
