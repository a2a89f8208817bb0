"""The Other loggers page (docs/loggers.md): its runs, and what each logger stored, read back at build
with that logger's own reader, the way the TensorBoard page reads event files:

- the ``CSVLogger``'s ``metrics.csv`` with the ``csv`` module, and its ``hparams.yaml`` with PyYAML;
- the MLflow store with MLflow's own client (``MlflowClient``: params, metric histories, the
  image artifacts);
- the offline W&B run with W&B's own reader, ``wandb leet inspect --json`` (its records) and
  ``--summary --json`` (config and summary).

Each table sets what the PyTorch tab wrote by hand beside what the Lightning tab's loggers wrote,
and says whether the two are equal::

    from pages import loggers
    print(loggers.mlflow_table())
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.runner import Result, SnippetError

FOLDER = "snippets/loggers"

loggers_pytorch = Run(f"{FOLDER}/loggers_pytorch.py", timeout=180)
loggers_lightning = Run(f"{FOLDER}/loggers_lightning.py", timeout=180)
# The same script with MLflow's default answer to a ./mlruns folder: it stops at the MLFlowLogger.
file_store_refused = Run(
    f"{FOLDER}/loggers_lightning.py", env={"MLFLOW_ALLOW_FILE_STORE": "false"}, returncode=1, timeout=120
)

# WandbLogger(offline=True) after W&B ran once in the same process (a notebook): it fails on purpose.
offline_flag = Run(f"{FOLDER}/offline_flag.py", returncode=1, timeout=120)

EXPERIMENT = "autoencoder"
# Where each tab's CSV went (the Lightning one is the CSVLogger's first version folder).
CSV_DIRS = {"pytorch": "logs/autoencoder/by-hand", "lightning": "logs/autoencoder/version_0"}


def _workdir(run: Result | Run) -> Path:
    return (run.result() if isinstance(run, Run) else run).workdir


# --------------------------------------------------------------------------- CSV


def read_csv(run: Result, tab: str) -> dict[str, list[tuple[int, float]]]:
    """``metrics.csv`` read with the csv module: ``{column: [(step, value), ...]}`` for each metric
    column, the rows where that column has a value, in file order."""
    path = run.workdir / CSV_DIRS[tab] / "metrics.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c not in ("epoch", "step")]
    return {c: [(int(r["step"]), float(r[c])) for r in rows if r[c] != ""] for c in columns}


def csv_header(run: Result, tab: str) -> list[str]:
    with open(run.workdir / CSV_DIRS[tab] / "metrics.csv", newline="") as f:
        return next(csv.reader(f))


def read_hparams_yaml(run: Result, tab: str) -> dict:
    import yaml

    return yaml.safe_load((run.workdir / CSV_DIRS[tab] / "hparams.yaml").read_text())


# --------------------------------------------------------------------------- MLflow


@contextlib.contextmanager
def _file_store_allowed():
    """MLflow 3 refuses a file store unless MLFLOW_ALLOW_FILE_STORE is true; set it for the reading
    only, so that the build's own environment (which later runs inherit) stays as it was."""
    before = os.environ.get("MLFLOW_ALLOW_FILE_STORE")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ["MLFLOW_ALLOW_FILE_STORE"]
        else:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = before


def read_mlflow(run: Result) -> dict:
    """The run's MLflow store, read with ``MlflowClient``: its one run in the ``autoencoder``
    experiment, with params, metric histories ``{key: [(step, value), ...]}``, status, the
    recorded artifact URI, and the images (``[(step, png bytes), ...]``).

    The store records the artifact folder as an absolute path, where the script ran; the build
    keeps the run's folder elsewhere, so the images are listed and read by MLflow's own artifact
    repository at the same place under this folder."""
    from mlflow import MlflowClient
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    store = run.workdir / "mlruns"
    with _file_store_allowed():
        client = MlflowClient(f"file:{store}")
        experiment = client.get_experiment_by_name(EXPERIMENT)
        if experiment is None:
            raise SnippetError(f"{run.script}: no MLflow experiment {EXPERIMENT!r} under {store}")
        runs = client.search_runs([experiment.experiment_id])
        if len(runs) != 1:
            raise SnippetError(f"{run.script}: {len(runs)} MLflow runs in {EXPERIMENT!r}, expected 1")
        (found,) = runs
        run_id = found.info.run_id
        histories = {
            key: [(m.step, m.value) for m in sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)]
            for key in sorted(found.data.metrics)
        }
        artifacts = LocalArtifactRepository(str(store / experiment.experiment_id / run_id / "artifacts"))
        images = []
        for item in artifacts.list_artifacts("images"):
            name = Path(item.path).name
            if name.endswith(".png"):  # MLflow also writes a small .webp preview beside each
                step = int(name.split("+step+")[1].split("+")[0])
                images.append((step, (Path(artifacts.artifact_dir) / item.path).read_bytes()))
    return {
        "run_id": run_id,
        "experiment_id": experiment.experiment_id,
        "status": found.info.status,
        "artifact_uri": found.info.artifact_uri,
        "params": dict(found.data.params),
        "metrics": histories,
        "images": sorted(images),
    }


