"""The Test and predict page (docs/evaluate.md): a test pass and a prediction pass, by hand and
with the Trainer, the table that sets the two side by side, and what each Trainer call does
around the steps."""

from __future__ import annotations

import re

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean, printed
from snippet_runner.runner import Result

FOLDER = "snippets/evaluate"


def best_checkpoint(lightning_run: Result) -> str:
    """The best checkpoint that evaluate_lightning.py printed, relative to its working folder."""
    return printed(lightning_run, "best")


def line(run: Result, pattern: str) -> re.Match:
    """The first line of the run's output that ``pattern`` matches from its start."""
    found = re.search(pattern, clean(run), re.M)
    if found is None:
        raise ValueError(f"{run.script} printed no line matching {pattern!r}")
    return found


def best_epoch(run: Result) -> tuple[int, str]:
    """The epoch with the lowest val_loss that the run printed, and that loss as printed."""
    losses = re.findall(r"^epoch (\d+): val_loss ([0-9.]+)$", clean(run), re.M)
    if not losses:
        raise ValueError(f"{run.script} printed no epoch line")
    epoch, loss = min(losses, key=lambda found: float(found[1]))
    return int(epoch), loss


@memoized
def agreement_table(pytorch: Result, lightning: Result, compared: Result) -> str:
    """Markdown: what each tab printed (its best epoch, test loss and first code) beside what
    compare.py found comparing their files bit for bit."""
    kept = int(re.search(r"epoch=(\d+)-", best_checkpoint(lightning)).group(1))
    losses = dict((int(e), v) for e, v in re.findall(r"^epoch (\d+): val_loss ([0-9.]+)$", clean(lightning), re.M))
    plain_epoch, plain_loss = best_epoch(pytorch)
    same = [
        line(compared, pattern).group(1)
        for pattern in (r"same weights, bit for bit: (\w+)$", r"codes are the same, bit for bit: (\w+)$")
    ]
    test = r"^test_loss ([0-9.]+)$"
    code = r"^codes \(1000, 3\), first digit's code (\[.*\])$"
    rows = [
        "| what | PyTorch (evaluate_pytorch.py) | Lightning (evaluate_lightning.py) | bit for bit (compare.py) |",
        "| --- | --- | --- | --- |",
        f"| best epoch, val_loss | {plain_epoch}, {plain_loss} | {kept}, {losses[kept]} | same weights: {same[0]} |",
        f"| test_loss | {line(pytorch, test).group(1)} | {line(lightning, test).group(1)} | — |",
        f"| first digit's code | {line(pytorch, code).group(1)} | {line(lightning, code).group(1)} "
        f"| all 1,000 codes the same: {same[1]} |",
    ]
    return "\n".join(rows) + "\n"


def agreement() -> str:
    """The page's table (``agreement_table``), from the build's runs."""
    return agreement_table(evaluate_pytorch.result(), evaluate_lightning.result(), compare.result())


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
