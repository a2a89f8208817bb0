"""The Organize page: the DataModule and the callback change nothing in what trains, prepare_data
runs once per machine and setup once per process under real DDP, and the hooks fire in the order
the page prints."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import torch

from conftest import REPO, assert_processes_gone
from pages import from_pytorch_to_lightning as core
from pages import organize
from snippet_runner import clean
from snippet_runner import sections as script_sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = "snippets/organize"
PAGE = REPO / "docs" / "organize.md"
EPOCH_LINE = re.compile(r"^(epoch \d+: train_loss [0-9.]+  val_loss [0-9.]+)(  \([0-9.]+ s\))?$", re.M)
CALL_LINE = re.compile(r"^(prepare_data|setup\(stage='fit'\)) +rank (\d) \(pid (\d+)\)$", re.M)
CHECKPOINT = "lightning_logs/version_0/checkpoints/epoch=4-step=500.ckpt"


def epoch_lines(run) -> list[str]:
    """The per-epoch loss lines, without the time that the organize scripts add."""
    return [losses for losses, _ in EPOCH_LINE.findall(clean(run))]


def calls(run) -> list[tuple[str, int, int]]:
    """(hook, rank, pid) for every prepare_data and setup line, in the order printed."""
    return [(hook, int(rank), int(pid)) for hook, rank, pid in CALL_LINE.findall(clean(run))]


def section_names(script: str) -> list[str]:
    return re.findall(r"--8<-- \[start:([-_0-9a-z]+)\]", (REPO / script).read_text())


# ---------------------------------------------------------------------------------------------
# The DataModule and the callback: the same training as the core page


def test_both_tabs_print_the_core_pages_losses():
    expected = epoch_lines(core.train_pytorch.result())
    assert len(expected) == 5
    for run in (organize.train_pytorch, organize.train_lightning):
        output = clean(run.result())
        assert epoch_lines(run.result()) == expected, output
        # Every line carries the epoch's time, measured by the loop or by the callback.
        assert len(re.findall(r"^epoch \d+: .*  \([0-9.]+ s\)$", output, re.M)) == 5


def test_the_datamodule_and_the_callback_end_with_the_core_pages_weights():
    reference = torch.load(core.train_pytorch.result().workdir / "autoencoder_pytorch.pt", weights_only=True)
    lightning = torch.load(organize.train_lightning.result().workdir / CHECKPOINT, weights_only=True)["state_dict"]
    plain = torch.load(organize.train_pytorch.result().workdir / "autoencoder_pytorch.pt", weights_only=True)
    for weights in (lightning, plain):
        assert weights.keys() == reference.keys()
        assert all(torch.equal(weights[name], reference[name]) for name in reference)
    # The weights really trained: the comparison is not between two untouched models.
    torch.manual_seed(0)
    assert (reference["encoder.0.weight"] - torch.nn.Linear(28 * 28, 64).weight).abs().max() > 1e-3
    shown = clean(organize.compare_core.result())
    assert shown == "largest difference over all 101,651 weights: 0.0e+00"


def test_the_pages_table_says_what_the_runs_did():
    table = organize.same_training_table()
    rows = re.findall(r"^\| `(\w+\.py)` \| (\d) of (\d) \| (\S+) \|$", table, re.M)
    assert rows == [("train_pytorch.py", "5", "5", "0.0e+00"), ("train_lightning.py", "5", "5", "0.0e+00")]


def section_text(script: str, name: str) -> str:
    return script_sections.text(REPO / script, name)


@pytest.mark.parametrize(
    "val_losses",
    [
        [0.5, 0.4, 0.3, 0.2, 0.1],  # always better: never stops
        [0.5, 0.4, 0.45, 0.46, 0.47, 0.3],  # 3 epochs without a lower one: stops at the third
        [0.5, 0.4, 0.4, 0.39, 0.41, 0.42, 0.43],  # an equal value is no improvement
        [0.5, float("nan"), 0.3],  # not a number: stops at once
        [0.5, float("inf")],
        [float("nan")],
    ],
)
def test_the_loops_stopping_code_stops_where_early_stopping_does(val_losses):
    """The PyTorch tab's lines, run on a series of val_loss values, stop at the epoch where the
    Lightning tab's EarlyStopping does."""
    import math

    from pytorch_lightning.callbacks import EarlyStopping

    train = section_text(f"{FOLDER}/train_pytorch.py", "train")
    start = re.search(r"^best, bad_epochs = .*$", train, re.M).group(0)
    update = re.search(r"^    (best, bad_epochs = \(val_loss.*)$", train, re.M).group(1)
    condition = re.search(r"^    if (.*):\n        break$", train, re.M).group(1)
    scope = {"math": math}
    exec(start, scope)  # noqa: S102
    plain = None
    for epoch, val_loss in enumerate(val_losses):
        scope["val_loss"] = val_loss
        exec(update, scope)  # noqa: S102
        if eval(condition, scope):
            plain = epoch
            break

    assert 'EarlyStopping(monitor="val_loss", patience=3, check_finite=True)' in section_text(
        f"{FOLDER}/train_lightning.py", "fit"
    )
    early_stopping = EarlyStopping(monitor="val_loss", patience=3, check_finite=True)
    lightning = None
    for epoch, val_loss in enumerate(val_losses):
        should_stop, _ = early_stopping._evaluate_stopping_criteria(torch.tensor(val_loss))
        if should_stop:
            lightning = epoch
            break
    assert plain == lightning