# --------------------------------------------------------------------------- W&B


def wandb_run_dir(run: Result) -> Path:
    """The one offline run folder under ``wandb/`` (``offline-run-<date>-<id>``)."""
    found = sorted((run.workdir / "wandb").glob("offline-run-*"))
    if len(found) != 1:
        raise SnippetError(f"{run.script}: {len(found)} offline W&B runs under wandb/, expected 1")
    return found[0]


def _wandb_inspect(run_dir: Path, *options: str) -> str:
    command = [str(Path(sys.executable).parent / "wandb"), "leet", "inspect", "--json", *options, str(run_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SnippetError(f"{' '.join(command[1:])} exited with {done.returncode}:\n{done.stderr}")
    return done.stdout


def read_wandb(run: Result) -> dict:
    """The offline run, read with ``wandb leet inspect``: its config, its history rows (each a dict,
    with ``_step``), and its images (``[(history row, png bytes), ...]``)."""
    run_dir = wandb_run_dir(run)
    summary = json.loads(_wandb_inspect(run_dir, "--summary"))
    records = [json.loads(line) for line in _wandb_inspect(run_dir).splitlines() if line.strip()]
    rows = [record["history"]["item"] for record in records if record["type"] == "history"]
    images = []
    for row in rows:
        files = row.get("reconstructions.filenames") or (
            [row["reconstructions.path"]] if "reconstructions.path" in row else []
        )
        images += [(row, (run_dir / "files" / name).read_bytes()) for name in files]
    return {"config": summary["config"], "state": summary["state"], "rows": rows, "images": images, "dir": run_dir}


def wandb_series(rows: list[dict], key: str, x: str) -> list[tuple[int, float]]:
    return [(int(row[x]), row[key]) for row in rows if key in row]


# --------------------------------------------------------------------------- the tables


def _steps(points) -> str:
    steps = [step for step, _ in points]
    return ", ".join(map(str, steps)) if len(steps) <= 4 else f"{steps[0]}, {steps[1]}, … {steps[-1]}"


def _series_cell(points, noun: str = "value") -> str:
    return f"{len(points)} {noun}{'s' if len(points) != 1 else ''}, at steps {_steps(points)}" if points else "—"


def _same(a, b) -> str:
    if a == b:
        return "equal, bit for bit"
    if a and b and len(a) == len(b):
        worst = max(abs(x[1] - y[1]) for x, y in zip(a, b))
        return f"differ by at most {worst:.1e}"
    return "different"


def _pixels(png: bytes):
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def same_pixels(a: list[bytes], b: list[bytes]) -> bool:
    return len(a) == len(b) and all((_pixels(x) == _pixels(y)).all() for x, y in zip(a, b))


def _params(params: dict) -> str:
    return ", ".join(f"`{k}`: `{v!r}`" for k, v in sorted(params.items()))


HEADER = "| what | PyTorch tab (loggers_pytorch.py) | Lightning tab (loggers_lightning.py) | the two |\n| --- | --- | --- | --- |\n"


@memoized
def csv_table_of(pytorch: Result, lightning: Result) -> str:
    """The two metrics.csv files (csv module) and hparams.yaml files (PyYAML), side by side."""
    mine, theirs = read_csv(pytorch, "pytorch"), read_csv(lightning, "lightning")
    rows = [
        f"| columns of `metrics.csv` | {', '.join(csv_header(pytorch, 'pytorch'))} "
        f"| {', '.join(csv_header(lightning, 'lightning'))} | — |"
    ]
    for key in ("train_loss", "val_loss"):
        rows.append(
            f"| `{key}` rows | {_series_cell(mine.get(key, []))} | {_series_cell(theirs.get(key, []))} "
            f"| {_same(mine.get(key), theirs.get(key))} |"
        )
    a, b = read_hparams_yaml(pytorch, "pytorch"), read_hparams_yaml(lightning, "lightning")
    rows.append(f"| `hparams.yaml` | {_params(a)} | {_params(b)} | {'equal' if a == b else 'different'} |")
    return HEADER + "\n".join(rows) + "\n"


@memoized
def mlflow_table_of(pytorch: Result, lightning: Result) -> str:
    """The two MLflow runs, read with MlflowClient, side by side."""
    mine, theirs = read_mlflow(pytorch), read_mlflow(lightning)
    rows = [
        f"| run status | {mine['status']} | {theirs['status']} | — |",
        f"| params | {_params(mine['params'])} | {_params(theirs['params'])} "
        f"| {'equal' if mine['params'] == theirs['params'] else 'different'} |",
    ]
    for key in sorted(set(mine["metrics"]) | set(theirs["metrics"])):
        a, b = mine["metrics"].get(key, []), theirs["metrics"].get(key, [])
        rows.append(
            f"| metric `{key}` | {_series_cell(a)} | {_series_cell(b)} | {_same(a, b) if a and b else 'one tab only'} |"
        )
    a, b = mine["images"], theirs["images"]
    same = same_pixels([png for _, png in a], [png for _, png in b])
    rows.append(
        f"| images under `reconstructions` | {_series_cell(a, 'PNG')} | {_series_cell(b, 'PNG')} "
        f"| {'the same pixels' if same else 'different pixels'} |"
    )
    return HEADER + "\n".join(rows) + "\n"


@memoized
def wandb_table_of(pytorch: Result, lightning: Result) -> str:
    """The two offline W&B runs, read with ``wandb leet inspect``, side by side. The PyTorch tab
    passed the step to ``wandb.log``; WandbLogger logs ``trainer/global_step`` beside each row."""
    mine, theirs = read_wandb(pytorch), read_wandb(lightning)
    rows = [
        f"| run state | {mine['state']} | {theirs['state']} | — |",
        f"| config | {_params(mine['config'])} | {_params(theirs['config'])} "
        f"| {'equal' if mine['config'] == theirs['config'] else 'different'} |",
        f"| history rows | {len(mine['rows'])} | {len(theirs['rows'])} | — |",
    ]
    for key in ("train_loss", "val_loss"):
        a = wandb_series(mine["rows"], key, "_step")
        b = wandb_series(theirs["rows"], key, "trainer/global_step")
        rows.append(
            f"| `{key}` | {_series_cell(a)} (`_step`) | {_series_cell(b)} (`trainer/global_step`) | {_same(a, b)} |"
        )
    a = [(int(row["_step"]), png) for row, png in mine["images"]]
    b = [(int(row["trainer/global_step"]), png) for row, png in theirs["images"]]
    same = same_pixels([png for _, png in a], [png for _, png in b])
    rows.append(
        f"| images under `reconstructions` | {_series_cell(a, 'PNG')} | {_series_cell(b, 'PNG')} "
        f"| {'the same pixels' if same else 'different pixels'} |"
    )
    return HEADER + "\n".join(rows) + "\n"


def csv_table() -> str:
    return csv_table_of(loggers_pytorch.result(), loggers_lightning.result())


def mlflow_table() -> str:
    return mlflow_table_of(loggers_pytorch.result(), loggers_lightning.result())


def wandb_table() -> str:
    return wandb_table_of(loggers_pytorch.result(), loggers_lightning.result())


@memoized
def csv_file_of(run: Result, tab: str) -> str:
    """The metrics.csv file as it is, in a text block."""
    text = (run.workdir / CSV_DIRS[tab] / "metrics.csv").read_text().rstrip("\n")
    return f'```text title="{CSV_DIRS[tab]}/metrics.csv, written by {run.name} at build"\n{text}\n```\n'


def csv_file(tab: str = "lightning") -> str:
    return csv_file_of({"pytorch": loggers_pytorch, "lightning": loggers_lightning}[tab].result(), tab)


@memoized
def mlflow_images_of(run: Result) -> str:
    """The images MLflow stored, as the client read them back, shown as they are (scaled up)."""
    found = read_mlflow(run)["images"]
    if not found:
        raise SnippetError(f"{run.script}: MLflow stored no image under reconstructions")
    figures = []
    for step, png in found:
        height, width = _pixels(png).shape[:2]
        alt = (
            f"The PNG that MLflow stored at step {step} of {run.name}: 8 validation digits in the top row, "
            "the auto-encoder's reconstructions of them in the bottom row"
        )
        data = base64.b64encode(png).decode()
        figures.append(
            f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'width="{width * 2}" height="{height * 2}" style="image-rendering: pixelated">'
            f"<figcaption>reconstructions, step {step}: read back from the MLflow store of {run.name}"
            "</figcaption></figure>"
        )
    return "\n".join(figures) + "\n"


def mlflow_images() -> str:
    return mlflow_images_of(loggers_lightning.result())


# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order. (The refused file
# store is the Lightning script again, with an environment variable a notebook cell does not set.)
NOTEBOOK = [loggers_pytorch, loggers_lightning, offline_flag]
