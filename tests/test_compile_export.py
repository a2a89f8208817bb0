"""The Compile and export page: both tabs compile the whole model, train to the eager weights
within float32 rounding and print epoch times whose medians and table are what the page shows;
the first compile costs far more than a later run's; the exported .pt2 and ONNX files, run back
here, give the trained model's outputs; to_torchscript warns that it is deprecated."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import textwrap

import onnxruntime
import pytest
import torch
from torchvision import datasets, transforms

from conftest import REPO
from pages import compile_export as page
from snippet_runner import clean, sections
from snippet_runner.runner import data_root

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "compile-export"
COMPILE_SECTIONS = ["imports", "data", "model", "timed", "eager", "compile", "measure"]
EXPORT_SECTIONS = ["imports", "model", "load", "export", "check-export", "onnx", "check-onnx"]
PAIRS = {"compile": COMPILE_SECTIONS, "export": EXPORT_SECTIONS}
COLD = {"PyTorch": page.compile_pytorch, "Lightning": page.compile_lightning}
WARM = {"PyTorch": page.compile_pytorch_again, "Lightning": page.compile_lightning_again}
EPOCH_LINE = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)  \(([0-9.]+) s\)$", re.M)


def output(run) -> str:
    return clean(run.result())


def value(text: str, pattern: str) -> str:
    found = re.search(pattern, text, re.M)
    assert found, f"no line matching {pattern!r} in\n{text}"
    return found.group(1)


def val_losses(run) -> dict[str, list[float]]:
    """The validation losses each fit printed, under its "eager:" / "compiled:" line."""
    text = output(run)
    eager, compiled = text.split("\ncompiled:\n")
    return {
        "eager": [float(v) for _, v, _ in EPOCH_LINE.findall(eager)],
        "compiled": [float(v) for _, v, _ in EPOCH_LINE.findall(compiled)],
    }


# ---------------------------------------------------------------- the scripts


@pytest.mark.parametrize("topic", sorted(PAIRS))
def test_each_pair_has_the_same_sections_in_the_same_order(topic):
    assert sections.names(FOLDER / f"{topic}_pytorch.py") == PAIRS[topic]
    assert sections.names(FOLDER / f"{topic}_lightning.py") == PAIRS[topic]


def test_the_data_is_the_core_pages_data_byte_for_byte():
    core = REPO / "snippets" / "from-pytorch-to-lightning"
    for tab in ("pytorch", "lightning"):
        assert sections.text(FOLDER / f"compile_{tab}.py", "data") == sections.text(core / f"train_{tab}.py", "data")


def test_both_tabs_compile_the_whole_model_as_the_page_says():
    assert "compiled_model = torch.compile(model)" in sections.text(FOLDER / "compile_pytorch.py", "compile")
    lightning = sections.text(FOLDER / "compile_lightning.py", "compile")
    assert "compiled_model = torch.compile(model)" in lightning
    assert "fit(compiled_model)" in lightning


# ---------------------------------------------------------------- compiling


@pytest.mark.parametrize("tab", sorted(COLD))
def test_each_run_trains_5_epochs_eager_then_5_compiled_to_the_same_losses(tab):
    for run in (COLD[tab], WARM[tab]):
        losses = val_losses(run)
        assert len(losses["eager"]) == len(losses["compiled"]) == 5
        # The same batches from the same seed; only float32 rounding differs.
        assert losses["compiled"] == pytest.approx(losses["eager"], abs=1e-5)
        assert float(value(output(run), r"^eager and compiled weights after 5 epochs: max \|Δw\| = (\S+)$")) < 1e-4


@pytest.mark.parametrize("tab", sorted(COLD))
def test_the_printed_medians_are_the_medians_of_the_printed_epochs(tab):
    for run in (COLD[tab], WARM[tab]):
        text = output(run)
        seconds = page.epoch_seconds(run.result())
        first = re.search(r"^first epoch: eager ([0-9.]+) s, compiled ([0-9.]+) s$", text, re.M)
        assert [float(first.group(1)), float(first.group(2))] == [seconds["eager"][0], seconds["compiled"][0]]
        later = re.search(
            r"^later epochs, median: eager ([0-9.]+) s, compiled ([0-9.]+) s \(compiled/eager ([0-9.]+)\)$", text, re.M
        )
        eager, compiled = statistics.median(seconds["eager"][1:]), statistics.median(seconds["compiled"][1:])
        assert float(later.group(1)) == pytest.approx(eager, abs=1.5e-3)  # the epochs print 3 decimals
        assert float(later.group(2)) == pytest.approx(compiled, abs=1.5e-3)
        assert float(later.group(3)) == pytest.approx(compiled / eager, abs=0.02)


@pytest.mark.parametrize("tab", sorted(COLD))
def test_the_first_compile_costs_far_more_than_the_same_compile_from_the_cache(tab):
    cold, warm = page.summary(COLD[tab].result()), page.summary(WARM[tab].result())
    # Measured about 20-75 s against 1-5 s eager; generous bounds for a busy machine.
    assert cold["compiled first"] > cold["eager first"] + 5
    assert warm["compiled first"] < cold["compiled first"] / 2
    # The first run started with an empty cache of its own and left it for the second one.
    assert any((COLD[tab].result().workdir / "inductor-cache").rglob("*.py"))
    assert page.CACHE == {"TORCHINDUCTOR_CACHE_DIR": "inductor-cache"}
    assert COLD[tab].env == WARM[tab].env == page.CACHE and WARM[tab].starts_from == (COLD[tab],)


def test_the_compiled_wrappers_keys_start_with_orig_mod_and_the_saved_files_do_not():
    assert "first key of compiled_model.state_dict(): _orig_mod.encoder.0.weight" in output(page.compile_pytorch)
    saved = torch.load(page.compile_pytorch.result().workdir / "autoencoder.pt", map_location="cpu", weights_only=True)
    lightning = page.compile_lightning.result()
    checkpoint = lightning.workdir / page.last_checkpoint(lightning)
    assert "version_1" in str(checkpoint), "the compiled fit is the second one"
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    for keys in (list(saved), list(state)):
        assert keys[0] == "encoder.0.weight" and not any(key.startswith("_orig_mod") for key in keys), keys


def test_the_timing_table_holds_what_the_runs_printed():
    rows = [row.strip("|").split(" | ") for row in page.timings().splitlines()[2:]]
    cells = {row[0].strip(): [cell.strip().strip("*") for cell in row[1:]] for row in rows}
    runs = [page.compile_pytorch, page.compile_pytorch_again, page.compile_lightning, page.compile_lightning_again]
    for run, column in zip(runs, range(4)):
        seconds = page.epoch_seconds(run.result())
        assert cells["first epoch, compiled"][column] == page._s(seconds["compiled"][0])
        assert cells["first epoch, eager"][column] == page._s(seconds["eager"][0])
        ratio = statistics.median(seconds["compiled"][1:]) / statistics.median(seconds["eager"][1:])
        assert cells["epochs 1–4, compiled ÷ eager"][column] == f"{ratio:.2f}×"
    assert cells["inductor cache at the start"] == ["empty", "the first run's", "empty", "the first run's"]


def test_the_page_calls_epochs_faster_or_slower_only_when_every_epoch_was():
    for run in (*COLD.values(), *WARM.values()):
        seconds = page.epoch_seconds(run.result())
        eager, compiled = seconds["eager"][1:], seconds["compiled"][1:]
        said = page.verdict(run.result())
        if said.startswith("faster"):
            assert max(compiled) < min(eager)
        elif said.startswith("slower"):
            assert min(compiled) > max(eager)
        else:
            assert (
                said.startswith("no clear difference") and max(compiled) >= min(eager) and min(compiled) <= max(eager)
            )
        assert said in page.later_epochs()
    text = page.headline()
    assert f"with the plain loop, {page.verdict(page.compile_pytorch.result())}" in text
    assert f"with the Trainer, {page.verdict(page.compile_lightning.result())}" in text
    cores = value(output(page.compile_pytorch), r"^measured on \S+: (\d+) CPU cores")
    assert f"({cores} cores, shared with other jobs)" in text


# ---------------------------------------------------------------- exporting


@pytest.fixture(scope="module")
def digits_and_weights():
    """The 1,000 test digits, flat, and the PyTorch tab's trained weights."""
    test_set = datasets.MNIST(str(data_root()), train=False, download=True, transform=transforms.ToTensor())
    digits = torch.stack([image for image, _ in test_set]).view(len(test_set), -1)
    weights = torch.load(
        page.compile_pytorch.result().workdir / "autoencoder.pt", map_location="cpu", weights_only=True
    )
    return digits, weights


