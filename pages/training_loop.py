"""The Training loop page (docs/training-loop.md): mixed precision, gradient clipping, gradient
accumulation, learning-rate schedules and early stopping, each a PyTorch script and a Lightning
script run at build, with a weight comparison of the two; and the tables the page draws from them.

Each Lightning script prints ``checkpoint: <path>``; its comparison run starts from the files of
both scripts and is given that path.
"""

from __future__ import annotations

import re

from pages import from_pytorch_to_lightning as core
from snippet_runner import Run, clean
from snippet_runner.memo import memoized
from snippet_runner.output import printed
from snippet_runner.runner import Result

FOLDER = "snippets/training-loop"
VAL_LOSS = re.compile(r"^epoch (\d+):.*\bval_loss ([0-9.]+)", re.MULTILINE)


def checkpoint(lightning_run: Result) -> str:
    """The checkpoint a Lightning script printed, relative to its working folder."""
    return printed(lightning_run, "checkpoint")


def val_losses(run: Result) -> list[float]:
    """The val_loss of each epoch, as the script printed it."""
    return [float(loss) for _, loss in VAL_LOSS.findall(clean(run))]


def rates(run: Result) -> list[float]:
    """The 'learning rate per epoch: [...]' a plateau script printed."""
    return [float(rate) for rate in printed(run, "learning rate per epoch").strip("[]").split(",")]


def _pair(name: str) -> tuple[Run, Run, Run]:
    """``<name>_pytorch.py``, ``<name>_lightning.py`` and the comparison of their final weights."""
    pytorch = Run(f"{FOLDER}/{name}_pytorch.py")
    lightning = Run(f"{FOLDER}/{name}_lightning.py")
    compared = Run(
        f"{FOLDER}/compare_weights.py",
        args=(f"{name}_pytorch.pt", lambda: checkpoint(lightning.compute())),
        starts_from=(pytorch, lightning),
    )
    return pytorch, lightning, compared


# In page order.
precision_pytorch, precision_lightning, precision_compare = _pair("precision")
fp16_pytorch = Run(f"{FOLDER}/fp16_pytorch.py")
fp16_lightning = Run(f"{FOLDER}/fp16_lightning.py")
# bfloat16 against float32: the core page's Lightning run, which trains the same 5 epochs in float32.
precision_against_float32 = Run(
    f"{FOLDER}/compare_weights.py",
    args=("precision_pytorch.pt", lambda: checkpoint(core.train_lightning.compute())),
    starts_from=(precision_pytorch, core.train_lightning),
)
clipping_pytorch, clipping_lightning, clipping_compare = _pair("clipping")
accumulation_pytorch, accumulation_lightning, accumulation_compare = _pair("accumulation")
schedule_pytorch, schedule_lightning, schedule_compare = _pair("schedule")
plateau_pytorch, plateau_lightning, plateau_compare = _pair("plateau")
early_stopping_pytorch, early_stopping_lightning, early_stopping_compare = _pair("early_stopping")


def precision_table() -> str:
    """Markdown: the val_loss of each epoch in float32 (the core page) and in each mixed precision."""
    columns = [
        ("float32 (core page)", core.train_pytorch),
        ("bfloat16, PyTorch", precision_pytorch),
        ('`"bf16-mixed"`, Lightning', precision_lightning),
        ("float16 + GradScaler, PyTorch", fp16_pytorch),
        ('`"16-mixed"` on a CPU, Lightning', fp16_lightning),
    ]
    losses = [val_losses(run.result()) for _, run in columns]
    if len({len(series) for series in losses}) != 1:
        raise ValueError(f"the runs printed different numbers of epochs: {[len(s) for s in losses]}")
    header = "| epoch | " + " | ".join(name for name, _ in columns) + " |\n"
    header += "| ---: | " + " | ".join("---:" for _ in columns) + " |\n"
    rows = []
    for epoch, row in enumerate(zip(*losses)):
        reference = row[0]
        cells = [f"{row[0]:.6f}"] + [
            f"{loss:.6f} <small>({(loss - reference) / reference:+.2%})</small>" for loss in row[1:]
        ]
        rows.append(f"| {epoch} | " + " | ".join(cells) + " |")
    return header + "\n".join(rows) + "\n"


