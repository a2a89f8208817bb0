"""The Several devices page (docs/multi-device.md): the sampler split, a real 2-process DDP run
in plain PyTorch (under torchrun) and in Lightning, the error on a machine without a GPU, two
nodes on one machine, and a table of what the three DDP runs' processes wrote down."""

from __future__ import annotations

import json
import re

from snippet_runner import Run, clean

FOLDER = "snippets/multi-device"

sampler_split = Run(f"{FOLDER}/sampler_split.py")
# torchrun_two.py runs `torchrun --standalone --nproc-per-node 2 train_ddp_pytorch.py`.
torchrun_two = Run(f"{FOLDER}/torchrun_two.py", uses=(f"{FOLDER}/train_ddp_pytorch.py",))
train_ddp = Run(f"{FOLDER}/train_ddp.py")
# The same script asked for GPUs where there are none: the page shows the error it ends with.
train_ddp_no_gpu = Run(
    f"{FOLDER}/train_ddp.py", args=("--accelerator", "gpu"), env={"CUDA_VISIBLE_DEVICES": ""}, returncode=1
)
# two_nodes.py starts train_ddp.py twice, as node 0 and node 1.
two_nodes = Run(f"{FOLDER}/two_nodes.py", uses=(f"{FOLDER}/train_ddp.py",))

# Rank 0's line per epoch: the losses, averaged over the processes.
EPOCH_LINE = re.compile(r"^epoch (\d+): train_loss ([0-9.]+)  val_loss ([0-9.]+)  \(means over all", re.M)


def ranks(run: Run) -> list[dict]:
    """What each process of a DDP run wrote to ddp_ranks/rank<N>.json, in rank order."""
    found = [json.loads(path.read_text()) for path in (run.result().workdir / "ddp_ranks").glob("rank*.json")]
    return sorted(found, key=lambda record: record["global_rank"])


def agreement_table() -> str:
    """Markdown: the three DDP runs (torchrun, Lightning, Lightning as two nodes) side by side, from
    what their processes wrote down and what rank 0 printed."""
    columns = [("PyTorch, `torchrun`", torchrun_two), ("Lightning", train_ddp), ("Lightning, two nodes", two_nodes)]
    rows: dict[str, list[str]] = {}
    for _, run in columns:
        records = ranks(run)
        if len(records) != 2:
            raise ValueError(f"{run}: {len(records)} processes wrote down what they saw, not 2")
        epochs = len(records[0]["epochs"])
        shares = [[{i for batch in r["epochs"][e] for i in batch} for r in records] for e in range(epochs)]
        both = {len(zero & one) for zero, one in shares}
        union = {len(zero | one) for zero, one in shares}
        losses = EPOCH_LINE.findall(clean(run.result()))
        last = losses[-1]
        sums = {r["weights_sha256"][:16] for r in records}
        batches = {len(r["epochs"][e]) for r in records for e in range(epochs)}
        cells = {
            "processes (pids)": ", ".join(str(r["pid"]) for r in records),
            "batches a rank, every epoch": "/".join(map(str, sorted(batches))),
            "samples in both shares, in either, every epoch": "/".join(map(str, sorted(both)))
            + ", "
            + "/".join(f"{n:,}" for n in sorted(union)),
            "rank 0's first indices, epoch 0": str(records[0]["epochs"][0][0][:4]),
            "rank 1's first indices, epoch 0": str(records[1]["epochs"][0][0][:4]),
            "lines with the losses (rank 0's)": str(len(losses)),
            f"epoch {last[0]}: train_loss, val_loss": f"{last[1]}, {last[2]}",
            "weights sha256, both ranks": sums.pop() if len(sums) == 1 else " ≠ ".join(sorted(sums)),
            "`autoencoder_ddp.pt` files": str(len(list(run.result().workdir.glob("*.pt")))),
        }
        for name, cell in cells.items():
            rows.setdefault(name, []).append(cell)
    lines = [
        "| what the processes did | " + " | ".join(name for name, _ in columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows.items()]
    return "\n".join(lines) + "\n"
