"""The Fabric page (docs/fabric.md): the core page's plain loop with Lightning Fabric, run on one
and on two CPU processes, its weights compared with the plain loop's, and its checkpoint loaded."""

from pages import from_pytorch_to_lightning as core
from snippet_runner import Run

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