def test_the_lightning_run_kept_early_stopping_and_trained_all_five_epochs():
    output = clean(organize.train_lightning.result())
    assert "`Trainer.fit` stopped: `max_epochs=5` reached." in output
    checkpoint = torch.load(organize.train_lightning.result().workdir / CHECKPOINT, weights_only=True)
    assert any(key.startswith("EarlyStopping") for key in checkpoint["callbacks"]), checkpoint["callbacks"].keys()


def test_the_loop_and_the_callback_save_the_same_sample_pictures():
    from PIL import Image

    pytorch_dir = organize.train_pytorch.result().workdir / "samples"
    lightning_dir = organize.train_lightning.result().workdir / "samples"
    names = [f"epoch_{epoch}.png" for epoch in range(5)]
    assert sorted(p.name for p in pytorch_dir.iterdir()) == names
    assert sorted(p.name for p in lightning_dir.iterdir()) == names
    for name in names:
        with Image.open(pytorch_dir / name) as picture:
            assert picture.size == (8 * 30 + 2, 2 * 30 + 2)  # 8 digits and their reconstructions, 2-pixel grid
        # Same weights, same digits: the same pixels. The sanity check wrote no picture of its own.
        assert (pytorch_dir / name).read_bytes() == (lightning_dir / name).read_bytes()
    assert (pytorch_dir / "epoch_0.png").read_bytes() != (pytorch_dir / "epoch_4.png").read_bytes()


def test_on_one_process_the_datamodule_is_prepared_and_set_up_once():
    found = calls(organize.train_lightning.result())
    assert [(hook, rank) for hook, rank, _ in found] == [("prepare_data", 0), ("setup(stage='fit')", 0)]


# ---------------------------------------------------------------------------------------------
# Under DDP: prepare_data once per machine, setup once per process


def test_under_ddp_prepare_data_runs_once_and_setup_in_each_process():
    run = organize.ddp_stages.result()
    output = clean(run)
    assert "distributed_backend=gloo" in output
    assert "All distributed processes registered. Starting with 2 processes" in output
    found = calls(run)
    prepared = [(rank, pid) for hook, rank, pid in found if hook == "prepare_data"]
    set_up = sorted((rank, pid) for hook, rank, pid in found if hook != "prepare_data")
    assert len(prepared) == 1, output
    assert [rank for rank, _ in set_up] == [0, 1], output
    pids = {pid for _, pid in set_up}
    assert len(pids) == 2, f"two ranks, one process: {set_up}"
    assert prepared == [set_up[0]], "prepare_data ran in rank 0's own process"
    # Rank 1 waited at Lightning's barrier until rank 0's prepare_data had returned.
    order = [(hook, rank) for hook, rank, _ in found]
    assert order.index(("prepare_data", 0)) < order.index(("setup(stage='fit')", 1))
    assert_processes_gone(pids, "ddp_stages.py")


def test_each_line_of_several_processes_is_one_write():
    """Under the build's unbuffered output, print writes the text and the newline apart, so two
    processes' lines can land on one line: the DataModule's report writes each line whole."""
    source = (REPO / FOLDER / "datamodule.py").read_text()
    report = re.search(r"^def report\(.*?(?=^\S)", source, re.M | re.S).group(0)
    assert 'sys.stdout.write(f"' in report and '\\n")' in report
    assert "print(" not in report


