"""The Organize page (docs/organize.md): the core page's scripts with their data code in a
LightningDataModule and the extras of the loop in a Callback, a real 2-process DDP run that shows
who calls prepare_data and setup, the order of every callback hook, and the weights compared
with the core page's."""

from pages import from_pytorch_to_lightning as core
from snippet_runner import Run

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
