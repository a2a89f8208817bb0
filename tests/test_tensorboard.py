"""The TensorBoard page: what the scripts log is in their event files, under the tags and at the
steps the page states; the plain loop and the Trainer logged the same training losses; a real
TensorBoard server serves the logs back, and the tables and charts on the page are drawn from
those files."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path

import pytest
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import pages.tensorboard as tensorboard_page
from conftest import REPO, build_site, free_port
from snippet_runner import SnippetError, clean, render
from snippet_runner import sections as script_sections
from snippet_runner.filetree import tree, tree_block

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = "snippets/tensorboard"
PYTORCH = f"{FOLDER}/log_pytorch.py"
LIGHTNING = f"{FOLDER}/log_lightning.py"
PAGE = REPO / "docs" / "tensorboard.md"
EPOCHS, STEPS_PER_EPOCH, LOG_EVERY = 5, 100, 10
TOTAL_STEPS = EPOCHS * STEPS_PER_EPOCH
EPOCH_LINE = re.compile(
    r"^epoch (\d+): train loss ([0-9.]+) \(last step\)  val loss ([0-9.]+)  val MAE ([0-9.]+)$",
    re.M,
)
EPOCH_ENDS = [STEPS_PER_EPOCH * (e + 1) - 1 for e in range(EPOCHS)]  # 99, 199, ... 499
LIGHTNING_STEPS = [s for s in range(TOTAL_STEPS) if (s + 1) % LOG_EVERY == 0]  # 9, 19, ... 499
PRINTED_DIGITS = 6  # the scripts print with :.6f


def sections(script: str) -> list[str]:
    return script_sections.names(REPO / script)


def printed_epochs(text: str) -> list[dict]:
    return [
        {"epoch": int(e), "train_loss": float(t), "val_loss": float(v), "val_mae": float(a)}
        for e, t, v, a in EPOCH_LINE.findall(text)
    ]


def scalars(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar series in ``run_dir``, read with TensorBoard's event reader, all points kept."""
    accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    accumulator.Reload()
    return {tag: [(e.step, e.value) for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}


def assert_matches_print(logged: float, printed: float) -> None:
    assert math.isfinite(logged)
    assert abs(logged - printed) <= 0.5 * 10**-PRINTED_DIGITS + 1e-9, (logged, printed)


@pytest.fixture(scope="module")
def lightning_run():
    return tensorboard_page.log_lightning.result()


@pytest.fixture(scope="module")
def pytorch_run():
    return tensorboard_page.log_pytorch.result()


@pytest.fixture(scope="module")
def lightning_logs(lightning_run) -> Path:
    return lightning_run.workdir / "lightning_logs" / "version_0"


@pytest.fixture(scope="module")
def pytorch_logs(pytorch_run) -> Path:
    return pytorch_run.workdir / "runs" / "autoencoder"


def first_fit(lightning_run) -> str:
    text = clean(lightning_run)
    return text[: text.index("logger: ")]


# --- the scripts and the page ---------------------------------------------------------------


def test_the_two_scripts_share_their_sections():
    """(That the page shows them all, in file order: tests/test_site.py.)"""
    shared = ["imports", "data", "model", "training", "validation", "fit"]
    assert sections(PYTORCH) == shared
    assert sections(LIGHTNING) == [*shared, "default-root-dir", "explicit-logger", "csv-logger"]


def test_each_script_prints_five_epochs_and_where_its_logs_are(lightning_run, pytorch_run):
    assert [e["epoch"] for e in printed_epochs(first_fit(lightning_run))] == list(range(EPOCHS))
    assert "logger: TensorBoardLogger, logs in lightning_logs/version_0" in clean(lightning_run)
    assert [e["epoch"] for e in printed_epochs(clean(pytorch_run))] == list(range(EPOCHS))
    assert "logs in runs/autoencoder" in clean(pytorch_run)


def test_on_a_cpu_the_two_scripts_print_the_same_numbers(lightning_run, pytorch_run):
    # What the page says of the machine that built it (no GPU: the Trainer's "auto" picks the CPU).
    assert "GPU available: False" in clean(lightning_run)
    assert printed_epochs(clean(pytorch_run)) == printed_epochs(first_fit(lightning_run))
    assert EPOCH_LINE.findall(clean(pytorch_run)) == EPOCH_LINE.findall(first_fit(lightning_run))


def test_both_scripts_shuffle_with_a_plain_shuffle_true_and_seed_once():
    for script, seed in ((PYTORCH, "torch.manual_seed(0)"), (LIGHTNING, "pl.seed_everything(0)")):
        source = (REPO / script).read_text()
        assert "train_loader = DataLoader(train_set, batch_size=32, shuffle=True)" in source, script
        assert "Sampler" not in source and "set_epoch" not in source and "generator=torch.Generator()" in source
        assert source.count(seed) == 1, script
        assert source.index(seed) < source.index("AutoEncoder()"), script  # seeded before the model is built


# --- the event files ------------------------------------------------------------------------


def test_each_run_wrote_one_event_file(lightning_logs, pytorch_run):
    for folder in (lightning_logs, pytorch_run.workdir / "runs" / "autoencoder"):
        files = list(folder.glob("events.out.tfevents.*"))
        assert len(files) == 1, folder
        assert files[0].stat().st_size > 0


def test_lightning_event_file_has_each_tag_with_the_expected_points_and_the_printed_values(
    lightning_run, lightning_logs
):
    logged = scalars(lightning_logs)
    expected_steps = {
        "train_loss": LIGHTNING_STEPS,  # on_step by default in training_step, every 10th step from step 9
        "train_mae_step": LIGHTNING_STEPS,  # on_step=True, on_epoch=True: both series, suffixed
        "train_mae_epoch": EPOCH_ENDS,  # at the epoch's last step, not at the epoch number
        "val_loss": EPOCH_ENDS,  # on_epoch by default in validation_step, sanity check not logged
        "val_mae": EPOCH_ENDS,
    }
    assert set(logged) == {*expected_steps, "epoch"}
    for tag, steps in expected_steps.items():
        assert [step for step, _ in logged[tag]] == steps, tag
        assert all(math.isfinite(value) for _, value in logged[tag]), tag
    # The "epoch" scalar comes with every write: beside the step values, and twice more at each
    # epoch's end (the validation means, then the training epoch's means).
    assert sorted(step for step, _ in logged["epoch"]) == sorted([*LIGHTNING_STEPS, *EPOCH_ENDS, *EPOCH_ENDS])
    assert all(value == step // STEPS_PER_EPOCH for step, value in logged["epoch"])

    for line, end in zip(printed_epochs(first_fit(lightning_run)), EPOCH_ENDS, strict=True):
        for tag in ("train_loss", "val_loss", "val_mae"):
            assert_matches_print(dict(logged[tag])[end], line[tag])


def test_pytorch_event_file_has_its_own_tags_every_step_and_epochs_as_steps(pytorch_run, pytorch_logs):
    logged = scalars(pytorch_logs)
    assert set(logged) == {"Loss/train", "MAE/train", "Loss/val", "MAE/val"}
    for tag in ("Loss/train", "MAE/train"):
        assert [step for step, _ in logged[tag]] == list(range(TOTAL_STEPS)), tag  # every step, 0 to 499
    for tag in ("Loss/val", "MAE/val"):
        assert [step for step, _ in logged[tag]] == list(range(EPOCHS)), tag  # the epoch as the step
    for line in printed_epochs(clean(pytorch_run)):
        epoch = line["epoch"]
        assert_matches_print(dict(logged["Loss/train"])[EPOCH_ENDS[epoch]], line["train_loss"])
        assert_matches_print(dict(logged["Loss/val"])[epoch], line["val_loss"])
        assert_matches_print(dict(logged["MAE/val"])[epoch], line["val_mae"])


def test_pytorch_and_lightning_logged_the_same_training_values_at_every_step_both_have(pytorch_logs, lightning_logs):
    # On the CPU that built the site: the same batches in the same order, so the same losses, bit for bit.
    by_hand, by_lightning = scalars(pytorch_logs), scalars(lightning_logs)
    for mine, theirs in (("Loss/train", "train_loss"), ("MAE/train", "train_mae_step")):
        at = dict(by_hand[mine])
        assert [(step, at[step]) for step, _ in by_lightning[theirs]] == by_lightning[theirs], mine
    # The validation means, epoch e beside step 100 e + 99: equal but for float rounding.
    for mine, theirs in (("Loss/val", "val_loss"), ("MAE/val", "val_mae")):
        assert [v for _, v in by_hand[mine]] == pytest.approx([v for _, v in by_lightning[theirs]], abs=1e-6)


def test_the_losses_fall(pytorch_logs, lightning_logs):
    by_hand, by_lightning = scalars(pytorch_logs), scalars(lightning_logs)
    train = [v for _, v in by_hand["Loss/train"]]
    assert sum(train[-STEPS_PER_EPOCH:]) < 0.75 * sum(train[:STEPS_PER_EPOCH])  # last epoch against the first (0.63)
    for val in ([v for _, v in by_hand["Loss/val"]], [v for _, v in by_lightning["val_loss"]]):
        assert all(later < earlier for earlier, later in zip(val, val[1:])), val


def test_the_page_states_the_steps_and_points_the_event_files_hold(pytorch_logs, lightning_logs):
    by_hand, by_lightning = scalars(pytorch_logs), scalars(lightning_logs)
    text = " ".join(PAGE.read_text().split())
    assert "0 to 499 over the 5 epochs" in text and len(by_hand["Loss/train"]) == 500
    assert "a point at every step, 500 of them" in text
    assert "the 10th step is step 9 and the points are at 9, 19, … 499" in text
    assert [s for s, _ in by_lightning["train_loss"]][:2] == [9, 19] and by_lightning["train_loss"][-1][0] == 499
    assert "`log_every_n_steps=10` gives it 50" in text and len(by_lightning["train_loss"]) == 50
    assert "at the global step of the epoch's last batch, 99, 199, … 499" in text
    assert [s for s, _ in by_lightning["val_loss"]] == [99, 199, 299, 399, 499]
    assert "The plain loop passed the epoch, 0 to 4, as the step" in text
    assert [s for s, _ in by_hand["Loss/val"]] == [0, 1, 2, 3, 4]


def test_the_comparison_table_is_read_from_the_two_event_files(pytorch_logs, lightning_logs, tmp_path):
    table = tensorboard_page.comparison_table(pytorch_logs, lightning_logs).splitlines()
    assert table[:2] == ["| `SummaryWriter` loop | `self.log` in a `LightningModule` | values |", "| --- | --- | --- |"]
    rows = {re.match(r"\| [^|]+ \| `([^`]+)`", line).group(1): line for line in table[2:]}
    assert set(rows) == set(scalars(lightning_logs))
    assert rows["train_loss"] == (
        "| `Loss/train`: 500 points, at 0, 1, … 499 | `train_loss`: 50 points, at 9, 19, … 499 "
        "| equal at the 50 steps both have |"
    )
    assert rows["train_mae_step"].startswith("| `MAE/train`: 500 points, at 0, 1, … 499 |")
    assert rows["train_mae_step"].endswith("| equal at the 50 steps both have |")
    assert rows["val_loss"].startswith(
        "| `Loss/val`: 5 points, at 0, 1, 2, 3, 4 | `val_loss`: 5 points, at 99, 199, 299, 399, 499 |"
    )
    assert re.search(r"\| (equal|differ by at most \d\.\de-\d\d) at the 5 epochs both have \|$", rows["val_loss"])
    assert rows["train_mae_epoch"] == "| — | `train_mae_epoch`: 5 points, at 99, 199, 299, 399, 499 | no counterpart |"
    assert rows["epoch"] == "| — | `epoch`: 60 points, at 9, 19, … 499 | no counterpart |"
    # Another pair of runs gives another table: a loop that logged other numbers is told apart.
    other = write_events(tmp_path / "other", [0.5, 0.25], [0.4, 0.2], tags=("Loss/train", "Loss/val"))
    with pytest.raises(tensorboard_page.MissingTagError, match="MAE/train"):
        tensorboard_page.comparison_table(other, lightning_logs)


def test_values_that_differ_at_shared_steps_are_reported(lightning_logs, tmp_path):
    logged = scalars(lightning_logs)
    shifted = {tag: [(s, v + 0.001) for s, v in logged[tag]] for tag in ("train_loss", "val_loss")}
    by_hand = {
        "Loss/train": shifted["train_loss"],
        "Loss/val": [(e, v) for e, (_, v) in enumerate(shifted["val_loss"])],
    }
    assert tensorboard_page.pair_points(by_hand, logged, "Loss/train", "train_loss", "step") == [
        (pytest.approx(v + 0.001), v) for _, v in logged["train_loss"]
    ]
    pairs = tensorboard_page.pair_points(by_hand, logged, "Loss/val", "val_loss", "epoch")
    assert [round(a - b, 6) for a, b in pairs] == [0.001] * EPOCHS


def test_a_run_shorter_than_log_every_n_steps_logs_no_step_values(lightning_run):
    experiments = lightning_run.workdir / "experiments"
    text = clean(lightning_run)
    assert "The number of training batches (20) is smaller than the logging interval" in text
    assert "logs in experiments/lightning_logs/version_0" in text
    default = scalars(experiments / "lightning_logs" / "version_0")
    assert "train_loss" not in default and "train_mae_step" not in default
    assert [step for step, _ in default["val_loss"]] == [19]
    assert "logs in experiments/autoencoder/tiny-run" in text
    explicit = scalars(experiments / "autoencoder" / "tiny-run")
    assert [step for step, _ in explicit["train_loss"]] == [4, 9, 14, 19]  # log_every_n_steps=5


def test_the_csv_logger_writes_the_same_metrics_to_a_csv_file(lightning_run):
    assert "logs in experiments/csv/version_0" in clean(lightning_run)
    csv = lightning_run.workdir / "experiments" / "csv" / "version_0" / "metrics.csv"
    rows = csv.read_text().splitlines()
    assert rows[0] == "epoch,step,train_loss,train_mae_epoch,train_mae_step,val_loss,val_mae"
    assert [row.split(",")[1] for row in rows[1:]] == ["4", "9", "14", "19", "19", "19"]
    assert not list(csv.parent.glob("events.out.tfevents.*"))
    assert all(line in clean(lightning_run) for line in rows)  # the page shows the file as printed


# --- a real TensorBoard server --------------------------------------------------------------


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def tensorboard_server(lightning_run, tmp_path):
    """``tensorboard --logdir lightning_logs`` on a free port; yields its base URL once it serves
    the run's scalars (60 s at most). The server is stopped on teardown, whatever the test did."""
    port = free_port()
    log = tmp_path / "tensorboard.log"
    command = [
        str(Path(sys.executable).parent / "tensorboard"),
        "--logdir",
        str(lightning_run.workdir / "lightning_logs"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"tensorboard exited with {server.returncode}:\n{log.read_text()}")
            try:
                # Answering is not enough: the first load of the event files happens in the background.
                if "train_loss" in get_json(f"{base}/data/plugin/scalars/tags").get("version_0", {}):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"tensorboard did not serve the run within 60 s:\n{log.read_text()}")
            time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_a_real_tensorboard_server_serves_back_what_was_logged(tensorboard_server, lightning_logs):
    logged = scalars(lightning_logs)
    assert get_json(f"{tensorboard_server}/data/runs") == ["version_0"]
    tags = get_json(f"{tensorboard_server}/data/plugin/scalars/tags")
    assert set(tags) == {"version_0"}
    assert set(tags["version_0"]) == set(logged)
    query = urllib.parse.urlencode({"run": "version_0", "tag": "train_loss"})
    served = get_json(f"{tensorboard_server}/data/plugin/scalars/scalars?{query}")  # [[wall_time, step, value], ...]
    assert len(served) == EPOCHS * STEPS_PER_EPOCH // LOG_EVERY
    assert [step for _, step, _ in served] == [step for step, _ in logged["train_loss"]]
    assert [value for _, _, value in served] == pytest.approx([v for _, v in logged["train_loss"]], rel=1e-6)


# --- the charts and the tree ----------------------------------------------------------------


def write_events(
    folder: Path, train_loss: list[float], val_loss: list[float], tags: tuple[str, str] = ("train_loss", "val_loss")
) -> Path:
    """A small run written with SummaryWriter, with the epoch as the step of the validation values."""
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(folder)) as writer:
        for i, value in enumerate(train_loss):
            writer.add_scalar(tags[0], value, 10 * i + 9)
        for epoch, value in enumerate(val_loss):
            writer.add_scalar(tags[1], value, epoch)
    return folder


def test_the_charts_are_accessible_svg_with_axes_drawn_from_the_event_file(lightning_logs, pytorch_logs):
    logged = scalars(lightning_logs)
    train = tensorboard_page.train_loss_chart(lightning_logs)
    val = tensorboard_page.val_loss_chart(lightning_logs)
    for chart, tag, axis in ((train, "train_loss", "step"), (val, "val_loss", "epoch")):
        assert chart.startswith('<figure class="chart"><svg role="img" aria-label="')
        assert f"{tag} per " in re.search(r'aria-label="([^"]+)"', chart).group(1)
        assert "<title>" in chart and "<desc>" in chart and "<figcaption>" in chart
        assert f">{axis}<" in chart and f">{tag}<" in chart  # axis labels (SVG text, fonts not outlined)
    first, last = logged["train_loss"][0], logged["train_loss"][-1]
    assert f"50 points, steps {first[0]} to {last[0]}" in train
    assert f"from {first[1]:.4f} to {last[1]:.4f}" in train
    assert "5 points, epochs 0 to 4 (logged at steps 99, 199, 299, 399, 499)" in val
    # The page's charts: the plain loop's series drawn beside Lightning's, named in the legend.
    both = tensorboard_page.train_loss_chart(lightning_logs, by_hand=pytorch_logs)
    assert (
        'aria-label="train_loss per training step, read from the event file of lightning_logs/version_0, beside Loss/train from runs/autoencoder"'
        in both
    )
    assert "Also drawn: Loss/train from the event file of runs/autoencoder: 500 points, steps 0 to 499." in both
    assert ">Loss/train · runs/autoencoder<" in both and both != train
    both = tensorboard_page.val_loss_chart(lightning_logs, by_hand=pytorch_logs)
    assert (
        "Loss/val from the event file of runs/autoencoder: 5 points, logged with the epoch as its step, epochs 0 to 4."
        in both
    )


def test_the_chart_changes_when_the_logged_data_changes(lightning_logs, tmp_path):
    other = write_events(tmp_path / "other" / "version_0", [0.5, 0.25, 0.125], [0.4, 0.2])
    for draw in (tensorboard_page.train_loss_chart, tensorboard_page.val_loss_chart):
        assert draw(other) != draw(lightning_logs)
        assert draw(other) == draw(other)  # the same log gives the same picture, byte for byte
    assert "3 points, steps 9 to 29; train_loss goes from 0.5000 to 0.1250" in tensorboard_page.train_loss_chart(other)
    assert "2 points, epochs 0 to 1 (logged with the epoch as its step)" in tensorboard_page.val_loss_chart(other)
    more = write_events(tmp_path / "more" / "version_0", [0.5, 0.25, 0.125, 0.0625], [0.4, 0.2])
    assert tensorboard_page.train_loss_chart(more) != tensorboard_page.train_loss_chart(other)


def test_a_folder_without_an_event_file_is_a_clear_error(tmp_path):
    empty = tmp_path / "lightning_logs" / "version_7"
    empty.mkdir(parents=True)
    (empty / "hparams.yaml").write_text("{}\n")
    for draw in (tensorboard_page.train_loss_chart, tensorboard_page.val_loss_chart):
        with pytest.raises(tensorboard_page.NoEventFileError, match=re.escape(str(empty))):
            draw(empty)
    with pytest.raises(tensorboard_page.NoEventFileError, match="no such folder"):
        tensorboard_page.train_loss_chart(tmp_path / "missing")


def test_a_missing_tag_is_a_clear_error_naming_the_tags_there_are(tmp_path):
    run_dir = write_events(tmp_path / "run", [0.5], [0.4])
    with pytest.raises(tensorboard_page.MissingTagError, match=r"'val_mae'.*tags: train_loss, val_loss"):
        tensorboard_page.val_loss_chart(run_dir, tag="val_mae")


def test_a_page_drawing_from_a_folder_without_events_fails_the_strict_build(tmp_path):
    empty = tmp_path / "no-events" / "version_0"
    empty.mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        textwrap.dedent(
            f"""\
            # Chart

            ```python exec="on"
            from pages import tensorboard
            print(tensorboard.train_loss_chart({str(empty)!r}))
            ```
            """
        )
    )
    config = {
        "site_name": "chart",
        "strict": True,
        "markdown_extensions": ["pymdownx.superfences"],
        "plugins": ["markdown-exec"],
        "nav": [{"Home": "index.md"}],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.dump(config))
    result = build_site(tmp_path / "site", config=tmp_path / "mkdocs.yml", cwd=tmp_path)
    assert result.returncode != 0, result.stdout
    assert "NoEventFileError" in result.stdout and str(empty) in result.stdout, result.stdout


