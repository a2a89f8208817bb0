"""The "How long to train, how often to validate" page (docs/run-length.md): one plain PyTorch
script and one Lightning script that each train nine times, once per Trainer flag the page
teaches, and record the global step of every validation; a comparison of their final weights;
and the table that sets the flags, the loop's condition and the recorded steps side by side."""

from __future__ import annotations

import re

from snippet_runner import Run, clean
from snippet_runner.memo import memoized
from snippet_runner.runner import Result

FOLDER = "snippets/run-length"
# "<name>: <steps> steps, validated after steps [<step>, ...]", as both scripts print it.
REPORT = re.compile(r"^(\w+): (\d+) steps, validated after steps \[([\d, ]*)\]$", re.M)
COMPARED = re.compile(r"^(\w+): largest difference (\S+), bit-identical: (True|False)$", re.M)

# Each training, in page order: (its name in both scripts, the section, the Trainer's flags, the
# plain loop's condition). max_time is on the clock: the two tabs stop at different steps.
TRAININGS = [
    ("max_epochs", "max-epochs", "`max_epochs=3`", "`for epoch in range(3)`"),
    ("max_steps", "max-steps", "`max_steps=250`", "stop when `step == 250`"),
    ("val_check_fraction", "val-check-fraction", "`val_check_interval=0.25`", "`(i + 1) % 25 == 0`"),
    ("val_check_count", "val-check-count", "`val_check_interval=40`", "`(i + 1) % 40 == 0`"),
    ("every_n_epochs", "every-n-epochs", "`check_val_every_n_epoch=2`", "`(epoch + 1) % 2 == 0`"),
    (
        "across_epochs",
        "across-epochs",
        "`val_check_interval=150, check_val_every_n_epoch=None`",
        "`step % 150 == 0`",
    ),
    (
        "limits",
        "limits",
        "`limit_train_batches=0.25, limit_val_batches=2`",
        "`islice(loader, 25)`, `islice(val_loader, 2)`",
    ),
    ("min_epochs", "min-epochs", "`min_epochs=4` and `EarlyStopping(patience=1)`", "`stop and epoch + 1 >= 4`"),
    ("max_time", "max-time", '`max_time={"seconds": 1}`', "`time.monotonic() - start >= 1.0` after each step"),
]
ON_THE_CLOCK = {"max_time"}
# The Lightning lines a section shows: all but those every Trainer prints (the seed, the devices).
KEEP = r"^(?!Seed set|GPU available|TPU available)"


def reports(run: Result) -> dict[str, tuple[int, list[int]]]:
    """{name: (steps trained, the steps after which it validated)} as the run printed them."""
    found = {
        name: (int(steps), [int(s) for s in validated.split(", ") if s])
        for name, steps, validated in REPORT.findall(clean(run))
    }
    if not found:
        raise ValueError(f"{run.script} printed no report line")
    return found


def compared(run: Result) -> dict[str, tuple[str, bool]]:
    """{name: (largest weight difference, bit-identical)} as compare.py printed them."""
    return {name: (largest, same == "True") for name, largest, same in COMPARED.findall(clean(run))}


@memoized
def agreement_table(pytorch: Result, lightning: Result, weights: Result) -> str:
    """Markdown: per training, the flags, the loop's condition, the validation steps each tab
    recorded and whether they and the final weights agree."""
    mine, theirs, same_weights = reports(pytorch), reports(lightning), compared(weights)
    names = [name for name, *_ in TRAININGS]
    compared_names = [name for name in names if name not in ON_THE_CLOCK]
    for found, script, expected in (
        (mine, pytorch.script, names),
        (theirs, lightning.script, names),
        (same_weights, weights.script, compared_names),
    ):
        if sorted(found) != sorted(expected):
            raise ValueError(f"{script}: reported {sorted(found)}, expected {sorted(expected)}")
    lines = [
        "| Trainer flags | plain loop | validated after steps: PyTorch | Lightning | same steps "
        "| final weights bit-identical |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, _section, flags, condition in TRAININGS:
        (_, steps_p), (_, steps_l) = mine[name], theirs[name]
        if name in ON_THE_CLOCK:
            same, weights_cell = "— (on the clock)", "— (not the same steps)"
        else:
            largest, identical = same_weights[name]
            same = "yes" if steps_p == steps_l else "**no**"
            weights_cell = "yes" if identical else f"**no** ({largest})"
        cells = [flags, condition, ", ".join(map(str, steps_p)), ", ".join(map(str, steps_l)), same, weights_cell]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def agreement() -> str:
    """The page's table (``agreement_table``), from the build's runs."""
    return agreement_table(run_length_pytorch.result(), run_length_lightning.result(), compare.result())


def show_part(run: Run, name: str, keep: str | None = None) -> str:
    """The output of one training of a run: from the line before it up to its report line."""
    index = [n for n, *_ in TRAININGS].index(name)
    before = TRAININGS[index - 1][0] if index else None
    return run.show(
        from_line=rf"^{before}: " if before else None,
        to_line=rf"^{name}: ",
        keep=keep,
        title=f"Output of {run.script.rsplit('/', 1)[-1]}: this training",
    )


run_length_pytorch = Run(f"{FOLDER}/run_length_pytorch.py")
run_length_lightning = Run(f"{FOLDER}/run_length_lightning.py")
compare = Run(f"{FOLDER}/compare.py", starts_from=(run_length_pytorch, run_length_lightning))

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [run_length_pytorch, run_length_lightning, compare]
