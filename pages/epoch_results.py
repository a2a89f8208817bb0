"""The Results over an epoch page (docs/epoch-results.md): per-image validation errors collected
over an epoch, by a plain loop and by a LightningModule's list and on_validation_epoch_end; what
``self.log(..., on_epoch=True)`` averages instead, recomputed from the 800 errors; the 1.x hook
``validation_epoch_end`` refused; where a step's return value goes now."""

from __future__ import annotations

import re

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean
from snippet_runner.runner import Result

FOLDER = "snippets/epoch-results"
# One epoch's line, as both tabs print it (summarize() in both scripts).
EPOCH = re.compile(
    r"^epoch (\d+): (\d+) images, mean (\S+), median (\S+), 90th percentile (\S+), worst digit (\d) \((\S+)\)$",
    re.M,
)
QUANTITIES = ("images", "mean", "median", "90th percentile", "worst digit", "worst digit's mean")


def epochs(run: Result) -> dict[int, dict[str, str]]:
    """Each epoch's summary as the run printed it: {epoch: {quantity: text}}."""
    found = {int(m[0]): dict(zip(QUANTITIES, m[1:])) for m in EPOCH.findall(clean(run))}
    if not found:
        raise ValueError(f"{run.script} printed no epoch line")
    return found


def logged(run: Result) -> dict[str, str]:
    """What the Lightning tab printed from trainer.callback_metrics after fit: {name: value}."""
    return dict(re.findall(r"^logged (\w+) (\S+)$", clean(run), re.M))


def recomputed(run: Result) -> dict[str, str]:
    """compare.py's lines: {label: value}."""
    return dict(re.findall(r"^(.+?) (-?[0-9.e-]+)$", clean(run), re.M))


def differ(a: str, b: str) -> str:
    """How far apart two printed numbers are: 0 when they are the same float."""
    gap = abs(float(a) - float(b))
    return "0 (the same)" if gap == 0 else f"{gap:.1e}"


@memoized
def agreement_table(pytorch: Result, lightning: Result) -> str:
    """Markdown: the last epoch's summary from each tab, and whether every epoch's line is the same."""
    plain, lit = epochs(pytorch), epochs(lightning)
    last = max(plain)
    rows = [
        f"| epoch {last} | PyTorch loop | Lightning `on_validation_epoch_end` | same float |",
        "| --- | --- | --- | --- |",
    ]
    for quantity in QUANTITIES:
        a, b = plain[last][quantity], lit[last][quantity]
        rows.append(f"| {quantity} | {a} | {b} | {'yes' if a == b else 'NO'} |")
    same = sorted(plain) == sorted(lit) and all(plain[e] == lit[e] for e in plain)
    rows.append(f"| all {len(plain)} epochs, every quantity | | | {'yes' if same else 'NO'} |")
    return "\n".join(rows) + "\n"


@memoized
def log_table(pytorch: Result, lightning: Result, compared: Result) -> str:
    """Markdown: each value self.log averaged over the last epoch, beside compare.py's
    recomputation from the 800 errors and the epoch's own mean or median."""
    last = epochs(pytorch)[max(epochs(pytorch))]
    got, again = logged(lightning), recomputed(compared)
    rows = [
        "| `self.log` name, last epoch | Lightning averaged | logged | compare.py, from the 800 errors "
        "| the epoch's own value | off by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    table = [
        ("val_loss", "batch means × batch size (128, …, 32) ÷ 800", "batch means weighted by batch size", "mean"),
        ("val_loss_batch_size_1", "batch means ÷ 7 (`batch_size=1`)", "batch means weighing 1 each", "mean"),
        ("val_median_of_batches", "batch medians × batch size ÷ 800", "batch medians weighted by batch size", "median"),
        ("val_median", "logged once, in `on_validation_epoch_end`", "median of the 800 errors", "median"),
    ]
    for name, how, label, own in table:
        rows.append(
            f"| `{name}` | {how} | {got[name]} | {again[label]} | {own} {last[own]} | {differ(got[name], last[own])} |"
        )
    return "\n".join(rows) + "\n"


def agreement() -> str:
    """The page's first table (``agreement_table``), from the build's runs."""
    return agreement_table(epoch_results_pytorch.result(), epoch_results_lightning.result())


def what_log_averaged() -> str:
    """The page's second table (``log_table``), from the build's runs."""
    return log_table(epoch_results_pytorch.result(), epoch_results_lightning.result(), compare.result())


epoch_results_pytorch = Run(f"{FOLDER}/epoch_results_pytorch.py")
epoch_results_lightning = Run(f"{FOLDER}/epoch_results_lightning.py")
# Reads the last epoch's 800 errors that the PyTorch tab saved.
compare = Run(f"{FOLDER}/compare.py", starts_from=(epoch_results_pytorch,))
# Lightning 1.x code: 2.x refuses validation_epoch_end when fit starts.
validation_epoch_end = Run(f"{FOLDER}/validation_epoch_end.py", returncode=1)
step_outputs = Run(f"{FOLDER}/step_outputs.py")

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [epoch_results_pytorch, epoch_results_lightning, compare, validation_epoch_end, step_outputs]
