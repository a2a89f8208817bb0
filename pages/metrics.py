"""The Metrics with torchmetrics page (docs/metrics.md): accuracy counted by hand and with a
torchmetrics ``Metric`` (one process), the ``average=`` defaults measured on the trained
classifier, and the same checkpoint validated by two DDP processes; the tables that set what the
runs printed side by side."""

from __future__ import annotations

import re

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean
from snippet_runner.runner import Result

FOLDER = "snippets/metrics"

EPOCH_LINE = re.compile(r"^epoch (\d+): val_acc ([0-9.]+)$", re.M)
RANK_LINE = re.compile(
    r"rank (\d+): (\d+) samples  rank_acc ([0-9.]+)  val_acc ([0-9.]+)  "
    r"acc_tensor ([0-9.]+)  acc_tensor_synced ([0-9.]+)"
)


def epochs(run: Result) -> list[tuple[int, str]]:
    """(epoch, val_acc as printed) for each epoch line of a run."""
    found = [(int(epoch), value) for epoch, value in EPOCH_LINE.findall(clean(run))]
    if not found:
        raise ValueError(f"{run.script} printed no epoch line")
    return found


def ranks(run: Result) -> list[dict[str, str]]:
    """What each DDP process of metrics_ddp.py wrote, in rank order."""
    names = ("rank", "samples", "rank_acc", "val_acc", "acc_tensor", "acc_tensor_synced")
    found = [dict(zip(names, match)) for match in RANK_LINE.findall(clean(run))]
    if sorted(int(r["rank"]) for r in found) != [0, 1]:
        raise ValueError(f"{run.script}: {len(found)} rank lines, not one from each of 2 processes")
    return sorted(found, key=lambda r: int(r["rank"]))


UNEVEN_LINE = re.compile(r"^799 digits, rank (\d+): (\d+) samples  val_acc ([0-9.]+)$", re.M)
ONE_PROCESS_LINE = re.compile(r"^799 digits, one process: (\d+) samples  accuracy ([0-9.]+)$", re.M)


def uneven(run: Result) -> dict[str, object]:
    """What metrics_ddp.py printed for 799 digits: each rank's samples and synced accuracy, and
    rank 0's count by hand in one process."""
    text = clean(run)
    found = sorted(UNEVEN_LINE.findall(text))
    one = ONE_PROCESS_LINE.search(text)
    if [rank for rank, _, _ in found] != ["0", "1"] or one is None:
        raise ValueError(f"{run.script}: the lines about 799 digits are missing")
    return {
        "samples": [int(samples) for _, samples, _ in found],
        "synced": [accuracy for _, _, accuracy in found],
        "one_process_samples": int(one.group(1)),
        "one_process": one.group(2),
    }


def same_weights(compared: Result) -> str:
    return re.search(r"same weights, bit for bit: (\w+)$", clean(compared), re.M).group(1)


@memoized
def agreement_table(pytorch: Result, lightning: Result, compared: Result) -> str:
    """Markdown: each epoch's accuracy from both tabs, and the weights compared bit for bit."""
    plain, lit = dict(epochs(pytorch)), dict(epochs(lightning))
    rows = [
        "| epoch | PyTorch: correct / total, by hand | Lightning: `MulticlassAccuracy` logged |",
        "| --- | --- | --- |",
    ]
    rows += [f"| {epoch} | {plain[epoch]} | {lit[epoch]} |" for epoch in sorted(plain)]
    rows.append(
        f"| weights after the last epoch | `classifier_pytorch.pt` | `classifier_lightning.pt`: "
        f"the same bit for bit: {same_weights(compared)} |"
    )
    return "\n".join(rows) + "\n"


def agreement() -> str:
    return agreement_table(metrics_pytorch.result(), metrics_lightning.result(), compare.result())


@memoized
def ddp_table(lightning: Result, ddp: Result) -> str:
    """Markdown: the one-process accuracy beside what each DDP process got, per way of logging."""
    one = epochs(lightning)[-1][1]
    zero, one_rank = ranks(ddp)
    rows = [
        "| what each process got | one process (`metrics_lightning.py`, last epoch) | rank 0 | rank 1 |",
        "| --- | --- | --- | --- |",
        f"| samples | the whole set | {zero['samples']} | {one_rank['samples']} |",
        f"| `MulticlassAccuracy`, logged: `val_acc` (synced) | {one} | {zero['val_acc']} | {one_rank['val_acc']} |",
        f"| `MulticlassAccuracy(sync_on_compute=False)`: `rank_acc` | — | {zero['rank_acc']} | {one_rank['rank_acc']} |",
        f"| a tensor, `self.log(...)`: `acc_tensor` | — | {zero['acc_tensor']} | {one_rank['acc_tensor']} |",
        f"| a tensor, `self.log(..., sync_dist=True)`: `acc_tensor_synced` | — "
        f"| {zero['acc_tensor_synced']} | {one_rank['acc_tensor_synced']} |",
    ]
    return "\n".join(rows) + "\n"


def ddp_agreement() -> str:
    return ddp_table(metrics_lightning.result(), metrics_ddp.result())


@memoized
def uneven_table(ddp: Result) -> str:
    """Markdown: 799 digits validated by two processes (synced) and by one."""
    found = uneven(ddp)
    synced = set(found["synced"])
    rows = [
        "| 799 digits | samples counted | accuracy |",
        "| --- | --- | --- |",
        f"| two processes, synced `MulticlassAccuracy` | {' + '.join(map(str, found['samples']))} "
        f"= {sum(found['samples'])} | {' / '.join(sorted(synced))} |",
        f"| one process, by hand | {found['one_process_samples']} | {found['one_process']} |",
    ]
    return "\n".join(rows) + "\n"


def uneven_agreement() -> str:
    return uneven_table(metrics_ddp.result())


metrics_pytorch = Run(f"{FOLDER}/metrics_pytorch.py")
metrics_lightning = Run(f"{FOLDER}/metrics_lightning.py")
# Reads the weights both tabs saved.
compare = Run(f"{FOLDER}/compare.py", starts_from=(metrics_pytorch, metrics_lightning))
# Reads classifier_pytorch.pt.
average = Run(f"{FOLDER}/average.py", starts_from=(metrics_pytorch,))
# Two processes (strategy="ddp" runs the command line again) validating the Lightning tab's weights.
metrics_ddp = Run(f"{FOLDER}/metrics_ddp.py", starts_from=(metrics_lightning,))

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order. Not the DDP run:
# strategy="ddp" runs the command line again, and a notebook has none.
NOTEBOOK = [metrics_pytorch, metrics_lightning, compare, average]
