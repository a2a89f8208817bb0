"""The "Progress bars and the model summary" page (docs/progress-bars.md): a tqdm bar by hand and
Lightning's TQDMProgressBar, training without a bar, RichProgressBar without rich, and the model
summary; and the blocks that show a bar's last frame each epoch, read from the run's raw output.

The build's output cleaning takes progress bars out (snippet_runner/output.py, BAR and PROGRESS):
on this page a bar is the point, so ``last_frames`` reads the bar back from what the run printed,
frame by frame, and ``bar_block`` shows the frame that was on the screen when each epoch ended."""

from __future__ import annotations

import html
import re

from snippet_runner import Run
from snippet_runner.output import ANSI, footer
from snippet_runner.runner import Result

FOLDER = "snippets/progress-bars"
# One frame of an epoch's bar: "Epoch 0:  10%|█         | 10/100 [00:00<00:02, 41.23it/s, ...]".
FRAME = re.compile(r"^Epoch (\d+): +(\d+)%\|[^|]*\| *(\d+)/(\d+) \[[^\]]*\]$")
POSTFIX = re.compile(r"(\w+)=([-0-9.e+]+)")


def frames(run: Result) -> list[re.Match]:
    """Every frame of an epoch bar the run drew, in order (tqdm redraws a line with carriage
    returns; Lightning's nested validation bar moves the cursor with escape codes)."""
    found = []
    for line in ANSI.sub("", run.output).split("\n"):
        for frame in line.split("\r"):
            match = FRAME.match(frame.strip())
            if match:
                found.append(match)
    return found


def last_frames(run: Result) -> list[str]:
    """The frame on the screen when each epoch's bar was done: the last one drawn per epoch."""
    last: dict[str, str] = {}
    for match in frames(run):
        last[match.group(1)] = match.group(0)
    if not last:
        raise ValueError(f"{run.script} drew no epoch bar")
    return list(last.values())


def redrawn_at(run: Result, epoch: int) -> list[int]:
    """The batch counts at which the bar of that epoch was drawn, each once, in order."""
    return list(dict.fromkeys(int(m.group(3)) for m in frames(run) if int(m.group(1)) == epoch))


def shown_values(frame: str) -> dict[str, str]:
    """The values after the bar's time and rate: {"train_loss": "0.0593", ...}."""
    inside = frame.rsplit("[", 1)[1]
    return dict(POSTFIX.findall(inside))


def bar_block(run: Run) -> str:
    """Markdown: each epoch's last bar frame, as the run drew it, and the run's footer."""
    result = run.result()
    text = "\n".join(last_frames(result))
    label = f"The bar at the end of each epoch, from the output of {result.name}"
    return f'```text title="{html.escape(label)}"\n{text}\n```\n\n{footer(result)}\n'


def frame_counts() -> str:
    """A sentence: how many epoch-bar frames each script's run drew, as its output holds them."""
    counts = [(run.result(), len(frames(run.result()))) for run in (bar_lightning, bar_pytorch)]
    (lightning, drawn_l), (pytorch, drawn_p) = counts
    return (
        f"Over its 2 epochs of 100 batches, the Lightning tab's bar wrote {drawn_l} frames into "
        f"{lightning.name}'s output, the PyTorch tab's {drawn_p} into {pytorch.name}'s."
    )


def agreement() -> str:
    """Markdown: per epoch, the values the two bars showed last, side by side."""
    mine, theirs = last_frames(bar_pytorch.result()), last_frames(bar_lightning.result())
    if len(mine) != len(theirs):
        raise ValueError(f"the bars ran {len(mine)} and {len(theirs)} epochs")
    lines = ["| epoch | PyTorch (tqdm) | Lightning (`TQDMProgressBar`) | same values |", "| ---: | --- | --- | --- |"]
    for epoch, (frame_p, frame_l) in enumerate(zip(mine, theirs)):
        values_p, values_l = shown_values(frame_p), shown_values(frame_l)
        same = all(values_l.get(key) == value for key, value in values_p.items())
        cells = [", ".join(f"`{k}={v}`" for k, v in values.items()) for values in (values_p, values_l)]
        lines.append(f"| {epoch} | {cells[0]} | {cells[1]} | {'yes' if same else '**no**'} |")
    return "\n".join(lines) + "\n"


bar_pytorch = Run(f"{FOLDER}/bar_pytorch.py")
bar_lightning = Run(f"{FOLDER}/bar_lightning.py")
rich_bar = Run(f"{FOLDER}/rich_bar.py", returncode=1)  # rich is not installed: the error is the point
summary_pytorch = Run(f"{FOLDER}/summary_pytorch.py")
summary_lightning = Run(f"{FOLDER}/summary_lightning.py")

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [bar_pytorch, bar_lightning, rich_bar, summary_pytorch, summary_lightning]
