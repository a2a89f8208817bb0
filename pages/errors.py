"""The Errors you may meet page (docs/errors.md): errors and warnings of Lightning 2.x that readers
meet in their own code, each made by a script at build (its real text) and fixed by a second one.

One table, ``TABLE``, says everything an entry needs; ``entry()`` prints a section from it and
``summary()`` the table at the top of the page."""

from __future__ import annotations

from snippet_runner import Run
from snippet_runner.pairs import Change, Pairs

FOLDER = "snippets/errors"

# The page's groups, in page order: key -> heading (each is a section of the page, {#key}).
GROUPS = {
    "logging": "Logged and monitored values",
    "data": "Data loading",
    "checkpoints": "Loading a checkpoint",
    "ddp": "Several processes: DDP and notebooks",
    "devices": "Tensors made inside a step",
}

# fmt: off
TABLE: list[Change] = [
    # --- logging ---
    Change(
        stem="monitor_checkpoint",
        anchor="monitor-checkpoint",
        group="logging",
        old='`ModelCheckpoint(monitor="val_loss")`, the module logs `"valid_loss"`',
        new='`self.log("val_loss", loss)`: the key the callback monitors',
        answer='Log the metric under exactly the name the callback monitors: `self.log("val_loss", loss)` in '
        '`validation_step` for `ModelCheckpoint(monitor="val_loss")`. The error lists the keys that were '
        "logged: rename the `self.log` key or the `monitor`.",
        error="lightning_fabric.utilities.exceptions.MisconfigurationException: `ModelCheckpoint(monitor='val_loss')` "
        "could not find the monitored key in the returned metrics",
        fixed_prints=r"best checkpoint: epoch=0-step=8\.ckpt, val_loss 1\.066329",
        why="The check runs when the callback first saves, at the end of the first training epoch, so a "
        "misspelt key costs a whole epoch before it fails (the sanity check before training does not save). "
        "In the list, `epoch` and `step` are Lightning's own; the others are what `self.log` received.",
        keep=r"^[\w.]+(Error|Exception)\b",
        searches=(
            "could not find the monitored key in the returned metrics",
            "HINT: Did you call `log('val_loss', value)` in the `LightningModule`?",
        ),
    ),
    Change(
        stem="monitor_early_stopping",
        anchor="monitor-early-stopping",
        group="logging",
        old='`EarlyStopping(monitor="val_loss")`, `val_loss` returned but never logged',
        new='`self.log("val_loss", loss)` in `validation_step`',
        answer='Log the metric the callback watches: returning the loss from `validation_step` logs nothing, '
        '`self.log("val_loss", loss)` does. The error lists what was logged: here nothing, so its list is empty.',
        error="RuntimeError: Early stopping conditioned on metric `val_loss` which is not available.",
        fixed_prints=r"stopped at epoch 2 \(counting from 0\) of max_epochs=20",
        why="With `patience=2`, training stopped after two epochs without a better `val_loss` than epoch 0's "
        "(1.066329), instead of running the 20 epochs of `max_epochs`. The check runs at the end of the first "
        "epoch. `EarlyStopping(..., strict=False)` makes a missing key no error (a warning only with "
        "`verbose=True`), and then the callback never stops anything: fix the name instead.",
        searches=(
            "Early stopping conditioned on metric `val_loss` which is not available",
            "Pass in or modify your `EarlyStopping` callback to use any of the following",
        ),
    ),
    Change(
        stem="log_outside_trainer",
        anchor="log-outside-trainer",
        group="logging",
        old="`model.validation_step(batch, 0)` called by hand after `fit`",
        new="`trainer.validate(model, val_loader)`",
        answer="Run the step through the `Trainer`: `trainer.validate(model, val_loader)` runs `validation_step` "
        "and returns what it logged. `self.log` works only inside a loop that the `Trainer` runs; called by "
        "hand after `fit` it raises, with a message that blames a `predict` hook.",
        error="lightning_fabric.utilities.exceptions.MisconfigurationException: You are trying to `self.log()` "
        "but the loop's result collection is not registered yet.",
        fixed_prints=r"val_loss 1\.066863",
        why="Called by hand before any `Trainer` has seen the model, the same step does not fail: `self.log` "
        "only warns, and logs nothing. For a quick look without the `Trainer`, compute the value "
        "without `self.log`: `with torch.no_grad(): nn.functional.cross_entropy(model.model(x), y)`.",
        keep=r"^[\w.]+(Error|Exception)\b",
    ),
    Change(
        stem="batch_size_inferred",
        anchor="batch-size",
        group="logging",
        old="A dict batch whose first tensor is not batch-first",
        new='`self.log(..., batch_size=len(batch["label"]))`',
        answer="Tell `self.log` the batch size: "
        '`self.log("val_loss", loss, batch_size=len(batch["label"]))`. To average a metric over the epoch, '
        "Lightning weighs each batch by its size, which it takes from the first tensor in the batch: here the "
        "image rows, time-first, 28 long.",
        error="Trying to infer the `batch_size` from an ambiguous collection. The batch size we found is 28.",
        fixed_prints=r"val_loss logged:\s+1\.099449\nmean loss over 80 samples: 1\.099449",
        why="Nothing fails: the old form's epoch mean (1.102531) counts the batches of 32, 32 and 16 samples "
        "as 28 each, the fixed form's is the mean over the 80 samples (1.099449). Lightning warns once, and "
        "only because the tensors in the batch disagree on their first size; a batch whose tensors are all "
        "time-first would give the wrong size without a warning.",
        old_fails=False,
        keep=r"ambiguous collection|^val_loss logged|^mean loss",
        fixed_keep=r"^val_loss logged|^mean loss",
        searches=(
                        "ambiguous collection batch_size",
        ),
    ),
    # --- data ---
    Change(
        stem="few_workers",
        anchor="few-workers",
        group="data",
        old="`DataLoader(dataset, batch_size=32)`: no workers",
        new="`DataLoader(..., num_workers=2, persistent_workers=True)`",
        answer="Give the `DataLoader` worker processes that load the next batches while the model trains, and "
        "keep them between epochs: `num_workers=2, persistent_workers=True`, with the code that builds the "
        'loader and trains under `if __name__ == "__main__":`.',
        error="The 'train_dataloader' does not have many workers which may be a bottleneck.",
        fixed_prints=r"workers: 2, train_loss 0\.842850",
        why="Lightning warns (a `PossibleUserWarning`) only where it would suggest at least 2 workers: it "
        "suggests the CPU cores per device minus one, so a machine needs 3 cores or more. This build machine has "
        "2, so `few_workers.py` ran above through `with_cores.py 16`, which makes Lightning count 16 cores (the "
        "number in the warning depends on the machine). Workers are processes: under the spawn start method of macOS and Windows each "
        "one starts a fresh Python that imports the script, so everything that builds the loader and trains "
        "must sit under the `__main__` guard, or the workers fail. `persistent_workers=True` keeps them from "
        "starting again every epoch. Workers pay off when loading a batch costs time (files, decoding, "
        "augmentation); on this in-memory `TensorDataset` both runs took about 8 to 11 s, the one with "
        "workers a little longer.",
        old_fails=False,
        keep=r"does not have many workers|^workers:",
        searches=(
            "train_dataloader does not have many workers",
            "Consider increasing the value of the `num_workers` argument",
        ),
    ),
    # --- checkpoints ---
    Change(
        stem="missing_init_args",
        anchor="missing-init-args",
        group="checkpoints",
        old="`Model.load_from_checkpoint(path)` when `__init__` takes arguments",
        new="`self.save_hyperparameters()` in `__init__`",
        answer="Call `self.save_hyperparameters()` in `__init__`: it stores the arguments (`hidden_size=64`) in "
        "the checkpoint, and `load_from_checkpoint` passes them back to `__init__`.",
        error="TypeError: LitClassifier.__init__() missing 1 required positional argument: 'hidden_size'",
        fixed_prints=r"loaded: hidden_size 64",
        why="A checkpoint written without it holds the weights but not the arguments; load it by giving them "
        'yourself: `LitClassifier.load_from_checkpoint("classifier.ckpt", hidden_size=64)`. Arguments '
        "given to `load_from_checkpoint` also override the saved ones.",
        searches=(
            "load_from_checkpoint __init__() missing 1 required positional argument",
            "save_hyperparameters load_from_checkpoint",
        ),
    ),
    # --- ddp ---
    Change(
        stem="unused_parameters",
        anchor="unused-parameters",
        group="ddp",
        old='`strategy="ddp"`, a layer the loss does not use',
        new='`strategy="ddp_find_unused_parameters_true"`',
        answer="Remove the layer the loss never uses; where some parameters really get no gradient in some "
        'steps, tell DDP to look for them: `strategy="ddp_find_unused_parameters_true"`.',
        error="RuntimeError: It looks like your LightningModule has parameters that were not used in "
        "producing the loss returned by training_step.",
        fixed_prints=r"rank 0: 8 steps, train_loss 0\.868360",
        why="After each backward pass DDP averages every parameter's gradient across the processes; a parameter "
        "that got none leaves that reduction unfinished, and DDP raises at the next step (Lightning rewrites "
        "PyTorch's message into the one above). Each process raises it: PyTorch prefixes their lines with "
        "`[rank0]:` and `[rank1]:`. Looking for unused parameters costs time at every step, so removing a "
        'layer that is truly unused is the better fix. `strategy="ddp"` starts the script again for the second '
        'process, which is why the training sits under `if __name__ == "__main__":`. The two processes print '
        "their lines in either order.",
        keep=r"^\[rank0\]: RuntimeError",
        fixed_keep=r"^rank 0: ",  # the two processes print in either order
        searches=(
                        "ddp_find_unused_parameters_true",
        ),
    ),
    Change(
        stem="ddp_notebook_cell",
        anchor="ddp-notebook",
        group="ddp",
        old='`strategy="ddp"` in a Jupyter notebook',
        new='`strategy="ddp_notebook"`',
        answer='In a notebook, use `strategy="ddp_notebook"`, which forks the processes from the running '
        'kernel. `"ddp"` starts the script again in new processes, and a notebook has no script to start, so '
        "the `Trainer` refuses it as soon as it is created.",
        error="MisconfigurationException: `Trainer(strategy='ddp')` is not compatible with an interactive "
        "environment.",
        fixed_prints=r"2 processes, train_loss 0\.868360",
        why="Both cells ran in a fresh Jupyter kernel (ipykernel, through nbclient); the fixed one trains in 2 "
        "processes and gets the same loss as the `ddp` script above. Forking needs an operating system that "
        "forks: Linux and macOS, not Windows. After `fit` the notebook's model has the weights and "
        "`trainer.callback_metrics` of rank 0, but not all of its trainer state: `trainer.global_step` "
        "still reads 0 there (checked).",
        searches=(
            "Trainer(strategy='ddp')` is not compatible with an interactive environment",
            "Trainer(strategy='ddp_notebook')",
        ),
    ),
    # --- devices ---
    Change(
        stem="tensor_device",
        anchor="tensor-device",
        group="devices",
        old="A tensor attribute that is not a buffer; `torch.randn(x.shape)` in a step",
        new='`self.register_buffer("class_weights", ...)`; `torch.randn_like(x)`',
        answer="Make every tensor the module uses follow it. A constant is a buffer, "
        '`self.register_buffer("class_weights", torch.tensor([1.0, 2.0, 1.0]))`, which moves and casts with '
        "the module; a tensor made in a step is made like the batch: `torch.randn_like(x)`, `x.new_zeros(...)`, "
        "`.type_as(x)`, or `device=self.device, dtype=self.dtype`.",
        error="RuntimeError: expected scalar type Double but found Float",
        fixed_prints=r"module torch\.float64, class_weights torch\.float64",
        why="Readers meet this on a GPU: the module moves there, a plain tensor attribute or a tensor made "
        "without `device=` stays on the CPU. No GPU was measured for this page, so its error is not shown; "
        '`precision="64-true"` shows the same fault on any machine with the dtype: the module becomes float64, '
        "the plain attribute stays float32, and the loss refuses it. Only the class weights fail here: inside "
        'a step, under `"64-true"`, Lightning makes float64 the default dtype, so `torch.randn(x.shape)` comes '
        "out float64 (checked), but it is still made on the CPU. A buffer is also saved in the checkpoint; "
        "`register_buffer(..., persistent=False)` leaves it out. More on "
        "[Tensors made in a step](step-tensors.md).",
        searches=(
            "RuntimeError: expected scalar type Double",
            "register_buffer",
        ),
    ),
    Change(
        stem="accelerator_gpu",
        anchor="accelerator-gpu",
        group="devices",
        old='`Trainer(accelerator="gpu")` on a machine without a GPU',
        new='`Trainer(accelerator="auto")`',
        answer='`accelerator="auto"` trains on a GPU where there is one and on the CPU elsewhere; `"gpu"` '
        "fails where there is none, as soon as the `Trainer` is created.",
        error="lightning_fabric.utilities.exceptions.MisconfigurationException: No supported gpu backend found!",
        fixed_prints=r"trained on CPUAccelerator, train_loss 0\.842850",
        why='Both ran with `CUDA_VISIBLE_DEVICES=""`, which hides every GPU, so the error is what a reader '
        'without one gets. `"gpu"` takes Apple\'s MPS where it is available, then CUDA; '
        '`accelerator="cuda"` fails too, with another message.',
        env={"CUDA_VISIBLE_DEVICES": ""},
        keep=r"^[\w.]+(Error|Exception)\b",
    ),
]
# fmt: on

