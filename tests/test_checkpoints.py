"""The Checkpoints page: each script writes and reads real files, the page shows what they hold,
and the guarantees it states hold (exact resume, an interrupted run, a malicious file, bad input)."""

from __future__ import annotations

import ast
import base64
import json
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
import yaml

from conftest import REPO
from pages.checkpoints import RUNS, agreement, best_checkpoint, reconstructions
from snippet_runner import Result, clean, forkserver
from snippet_runner import sections as script_sections
from snippet_runner.runner import data_root, script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "checkpoints"
PAGE = REPO / "docs" / "checkpoints.md"
# The page's parts in order, as the scripts that show them.
PAGE_ORDER = [
    "autoencoder_pytorch.py",
    "autoencoder.py",
    "save_pytorch.py",
    "automatic.py",
    "best.py",
    "predict.py",
    "hyperparameters.py",
    "no_checkpoints.py",
    "resume_pytorch.py",
    "resume.py",
    "compare_pytorch.py",
    "compare.py",
    "last_trap.py",
    "last_fix.py",
    "by_hand.py",
    "safe_loading.py",
    "bad_input.py",
]
# The modules the scripts import: shown on the page, never run on their own.
MODULES = ("autoencoder_pytorch.py", "autoencoder.py")
EPOCH_LINE = re.compile(r"^epoch (\d+): step (\d+), val_loss ([0-9.]+)$", re.M)
PYTORCH_EPOCH_LINE = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)$", re.M)


# As the build runs scripts: one thread, and no __pycache__ under snippets/ (which `mkdocs serve` watches).
def page_run(name: str):
    """The run the page shows for ``snippets/checkpoints/<name>``."""
    return RUNS[name].result()


def output(name: str) -> str:
    return clean(page_run(name))


def files(name: str) -> Path:
    return page_run(name).workdir


def section_text(script: str, name: str) -> str:
    return script_sections.text(FOLDER / script, name)


def read_checkpoint_source() -> str:
    """The page's read_checkpoint function, as the page shows it, with the imports it uses."""
    return "import zipfile\nfrom pathlib import Path\nimport torch\n" + section_text("bad_input.py", "read-checkpoint")


