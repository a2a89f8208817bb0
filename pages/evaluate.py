"""The Test and predict page (docs/evaluate.md): a test pass and a prediction pass, by hand and
with the Trainer, the comparison of the two, and what each Trainer call does around the steps."""

from __future__ import annotations

import re

from snippet_runner import Run, clean
from snippet_runner.runner import Result

FOLDER = "snippets/evaluate"
BEST_LINE = re.compile(r"^best: (\S+)$", re.MULTILINE)


def best_checkpoint(lightning_run: Result) -> str:
    """The best checkpoint that evaluate_lightning.py printed, relative to its working folder."""
    found = BEST_LINE.search(clean(lightning_run))
    if found is None:
        raise ValueError(f"{lightning_run.script} printed no 'best: ...' line")
    return found.group(1)


evaluate_pytorch = Run(f"{FOLDER}/evaluate_pytorch.py")
evaluate_lightning = Run(f"{FOLDER}/evaluate_lightning.py")
# Reads the files both wrote (best.pt, the best checkpoint, the two code files).
compare = Run(
    f"{FOLDER}/compare.py",
    starts_from=(evaluate_pytorch, evaluate_lightning),
    args=(lambda: best_checkpoint(evaluate_lightning.compute()),),
)
modes = Run(f"{FOLDER}/modes.py")