# Runs of a proof's own script instead of the plain pair. A notebook's cell runs in a real Jupyter
# kernel: in_a_notebook.py runs the cell's file there. The few-workers warning needs 3 cores or more:
# with_cores.py runs the script as if the machine had 16.
IN_A_NOTEBOOK, WITH_CORES = f"{FOLDER}/in_a_notebook.py", f"{FOLDER}/with_cores.py"
_SPECIAL = {
    "ddp_notebook_cell": (
        Run(IN_A_NOTEBOOK, args=("ddp_notebook_cell.py",), uses=(f"{FOLDER}/ddp_notebook_cell.py",), returncode=1),
        Run(IN_A_NOTEBOOK, args=("ddp_notebook_cell_fixed.py",), uses=(f"{FOLDER}/ddp_notebook_cell_fixed.py",)),
    ),
    "few_workers": (
        Run(WITH_CORES, args=("16", "few_workers.py"), uses=(f"{FOLDER}/few_workers.py",)),
        Run(f"{FOLDER}/few_workers_fixed.py"),
    ),
}

PAIRS = Pairs(FOLDER, GROUPS, TABLE, runs=_SPECIAL, columns=("Your code", "What happens", "Write instead"))
# Stem -> (the run that makes the error, the run of the fix), in page order.
RUNS = PAIRS.runs


def entry(stem: str) -> str:
    return PAIRS.entry(stem)


def summary() -> str:
    return PAIRS.summary()
