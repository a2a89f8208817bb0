"""The Tensors made in a step page (docs/step-tensors.md): a denoising auto-encoder whose step makes
noise and a mask and whose module holds buffers, trained by a plain loop and by the Trainer; the
table that sets the two side by side; and the float64 runs that show a tensor made without a dtype
failing and its one-line fix."""

from __future__ import annotations

import re

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean, printed
from snippet_runner.pairs import script_diff
from snippet_runner.runner import Result

FOLDER = "snippets/step-tensors"
EPOCH_LINE = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)$", re.M)


def line(run: Result, pattern: str) -> re.Match:
    """The first line of the run's output that ``pattern`` matches from its start."""
    found = re.search(pattern, clean(run), re.M)
    if found is None:
        raise ValueError(f"{run.script} printed no line matching {pattern!r}")
    return found


@memoized
def agreement_table(pytorch: Result, lightning: Result, compared: Result) -> str:
    """Markdown: each epoch's val_loss and what each tab saved and loaded back, as they printed
    them, beside what compare.py found comparing the two files bit for bit."""
    plain, lit = EPOCH_LINE.findall(clean(pytorch)), EPOCH_LINE.findall(clean(lightning))
    if not plain or [e for e, _ in plain] != [e for e, _ in lit]:
        raise ValueError(f"the two scripts did not print the same epochs: {plain} {lit}")
    rows = [
        "| what | PyTorch (train_pytorch.py) | Lightning (train_lightning.py) | compare.py |",
        "| --- | --- | --- | --- |",
    ]
    rows += [f"| epoch {e}: val_loss | {p} | {v} | — |" for (e, p), (_, v) in zip(plain, lit)]
    saved = r"^saved: \[(.*)\]$"
    names = [line(run, saved).group(1).replace("'", "") for run in (pytorch, lightning)]
    same_names = line(compared, r"^the same names: (\w+)$").group(1)
    rows.append(f"| tensors saved | {names[0]} | {names[1]} | the same names: {same_names} |")
    loaded = r"^loaded: (.*)$"
    same = line(compared, r"bit for bit: (\w+)$").group(1)
    rows.append(
        f"| loaded back | {line(pytorch, loaded).group(1)} | {line(lightning, loaded).group(1)} "
        f"| every saved tensor the same, bit for bit: {same} |"
    )
    return "\n".join(rows) + "\n"


def agreement() -> str:
    """The page's table (``agreement_table``), from the build's runs."""
    return agreement_table(train_pytorch.result(), train_lightning.result(), compare.result())


def zeros_diff() -> str:
    """The one line that zeros_fixed.py changes in zeros.py, as a diff."""
    zeros.result(), zeros_fixed.result()  # both ran: the page shows what each printed
    return script_diff(zeros.script, zeros_fixed.script)


train_pytorch = Run(f"{FOLDER}/train_pytorch.py")
train_lightning = Run(f"{FOLDER}/train_lightning.py")
# Reads the files both wrote, given the checkpoint that train_lightning.py printed.
compare = Run(
    f"{FOLDER}/compare.py",
    starts_from=(train_pytorch, train_lightning),
    args=(lambda: printed(train_lightning.compute(), "checkpoint"),),
)
# Ends with a RuntimeError on purpose: a tensor made without a dtype, in a module cast to float64.
zeros = Run(f"{FOLDER}/zeros.py", returncode=1)
zeros_fixed = Run(f"{FOLDER}/zeros_fixed.py")

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [train_pytorch, train_lightning, compare, zeros, zeros_fixed]
