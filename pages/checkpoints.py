"""The Checkpoints page (docs/checkpoints.md): its runs, the table of what the two tabs did, and
the reconstruction picture.

Its scripts read files that earlier ones wrote: each run is declared with the runs whose files
it starts from. ``best_checkpoint`` reads which file best.py picked from what it printed;
``agreement_table`` sets each PyTorch run beside its Lightning twin (the losses they printed and
the weights in the files they saved); ``reconstructions`` draws the digits that predict.py fed to
the loaded model beside what the model gave back. Nothing here is made up: it all comes from real runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from snippet_runner import Run, figures
from snippet_runner.memo import memoized
from snippet_runner.output import clean, printed
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


def val_losses(run: Result) -> list[str]:
    """The val_loss of each epoch, as the run printed it (``epoch 2: ... val_loss 0.051673``)."""
    found = re.findall(r"^epoch \d+: .*val_loss ([0-9.]+)$", clean(run), re.M)
    if not found:
        raise ValueError(f"{run.script} printed no epoch line")
    return found


def largest_difference(a: dict, b: dict) -> float:
    """The largest |a - b| over the tensors of two state dicts with the same names."""
    if a.keys() != b.keys():
        raise ValueError(f"not the same weights: {sorted(a.keys() ^ b.keys())}")
    return max((a[name] - b[name]).abs().max().item() for name in a)


@memoized
def agreement_table(
    saved_pytorch: Result,
    saved_lightning: Result,
    resumed_pytorch: Result,
    resumed_lightning: Result,
    straight_pytorch: Result,
    straight_lightning: Result,
) -> str:
    """Markdown: each pair of runs, PyTorch tab and Lightning tab, with the val_loss each printed per
    epoch and the largest weight difference: between the two tabs' checkpoints (read from the files
    they saved), or, for the comparison scripts, between resumed and straight (as each printed it)."""
    import torch

    def weights(path: Path, key: str) -> dict:
        return torch.load(path, map_location="cpu", weights_only=True)[key]

    def between_tabs(pytorch: Result, lightning: Result, label: str) -> str:
        plain = weights(pytorch.workdir / "checkpoint.pt", "model")
        lit = weights(lightning.workdir / printed(lightning, label), "state_dict")
        return f"{largest_difference(plain, lit)}, PyTorch vs Lightning"

    def losses(run: Result) -> str:
        return ", ".join(val_losses(run))

    label = "largest weight difference, straight vs resumed"
    rows = [
        (
            saved_pytorch,
            saved_lightning,
            "2 epochs",
            between_tabs(saved_pytorch, saved_lightning, "checkpoint"),
        ),
        (
            resumed_pytorch,
            resumed_lightning,
            "resumed to 4",
            between_tabs(resumed_pytorch, resumed_lightning, "saved"),
        ),
        (
            straight_pytorch,
            straight_lightning,
            "4 in one go",
            f"{printed(straight_pytorch, label)} and {printed(straight_lightning, label)}, resumed vs in one go",
        ),
    ]
    lines = [
        "| run (scripts, PyTorch · Lightning) | val_loss, PyTorch | val_loss, Lightning | largest weight difference |",
        "| --- | --- | --- | --- |",
    ]
    for pytorch, lightning, epochs, difference in rows:
        # Plain names, not code: a table cell wraps them between words, never inside one.
        run = f"{epochs} ({Path(pytorch.script).name} · {Path(lightning.script).name})"
        lines.append(f"| {run} | {losses(pytorch)} | {losses(lightning)} | {difference} |")
    return "\n".join(lines) + "\n"


def agreement() -> str:
    """The page's table of the three pairs (``agreement_table``), from the build's runs."""
    pairs = (save_pytorch, automatic, resume_pytorch, resume, compare_pytorch, compare)
    return agreement_table(*(run.result() for run in pairs))


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
