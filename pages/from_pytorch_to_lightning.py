"""The core page (docs/from-pytorch-to-lightning.md): the two loops and the weight comparison."""

from snippet_runner import Run

FOLDER = "snippets/from-pytorch-to-lightning"

train_pytorch = Run(f"{FOLDER}/train_pytorch.py")
train_lightning = Run(f"{FOLDER}/train_lightning.py")
# Reads the weights both scripts saved: its folder starts as a copy of theirs.
compare_weights = Run(f"{FOLDER}/compare_weights.py", starts_from=(train_pytorch, train_lightning))

# The page's notebook (snippet_runner/notebooks.py): these scripts, in page order.
NOTEBOOK = [train_pytorch, train_lightning, compare_weights]
