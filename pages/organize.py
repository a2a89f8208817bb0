"""The Organize page (docs/organize.md): the core page's scripts with their data code in a
LightningDataModule and the extras of the loop in a Callback, a real 2-process DDP run that shows
who calls prepare_data and setup, the order of every callback hook, and the losses and weights
compared with the core page's."""

import re

from pages import from_pytorch_to_lightning as core
from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean, printed
from snippet_runner.runner import Result

FOLDER = "snippets/organize"

# In page order. The DDP run starts a second process: give it a time limit of its own.
ddp_stages = Run(f"{FOLDER}/ddp_stages.py", timeout=180)
train_pytorch = Run(f"{FOLDER}/train_pytorch.py")
train_lightning = Run(f"{FOLDER}/train_lightning.py")
# Reads the core page's autoencoder_pytorch.pt and this page's Lightning checkpoint.
compare_core = Run(f"{FOLDER}/compare_core.py", starts_from=(core.train_pytorch, train_lightning))
hook_order = Run(f"{FOLDER}/hook_order.py")

# The page's notebook (snippet_runner/notebooks.py). The DDP run needs a terminal: fabric.launch
# and Lightning's DDP start the script again as a second process.
NOTEBOOK = [train_pytorch, train_lightning, compare_core, hook_order]

# An epoch's losses, without the time that this page's scripts add.
EPOCH_LOSSES = re.compile(r"^(epoch \d+: train_loss [0-9.]+  val_loss [0-9.]+)(?:  \([0-9.]+ s\))?$", re.M)


def same_training_table() -> str:
    """Markdown: for each of this page's two scripts, its epoch losses and its weights against the
    core page's plain loop."""
    return _same_training_table(core.train_pytorch.result(), train_pytorch.result(), train_lightning.result())


@memoized
def _same_training_table(reference: Result, pytorch: Result, lightning: Result) -> str:
    import torch

    def weights(run: Result, saved: str) -> dict:
        loaded = torch.load(run.workdir / saved, map_location="cpu", weights_only=True)
        return loaded.get("state_dict", loaded)

    expected_losses = EPOCH_LOSSES.findall(clean(reference))
    expected_weights = weights(reference, "autoencoder_pytorch.pt")
    lines = [
        "| script | epoch losses the same as the core page's | largest weight difference from the core page's |",
        "| --- | ---: | ---: |",
    ]
    for run, saved in ((pytorch, "autoencoder_pytorch.pt"), (lightning, printed(lightning, "checkpoint"))):
        losses, found = EPOCH_LOSSES.findall(clean(run)), weights(run, saved)
        if not losses or found.keys() != expected_weights.keys():
            raise ValueError(f"{run.script}: no epoch losses, or not the core page's weights")
        same = sum(a == b for a, b in zip(losses, expected_losses))
        largest = max((found[name] - weight).abs().max().item() for name, weight in expected_weights.items())
        lines.append(f"| `{run.name}` | {same} of {len(expected_losses)} | {largest:.1e} |")
    return "\n".join(lines) + "\n"