def test_the_tree_shows_the_real_lightning_logs_folder(lightning_run, lightning_logs):
    shown = tree(lightning_run.workdir, "lightning_logs").splitlines()
    (event_file,) = lightning_logs.glob("events.out.tfevents.*")
    assert shown == [
        "lightning_logs/",
        "└── version_0/",
        "    ├── checkpoints/",
        "    │   └── epoch=4-step=500.ckpt",
        f"    ├── {event_file.name}",
        "    └── hparams.yaml",
    ]
    assert tree_block(lightning_run.workdir, "lightning_logs").startswith('```text title="')
    with pytest.raises(FileNotFoundError, match="no folder 'nowhere'"):
        tree(lightning_run.workdir, "nowhere")


def test_output_parts_pick_one_fit_and_a_wrong_pattern_is_an_error(lightning_run):
    part = render(lightning_run, from_line=r"^logger: ", to_line=r"^logs in ")
    assert "smaller than the logging interval" in part
    assert part.count("\nepoch 0:") == 1 and "logs in experiments/lightning_logs/version_0" in part
    assert "tiny-run" not in part and "epoch 4:" not in part
    with pytest.raises(SnippetError, match="no line of its output matches"):
        render(lightning_run, from_line=r"^this line is not there")


# --- the built page -------------------------------------------------------------------------


def test_the_built_page_shows_the_curves_the_tree_and_lightnings_own_check(built_site, lightning_logs):
    html = (built_site / "tensorboard" / "index.html").read_text()
    assert html.count('<svg role="img" aria-label="') == 2
    assert (
        "train_loss per training step, read from the event file of lightning_logs/version_0, beside Loss/train" in html
    )
    assert "val_loss per epoch, read from the event file of lightning_logs/version_0, beside Loss/val" in html
    assert "equal at the 50 steps both have" in html  # the comparison table
    (event_file,) = lightning_logs.glob("events.out.tfevents.*")
    assert event_file.name in html
    assert "epoch=4-step=500.ckpt" in html
    text = re.sub(r"<[^>]+>", "", html)  # code blocks are split into highlighted spans
    assert "if _TENSORBOARD_AVAILABLE or _TENSORBOARDX_AVAILABLE:" in text and "CSVLogger(save_dir=" in text
    assert "tensorboard --logdir lightning_logs" in text
    # Lightning's own lines that pick the step of a write and add the "epoch" scalar
    assert "_batches_that_stepped -= 1" in text and 'setdefault("epoch", self.trainer.current_epoch)' in unescape(text)