def by_hand(weights: dict, x: torch.Tensor) -> torch.Tensor:
    """The auto-encoder's forward, written out from its weights."""
    for part in ("encoder", "decoder"):
        x = torch.relu(x @ weights[f"{part}.0.weight"].T + weights[f"{part}.0.bias"])
        x = x @ weights[f"{part}.2.weight"].T + weights[f"{part}.2.bias"]
    return x


@pytest.mark.parametrize("run", [page.export_pytorch, page.export_lightning], ids=["PyTorch", "Lightning"])
def test_the_exported_files_run_here_and_give_the_trained_models_outputs(run, digits_and_weights):
    digits, weights = digits_and_weights
    workdir = run.result().workdir
    for name in ("autoencoder.pt2", "autoencoder.onnx", "autoencoder.onnx.data"):
        assert (workdir / name).is_file(), name
    expected = by_hand(weights, digits)  # the PyTorch tab's weights: both tabs trained the same ones
    program = torch.export.load(workdir / "autoencoder.pt2").module()
    torch.testing.assert_close(program(digits), expected)
    torch.testing.assert_close(program(digits[:3]), expected[:3])  # any batch size
    session = onnxruntime.InferenceSession(str(workdir / "autoencoder.onnx"))
    (inputs,) = session.get_inputs()
    assert (inputs.name, inputs.shape) == ("x", ["batch", 784])
    (got,) = session.run(None, {"x": digits.numpy()})
    torch.testing.assert_close(torch.from_numpy(got), expected)


