"""The TensorBoard page (docs/tensorboard.md): its two runs, a comparison of what their
event files hold, and charts of their TensorBoard logs, all drawn at build from the event files.

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


def _steps(points: list[tuple[int, float]]) -> str:
    """``9, 19, … 499``: the steps of a series, in short."""
    steps = [step for step, _ in points]
    return ", ".join(map(str, steps)) if len(steps) <= 6 else f"{steps[0]}, {steps[1]}, … {steps[-1]}"


@memoized
def tags_table(run_dir: str | os.PathLike) -> str:
    """A Markdown table of the run's scalar tags: how many points each has, at which steps."""
    rows = [f"| `{tag}` | {len(points)} | {_steps(points)} |" for tag, points in read_scalars(run_dir).items()]
    return "| tag | points | at steps |\n| --- | ---: | --- |\n" + "\n".join(rows) + "\n"


# The page's two scripts, tag by tag: (tag written by the SummaryWriter loop, tag written by
# self.log, how a point of one is paired with a point of the other). The loop logs per-epoch
# values with the epoch as the step; Lightning logs them at a global step and beside an
# ``epoch`` scalar, which says which epoch that step belongs to.
COUNTERPARTS = (
    ("Loss/train", "train_loss", "step"),
    ("MAE/train", "train_mae_step", "step"),
    (None, "train_mae_epoch", None),
    ("Loss/val", "val_loss", "epoch"),
    ("MAE/val", "val_mae", "epoch"),
    (None, "epoch", None),
)


def _points_cell(tag: str, points: list[tuple[int, float]]) -> str:
    return f"`{tag}`: {len(points)} point{'s' if len(points) != 1 else ''}, at {_steps(points)}"


def _epoch_of(lightning: dict, step: int) -> int:
    """The epoch Lightning's ``epoch`` scalar gives for ``step``."""
    epochs = {int(value) for at, value in lightning.get("epoch", []) if at == step}
    if len(epochs) != 1:
        raise MissingTagError(f"no single 'epoch' value at step {step} (found {sorted(epochs)})")
    return epochs.pop()


def pair_points(by_hand: dict, lightning: dict, by_hand_tag: str, lightning_tag: str, match: str) -> list:
    """``[(by_hand_value, lightning_value), ...]`` for the points of ``lightning_tag`` that have a
    counterpart in ``by_hand_tag``: the point at the same step (``match="step"``), or the point
    whose step is the epoch Lightning's ``epoch`` scalar gives (``match="epoch"``)."""
    mine = dict(by_hand[by_hand_tag])
    pairs = []
    for step, value in lightning[lightning_tag]:
        at = step if match == "step" else _epoch_of(lightning, step)
        if at in mine:
            pairs.append((mine[at], value))
    return pairs


@memoized
def comparison_table(by_hand_dir: str | os.PathLike, lightning_dir: str | os.PathLike) -> str:
    """A Markdown table setting the SummaryWriter loop's tags beside Lightning's (``COUNTERPARTS``):
    points and steps of each, read from the two event files, and how their values compare."""
    by_hand, lightning = read_scalars(by_hand_dir), read_scalars(lightning_dir)
    rows = []
    for mine, theirs, match in COUNTERPARTS:
        right = _series(lightning, theirs, lightning_dir)
        if mine is None:
            left_cell, verdict = "—", "no counterpart"
        else:
            left = _series(by_hand, mine, by_hand_dir)
            left_cell = _points_cell(mine, left)
            pairs = pair_points(by_hand, lightning, mine, theirs, match)
            if not pairs:
                verdict = "no point in common"
            else:
                where = f"the {len(pairs)} {'steps' if match == 'step' else 'epochs'} both have"
                gap = max(abs(a - b) for a, b in pairs)
                verdict = f"equal at {where}" if gap == 0 else f"differ by at most {gap:.1e} at {where}"
        rows.append(f"| {left_cell} | {_points_cell(theirs, right)} | {verdict} |")
    head = "| `SummaryWriter` loop | `self.log` in a `LightningModule` | values |\n| --- | --- | --- |\n"
    return head + "\n".join(rows) + "\n"


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


def _by_hand_note(by_hand_dir, by_hand_tag: str, points: list, axis: str) -> str:
    return (
        f" Also drawn: {by_hand_tag} from the event file of {_run_name(by_hand_dir)}: {len(points)} points, "
        f"{axis} {points[0][0]} to {points[-1][0]}."
    )