# The pairs whose maths is the same in both tabs, in page order, with the section that teaches each
# (not linked: markdown-exec gives the anchors of what it renders a prefix of its own).
AGREEING = {
    "precision": "Mixed precision (bfloat16)",
    "clipping": "Gradient clipping",
    "accumulation": "Gradient accumulation",
    "schedule": "Schedules, per step and per epoch",
    "plateau": "`ReduceLROnPlateau`",
    "early_stopping": "Early stopping",
}
COMPARED = re.compile(r"^largest difference over all weights: (\S+), bit-identical: (True|False)$", re.MULTILINE)
EPOCH_LINE = re.compile(r"^epoch \d+: .*$", re.MULTILINE)


def weights_compared(compare_run: Result) -> tuple[str, bool]:
    """(the largest difference, bit-identical) that a compare_weights.py run printed."""
    found = COMPARED.search(clean(compare_run))
    if found is None:
        raise ValueError(f"{compare_run.script}: no 'largest difference over all weights' line")
    return found.group(1), found.group(2) == "True"


def agreement_table() -> str:
    """Markdown: for each pair whose maths is the same, whether both tabs printed the same epoch
    lines, and what compare_weights.py found when it set their final weights side by side."""
    lines = [
        "| pair | epochs | same epoch lines | largest weight difference | bit-identical |",
        "| --- | ---: | --- | ---: | --- |",
    ]
    for name, section in AGREEING.items():
        pytorch, lightning, compared = (globals()[f"{name}_{part}"] for part in ("pytorch", "lightning", "compare"))
        mine, theirs = (EPOCH_LINE.findall(clean(run.result())) for run in (pytorch, lightning))
        if not mine:
            raise ValueError(f"{pytorch.script}: printed no epoch line")
        largest, identical = weights_compared(compared.result())
        same = "yes" if mine == theirs else "**no**"
        lines.append(f"| {section} | {len(mine)} | {same} | {largest} | {'yes' if identical else '**no**'} |")
    return "\n".join(lines) + "\n"


def largest_relative_difference(run: Run, reference: Run = core.train_pytorch) -> float:
    """The largest |val_loss - reference| / reference over the epochs, as printed."""
    return max(abs(a - b) / b for a, b in zip(val_losses(run.result()), val_losses(reference.result())))


@memoized
def plateau_table(pytorch: Result, lightning: Result) -> str:
    """Markdown: per epoch, the val_loss and the learning rate that each tab printed, and the
    ``lr-Adam`` values that LearningRateMonitor wrote to the Lightning run's TensorBoard event file."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = lightning.workdir / "lightning_logs" / "version_0"
    if not list(run_dir.glob("events.out.tfevents.*")):
        raise FileNotFoundError(f"{run_dir}: no TensorBoard event file to read the logged rates from")
    accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    accumulator.Reload()
    logged = [event.value for event in accumulator.Scalars("lr-Adam")]
    columns = [val_losses(pytorch), val_losses(lightning), rates(pytorch), rates(lightning), logged]
    if len({len(column) for column in columns}) != 1:
        raise ValueError(f"{pytorch.script}, {lightning.script}: not one value per epoch in each column")
    lines = [
        "| epoch | val_loss, PyTorch | val_loss, Lightning | rate, PyTorch | rate, `LearningRateMonitor` "
        "| `lr-Adam` in TensorBoard |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for epoch, (loss_p, loss_l, rate_p, rate_l, rate_tb) in enumerate(zip(*columns)):
        lines.append(f"| {epoch} | {loss_p:.6f} | {loss_l:.6f} | {rate_p:g} | {rate_l:g} | {rate_tb:g} |")
    return "\n".join(lines) + "\n"


# The page's notebook (snippet_runner/notebooks.py): each pair in a folder of its own, as the page
# runs them (every Lightning run writes lightning_logs/version_0/, every comparison reads it).
NOTEBOOK = [
    (precision_pytorch, precision_lightning, precision_compare),
    (fp16_pytorch, fp16_lightning),
    (clipping_pytorch, clipping_lightning, clipping_compare),
    (accumulation_pytorch, accumulation_lightning, accumulation_compare),
    (schedule_pytorch, schedule_lightning, schedule_compare),
    (plateau_pytorch, plateau_lightning, plateau_compare),
    (early_stopping_pytorch, early_stopping_lightning, early_stopping_compare),
]