def test_both_tabs_trained_the_same_weights():
    pytorch = torch.load(
        page.compile_pytorch.result().workdir / "autoencoder.pt", map_location="cpu", weights_only=True
    )
    lightning = page.compile_lightning.result()
    checkpoint = torch.load(lightning.workdir / page.last_checkpoint(lightning), map_location="cpu", weights_only=True)
    difference = max((pytorch[k] - checkpoint["state_dict"][k]).abs().max().item() for k in pytorch)
    assert difference < 1e-5


@pytest.mark.parametrize("run", [page.export_pytorch, page.export_lightning], ids=["PyTorch", "Lightning"])
def test_the_printed_differences_are_within_the_stated_tolerance(run):
    text = output(run)
    pt2 = float(value(text, r"^autoencoder\.pt2, 1000 digits: max \|Δ\| = (\S+)$"))
    onnx = float(value(text, r"^autoencoder\.onnx, 1000 digits: max \|Δ\| = (\S+)$"))
    assert pt2 == 0.0, "the page says the .pt2 program's outputs are the model's, bit for bit"
    assert 0.0 < onnx < 1e-5, "the page says ONNX Runtime differs in the last bits only"
    assert "ONNX input 'x', shape ['batch', 784]" in text


def test_the_export_table_holds_what_the_runs_printed():
    table = page.export_table()
    for run in (page.export_pytorch, page.export_lightning):
        for file in ("pt2", "onnx"):
            printed = value(output(run), rf"^autoencoder\.{file}, 1000 digits: max \|Δ\| = (\S+)$")
            assert f"max \\|Δ\\| = {printed}" in table
    assert table.count("passed in both") == 2


def test_to_torchscript_warns_that_it_and_torchscript_are_deprecated():
    lines = output(page.torchscript).splitlines()
    assert lines == [
        "warning: `LightningModule.to_torchscript` has been deprecated in v2.7 and will be removed in v2.8. "
        "TorchScript is deprecated in PyTorch. Use `torch.export.export()` for model exporting instead. "
        "See https://pytorch.org/docs/stable/export.html for more information.",
        "warning: `torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`.",
        "warning: `torch.jit.save` is deprecated. Please switch to `torch.export`.",
    ]
    assert (page.torchscript.result().workdir / "autoencoder_torchscript.pt").is_file()


def test_the_pt2_file_runs_where_neither_the_class_nor_lightning_can_be_imported(tmp_path):
    """The page says torch.export.load(path).module() needs neither: load the Lightning tab's
    file in a fresh process where importing Lightning fails."""
    program = textwrap.dedent(
        f"""
        import sys
        sys.modules["pytorch_lightning"] = sys.modules["lightning"] = None  # any import of them fails
        import torch
        module = torch.export.load({str(page.export_lightning.result().workdir / "autoencoder.pt2")!r}).module()
        print(tuple(module(torch.rand(5, 784)).shape))
        """
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "(5, 784)"
