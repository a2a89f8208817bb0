"""Build-time glue for the Checkpoints page (docs/checkpoints.md).

Its scripts read files that earlier ones wrote: ``page_run`` runs each one after the
scripts it reads from (through the cached runner, as the page and the tests both do),
``best_checkpoint`` reads which file best.py picked from what it printed, and
``reconstructions`` draws the digits that predict.py fed to the loaded model beside
what the model gave back. Nothing here is made up: it all comes from real runs.
"""

from __future__ import annotations

import re

from snippet_runner import figures
from snippet_runner.memo import memoized
from snippet_runner.output import clean, render
from snippet_runner.runner import Run, run

SCRIPTS = "snippets/checkpoints"
# What each script reads was written by these (their working folders are copied into its own).
AFTER = {
    "predict.py": ["best.py"],
    "hyperparameters.py": ["best.py"],
    "resume.py": ["automatic.py"],
    "last_trap.py": ["automatic.py"],
    "compare.py": ["resume.py"],
    "by_hand.py": ["best.py"],
    "safe_loading.py": ["best.py"],
    "bad_input.py": ["safe_loading.py"],
}
BEST_LINE = re.compile(r"^best_model_path: (\S+)$", re.MULTILINE)


def page_run(script: str) -> Run:
    """Run ``snippets/checkpoints/<name>.py`` (cached) after the scripts whose files it reads."""
    name = script.rsplit("/", 1)[-1]
    earlier = [page_run(before) for before in AFTER.get(name, [])]
    args = [best_checkpoint(page_run("best.py"))] if name == "predict.py" else []
    return run(f"{SCRIPTS}/{name}", after=earlier, args=args)


def show(script: str, *, keep: str | None = None, title: str | None = None) -> str:
    """Markdown for the page: the script's cleaned output, run time and versions."""
    return render(page_run(script), keep=keep, title=title)


def best_checkpoint(best_run: Run) -> str:
    """The ``best_model_path`` that best.py printed, relative to its working folder."""
    found = BEST_LINE.search(clean(best_run))
    if found is None:
        raise ValueError(f"{best_run.script} printed no 'best_model_path: ...' line")
    return found.group(1)


@memoized
def reconstructions(predict_run: Run) -> str:
    """Inline PNG: the test digits predict.py fed to the model (top) and its reconstructions (bottom)."""
    import torch

    saved = torch.load(predict_run.workdir / "predictions.pt", weights_only=True)
    images, outputs, labels = saved["images"], saved["reconstructions"], saved["labels"]
    fig, grid = figures.pyplot().subplots(2, len(labels), figsize=(8.0, 2.4), layout="constrained")
    for column, label in enumerate(labels):
        grid[0][column].set_title(str(label), fontsize=10)
        for row, picture in enumerate((images[column], outputs[column].clamp(0, 1))):
            grid[row][column].imshow(picture.squeeze(0).numpy(), cmap="gray", vmin=0, vmax=1)
            grid[row][column].set_xticks([])
            grid[row][column].set_yticks([])
    grid[0][0].set_ylabel("test digit", fontsize=9)
    grid[1][0].set_ylabel("reconstruction", fontsize=9)
    digits = ", ".join(str(label) for label in labels)
    alt = (
        f"Two rows of {len(labels)} small grayscale images. Top row: real MNIST test digits "
        f"{digits}. Bottom row: the loaded model's reconstruction of each, a blurry grey version "
        f"rebuilt from a code of only 3 numbers."
    )
    caption = (
        f"Top: {len(labels)} MNIST test digits. Bottom: what the model loaded from the best checkpoint "
        f"rebuilt from them. Drawn at build from the predictions.pt that {predict_run.script} saved."
    )
    return figures.inline_png(fig, alt=alt, caption=caption)
