"""The Fabric page (docs/fabric.md): the core page's plain loop with Lightning Fabric, run on one
and on two CPU processes, its weights compared with the plain loop's, its checkpoint loaded, and a
table of the three runs side by side."""

from __future__ import annotations

import re

from pages import from_pytorch_to_lightning as core
from snippet_runner import Run, clean

FOLDER = "snippets/fabric"

train_fabric = Run(f"{FOLDER}/train_fabric.py")
# Two processes on the CPU: fabric.launch() starts the second one. A time limit of its own.
train_fabric_two = Run(f"{FOLDER}/train_fabric.py", args=("--accelerator", "cpu", "--devices", "2"), timeout=180)
# Reads the core page's autoencoder_pytorch.pt and the one-process run's autoencoder_fabric.ckpt.
compare_weights = Run(f"{FOLDER}/compare_weights.py", starts_from=(core.train_pytorch, train_fabric))
load_fabric = Run(f"{FOLDER}/load_fabric.py", starts_from=(train_fabric,))

# The page's notebook: the core page's plain loop (the PyTorch tab), then this page's one-process
# runs. Two processes need a script: fabric.launch() starts it again.
NOTEBOOK = [core.train_pytorch, train_fabric, compare_weights, load_fabric]

# What train_fabric.py prints: rank 0's losses each epoch, and each process's batches and checksum.
EPOCH_LINE = re.compile(r"^epoch (\d+): train_loss ([0-9.]+)  val_loss ([0-9.]+)$", re.M)
RANK_LINE = re.compile(
    r"^rank (\d+) of \d+ \(pid (\d+)\): (\d+) training and (\d+) validation batches an epoch, "
    r"weights sha256 ([0-9a-f]{16})$",
    re.M,
)


def runs_table() -> str:
    """Markdown: the plain loop (the core page's PyTorch tab) and the Fabric runs on one and on two
    processes, side by side, from what each printed."""
    columns = [
        ("plain loop (core page)", core.train_pytorch),
        ("Fabric, 1 process", train_fabric),
        ("Fabric, 2 processes", train_fabric_two),
    ]
    compared = clean(compare_weights.result())
    equal = f"{compared.count('equal: True')} of {compared.count('equal: ')} tensors equal, "
    equal += re.search(r"largest difference over all [0-9,]+ weights: (\S+)", compared).group(1) + " apart"
    rows: dict[str, list[str]] = {}
    for _, run in columns:
        output = clean(run.result())
        last = EPOCH_LINE.findall(output)[-1]
        found = sorted(RANK_LINE.findall(output))
        sums = {sha for *_, sha in found}
        cells = {
            "processes": f"{len(found)} (pid {', '.join(pid for _, pid, *_ in found)})" if found else "1",
            "batches an epoch, training and validation, each process": ", ".join(
                sorted({f"{train} and {val}" for _, _, train, val, _ in found})
            )
            or "—",
            f"epoch {last[0]}: train_loss, val_loss": f"{last[1]}, {last[2]}",
            "weights sha256, every process": (sums.pop() if len(sums) == 1 else " ≠ ".join(sorted(sums))) or "—",
            "weights against the plain loop's": equal if run is train_fabric else "—",
        }
        for row, cell in cells.items():
            rows.setdefault(row, []).append(cell)
    lines = [
        "| what the runs printed | " + " | ".join(name for name, _ in columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    lines += [f"| {row} | " + " | ".join(cells) + " |" for row, cells in rows.items()]
    return "\n".join(lines) + "\n"