@memoized
def train_loss_chart(
    run_dir: str | os.PathLike,
    tag: str = "train_loss",
    *,
    by_hand: str | os.PathLike | None = None,
    by_hand_tag: str = "Loss/train",
) -> str:
    """``tag`` against the step, as TensorBoard's scalar card shows it: inline SVG. With
    ``by_hand`` (another run's folder), that run's ``by_hand_tag`` is drawn under it as a line."""
    points = _series(read_scalars(run_dir), tag, run_dir)
    steps, values = zip(*points)
    fig, ax = figures.figure()
    note = beside = ""
    if by_hand is not None:
        mine = _series(read_scalars(by_hand), by_hand_tag, by_hand)
        beside = f", beside {by_hand_tag} from {_run_name(by_hand)}"
        ax.plot(*zip(*mine), color="#78909c", linewidth=0.8, label=f"{by_hand_tag} · {_run_name(by_hand)}")
        note = _by_hand_note(by_hand, by_hand_tag, mine, "steps")
    ax.plot(
        steps,
        values,
        color="#ff7043",
        marker="o",
        markersize=2.5,
        linewidth=1.2 if by_hand is None else 0,
        label=f"{tag} · {_run_name(run_dir)}",
    )
    ax.set_xlabel("step")
    ax.set_ylabel(tag)
    if by_hand is not None:
        ax.legend(fontsize=9, frameon=False)
    ax.set_title(f"{tag} per step · {_run_name(run_dir)}", fontsize=10)
    ax.grid(alpha=0.3)
    return figures.inline_svg(
        fig,
        title=f"{tag} per training step, read from the event file of {_run_name(run_dir)}" + beside,
        description=(
            f"Line chart of {len(points)} points, steps {steps[0]} to {steps[-1]}; {tag} goes {_describe(values)}."
            + note
        ),
    )


@memoized
def val_loss_chart(
    run_dir: str | os.PathLike,
    tag: str = "val_loss",
    *,
    by_hand: str | os.PathLike | None = None,
    by_hand_tag: str = "Loss/val",
) -> str:
    """``tag`` against the epoch: inline SVG.

    Lightning writes every point at a global step and logs an ``epoch`` scalar at the same
    step; that is how a point is given its epoch here. A run without an ``epoch`` tag (a plain
    ``SummaryWriter`` that logged the epoch as the step) is drawn with its steps as epochs, and
    so is ``by_hand``'s ``by_hand_tag``, drawn over it with open markers.
    """
    scalars = read_scalars(run_dir)
    points = _series(scalars, tag, run_dir)
    if scalars.get("epoch"):
        epochs = [_epoch_of(scalars, step) for step, _ in points]
        where = f"logged at steps {', '.join(str(step) for step, _ in points)}"
    else:
        epochs = [step for step, _ in points]
        where = "logged with the epoch as its step"
    values = [value for _, value in points]
    fig, ax = figures.figure()
    ax.plot(
        epochs, values, color="#1e88e5", marker="o", markersize=5, linewidth=1.5, label=f"{tag} · {_run_name(run_dir)}"
    )
    note = beside = ""
    if by_hand is not None:
        mine = _series(read_scalars(by_hand), by_hand_tag, by_hand)
        beside = f", beside {by_hand_tag} from {_run_name(by_hand)}"
        ax.plot(
            *zip(*mine),
            linestyle="none",
            marker="o",
            markersize=10,
            markerfacecolor="none",
            markeredgecolor="#78909c",
            label=f"{by_hand_tag} · {_run_name(by_hand)}",
        )
        ax.legend(fontsize=9, frameon=False)
        note = _by_hand_note(by_hand, by_hand_tag, mine, "logged with the epoch as its step, epochs")
    ax.set_xlabel("epoch")
    ax.set_ylabel(tag)
    ax.set_xticks(sorted(set(epochs)))
    ax.set_title(f"{tag} per epoch · {_run_name(run_dir)}", fontsize=10)
    ax.grid(alpha=0.3)
    return figures.inline_svg(
        fig,
        title=f"{tag} per epoch, read from the event file of {_run_name(run_dir)}" + beside,
        description=(
            f"Line chart of {len(points)} points, epochs {epochs[0]} to {epochs[-1]} ({where}); "
            f"{tag} goes {_describe(values)}." + note
        ),
    )


def _source_block(path: str, first: str, last: str) -> str:
    """The lines of the installed Lightning from ``first`` to the end of ``last``, as a Markdown code
    block. Read from the source file, without importing Lightning (a warm build stays fast)."""
    from importlib import metadata

    source = Path(metadata.distribution("pytorch-lightning").locate_file(path)).read_text()
    start = source.index(first)
    end = source.index(last, start) + len(last)
    version = metadata.version("pytorch-lightning")
    return f'```python title="{path} (pytorch-lightning {version}, read at build)"\n{textwrap.dedent(source[start:end])}\n```\n'


def logged_step_source() -> str:
    """Where the logger connector picks the step of a write and adds the ``epoch`` scalar."""
    return _source_block(
        "pytorch_lightning/trainer/connectors/logger_connector/logger_connector.py",
        "        if step is None:\n",
        "step = self.trainer.fit_loop.epoch_loop._batches_that_stepped",
    )


def epoch_end_step_source() -> str:
    """Where the fit loop logs the training epoch's values at the epoch's last step."""
    return _source_block(
        "pytorch_lightning/loops/fit_loop.py",
        "        # we manually decrease here",
        "self.epoch_loop._batches_that_stepped += 1",
    )


def default_logger_check() -> str:
    """The lines of the installed Lightning that choose the default logger, as a Markdown code block."""
    return _source_block(
        "pytorch_lightning/trainer/connectors/logger_connector/logger_connector.py",
        "        elif logger is True:",
        "self.trainer.loggers = [logger_]",
    )


# The page's notebook (snippet_runner/notebooks.py): both scripts, in page order.
NOTEBOOK = [log_pytorch, log_lightning]
