"""The TensorBoard page (docs/tensorboard.md): its two runs, and charts of their TensorBoard
logs drawn at build from the event files.

The points are read with TensorBoard's own event reader (``EventAccumulator``), the
same code a ``tensorboard`` server uses, so the page shows what TensorBoard would::

    from pages import tensorboard
    print(tensorboard.train_loss_chart(tensorboard.log_lightning.result().workdir / "lightning_logs" / "version_0"))

A folder without an event file raises ``NoEventFileError`` naming the folder (which fails
``mkdocs build --strict``): the page never shows an empty chart.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

from snippet_runner import Run, figures
from snippet_runner.memo import memoized

log_pytorch = Run("snippets/tensorboard/log_pytorch.py")
log_lightning = Run("snippets/tensorboard/log_lightning.py")

EVENT_FILE_PATTERN = "events.out.tfevents.*"


class NoEventFileError(FileNotFoundError):
    """The folder holds no TensorBoard event file, so there is nothing to draw."""


class MissingTagError(LookupError):
    """The event files hold no scalar under the tag a chart asked for."""


def event_files(run_dir: str | os.PathLike) -> list[Path]:
    """The event files directly in ``run_dir`` (one TensorBoard run), or a clear error."""
    folder = Path(run_dir)
    if not folder.is_dir():
        raise NoEventFileError(f"{folder}: no such folder, so there are no TensorBoard logs to draw")
    found = sorted(folder.glob(EVENT_FILE_PATTERN))
    if not found:
        raise NoEventFileError(
            f"{folder}: no TensorBoard event file ({EVENT_FILE_PATTERN}) in this folder, so there is "
            "nothing to draw. Did the run log anything, and is this the run's version folder?"
        )
    return found


def read_scalars(run_dir: str | os.PathLike) -> dict[str, list[tuple[int, float]]]:
    """Every scalar tag in the run, as ``{tag: [(step, value), ...]}`` in the order TensorBoard keeps."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    event_files(run_dir)
    # size_guidance 0 = keep every point (the default keeps a random sample of 10,000 per tag).
    accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    accumulator.Reload()
    return {
        tag: [(event.step, event.value) for event in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]
    }


@memoized
def tags_table(run_dir: str | os.PathLike) -> str:
    """A Markdown table of the run's scalar tags: how many points each has, at which steps."""
    rows = []
    for tag, points in read_scalars(run_dir).items():
        steps = [step for step, _ in points]
        shown = ", ".join(map(str, steps)) if len(steps) <= 6 else f"{steps[0]}, {steps[1]}, … {steps[-1]}"
        rows.append(f"| `{tag}` | {len(points)} | {shown} |")
    return "| tag | points | at steps |\n| --- | ---: | --- |\n" + "\n".join(rows) + "\n"


def _series(scalars: dict, tag: str, run_dir) -> list[tuple[int, float]]:
    points = scalars.get(tag)
    if not points:
        known = ", ".join(sorted(scalars)) or "none"
        raise MissingTagError(f"{Path(run_dir)}: no scalar tagged {tag!r} in the event files (tags: {known})")
    return points


def _run_name(run_dir) -> str:
    """``lightning_logs/version_0`` for a run dir ending in those two folders."""
    return "/".join(Path(run_dir).parts[-2:])


def _describe(values: list[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "no finite value"
    return f"from {values[0]:.4f} to {values[-1]:.4f} (lowest {min(finite):.4f})"


@memoized
def train_loss_chart(run_dir: str | os.PathLike, tag: str = "train_loss") -> str:
    """``tag`` against the step, as TensorBoard's scalar card shows it: inline SVG."""
    points = _series(read_scalars(run_dir), tag, run_dir)
    steps, values = zip(*points)
    fig, ax = figures.figure()
    ax.plot(steps, values, color="#ff7043", marker="o", markersize=2.5, linewidth=1.2)
    ax.set_xlabel("step")
    ax.set_ylabel(tag)
    ax.set_title(f"{tag} per step · {_run_name(run_dir)}", fontsize=10)
    ax.grid(alpha=0.3)
    return figures.inline_svg(
        fig,
        title=f"{tag} per training step, read from the event file of {_run_name(run_dir)}",
        description=(
            f"Line chart of {len(points)} points, steps {steps[0]} to {steps[-1]}; {tag} goes {_describe(values)}."
        ),
    )


@memoized
def val_loss_chart(run_dir: str | os.PathLike, tag: str = "val_loss") -> str:
    """``tag`` against the epoch: inline SVG.

    Lightning writes every point at a global step and logs an ``epoch`` scalar at the same
    step; that is how a point is given its epoch here. A run without an ``epoch`` tag (a plain
    ``SummaryWriter`` that logged the epoch as the step) is drawn with its steps as epochs.
    """
    scalars = read_scalars(run_dir)
    points = _series(scalars, tag, run_dir)
    epoch_at = {step: int(value) for step, value in scalars.get("epoch", [])}
    if epoch_at:
        epochs = [epoch_at[step] for step, _ in points]
        where = f"logged at steps {', '.join(str(step) for step, _ in points)}"
    else:
        epochs = [step for step, _ in points]
        where = "logged with the epoch as its step"
    values = [value for _, value in points]
    fig, ax = figures.figure()
    ax.plot(epochs, values, color="#1e88e5", marker="o", markersize=5, linewidth=1.5)
    ax.set_xlabel("epoch")
    ax.set_ylabel(tag)
    ax.set_xticks(sorted(set(epochs)))
    ax.set_title(f"{tag} per epoch · {_run_name(run_dir)}", fontsize=10)
    ax.grid(alpha=0.3)
    return figures.inline_svg(
        fig,
        title=f"{tag} per epoch, read from the event file of {_run_name(run_dir)}",
        description=(
            f"Line chart of {len(points)} points, epochs {epochs[0]} to {epochs[-1]} ({where}); "
            f"{tag} goes {_describe(values)}."
        ),
    )


def default_logger_check() -> str:
    """The lines of the installed Lightning that choose the default logger, as a Markdown
    code block. Read from the source file, without importing Lightning (a warm build stays fast)."""
    from importlib import metadata

    path = "pytorch_lightning/trainer/connectors/logger_connector/logger_connector.py"
    source = Path(metadata.distribution("pytorch-lightning").locate_file(path)).read_text()
    start = source.index("        elif logger is True:")
    end = source.index("self.trainer.loggers = [logger_]", start) + len("self.trainer.loggers = [logger_]")
    version = metadata.version("pytorch-lightning")
    return f'```python title="{path} (pytorch-lightning {version}, read at build)"\n{textwrap.dedent(source[start:end])}\n```\n'
