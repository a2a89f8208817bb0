"""The Learning rate and batch size finder page (docs/tuner.md): lr_find against a plain range
test and against its own computation written out, the curve drawn from the results the run saved
with the suggestion marked and read in a sentence, a short training at the suggested and other
rates, and scale_batch_size."""

from __future__ import annotations

import json
import math
from pathlib import Path

from snippet_runner import Run, figures
from snippet_runner.memo import memoized
from snippet_runner.output import printed
from snippet_runner.runner import Result

FOLDER = "snippets/tuner"


def results(run: Result) -> dict:
    """What lr_find_*.py saved: the learning rates, the smoothed losses and the suggestion."""
    name = Path(run.script).stem + ".json"
    return json.loads((run.workdir / name).read_text())


def steepest_on_log_axis(found: dict, skip_begin: int = 10, skip_end: int = 1) -> float:
    """The rate where the loss falls fastest against log10(lr), the chart's axis (the same skips as
    Lightning's suggestion; central differences, as torch.gradient takes them)."""
    lrs, losses = found["lr"][skip_begin:-skip_end], found["loss"][skip_begin:-skip_end]
    logs = [math.log10(lr) for lr in lrs]
    slopes = []
    for i in range(len(lrs)):
        before, after = max(i - 1, 0), min(i + 1, len(lrs) - 1)
        slopes.append((losses[after] - losses[before]) / (logs[after] - logs[before]))
    return lrs[min(range(len(slopes)), key=slopes.__getitem__)]


def curve_readings(found: dict) -> tuple[int, int]:
    """Two points read off a curve: the step with the highest smoothed loss, and the step from which
    the loss falls at every step to the end (the end itself when the last step rose)."""
    losses = found["loss"]
    top = max(range(len(losses)), key=losses.__getitem__)
    fall = len(losses) - 1
    while fall > 0 and losses[fall - 1] > losses[fall]:
        fall -= 1
    return top, fall


def curve_text() -> str:
    """The paragraph that reads lr_find's curve, its numbers taken from the saved results."""
    found = results(lr_find_lightning.result())
    lrs, losses = found["lr"], found["loss"]
    top, fall = curve_readings(found)
    last = len(lrs) - 1
    text = f"Read from the right: the smoothed loss is highest at a rate of {lrs[top]:.3g} ({losses[top]:.4f}, point {top})"
    if fall == last:
        return text + f", and its last point rose ({losses[last]:.4f} at {lrs[last]:.3g})."
    start = "there" if fall == top else f"{lrs[fall]:.3g} (point {fall})"
    return text + f", and falls at every step from {start} to {losses[last]:.4f} at {lrs[last]:.3g}."


@memoized
def lr_chart(run: Result) -> str:
    """The smoothed loss against the learning rate (log axis), from the file the run saved, with
    the run's suggestion marked: inline SVG."""
    found = results(run)
    lrs, losses, suggestion = found["lr"], found["loss"], found["suggestion"]
    step = lrs.index(suggestion)
    steepest = steepest_on_log_axis(found)
    fig, ax = figures.figure()
    ax.plot(lrs, losses, color="#78909c", linewidth=1.2, label="smoothed training loss")
    ax.plot([suggestion], [losses[step]], "o", color="#e53935", markersize=7, label=f"suggestion() = {suggestion:.3g}")
    mark = lrs.index(steepest)
    ax.plot(
        [steepest], [losses[mark]], "s", color="#1e88e5", markersize=6, label=f"steepest on this axis = {steepest:.3g}"
    )
    ax.axvline(1e-3, color="#9e9e9e", linestyle=":", linewidth=1, label="the site's lr, 1e-3")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("smoothed loss")
    ax.set_title(f"lr_find on the auto-encoder · {len(lrs)} steps", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return figures.inline_svg(
        fig,
        title=f"Learning rate finder curve of {run.name}, with its suggestion {suggestion:.6g} marked",
        description=(
            f"Line chart of {len(lrs)} points, learning rates {lrs[0]:.3g} to {lrs[-1]:.3g} on a log axis. "
            f"The suggestion, {suggestion:.6g} (point {step}), is marked in red at smoothed loss {losses[step]:.4f}; "
            f"the steepest fall on the log axis, {steepest:.6g} (point {mark}), in blue."
        ),
    )


def chart() -> str:
    return lr_chart(lr_find_lightning.result())


# In page order.
lr_find_pytorch = Run(f"{FOLDER}/lr_find_pytorch.py")
lr_find_lightning = Run(f"{FOLDER}/lr_find_lightning.py")
compare = Run(f"{FOLDER}/compare.py", starts_from=(lr_find_pytorch, lr_find_lightning))
try_lrs = Run(
    f"{FOLDER}/try_lrs.py",
    args=(
        lambda: printed(lr_find_lightning.compute(), "suggestion"),
        "0.001",
        lambda: f"{steepest_on_log_axis(results(lr_find_lightning.compute())):.6g}",
    ),
    depends_on=(lr_find_lightning,),
)
batch_size = Run(f"{FOLDER}/batch_size.py")

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [lr_find_pytorch, lr_find_lightning, compare, try_lrs, batch_size]