def load(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def epochs(text: str) -> list[tuple[int, int, float]]:
    return [(int(e), int(s), float(v)) for e, s, v in EPOCH_LINE.findall(text)]


def pytorch_epochs(text: str) -> list[tuple[int, float]]:
    return [(int(e), float(v)) for e, v in PYTORCH_EPOCH_LINE.findall(text)]


def line_value(text: str, label: str) -> str:
    found = re.search(rf"^{re.escape(label)}: (.*)$", text, re.M)
    assert found, f"no '{label}:' line in\n{text}"
    return found.group(1)


def python(code: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter in ``cwd`` (with ./data), able to import autoencoder."""
    if not (cwd / "data").exists():
        (cwd / "data").symlink_to(data_root().resolve(), target_is_directory=True)
    env = script_environment({"PYTHONPATH": str(FOLDER)})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# ---------------------------------------------------------------- the page and its scripts


def test_the_page_shows_its_scripts_in_page_order():
    """(That each script's sections are all shown, in file order: tests/test_site.py.)"""
    shown = script_sections.includes(PAGE.read_text())
    assert list(dict.fromkeys(Path(path).name for path, section in shown if section)) == PAGE_ORDER
    assert sorted(p.name for p in FOLDER.glob("*.py")) == sorted(PAGE_ORDER)


def test_every_script_that_reads_files_runs_after_the_one_that_wrote_them():
    """A script may only read what an earlier part of the page wrote."""
    assert list(RUNS) == [script for script in PAGE_ORDER if script not in MODULES]  # modules are imported
    for script, declared in RUNS.items():
        for earlier in declared.starts_from:
            assert PAGE_ORDER.index(Path(earlier.script).name) < PAGE_ORDER.index(script), (script, earlier)


# ---------------------------------------------------------------- 1. the automatic checkpoint


def test_the_automatic_checkpoint_lands_under_default_root_dir_named_by_epoch_and_step():
    text, work = output("automatic.py"), files("automatic.py")
    path = "runs/lightning_logs/version_0/checkpoints/epoch=1-step=200.ckpt"
    assert line_value(text, "checkpoint") == path
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*.ckpt")) == [path]  # the newest only
    checkpoint = load(work / path)
    assert (checkpoint["epoch"], checkpoint["global_step"]) == (1, 200)
    assert [(e, s) for e, s, _ in epochs(text)] == [(0, 100), (1, 200)]
    assert (work / "runs/lightning_logs/version_0/hparams.yaml").is_file()
    assert f"`{path}`" in PAGE.read_text()


def saved_keys(script: str) -> list[str]:
    """The keys of the dictionary that ``script`` passes to ``torch.save``, as its code spells them."""
    calls = [
        node
        for node in ast.walk(ast.parse((FOLDER / script).read_text()))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "torch.save"
    ]
    assert calls, f"no torch.save in {script}"
    dicts = [call.args[0] for call in calls]
    assert all(isinstance(d, ast.Dict) for d in dicts), script
    keys = [[key.value for key in d.keys] for d in dicts]
    assert all(k == keys[0] for k in keys), (script, keys)
    return keys[0]


def test_the_pytorch_loop_writes_a_checkpoint_that_loads_with_weights_only_and_holds_the_keys_shown():
    text, work = output("save_pytorch.py"), files("save_pytorch.py")
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*.pt")) == ["checkpoint.pt"]
    # weights_only=True: it raises if the file holds anything but plain data.
    checkpoint = torch.load(work / "checkpoint.pt", map_location="cpu", weights_only=True)
    keys = ["model", "optimizer", "scheduler", "epoch"]
    assert list(checkpoint) == keys == saved_keys("save_pytorch.py")
    assert ast.literal_eval(line_value(text, "checkpoint.pt holds")) == keys
    # What each key holds: the state dicts of a real AutoEncoder, Adam and StepLR after 2 epochs.
    assert {name: tuple(t.shape) for name, t in checkpoint["model"].items()} == {
        "encoder.0.weight": (64, 784),
        "encoder.0.bias": (64,),
        "encoder.2.weight": (3, 64),
        "encoder.2.bias": (3,),
        "decoder.0.weight": (64, 3),
        "decoder.0.bias": (64,),
        "decoder.2.weight": (784, 64),
        "decoder.2.bias": (784,),
    }
    assert checkpoint["epoch"] == 1 and line_value(text, "epoch") == "1"
    assert checkpoint["optimizer"]["param_groups"][0]["lr"] == pytest.approx(5e-4)
    assert line_value(text, "learning rate") == "0.0005"
    assert {state["step"].item() for state in checkpoint["optimizer"]["state"].values()} == {200.0}  # 2 x 100 steps
    assert (checkpoint["scheduler"]["last_epoch"], checkpoint["scheduler"]["step_size"]) == (2, 2)
    # The page says: the losses of the Lightning run in the other tab, and the same weights.
    assert pytorch_epochs(text) == [(e, loss) for e, _, loss in epochs(output("automatic.py"))]
    assert len(pytorch_epochs(text)) == 2
    lightning = load(files("automatic.py") / "runs/lightning_logs/version_0/checkpoints/epoch=1-step=200.ckpt")
    assert lightning["state_dict"].keys() == checkpoint["model"].keys()
    diff = max((lightning["state_dict"][k] - w).abs().max().item() for k, w in checkpoint["model"].items())
    print(f"plain PyTorch vs Lightning after 2 epochs: max |Δw| = {diff}")
    assert diff == 0.0  # "to the last bit", as the page says


# ---------------------------------------------------------------- 2. keeping the best


def test_model_checkpoint_keeps_the_two_best_files_and_last_with_their_real_scores():
    text, work = output("best.py"), files("best.py")
    losses = {epoch: loss for epoch, _, loss in epochs(text)}
    assert sorted(losses) == [0, 1, 2, 3, 4]
    best_two = sorted(losses, key=losses.get)[:2]
    expected = {f"epoch={e}-val_loss={losses[e]:.4f}.ckpt" for e in best_two} | {"last.ckpt"}
    assert {p.name for p in (work / "checkpoints").iterdir()} == expected

    best = best_checkpoint(page_run("best.py"))
    assert best == f"checkpoints/epoch={best_two[0]}-val_loss={losses[best_two[0]]:.4f}.ckpt"
    assert float(line_value(text, "best_model_score")) == pytest.approx(min(losses.values()), abs=1e-6)
    kept = re.findall(r"^kept: (\S+)  val_loss ([0-9.]+)$", text, re.M)
    assert sorted(path for path, _ in kept) == sorted(f"checkpoints/{n}" for n in expected - {"last.ckpt"})
    assert line_value(text, "last_model_path") == "checkpoints/last.ckpt"

    # The files hold what the page says: the best file is that epoch; last.ckpt is the final epoch,
    # and its ModelCheckpoint state remembers the same best score.
    assert load(work / best)["epoch"] == best_two[0]
    last = load(work / "checkpoints/last.ckpt")
    assert (last["epoch"], last["global_step"]) == (4, 500)
    (state,) = [v for k, v in last["callbacks"].items() if k.startswith("ModelCheckpoint")]
    assert state["best_model_score"].item() == pytest.approx(min(losses.values()), abs=1e-6)
    assert Path(state["best_model_path"]).name == Path(best).name


# ---------------------------------------------------------------- 3. load and predict


def test_the_loaded_model_reconstructs_real_test_digits():
    text, work = output("predict.py"), files("predict.py")
    best = best_checkpoint(page_run("best.py"))
    assert f"loaded {best}" in text.splitlines()
    assert "training mode: False" in text
    saved = torch.load(work / "predictions.pt", weights_only=True)
    images, rebuilt, labels = saved["images"], saved["reconstructions"], saved["labels"]
    assert images.shape == rebuilt.shape == (8, 1, 28, 28)

    from torchvision import datasets

    test_set = datasets.MNIST(str(data_root()), train=False, download=True)
    assert labels == test_set.targets[:8].tolist()
    assert torch.equal((images * 255).round().to(torch.uint8).squeeze(1), test_set.data[:8])
    errors = ((rebuilt - images) ** 2).flatten(1).mean(dim=1)
    printed = [float(v) for v in re.findall(r"reconstruction error \(MSE\) ([0-9.]+)", text)]
    assert printed == pytest.approx(errors.tolist(), abs=5e-5)
    # Clearly better than drawing a black image for every digit.
    assert errors.mean() < 0.7 * (images**2).flatten(1).mean()


def test_the_reconstruction_picture_is_drawn_from_the_real_predictions():
    html = reconstructions(page_run("predict.py"))
    labels = torch.load(files("predict.py") / "predictions.pt", weights_only=True)["labels"]
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (800, 240)
    alt = re.search(r'alt="([^"]+)"', html).group(1)
    assert ", ".join(map(str, labels)) in alt


def test_a_lightning_module_without_forward_fails_as_the_page_says():
    import pytorch_lightning as pl

    class NoForward(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(2, 2)

    with pytest.raises(NotImplementedError, match=r'Module \[NoForward\] is missing the required "forward" function'):
        NoForward()(torch.zeros(1, 2))


# ---------------------------------------------------------------- 4. hyperparameters


def test_hyperparameters_are_in_the_checkpoint_in_hparams_and_in_hparams_yaml():
    text, work = output("hyperparameters.py"), files("hyperparameters.py")
    saved = load(work / "checkpoints/last.ckpt")["hyper_parameters"]
    assert saved == {"hidden_size": 64, "code_size": 3, "lr": 1e-3}
    assert ast.literal_eval(line_value(text, "hyper_parameters")) == saved
    assert ast.literal_eval(line_value(text, "model.hparams").split("}, ")[0] + "}") == saved
    assert ast.literal_eval(line_value(text, "overridden")) == {**saved, "lr": 1e-4}
    assert "size mismatch for encoder.2.weight" in text
    assert yaml.safe_load((work / "best/lightning_logs/version_0/hparams.yaml").read_text()) == saved


# ---------------------------------------------------------------- 5. checkpointing off


def test_enable_checkpointing_false_writes_no_checkpoint():
    text, work = output("no_checkpoints.py"), files("no_checkpoints.py")
    assert [p for p in work.rglob("*") if p.suffix == ".ckpt" or "checkpoints" in p.parts] == []
    assert "checkpoint_callback: None" in text
    assert ".ckpt files written: []" in text
    assert (work / "no_checkpoints/lightning_logs/version_0/hparams.yaml").is_file()  # the logger still writes


# ---------------------------------------------------------------- 6. resuming


def test_resume_restores_epoch_step_scheduler_and_carries_on():
    text, work = output("resume.py"), files("resume.py")
    assert (
        "Restored all states from the checkpoint at runs/lightning_logs/version_0/checkpoints/epoch=1-step=200.ckpt"
        in text
    )
    assert [(e, s) for e, s, _ in epochs(text)] == [(2, 300), (3, 400)]
    assert "finished at epoch 4, global step 400" in text
    assert "learning rate now 0.00025 " in text  # 1e-3 halved after epoch 1 and after epoch 3
    resumed = load(work / "resumed/lightning_logs/version_0/checkpoints/epoch=3-step=400.ckpt")
    assert resumed["lr_schedulers"][0]["last_epoch"] == 4


def test_exact_resume_two_then_four_epochs_equals_four_straight():
    """The guarantee: 2 epochs + resume to 4 ends with the weights (to the last bit), optimizer
    state and global step of 4 epochs in one go."""
    work = files("compare.py")
    resumed = load(work / "resumed/lightning_logs/version_0/checkpoints/epoch=3-step=400.ckpt")
    straight = load(work / "straight/lightning_logs/version_0/checkpoints/epoch=3-step=400.ckpt")
    assert (resumed["epoch"], resumed["global_step"]) == (straight["epoch"], straight["global_step"]) == (3, 400)
    assert resumed["state_dict"].keys() == straight["state_dict"].keys()
    weight_diff = max(
        (resumed["state_dict"][k] - straight["state_dict"][k]).abs().max().item() for k in straight["state_dict"]
    )
    moments_diff = max(
        (a[key] - b[key]).abs().max().item()
        for a, b in zip(
            resumed["optimizer_states"][0]["state"].values(), straight["optimizer_states"][0]["state"].values()
        )
        for key in ("exp_avg", "exp_avg_sq")
    )
    print(f"exact resume: max |Δw| = {weight_diff}, max |Δ Adam moments| = {moments_diff}")
    assert weight_diff == 0.0
    assert moments_diff == 0.0
    assert resumed["lr_schedulers"] == straight["lr_schedulers"]
    text = output("compare.py")
    assert "global step: straight 400, resumed 400" in text
    assert float(line_value(text, "largest weight difference, straight vs resumed")) == weight_diff


def test_the_pytorch_resume_loads_every_state_and_carries_on_to_epoch_3():
    text, work = output("resume_pytorch.py"), files("resume_pytorch.py")
    assert [e for e, _ in pytorch_epochs(text)] == [2, 3]
    assert "started at epoch 2, finished after epoch 3" in text
    assert "learning rate now 0.00025 " in text  # 1e-3 halved after epoch 1 and after epoch 3
    # It reads back every key the first script saved, and saves the same keys again.
    source = (FOLDER / "resume_pytorch.py").read_text()
    assert set(re.findall(r'checkpoint\["(\w+)"\]', source)) == set(saved_keys("save_pytorch.py"))
    assert saved_keys("resume_pytorch.py") == saved_keys("compare_pytorch.py") == saved_keys("save_pytorch.py")
    assert "weights_only=True" in section_text("resume_pytorch.py", "resume")
    checkpoint = load(work / "checkpoint.pt")
    assert checkpoint["epoch"] == 3
    assert checkpoint["scheduler"]["last_epoch"] == 4
    assert {state["step"].item() for state in checkpoint["optimizer"]["state"].values()} == {400.0}


def test_exact_resume_in_plain_pytorch_two_then_four_epochs_equals_four_straight():
    """The guarantee, for the hand-written loop: 2 epochs + resume to 4 ends with the weights
    (to the last bit), Adam's state and the scheduler's state of 4 epochs in one go."""
    work = files("compare_pytorch.py")
    resumed, straight = load(work / "checkpoint.pt"), load(work / "straight.pt")
    assert resumed["epoch"] == straight["epoch"] == 3
    assert resumed["model"].keys() == straight["model"].keys()
    weight_diff = max((resumed["model"][k] - straight["model"][k]).abs().max().item() for k in straight["model"])
    resumed_adam, straight_adam = resumed["optimizer"]["state"], straight["optimizer"]["state"]
    assert resumed_adam.keys() == straight_adam.keys() and len(straight_adam) == 8
    moments_diff = max(
        (resumed_adam[i][key] - straight_adam[i][key]).abs().max().item()
        for i in straight_adam
        for key in ("exp_avg", "exp_avg_sq")
    )
    print(f"exact plain PyTorch resume: max |Δw| = {weight_diff}, max |Δ Adam moments| = {moments_diff}")
    assert weight_diff == 0.0
    assert moments_diff == 0.0
    assert all(torch.equal(resumed_adam[i]["step"], straight_adam[i]["step"]) for i in straight_adam)
    assert resumed["optimizer"]["param_groups"] == straight["optimizer"]["param_groups"]
    assert resumed["scheduler"] == straight["scheduler"]
    text = output("compare_pytorch.py")
    assert "epoch: straight 3, resumed 3" in text
    assert float(line_value(text, "largest weight difference, straight vs resumed")) == weight_diff
    # The resumed epochs printed the losses of the straight run's last two epochs.
    assert pytorch_epochs(output("resume_pytorch.py")) == pytorch_epochs(text)[2:]


def test_the_page_lists_the_keys_of_a_real_lightning_checkpoint():
    """'What the two checkpoints hold' names every key of a Lightning checkpoint, and no other."""
    page = PAGE.read_text()
    section = page[page.index("{ #contents }") : page.index("### The `ckpt_path")]
    listed = set(re.findall(r"^\s*- \*\*`([-\w]+)`\*\*", section, re.M))  # in a folded note
    named = set(re.findall(r"under `(\w+)`, `(\w+)` and `(\w+)`", section)[0]) | {"epoch", "hparams_name"}
    assert "(with `hparams_name`)" in section and "and the epoch" in section
    checkpoint = load(files("best.py") / "checkpoints/last.ckpt")
    assert listed | named == set(checkpoint), (listed | named) ^ set(checkpoint)
    assert list(checkpoint["loops"]) == ["fit_loop", "validate_loop", "test_loop", "predict_loop"]
    assert "fit, validation, test and predict loops" in " ".join(section.split())


def test_the_table_sets_each_pytorch_run_beside_its_lightning_twin_with_their_real_numbers():
    """The page's one proof that the tabs agree: per pair, the val_loss each printed and the largest
    weight difference, between the two tabs' files or (last row) between resumed and straight."""
    rows = [line.strip("|").split(" | ") for line in agreement().splitlines()[2:]]
    pairs = [
        ("save_pytorch.py", "automatic.py"),
        ("resume_pytorch.py", "resume.py"),
        ("compare_pytorch.py", "compare.py"),
    ]
    runs = ["2 epochs", "resumed to 4", "4 in one go"]
    assert [row[0].strip() for row in rows] == [f"{run} ({a} · {b})" for run, (a, b) in zip(runs, pairs)]
    for row, (pytorch, lightning) in zip(rows, pairs):
        plain = [f"{loss:.6f}" for _, loss in pytorch_epochs(output(pytorch))]
        lit = [f"{loss:.6f}" for _, _, loss in epochs(output(lightning))]
        assert row[1].split(", ") == plain and row[2].split(", ") == lit
        assert plain == lit, (pytorch, lightning)
    assert rows[0][3].strip() == rows[1][3].strip() == "0.0, PyTorch vs Lightning"
    assert rows[2][3].strip() == "0.0 and 0.0, resumed vs in one go"
    # Independently of the table: after resuming, the two tabs' files hold the same weights.
    plain = load(files("resume_pytorch.py") / "checkpoint.pt")["model"]
    lit = load(files("resume.py") / "resumed/lightning_logs/version_0/checkpoints/epoch=3-step=400.ckpt")["state_dict"]
    assert plain.keys() == lit.keys()
    assert max((plain[k] - lit[k]).abs().max().item() for k in plain) == 0.0


def test_ckpt_path_last_starts_over_with_only_a_warning_in_a_new_version_folder():
    text, work = output("last_trap.py"), files("last_trap.py")
    assert (
        '.fit(ckpt_path="last") is set, but there is no last checkpoint available. No checkpoint will be loaded.'
        in text
    )
    assert "Restor" not in text
    # It trained from epoch 0 again: the very losses of automatic.py's first two epochs.
    assert epochs(text)[:2] == epochs(output("automatic.py"))
    assert [e for e, _, _ in epochs(text)] == [0, 1, 2, 3]
    assert (work / "runs/lightning_logs/version_1/checkpoints/epoch=3-step=400.ckpt").is_file()
    assert not list(work.rglob("last*.ckpt"))


def test_a_fixed_folder_with_save_last_lets_ckpt_path_last_resume():
    text, work = output("last_fix.py"), files("last_fix.py")
    assert "Restored all states from the checkpoint at resumable/last.ckpt" in text
    assert [e for e, _, _ in epochs(text)] == [0, 1, 2, 3]  # 2 epochs, then 2 more after resuming
    assert "fix: finished at epoch 4, global step 400" in text
    assert load(work / "resumable/last.ckpt")["global_step"] == 400


@pytest.fixture
def process_groups():
    """Process groups started by a test; whatever is left of them is killed at the end."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)


def test_a_run_killed_mid_epoch_leaves_readable_checkpoints_and_resumes_to_the_same_counts(tmp_path, process_groups):
    """The guarantee: SIGKILL in the middle of an epoch leaves no unreadable checkpoint, and
    resuming from last.ckpt ends with the epoch and step of a run that was never interrupted."""
    driver = REPO / "tests" / "interrupted_training.py"
    interrupted, straight = tmp_path / "interrupted", tmp_path / "straight"
    env = script_environment({})
    for folder in (interrupted, straight):
        folder.mkdir()
        (folder / "data").symlink_to(data_root().resolve(), target_is_directory=True)

    def start(folder: Path, mode: str) -> subprocess.Popen:
        log = open(folder / f"{mode}.log", "w")
        process = subprocess.Popen(
            [sys.executable, str(driver), mode],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        process_groups.append(process)
        return process

    def finish(process: subprocess.Popen, folder: Path, mode: str) -> dict:
        assert process.wait(timeout=300) == 0, (folder / f"{mode}.log").read_text()[-3000:]
        return json.loads((folder / f"{mode}.json").read_text())

    victim = start(interrupted, "until-killed")
    baseline = start(straight, "straight")  # runs alongside
    ready = interrupted / "mid-epoch.json"
    deadline = time.monotonic() + 300
    while not ready.exists():
        assert victim.poll() is None, (interrupted / "until-killed.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the training process never reached the middle of epoch 2"
        time.sleep(0.1)
    os.killpg(victim.pid, signal.SIGKILL)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    where = json.loads(ready.read_text())
    assert where == {"epoch": 2, "step": 251}  # 51 of epoch 2's 100 steps done: mid-epoch

    # Every file it left in the checkpoint folder is a whole, loadable checkpoint.
    left = sorted(p.name for p in (interrupted / "checkpoints").iterdir())
    assert left == ["epoch=1-step=200.ckpt", "last.ckpt"]
    for name in left:
        checkpoint = load(interrupted / "checkpoints" / name)
        assert (checkpoint["epoch"], checkpoint["global_step"]) == (1, 200)

    resumed = finish(start(interrupted, "resume"), interrupted, "resume")
    uninterrupted = finish(baseline, straight, "straight")
    assert resumed == uninterrupted == {"epoch": 4, "step": 400}
    a = torch.load(interrupted / "resume-weights.pt", weights_only=True)
    b = torch.load(straight / "straight-weights.pt", weights_only=True)
    diff = max((a[k] - b[k]).abs().max().item() for k in a)
    print(f"interrupted run: resumed from last.ckpt, max |Δw| against uninterrupted = {diff}")
    assert diff <= 1e-6


# ---------------------------------------------------------------- 7. by hand


def test_reading_by_hand_shows_the_real_keys_and_the_plain_encoder_matches():
    text, work = output("by_hand.py"), files("by_hand.py")
    checkpoint = load(work / "checkpoints/last.ckpt")
    assert ast.literal_eval(line_value(text, "keys")) == list(checkpoint)
    for key in ("epoch", "global_step", "state_dict", "optimizer_states", "lr_schedulers", "hyper_parameters"):
        assert key in checkpoint
    printed_names = re.findall(r"^((?:en|de)coder\.\d\.(?:weight|bias))\s+\(([\d, ]+)\)$", text, re.M)
    assert [name for name, _ in printed_names] == list(checkpoint["state_dict"])
    for name, shape in printed_names:
        assert tuple(checkpoint["state_dict"][name].shape) == ast.literal_eval(f"({shape})")
    assert "'encoder' in checkpoint: False" in text
    assert "codes (1000, 3), identical: True" in text

    # Independently of the script: the plain encoder computes Linear -> ReLU -> Linear with those weights.
    w = checkpoint["state_dict"]
    encoder = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
    encoder.load_state_dict({k.removeprefix("encoder."): v for k, v in w.items() if k.startswith("encoder.")})
    x = torch.rand(16, 784)
    hidden = torch.relu(x @ w["encoder.0.weight"].T + w["encoder.0.bias"])
    assert torch.allclose(encoder(x), hidden @ w["encoder.2.weight"].T + w["encoder.2.bias"], atol=1e-6)


# ---------------------------------------------------------------- 8. loading safely


def test_safe_loading_shows_the_refusals_and_which_hparam_types_break_weights_only():
    text = output("safe_loading.py")
    assert "!!! code hidden in untrusted.ckpt ran while it was being loaded" in text  # weights_only=False
    assert text.count("!!!") == 1  # and only then
    for loader in (
        "torch.load(weights_only=True)",
        "LitAutoEncoder.load_from_checkpoint",
        "trainer.fit(ckpt_path=...)",
    ):
        assert f"{loader}: refused, unsupported global print" in text
    assert "WeightsUnpickler error: Unsupported global: GLOBAL numpy._core.multiarray.scalar" in text
    assert re.search(r"^float_lr/checkpoints/epoch=0-step=1\.ckpt loads: \{.*'lr': 0\.001\}$", text, re.M)
    verdicts = dict(re.findall(r"^(\S+)\s{2,}(loads|UnpicklingError)", text, re.M))
    loads = {name.rsplit(".", 1)[-1] for name, verdict in verdicts.items() if verdict == "loads"}
    assert loads == {"int", "float", "str", "bool", "NoneType", "list", "tuple", "dict", "Tensor"}
    assert {name for name, verdict in verdicts.items() if verdict == "UnpicklingError"} == {
        "pathlib.PosixPath",
        "argparse.Namespace",
        "numpy.float64",
        "numpy.ndarray",
        "torch.nn.modules.activation.ReLU",
        "datetime.date",
    }


MALICIOUS = """
    import pathlib, torch

    class Payload:
        def __reduce__(self):
            return (open, ({marker!r}, "w"))  # unpickling it creates the marker file

    checkpoint = torch.load({good!r}, weights_only=True)
    checkpoint["hyper_parameters"]["lr"] = Payload()
    torch.save(checkpoint, "malicious.ckpt")
"""

EVERY_LOADING_PATH = """
    import json, pickle
    import pytorch_lightning as pl
    import torch
    from autoencoder import LitAutoEncoder, train_loader, val_loader

    namespace = {{}}
    exec({read_checkpoint!r}, namespace)

    def fit():
        trainer = pl.Trainer(max_epochs=6, logger=False, enable_progress_bar=False, default_root_dir="fit")
        trainer.fit(LitAutoEncoder(), train_loader, val_loader, ckpt_path="malicious.ckpt")

    loaders = {{
        "torch.load(weights_only=True)": lambda: torch.load("malicious.ckpt", weights_only=True),
        "torch.load()": lambda: torch.load("malicious.ckpt"),
        "load_from_checkpoint": lambda: LitAutoEncoder.load_from_checkpoint("malicious.ckpt"),
        "trainer.fit(ckpt_path=...)": fit,
        "read_checkpoint": lambda: namespace["read_checkpoint"]("malicious.ckpt"),
    }}
    outcome = {{}}
    for name, load in loaders.items():
        try:
            load()
            outcome[name] = "loaded"
        except Exception as error:
            outcome[name] = type(error).__name__
    print(json.dumps(outcome))
"""


def test_a_malicious_checkpoint_is_refused_by_every_loading_path_and_its_code_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    good = files("best.py") / "checkpoints/last.ckpt"
    made = python(MALICIOUS.format(marker=str(marker), good=str(good)), tmp_path)
    assert made.returncode == 0, made.stderr
    assert not marker.exists()

    result = python(EVERY_LOADING_PATH.format(read_checkpoint=read_checkpoint_source()), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == dict.fromkeys(outcome, "UnpicklingError") and len(outcome) == 5, outcome
    assert not marker.exists(), "the payload ran"

    # The file really is malicious: full unpickling runs the payload.
    control = python('import torch; torch.load("malicious.ckpt", weights_only=False)', tmp_path)
    assert control.returncode == 0, control.stderr
    assert marker.exists()


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def read_checkpoint():
    """The page's read_checkpoint, taken from the script's section as the page shows it."""
    namespace: dict = {}
    exec(read_checkpoint_source(), namespace)  # noqa: S102 (the page's own code)
    return namespace["read_checkpoint"]


def bad_files(folder: Path) -> dict[str, Path]:
    good = (files("best.py") / "checkpoints/last.ckpt").read_bytes()
    middle = len(good) // 2
    made = {
        "truncated": good[: len(good) // 2],
        "last byte missing": good[:-1],
        "garbled": good[:middle] + bytes(b ^ 0xFF for b in good[middle : middle + 16]) + good[middle + 16 :],
        "empty": b"",
        "web page": b"<html><body>404 Not Found</body></html>",
        "random bytes": bytes(range(256)) * 64,
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name.replace(' ', '_')}.ckpt"
        paths[name].write_bytes(data)
    paths["wrong path"] = folder / "no_such_dir" / "epoch=9-step=999.ckpt"
    return paths


def test_bad_input_gives_a_clear_error_that_names_the_file(tmp_path, read_checkpoint):
    for name, path in bad_files(tmp_path).items():
        with pytest.raises(Exception) as caught:
            read_checkpoint(path)
        message = str(caught.value) + "\n".join(getattr(caught.value, "__notes__", []))
        assert str(path) in message, (name, message)
        assert isinstance(caught.value, FileNotFoundError if name == "wrong path" else ValueError), (name, caught.value)
    assert read_checkpoint(files("best.py") / "checkpoints/last.ckpt")["global_step"] == 500


def test_lightning_names_a_wrong_path_but_not_a_damaged_file_as_the_page_says(tmp_path):
    paths = bad_files(tmp_path)
    program = f"""
        import json, pytorch_lightning as pl
        from autoencoder import LitAutoEncoder, train_loader, val_loader

        def fit(path):
            trainer = pl.Trainer(max_epochs=6, logger=False, enable_progress_bar=False, default_root_dir="fit")
            trainer.fit(LitAutoEncoder(), train_loader, val_loader, ckpt_path=path)

        outcome = {{}}
        for name, path in {json.dumps({k: str(v) for k, v in paths.items() if k in ("truncated", "wrong path")})}.items():
            for how, load in (("load_from_checkpoint", LitAutoEncoder.load_from_checkpoint), ("fit", fit)):
                try:
                    load(path)
                    outcome[name + " " + how] = "loaded"
                except Exception as error:
                    outcome[name + " " + how] = path.rsplit("/", 1)[-1] in str(error)
        print(json.dumps(outcome))
    """
    result = python(program, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "truncated load_from_checkpoint": False,
        "truncated fit": False,
        "wrong path load_from_checkpoint": True,
        "wrong path fit": True,
    }


def test_the_page_shows_the_real_bad_input_messages():
    text = output("bad_input.py")
    assert "RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory" in text
    assert "checkpoints/garbled.ckpt\n  loaded, no error" in text
    for line in (
        "ValueError: checkpoints/truncated.ckpt: not a checkpoint, or cut off (not a whole zip archive)",
        "ValueError: checkpoints/not_a_checkpoint.ckpt: not a checkpoint, or cut off (not a whole zip archive)",
        "FileNotFoundError: no checkpoint file at checkpoints/no_such_file.ckpt",
        "  while reading the checkpoint file untrusted.ckpt",
    ):
        assert line in text.splitlines(), line
    assert re.search(
        r"^ValueError: checkpoints/garbled\.ckpt: damaged, archive/data/\d+ does not match its checksum$", text, re.M
    )


# ---------------------------------------------------------------- every file the page names

FILE_NAME = r"[\w./=-]+\.(?:ckpt|pt|yaml)"
# Files the page names that must NOT be there: deleted by Lightning, or missing on purpose.
ABSENT_ON_PURPOSE = {"epoch=0-step=100.ckpt": "automatic.py", "checkpoints/no_such_file.ckpt": "bad_input.py"}
# Files made broken on purpose, to show the errors they give.
BROKEN_ON_PURPOSE = {
    "untrusted.ckpt",
    "checkpoints/truncated.ckpt",
    "checkpoints/garbled.ckpt",
    "checkpoints/not_a_checkpoint.ckpt",
}
# Each file the page's prose names in backticks, and the script whose folder holds it after it ran.
NAMED_IN_PROSE = {
    "runs/lightning_logs/version_0/checkpoints/epoch=1-step=200.ckpt": "automatic.py",
    "epoch=0-step=100.ckpt": "automatic.py",
    "last.ckpt": "best.py",
    "hparams.yaml": "hyperparameters.py",
    "checkpoint.pt": "save_pytorch.py",
}


def check_named_file(work: Path, name: str, script: str) -> None:
    found = [p for p in work.rglob(Path(name).name) if p.relative_to(work).as_posix().endswith(name)]
    if name in ABSENT_ON_PURPOSE:
        assert not found, f"{script} left {name}, which the page says is not there"
        return
    assert found, f"{name} is not in {script}'s folder after it ran"
    path = found[0]
    if name in BROKEN_ON_PURPOSE:
        return
    if path.suffix == ".ckpt":
        checkpoint = load(path)
        assert {"epoch", "global_step", "state_dict", "hyper_parameters"} <= checkpoint.keys(), path
    elif path.name == "predictions.pt":
        assert torch.load(path, weights_only=True).keys() == {"images", "reconstructions", "labels"}
    elif path.suffix == ".pt":  # a hand-written checkpoint
        assert list(torch.load(path, weights_only=True)) == saved_keys(script), path
    else:
        assert yaml.safe_load(path.read_text()) == {"hidden_size": 64, "code_size": 3, "lr": 1e-3}


def test_every_file_a_script_names_exists_after_it_ran_and_holds_what_the_page_shows():
    for script in RUNS:
        tree = ast.parse((FOLDER / script).read_text())
        names = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(FILE_NAME, node.value)
        }
        for name in names:
            check_named_file(files(script), name, script)


def test_every_file_the_page_text_names_exists_after_its_script_ran():
    prose = re.sub(r"```.*?```", "", PAGE.read_text(), flags=re.S)  # code and outputs: checked above
    named = set(re.findall(rf"`({FILE_NAME})`", prose))
    assert named == set(NAMED_IN_PROSE), named ^ set(NAMED_IN_PROSE)
    for name, script in NAMED_IN_PROSE.items():
        check_named_file(files(script), name, script)


def test_the_pages_instruction_run_every_script_one_after_the_other_in_one_folder(tmp_path):
    """What the page tells a reader, done as a reader would: every script of the page copied into
    one folder with the data, run with `python <script>` in the page's order, each reading what the
    earlier ones left there (predict.py given the path best.py printed). All must succeed, and
    end as the build's own runs, each in a folder of its own, did."""
    for script in PAGE_ORDER:
        (tmp_path / script).write_text((FOLDER / script).read_text())
    (tmp_path / "data").symlink_to(data_root().resolve(), target_is_directory=True)
    # A folder a reader has used before: the core page's train_lightning.py left its logs here
    # (its model saves no hyperparameters). No script of this page may read them as its own.
    (tmp_path / "lightning_logs/version_0").mkdir(parents=True)
    (tmp_path / "lightning_logs/version_0/hparams.yaml").write_text("{}\n")
    env = script_environment({})
    printed = {}
    for script in RUNS:  # in page order
        args = [line_value(printed["best.py"], "best_model_path")] if script == "predict.py" else []
        # `python <script>` in that folder: a child of the warm interpreter, which starts a script
        # exactly as python does (tests/test_forkserver.py), without paying torch's import each time.
        ran = forkserver.run(tmp_path / script, args, cwd=tmp_path, env=env, timeout=600)
        text = ran.output.decode()
        assert ran.returncode == RUNS[script].returncode, f"{script} in the shared folder:\n{text}"
        printed[script] = clean(Result(script, text, 0.0, {}, tmp_path))  # as a terminal shows it
    assert "largest weight difference, straight vs resumed: 0.0" in printed["compare.py"]
    assert "largest weight difference, straight vs resumed: 0.0" in printed["compare_pytorch.py"]
    assert "started at epoch 2, finished after epoch 3" in printed["resume_pytorch.py"]
    assert load(tmp_path / "checkpoint.pt")["epoch"] == 3  # resume_pytorch.py's, read by compare_pytorch.py
    assert "fix: finished at epoch 4, global step 400" in printed["last_fix.py"]
    assert printed["hyperparameters.py"].rstrip().endswith("lr: 0.001")  # best.py's hparams.yaml
    assert load(tmp_path / "checkpoints/last.ckpt")["global_step"] == 500  # best.py's, left alone by the others
    for script in ("best.py", "resume.py", "compare.py", "by_hand.py"):
        assert epochs(printed[script]) == epochs(output(script)), script
    for script in ("save_pytorch.py", "resume_pytorch.py", "compare_pytorch.py"):
        assert pytorch_epochs(printed[script]) == pytorch_epochs(output(script)), script
