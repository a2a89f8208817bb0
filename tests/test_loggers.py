"""The Other loggers page: both tabs' stores, read back with each logger's own reader (the csv
module, MlflowClient, ``wandb leet inspect``), hold the numbers, hyperparameters and pictures the
page says, the same in both tabs; the page's tables say so and change when a store changes; and
MLflow 3 refuses the ./mlruns folder with the error the page quotes."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO
from pages import loggers
from snippet_runner import clean, sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "loggers"
PAGE = REPO / "docs" / "loggers.md"
SECTIONS = ["imports", "data", "model", "training", "image", "loggers", "fit"]
TRAIN_STEPS = list(range(9, 200, 10))  # log_every_n_steps=10 over 2 epochs of 100 steps
VAL_STEPS = [99, 199]


@pytest.fixture(scope="module")
def pytorch():
    return loggers.loggers_pytorch.result()


@pytest.fixture(scope="module")
def lightning():
    return loggers.loggers_lightning.result()


def page_text() -> str:
    return " ".join(PAGE.read_text().split())


# ---------------------------------------------------------------- the scripts


def test_the_pair_has_the_same_sections_in_the_same_order():
    assert sections.names(FOLDER / "loggers_pytorch.py") == SECTIONS
    assert sections.names(FOLDER / "loggers_lightning.py") == SECTIONS
    for script in ("loggers_pytorch.py", "loggers_lightning.py"):
        first = (FOLDER / script).read_text().splitlines()[0]
        assert first.startswith(f"# Run: python {script}"), first


def test_the_lightning_tab_uses_three_loggers_in_one_trainer_and_save_hyperparameters():
    fit = sections.text(FOLDER / "loggers_lightning.py", "fit")
    assert "logger=[csv_logger, mlflow_logger, wandb_logger]" in fit
    assert "self.save_hyperparameters()" in sections.text(FOLDER / "loggers_lightning.py", "model")
    by_hand = sections.text(FOLDER / "loggers_pytorch.py", "training")
    assert "csv_writer.writerow" in by_hand and "mlflow.log_metrics" in by_hand and "wandb_run.log" in by_hand


def test_both_runs_print_where_each_store_is(pytorch, lightning):
    for run, csv_dir, name in ((pytorch, "by-hand", "by-hand"), (lightning, "version_0", "lightning")):
        text = clean(run)
        assert f"csv file: logs/autoencoder/{csv_dir}/metrics.csv" in text
        assert re.search(rf"^mlflow run: '{name}', FINISHED, in (file:)?\./mlruns$", text, re.M), text
        assert re.search(r"^wandb folder: wandb/offline-run-\d{8}_\d{6}-\w+/files$", text, re.M), text


# ---------------------------------------------------------------- CSV


def test_the_csv_files_hold_the_same_values_bit_for_bit(pytorch, lightning):
    mine, theirs = loggers.read_csv(pytorch, "pytorch"), loggers.read_csv(lightning, "lightning")
    assert loggers.csv_header(pytorch, "pytorch") == loggers.csv_header(lightning, "lightning")
    assert loggers.csv_header(lightning, "lightning") == ["epoch", "step", "train_loss", "val_loss"]
    assert [step for step, _ in theirs["train_loss"]] == TRAIN_STEPS
    assert [step for step, _ in theirs["val_loss"]] == VAL_STEPS
    assert mine == theirs
    losses = [v for _, v in theirs["val_loss"]]
    assert losses[1] < losses[0] < 0.1


def test_save_hyperparameters_became_the_csv_loggers_hparams_yaml(pytorch, lightning):
    assert loggers.read_hparams_yaml(lightning, "lightning") == {"hidden": 64, "lr": 0.001}
    assert loggers.read_hparams_yaml(pytorch, "pytorch") == {"hidden": 64, "lr": 0.001}


def test_the_checkpoint_went_under_the_first_loggers_folder(lightning):
    checkpoints = lightning.workdir / "logs" / "autoencoder" / "version_0" / "checkpoints"
    assert [p.name for p in checkpoints.iterdir()] == ["epoch=1-step=200.ckpt"]
    assert "`logs/autoencoder/version_0/checkpoints/`" in page_text()


# ---------------------------------------------------------------- MLflow (the bar)


def test_the_mlflow_client_returns_the_logged_metrics_and_params(pytorch, lightning):
    csv_values = loggers.read_csv(lightning, "lightning")
    for run in (pytorch, lightning):
        stored = loggers.read_mlflow(run)
        assert stored["status"] == "FINISHED"
        assert stored["params"] == {"hidden": "64", "lr": "0.001"}  # MLflow keeps params as strings
        assert stored["metrics"]["train_loss"] == csv_values["train_loss"]
        assert stored["metrics"]["val_loss"] == csv_values["val_loss"]
    mine, theirs = loggers.read_mlflow(pytorch), loggers.read_mlflow(lightning)
    assert set(mine["metrics"]) == {"train_loss", "val_loss"}
    assert set(theirs["metrics"]) == {"epoch", "train_loss", "val_loss"}  # Lightning adds "epoch" to each write
    assert [step for step, _ in theirs["metrics"]["epoch"]] == sorted(TRAIN_STEPS + VAL_STEPS)


def test_mlflow_records_the_artifact_folder_as_an_absolute_path_where_the_script_ran(lightning):
    stored = loggers.read_mlflow(lightning)
    uri = stored["artifact_uri"]
    assert uri.startswith("file:///") and uri.endswith(
        f"/mlruns/{stored['experiment_id']}/{stored['run_id']}/artifacts"
    )
    ran_in = Path(lightning.ran_in).resolve()  # the cache folder may be reached through a link
    assert lightning.ran_in and f"file://{ran_in}/mlruns/" in uri and str(lightning.workdir.resolve()) not in uri


def test_mlflow_stored_one_picture_an_epoch_the_same_in_both_tabs(pytorch, lightning):
    mine, theirs = loggers.read_mlflow(pytorch)["images"], loggers.read_mlflow(lightning)["images"]
    assert [step for step, _ in theirs] == [100, 200] == [step for step, _ in mine]
    first, second = (loggers._pixels(png) for _, png in theirs)
    assert first.shape == (62, 242, 3)  # two rows of eight 28×28 digits, 2-pixel padding
    assert (first[:31] == second[:31]).all()  # the same 8 digits on top
    assert (first[31:] != second[31:]).any()  # the reconstructions changed with another epoch of training
    assert loggers.same_pixels([png for _, png in mine], [png for _, png in theirs])


def test_the_page_shows_the_pictures_read_back_from_mlflow(lightning):
    shown = loggers.mlflow_images()
    assert shown.count('<img src="data:image/png;base64,') == 2
    assert "step 100" in shown and "step 200" in shown and 'alt="The PNG that MLflow stored' in shown


# ---------------------------------------------------------------- W&B offline


def test_the_offline_wandb_runs_hold_the_config_and_the_same_values(pytorch, lightning):
    csv_values = loggers.read_csv(lightning, "lightning")
    mine, theirs = loggers.read_wandb(pytorch), loggers.read_wandb(lightning)
    for stored in (mine, theirs):
        assert stored["state"] == "finished"
        assert stored["config"] == {"hidden": 64, "lr": 0.001}
    for key in ("train_loss", "val_loss"):
        assert loggers.wandb_series(mine["rows"], key, "_step") == csv_values[key]
        assert loggers.wandb_series(theirs["rows"], key, "trainer/global_step") == csv_values[key]
    # By hand a val_loss shares its step's row; WandbLogger makes a row per write (20 + 2 + 2 images).
    assert (len(mine["rows"]), len(theirs["rows"])) == (22, 24)
    assert "hence 2 rows fewer" in page_text()


def test_wandb_stored_the_same_pictures_as_mlflow(pytorch, lightning):
    mlflow_pngs = [png for _, png in loggers.read_mlflow(lightning)["images"]]
    for run in (pytorch, lightning):
        wandb_pngs = [png for _, png in loggers.read_wandb(run)["images"]]
        assert loggers.same_pixels(wandb_pngs, mlflow_pngs)
        assert loggers._pixels(wandb_pngs[0]).max() == 255  # bytes from 0 to 255, not a black picture


# ---------------------------------------------------------------- the tables


def test_the_tables_say_equal_for_every_series(pytorch, lightning):
    csv_table, mlflow_table, wandb_table = loggers.csv_table(), loggers.mlflow_table(), loggers.wandb_table()
    assert csv_table.count("equal, bit for bit") == 2 and "| `hparams.yaml` |" in csv_table
    assert "| params | `hidden`: `'64'`, `lr`: `'0.001'` | `hidden`: `'64'`, `lr`: `'0.001'` | equal |" in mlflow_table
    assert (
        "| metric `train_loss` | 20 values, at steps 9, 19, … 199 | 20 values, at steps 9, 19, … 199 "
        "| equal, bit for bit |" in mlflow_table
    )
    assert "| metric `epoch` | — | 22 values, at steps 9, 19, … 199 | one tab only |" in mlflow_table
    assert mlflow_table.count("the same pixels") == 1 and wandb_table.count("the same pixels") == 1
    assert wandb_table.count("equal, bit for bit") == 2
    assert "| history rows | 22 | 24 | — |" in wandb_table


def _copy(run, tmp_path: Path, name: str):
    work = tmp_path / name
    shutil.copytree(run.workdir, work, symlinks=True)
    return replace(run, workdir=work)


def test_the_tables_report_a_store_that_differs(pytorch, lightning, tmp_path):
    # The CSV: one value changed in the PyTorch tab's file.
    changed = _copy(pytorch, tmp_path, "csv")
    path = changed.workdir / loggers.CSV_DIRS["pytorch"] / "metrics.csv"
    lines = path.read_text().splitlines()
    epoch, step, value, _ = lines[1].split(",")
    lines[1] = f"{epoch},{step},{float(value) + 1e-3!r},"
    path.write_text("\n".join(lines) + "\n")
    table = loggers.csv_table_of.__wrapped__(changed, lightning)
    assert re.search(r"\| `train_loss` rows \|.*\| differ by at most 1\.0e-03 \|", table), table
    # MLflow: a train_loss value in the store's own metric file (lines of "timestamp value step").
    changed = _copy(pytorch, tmp_path, "mlflow")
    (metric,) = changed.workdir.glob("mlruns/*/*/metrics/train_loss")
    rows = metric.read_text().splitlines()
    timestamp, value, step = rows[0].split()
    rows[0] = f"{timestamp} {float(value) + 0.5!r} {step}"
    metric.write_text("\n".join(rows) + "\n")
    assert loggers.read_mlflow(changed)["metrics"]["train_loss"][0][1] == pytest.approx(float(value) + 0.5)
    table = loggers.mlflow_table_of.__wrapped__(changed, lightning)
    assert re.search(r"\| metric `train_loss` \|.*\| differ by at most 5\.0e-01 \|", table), table


# ---------------------------------------------------------------- MLflow's file store refused


def test_mlflow_3_refuses_the_mlruns_folder_unless_allowed():
    refused = loggers.file_store_refused.result()
    text = clean(refused)
    last = text.strip().splitlines()[-1]
    assert last.startswith(
        "mlflow.exceptions.MlflowException: The filesystem tracking backend (e.g., './mlruns') is in maintenance mode"
    )
    assert "set `MLFLOW_ALLOW_FILE_STORE=true` to opt out of this exception." in last
    assert 'mlflow_logger = MLFlowLogger(experiment_name="autoencoder"' in text  # it stops at the logger
    assert not (refused.workdir / "mlruns").exists() and not (refused.workdir / "wandb").exists()
    assert "The filesystem tracking backend (e.g., './mlruns') is in maintenance mode" in page_text()


def test_the_mlflow_ui_command_is_shown_not_run():
    text = PAGE.read_text()
    assert "MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns" in text
    assert "Not run at build" in text


# ---------------------------------------------------------------- W&B: offline=True comes too late


def test_wandb_logger_offline_flag_after_an_earlier_run_asks_for_a_login():
    failed = loggers.offline_flag.result()
    last = clean(failed).strip().splitlines()[-1]
    assert last == "wandb.errors.errors.UsageError: No API key configured. Use `wandb login` to log in."
    # Only the earlier run went offline; the WandbLogger's run never started.
    assert len(list((failed.workdir / "wandb").glob("offline-run-*"))) == 1
    assert '"No API key configured" { #wandb-offline-flag }' in PAGE.read_text()


def test_both_tabs_pass_mode_offline_which_each_run_reads():
    assert 'mode="offline"' in sections.text(FOLDER / "loggers_pytorch.py", "loggers")
    lightning_loggers = sections.text(FOLDER / "loggers_lightning.py", "loggers")
    assert 'WandbLogger(project="autoencoder", save_dir=".", mode="offline"' in lightning_loggers
    assert "offline=True" not in lightning_loggers