# ---------------------------------------------------------------------------------------------
# The hooks, in the order they fire


EXPECTED_ORDER = [
    "prepare_data",
    "setup(stage='fit')",
    "setup",
    "on_fit_start",
    "on_sanity_check_start",
    "on_validation_start",
    "on_validation_epoch_start",
    "on_validation_batch_start",
    "on_validation_batch_end",
    "on_validation_epoch_end",
    "on_validation_end",
    "on_sanity_check_end",
    "on_train_start",
    "on_train_epoch_start",
    *[
        "on_train_batch_start",
        "on_before_zero_grad",
        "on_before_backward",
        "on_after_backward",
        "on_before_optimizer_step",
        "on_train_batch_end",
    ]
    * 2,
    "on_validation_start",
    "on_validation_epoch_start",
    "on_validation_batch_start",
    "on_validation_batch_end",
    "on_validation_epoch_end",
    "on_validation_end",
    "on_train_epoch_end",
    "on_save_checkpoint",
    "on_train_end",
    "on_fit_end",
    "teardown",
]


def test_the_hooks_fire_in_the_order_the_page_describes():
    from pytorch_lightning.callbacks import LambdaCallback

    hooks = set(inspect.signature(LambdaCallback).parameters)
    lines = clean(organize.hook_order.result()).splitlines()
    printed = [re.sub(r" +rank 0 \(pid \d+\)$", "", line) for line in lines if line in hooks or CALL_LINE.match(line)]
    assert printed == EXPECTED_ORDER, "\n".join(printed)
    # The page's claims, one by one, from the same run.
    assert printed.index("on_sanity_check_end") < printed.index("on_train_start")
    assert printed.index("on_before_zero_grad") < printed.index("on_before_backward")
    last_validation = len(printed) - 1 - printed[::-1].index("on_validation_end")
    assert last_validation < printed.index("on_train_epoch_end") < printed.index("on_save_checkpoint")
    # Hooks that a run without test, predict or error never calls are not in the list.
    assert not {name for name in hooks if "test" in name or "predict" in name or name == "on_exception"} & set(printed)


def test_all_but_three_callback_hooks_are_lightning_module_methods_too():
    import pytorch_lightning as pl
    from pytorch_lightning.callbacks import LambdaCallback

    hooks = inspect.signature(LambdaCallback).parameters
    assert {name for name in hooks if not hasattr(pl.LightningModule, name)} == {
        "on_sanity_check_start",
        "on_sanity_check_end",
        "on_exception",
    }


def test_the_callback_hooks_the_page_names_exist_with_these_signatures():
    import pytorch_lightning as pl

    for name in ("on_fit_start", "on_train_epoch_start", "on_validation_epoch_end", "on_train_epoch_end"):
        parameters = list(inspect.signature(getattr(pl.Callback, name)).parameters)
        assert parameters == ["self", "trainer", "pl_module"], (name, parameters)


def test_every_callback_in_the_table_is_a_lightning_callback():
    import pytorch_lightning as pl
    from pytorch_lightning import callbacks

    table = PAGE.read_text().split("## Built-in callbacks", 1)[1]
    names = re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", table, re.M)
    listed = [name for pair in names for name in pair if name]
    assert len(listed) >= 15, listed
    for name in listed:
        assert issubclass(getattr(callbacks, name), pl.Callback), name


# ---------------------------------------------------------------------------------------------
# The page shows every section of the scripts, in order


def test_the_page_shows_every_section_in_script_order():
    page = PAGE.read_text()
    for script in sorted(Path(REPO / FOLDER).glob("*.py")):
        relative = script.relative_to(REPO).as_posix()
        shown = re.findall(rf'--8<-- "{re.escape(relative)}:([-_0-9a-z]+)"', page)
        assert shown == section_names(relative), relative


def test_the_page_shows_the_measured_runs(built_site):
    html = (built_site / "organize" / "index.html").read_text()
    assert "largest difference over all 101,651 weights: 0.0e+00" in html
    for _, rank, pid in calls(organize.ddp_stages.result()):
        assert f"rank {rank} (pid {pid})" in html
    assert "on_before_optimizer_step" in html
