"""The Errata page (docs/errata.md): each mistake of the original notes as an old script, run as
the notes wrote it, and a fixed one; the old ones that end in an error must end in it (exit code 1)."""

from __future__ import annotations

from pathlib import Path

from snippet_runner import Run

FOLDER = "snippets/errata"
NO_GPU = {"CUDA_VISIBLE_DEVICES": ""}  # the error a reader without a GPU gets, on any machine

# The checkpoint that errata 19-21 read, written by a short fit.
make_checkpoint = Run(f"{FOLDER}/make_checkpoint.py")


def erratum(stem: str, *, old_fails: bool = True, **options) -> tuple[Run, Run]:
    """The old form (``<stem>.py``) and the fixed one (``<stem>_fixed.py``), run with the same options."""
    old = Run(f"{FOLDER}/{stem}.py", returncode=1 if old_fails else 0, **options)
    fixed = Run(f"{FOLDER}/{stem}_fixed.py", starts_from=options.get("starts_from", ()))
    return old, fixed


# In page order. Three old forms run without an error: they do the wrong thing quietly.
ERRATA = {
    "encoder_name": erratum("encoder_name"),
    "cuda_loop": erratum("cuda_loop", env=NO_GPU),
    "adam_params": erratum("adam_params"),
    "optim_adam": erratum("optim_adam"),
    "model_name": erratum("model_name"),
    "dataset_loop": erratum("dataset_loop", old_fails=False),
    "f_import": erratum("f_import"),
    "zero_grad": erratum("zero_grad"),
    "val_mean": erratum("val_mean"),
    "cuda_validation_step": erratum("cuda_validation_step", env=NO_GPU),
    "mse_error": erratum("mse_error"),
    "backward_hook": erratum("backward_hook"),
    "init_args": erratum("init_args"),
    "fit_name": erratum("fit_name"),
    "no_val_loader": erratum("no_val_loader", old_fails=False),
    "gpus": erratum("gpus"),
    "default_root_dir": erratum("default_root_dir", old_fails=False),
    "no_forward": erratum("no_forward"),
    "load_hparams": erratum("load_hparams", starts_from=(make_checkpoint,)),
    "apex": erratum("apex"),
    "checkpoint_keys": erratum("checkpoint_keys", starts_from=(make_checkpoint,)),
}

# Script stem -> its run: "encoder_name", "encoder_name_fixed", ..., "make_checkpoint".
RUNS = {Path(run.script).stem: run for pair in ERRATA.values() for run in pair} | {"make_checkpoint": make_checkpoint}
