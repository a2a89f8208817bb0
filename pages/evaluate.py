"""The Test and predict page (docs/evaluate.md): a test pass and a prediction pass, by hand and
with the Trainer, the comparison of the two, and what each Trainer call does around the steps."""

from __future__ import annotations

from snippet_runner import Run
from snippet_runner.output import printed
from snippet_runner.runner import Result

FOLDER = "snippets/evaluate"


def best_checkpoint(lightning_run: Result) -> str:
    """The best checkpoint that evaluate_lightning.py printed, relative to its working folder."""
    return printed(lightning_run, "best")


evaluate_pytorch = Run(f"{FOLDER}/evaluate_pytorch.py")
evaluate_lightning = Run(f"{FOLDER}/evaluate_lightning.py")
# Reads the files both wrote (best.pt, the best checkpoint, the two code files).
compare = Run(
    f"{FOLDER}/compare.py",
    starts_from=(evaluate_pytorch, evaluate_lightning),
    args=(lambda: best_checkpoint(evaluate_lightning.compute()),),
)
modes = Run(f"{FOLDER}/modes.py")

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [evaluate_pytorch, evaluate_lightning, compare, modes]
