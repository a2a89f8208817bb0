"""The Checkpoints page (docs/checkpoints.md): its runs, and the reconstruction picture.

Its scripts read files that earlier ones wrote: each run is declared with the runs whose files
it starts from. ``best_checkpoint`` reads which file best.py picked from what it printed, and
``reconstructions`` draws the digits that predict.py fed to the loaded model beside what the
model gave back. Nothing here is made up: it all comes from real runs.
"""

from __future__ import annotations

from pathlib import Path

from snippet_runner import Run, figures
from snippet_runner.memo import memoized
from snippet_runner.output import printed
from snippet_runner.runner import Result

FOLDER = "snippets/checkpoints"


def best_checkpoint(best_run: Result) -> str:
    """The ``best_model_path`` that best.py printed, relative to its working folder."""
    return printed(best_run, "best_model_path")


# In page order. Each script that reads files starts from a copy of the folder of the run that wrote them.
save_pytorch = Run(f"{FOLDER}/save_pytorch.py")
automatic = Run(f"{FOLDER}/automatic.py")
best = Run(f"{FOLDER}/best.py")
predict = Run(f"{FOLDER}/predict.py", starts_from=(best,), args=(lambda: best_checkpoint(best.compute()),))
hyperparameters = Run(f"{FOLDER}/hyperparameters.py", starts_from=(best,))
no_checkpoints = Run(f"{FOLDER}/no_checkpoints.py")
resume_pytorch = Run(f"{FOLDER}/resume_pytorch.py", starts_from=(save_pytorch,))
resume = Run(f"{FOLDER}/resume.py", starts_from=(automatic,))
compare_pytorch = Run(f"{FOLDER}/compare_pytorch.py", starts_from=(resume_pytorch,))
compare = Run(f"{FOLDER}/compare.py", starts_from=(resume,))
last_trap = Run(f"{FOLDER}/last_trap.py", starts_from=(automatic,))
last_fix = Run(f"{FOLDER}/last_fix.py")
by_hand = Run(f"{FOLDER}/by_hand.py", starts_from=(best,))
safe_loading = Run(f"{FOLDER}/safe_loading.py", starts_from=(best,))
bad_input = Run(f"{FOLDER}/bad_input.py", starts_from=(safe_loading,))

# Script name -> its run, in page order (the tests walk the page with it).
RUNS = {
    Path(run.script).name: run
    for run in (
        save_pytorch,
        automatic,
        best,
        predict,
        hyperparameters,
        no_checkpoints,
        resume_pytorch,
        resume,
        compare_pytorch,
        compare,
        last_trap,
        last_fix,
        by_hand,
        safe_loading,
        bad_input,
    )
}


@memoized
def reconstructions(predict_run: Result) -> str:
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


# The page's notebook (snippet_runner/notebooks.py): every script, in page order, in one folder.
NOTEBOOK = list(RUNS.values())
