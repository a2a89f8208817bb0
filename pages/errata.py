"""The Errata page (docs/errata.md): each mistake of the original notes as an old script, run as
the notes wrote it, and a fixed one; the old ones that end in an error must end in it (exit code 1).

One table, ``TABLE``, says everything an erratum needs (its group, title, the line quoted from the
notes, why it fails, the fix and where the site teaches it); the page prints each entry from it
with ``entry()``, and the summary with ``summary()``. The error, the diff and the outputs come
from the scripts and from their runs at build, never typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from snippet_runner import Run
from snippet_runner.pairs import EXCEPTION_LINE, exception_lines, exception_type, fenced, indent, script_diff

FOLDER = "snippets/errata"
NO_GPU = {"CUDA_VISIBLE_DEVICES": ""}  # the error a reader without a GPU gets, on any machine

# The checkpoint that the errata about loading read, written by a short fit.
make_checkpoint = Run(f"{FOLDER}/make_checkpoint.py")


class Prose(str):
    """A part of a quote that is the notes' prose, not their code."""


@dataclass(frozen=True)
class Erratum:
    stem: str  # snippets/errata/<stem>.py is the old form, <stem>_fixed.py the fix
    anchor: str  # the section's id (other pages link to errata.md#<anchor>)
    group: str  # a key of GROUPS
    title: str  # Markdown
    quote: tuple[str, ...]  # the notes, as written: code blocks, and Prose
    why: str  # Markdown: what goes wrong; [[anchor]] links another erratum by its number
    fix: str  # Markdown: what to write instead, and the link to where the site teaches it
    noted: str  # the summary's "In the notes" cell
    fix_label: str  # the summary's "Fix" cell
    outcome: str = "{error}"  # the summary's "On the pinned versions" cell; {error}: the run's exception type
    keep: str | None = EXCEPTION_LINE  # which lines of the old form's output the page shows
    shown_as: str = ""  # the old form's output block title ("" for "How <stem>.py ended")
    fixed_keep: str | None = None
    fixed_shown_as: str = ""
    old_fails: bool = True
    env: dict = field(default_factory=dict)
    reads_checkpoint: bool = False


# The page's groups, in page order: key -> (id, heading).
GROUPS = {
    "devices": ("devices", "Device calls written into the code"),
    "quiet": ("quiet", "Runs, but does not do what the notes say"),
    "slips": ("slips", "Slips in the notes' code"),
}

# fmt: off
TABLE = [
    # --- device calls ---
    Erratum(
        "cuda_loop", "cuda-pytorch", "devices",
        "`.cuda(0)` on the model and on every batch",
        ("encoder.cuda(0)\ndecoder.cuda(0)", Prose("and in both loops:"), "x = x.cuda(0)"),
        "`.cuda(0)` moves a module or a tensor to the first NVIDIA GPU, and fails where there is none. "
        "The build hides any GPU, so this is what a reader without one sees; elsewhere it is "
        "`RuntimeError: No CUDA GPUs are available` (a driver, no GPU) or "
        "`AssertionError: Torch not compiled with CUDA enabled` (a CPU-only torch). With a GPU the "
        "lines work, but the script then runs only where there is one.",
        "Choose the device once, a GPU if there is one and the CPU otherwise, and move the model and "
        "each batch with `.to(device)`; in Lightning you write no device calls at all. Taught in "
        "[step 5, device calls](from-pytorch-to-lightning.md#devices).",
        "`.cuda(0)` on the model and the batches", "choose the device once",
        outcome="{error} without a GPU", env=NO_GPU,
    ),
    Erratum(
        "cuda_validation_step", "cuda-validation-step", "devices",
        "`x = x.cuda(0)` in `validation_step`",
        ("def validation_step(self, val_batch, batch_idx):\n    x, y = val_batch\n    x = x.cuda(0)",),
        "Without a GPU it fails as in erratum [[cuda-pytorch]], in the sanity check Lightning runs "
        "before training. With one GPU it does nothing when the `Trainer` runs there, but with "
        "`accelerator=\"cpu\"` it moves the batch away from the model and the next layer raises "
        "`RuntimeError: Expected all tensors to be on the same device` (checked by hand on one GPU).",
        "Delete the line: the `Trainer` moves every batch to the model's device before it calls "
        "`validation_step`. Taught in [step 5, device calls](from-pytorch-to-lightning.md#devices).",
        "`x = x.cuda(0)` in `validation_step`", "no device calls in the module",
        outcome="{error} without a GPU", env=NO_GPU,
    ),
    # --- runs, quietly wrong ---
    Erratum(
        "dataset_loop", "dataset-loop", "quiet",
        "The loop walks the data set, one image at a time",
        ("for train_batch in mnist_train :\n    x,y = train_batch",),
        "Iterating a data set gives one `(image, label)` pair at a time: every \"batch\" is one image, "
        "there are as many optimizer steps as images, in the same order every epoch. Nothing fails.",
        "Loop over a `DataLoader`, which batches and shuffles. Taught in "
        "[the data](from-pytorch-to-lightning.md#init) on the core page.",
        "`for train_batch in mnist_train`", "a `DataLoader`",
        outcome="one image per step", keep=None, shown_as="What dataset_loop.py printed", old_fails=False,
    ),
    Erratum(
        "no_val_loader", "no-val-loader", "quiet",
        "`fit` without the validation data",
        ("trainer.fit(model=autoencoder, train_dataloaders=train_loader) # pass data to the trainer",),
        "The module has a `validation_step`, but `fit` gets only the training data, so validation "
        "never runs: Lightning prints a warning among its other messages, and `val_loss` is never logged.",
        "Pass `val_dataloaders=` to `fit`. Taught in [step 8, the Trainer](from-pytorch-to-lightning.md#trainer).",
        "`fit` without validation data", "pass `val_dataloaders`",
        outcome="validation never runs", keep=r"val_dataloader|^logged",
        shown_as="no_val_loader.py: the lines that tell", fixed_keep=r"val_dataloader|^logged",
        fixed_shown_as="no_val_loader_fixed.py: the same lines", old_fails=False,
    ),
    Erratum(
        "default_root_dir", "checkpoint-location", "quiet",
        "\"saves checkpoints to 'some/path/' at every epoch end\"",
        (Prose("One the training is complete, you can use the checkpoint which corresponds to the model "
               "with the best performance. Lightning automatically save the checkpoints."),
         "# saves checkpoints to 'some/path/' at every epoch end\n"
         'trainer = Trainer(default_root_dir="some/path/")'),
        "Half true. Lightning saves at every epoch's end but keeps only the latest file, three folders "
        "down (`lightning_logs/version_N/checkpoints/`), and it watches no metric, so there is no "
        "\"best\" checkpoint to pick.",
        "Give the `Trainer` a `ModelCheckpoint` that monitors a validation metric; `save_top_k` says "
        "how many files to keep (`-1`: all). Taught in [Lightning saves a checkpoint for you]"
        "(checkpoints.md#automatic) and [Keep the best model](checkpoints.md#best).",
        "\"saves checkpoints to 'some/path/' at every epoch end\"", "`ModelCheckpoint`",
        outcome="one file, the last epoch's", keep=r"^(checkpoint files|\s+some/|monitored|best)",
        shown_as="What default_root_dir.py found on disk", fixed_keep=r"^(checkpoint files|\s+some/|monitored|best)",
        fixed_shown_as="What default_root_dir_fixed.py found on disk", old_fails=False,
    ),
    # --- slips: names, typos, missing imports ---
    Erratum(
        "encoder_name", "encoder-name", "slips",
        "`encoder.cuda(0)` in `__init__`",
        ("self.encoder = nn.Sequential(\n            nn.Linear(28 * 28, 64),\n            nn.ReLU(),\n"
         "            nn.Linear(64, 3)\n            )\nself.decoder = nn.Sequential(\n    nn.Linear(3, 64),\n"
         "    nn.ReLU(),\n    nn.Linear(64, 28 * 28)\n    )\nencoder.cuda(0)\ndecoder.cuda(0)",),
        "The layers are attributes, `self.encoder` and `self.decoder`; there is no variable `encoder` in "
        "`__init__`, so the line fails before any GPU is asked for, with a GPU or without one.",
        "Build the layers in `__init__`, say what the model does in `forward`, and move the whole model "
        "once, where you create it. Taught in [step 1, the model](from-pytorch-to-lightning.md#model).",
        "`encoder.cuda(0)` in `__init__`", "one module, moved once",
    ),
    Erratum(
        "adam_params", "adam-params", "slips",
        "Adam gets a list of two generators",
        ("# parameters\nparams = [encoder.parameters(), decoder.parameters()]\n"
         "optimizer = torch.optim.Adam(params, lr=1e-3)",),
        "`parameters()` returns a generator; an optimizer takes an iterable of tensors (or of parameter "
        "groups), and this list holds two generators.",
        "Unpack both into one list; simpler still, keep the encoder and the decoder in one module and "
        "pass `model.parameters()`. Taught in [step 2, the optimizer](from-pytorch-to-lightning.md#optimizer).",
        "`params = [encoder.parameters(), decoder.parameters()]`", "one flat list of tensors",
    ),
    Erratum(
        "optim_adam", "optim", "slips",
        "`optim.Adam` in `configure_optimizers`",
        ("def configure_optimizers(self):\n    optimizer = optim.Adam(self.parameters(), lr=1e-3)\n"
         "    # self.parameters will contain parameters from encoder & decoder\n    return optimizer",),
        "Copied from Lightning's \"Lightning in 15 minutes\", which starts with "
        "`from torch import optim, nn, utils, Tensor`; the notes leave that import out. The `Trainer` "
        "calls `configure_optimizers` at the start of `fit`, where it fails.",
        "Write `torch.optim.Adam` (or `from torch import optim` first). Taught in "
        "[step 2, the optimizer](from-pytorch-to-lightning.md#optimizer).",
        "`optim.Adam(...)`", "`torch.optim.Adam`",
    ),
    Erratum(
        "model_name", "model-name", "slips",
        "`model.train()` with no `model`",
        ("# train loop\nmodel.train()",),
        "The notes call the network `self.encoder` and `self.decoder` in the model block, `encoder` and "
        "`decoder` everywhere else, and `model` in `model.train()`: no `model` is ever made.",
        "Put the encoder and the decoder in one `nn.Module` created as `model`: `model.train()` and "
        "`model.eval()` then switch both halves at once. Taught in "
        "[step 1, the model](from-pytorch-to-lightning.md#model).",
        "`model.train()`", "one module called `model`",
    ),
    Erratum(
        "f_import", "imports", "slips",
        "`F`, `pl`, `Trainer`: nothing is imported",
        ("loss = F.mse_loss(x_hat, x)",),
        "The notes show no imports, and some names come in two spellings (`nn.functional.mse_loss` and "
        "`F.mse_loss`, `pl.Trainer` and `Trainer`); each short form needs its own import.",
        "`import torch.nn.functional as F`; `from pytorch_lightning import LightningModule, Trainer` for "
        "the short names. The [core page](from-pytorch-to-lightning.md) opens with its scripts' imports, and "
        "[Installation](installation.md#import-names) maps these names to the `lightning` package's.",
        "`F.mse_loss(...)` with no imports", "import what you use",
    ),
    Erratum(
        "zero_grad", "zero-grad", "slips",
        "`optimize.zero_grad()`",
        ("loss.backward()\noptimizer.step()\noptimize.zero_grad()",),
        "A typo: the optimizer is called `optimizer`. The loop fails at the end of its first step.",
        "`optimizer.zero_grad()`, best before `backward()`, so that each step plainly starts from clean "
        "gradients. Taught in [step 3, the training loop](from-pytorch-to-lightning.md#training), where "
        "Lightning takes this call over.",
        "`optimize.zero_grad()`", "`optimizer.zero_grad()`",
    ),
    Erratum(
        "val_mean", "val-mean", "slips",
        "The validation mean is taken inside the loop",
        ("val_loss = []\nfor val_batch in mnist_val :\n    ...\n    val_loss.append(loss)\n"
         "    val_loss = torch.mean(torch.tensor(val_loss))",),
        "The last line is indented into the loop: after the first batch `val_loss` is a tensor, not a "
        "list, and the second batch's `append` fails. (The script leaves out the notes' `model.eval()` "
        "and `x = x.cuda(0)`, errata [[model-name]] and [[cuda-pytorch]].)",
        "Take the mean once, after the loop. Taught in "
        "[step 4, the validation loop](from-pytorch-to-lightning.md#validation); in Lightning, "
        "`self.log` in `validation_step` averages over the epoch for you.",
        "the validation mean inside the loop", "the mean after the loop",
    ),
    Erratum(
        "mse_error", "mse-error", "slips",
        "`F.mse_error`",
        ("loss = F.mse_error(x_hat, x)",),
        "There is no `mse_error` in `torch.nn.functional`; the mean squared error is `mse_loss`, as the "
        "notes' other blocks have it. It fails in Lightning's sanity check.",
        "`F.mse_loss(x_hat, x)`. Taught in [step 4, the validation loop](from-pytorch-to-lightning.md#validation).",
        "`F.mse_error(x_hat, x)`", "`F.mse_loss`",
    ),
    Erratum(
        "init_args", "init-args", "slips",
        "`LitAutoEncoder(encoder, decoder)`",
        ("model = LitAutoEncoder(encoder, decoder)",),
        "The notes' `LitAutoEncoder.__init__` takes no arguments: it builds its own encoder and decoder. "
        "The call comes from \"Lightning in 15 minutes\", whose `__init__` takes the two modules.",
        "Call it as its `__init__` is written, `LitAutoEncoder()` (or make `__init__` take the two "
        "modules: the call and the definition must agree). Taught in "
        "[step 7, initialise the model](from-pytorch-to-lightning.md#init).",
        "`LitAutoEncoder(encoder, decoder)`", "`LitAutoEncoder()`",
    ),
    Erratum(
        "fit_name", "fit-name", "slips",
        "`trainer.fit(model=autoencoder, ...)`",
        ("model = LitAutoEncoder(encoder, decoder)\n...\n"
         "trainer = pl.Trainer(limit_train_batches=100, max_epochs=1)\n"
         "trainer.fit(model=autoencoder, train_dataloaders=train_loader) # pass data to the trainer",),
        "The model was created as `model` and is passed as `autoencoder`, the name \"Lightning in 15 "
        "minutes\" gives it. (The script creates the model correctly, erratum [[init-args]].)",
        "Use one name. Taught in [step 8, the Trainer](from-pytorch-to-lightning.md#trainer).",
        "`trainer.fit(model=autoencoder, ...)`", "one name for the model",
    ),
    Erratum(
        "no_forward", "no-forward", "slips",
        "`y_hat = model(x)` on a module with no `forward`",
        ('model = MyLightningModule.load_from_checkpoint("/path/to/checkpoint.ckpt")\n\n'
         "# disable randomness, dropout, etc...\nmodel.eval()\n\n# predict with the model\ny_hat = model(x)",),
        "`model(x)` runs the module's `forward`, and the notes' `LitAutoEncoder` has none. "
        "`load_from_checkpoint` returns an instance of the class, so a fresh one shows the same.",
        "Define `forward`, and predict under `torch.no_grad()`. Taught in "
        "[step 1, the model](from-pytorch-to-lightning.md#model) and in "
        "[Load a checkpoint and predict](checkpoints.md#load).",
        "`y_hat = model(x)`", "define `forward`",
    ),
    Erratum(
        "load_hparams", "load-hparams", "slips",
        "`torch.load(checkpoint, ...)`",
        ("checkpoint = torch.load(checkpoint, map_location=lambda storage, loc: storage)\n"
         'print(checkpoint["hyper_parameters"])',),
        "`torch.load` needs the checkpoint's path, and the line passes `checkpoint`, the variable it is "
        "about to create: it fails with the file right there (`autoencoder.ckpt`, written by "
        "`make_checkpoint.py`, below).",
        "Pass the path; `map_location=\"cpu\"` says what the lambda says, more plainly. The "
        "hyperparameters are indeed under `\"hyper_parameters\"`. Taught in "
        "[Save the hyperparameters](checkpoints.md#hyperparameters).",
        "`torch.load(checkpoint, ...)`", "load a path", reads_checkpoint=True,
    ),
    Erratum(
        "checkpoint_keys", "checkpoint-keys", "slips",
        "`checkpoint[\"encoder\"]`",
        ('checkpoint = torch.load("path")\nprint(checkpoint.keys())\n'
         'encoder_weights = checkpoint["encoder"]\ndecoder_weights = checkpoint["decoder"]',),
        "A Lightning checkpoint has no `\"encoder\"` key: the weights are all under `\"state_dict\"`, "
        "named after the attribute that holds each one (`encoder.0.weight`, ...), as the `print` just "
        "before shows. (The checkpoint is the one of erratum [[load-hparams]].)",
        "Take the entries of `\"state_dict\"` that start with `encoder.` and strip the prefix; with the "
        "class at hand, `LitAutoEncoder.load_from_checkpoint(path).encoder` is shorter. Taught in "
        "[Read a checkpoint by hand](checkpoints.md#by-hand).",
        "`checkpoint[\"encoder\"]`", "`checkpoint[\"state_dict\"]`",
        keep=r"^(dict_keys|\w+(Error|Exception)\b)", shown_as="What checkpoint_keys.py printed, and how it ended",
        reads_checkpoint=True,
    ),
]
# fmt: on

# The last row of the summary: the notes' text, which has no script (the page's last section).
PROSE_ROW = ("links, prose and formatting", "(not code)", "[corrected text](#prose)")

BY_STEM = {e.stem: e for e in TABLE}
NUMBER = {e.anchor: number for number, e in enumerate(TABLE, start=1)}


def erratum(e: Erratum) -> tuple[Run, Run]:
    """The old form (``<stem>.py``) and the fixed one (``<stem>_fixed.py``), run with the same options."""
    starts_from = (make_checkpoint,) if e.reads_checkpoint else ()
    old = Run(f"{FOLDER}/{e.stem}.py", returncode=1 if e.old_fails else 0, env=e.env, starts_from=starts_from)
    fixed = Run(f"{FOLDER}/{e.stem}_fixed.py", starts_from=starts_from)
    return old, fixed


# In page order. Three old forms run without an error: they do the wrong thing quietly.
ERRATA = {e.stem: erratum(e) for e in TABLE}

# Script stem -> its run: "encoder_name", "encoder_name_fixed", ..., "make_checkpoint".
RUNS = {Path(run.script).stem: run for pair in ERRATA.values() for run in pair} | {"make_checkpoint": make_checkpoint}


# --- what the page prints ---------------------------------------------------------------------


def old_options(e: Erratum) -> dict:
    """How the page shows the old form's run (``show()``'s options)."""
    options = {"title": e.shown_as or f"How {e.stem}.py ended"}
    return options | ({"keep": e.keep} if e.keep else {})


def fixed_options(e: Erratum) -> dict:
    options = {"title": e.fixed_shown_as} if e.fixed_shown_as else {}
    return options | ({"keep": e.fixed_keep} if e.fixed_keep else {})


def refs(markdown: str) -> str:
    """``[[anchor]]`` -> a link to that erratum, by its number on the page."""
    return re.sub(r"\[\[([-a-z]+)\]\]", lambda m: f"[{NUMBER[m.group(1)]}](#{m.group(1)})", markdown)


def quote(e: Erratum) -> str:
    parts = [part if isinstance(part, Prose) else fenced(part, "python") for part in e.quote]
    return '!!! quote "In the notes"\n\n' + indent("\n\n".join(parts))


def diff(e: Erratum) -> str:
    """The fix, as a unified diff of the two scripts."""
    return script_diff(f"{FOLDER}/{e.stem}.py", f"{FOLDER}/{e.stem}_fixed.py")


def error_type(e: Erratum) -> str:
    """The type of the exception the old form ended with at build (``NameError``)."""
    found = exception_lines(RUNS[e.stem])
    if not found:
        raise ValueError(f"{e.stem}.py ended without an exception line")
    return exception_type(found[-1])


def entry(stem: str) -> str:
    """One erratum's section: heading, quote, why, how the old form ended, the fix as a diff,
    what the fixed script printed."""
    e = BY_STEM[stem]
    return "\n\n".join(
        [
            f"### {NUMBER[e.anchor]}. {e.title} {{ #{e.anchor} }}",
            quote(e),
            refs(e.why),
            RUNS[e.stem].show(**old_options(e)),
            f"**Fix.** {refs(e.fix)}",
            diff(e),
            RUNS[f"{e.stem}_fixed"].show(**fixed_options(e)),
        ]
    )


def outcome(e: Erratum) -> str:
    return e.outcome.format(error=f"`{error_type(e)}`") if "{error}" in e.outcome else e.outcome


def summary() -> str:
    """The summary table, in page order, one group after another."""
    rows = ["| # | In the notes | On the pinned versions | Fix |", "| --- | --- | --- | --- |"]
    for key, (anchor, heading) in GROUPS.items():
        rows.append(f"| | **[{heading}](#{anchor})** | | |")
        for e in TABLE:
            if e.group == key:
                rows.append(f"| {NUMBER[e.anchor]} | {e.noted} | {outcome(e)} | [{e.fix_label}](#{e.anchor}) |")
    rows.append(f"| {len(TABLE) + 1} | {' | '.join(PROSE_ROW)} |")
    return "\n".join(rows)


def group(key: str) -> list[Erratum]:
    return [e for e in TABLE if e.group == key]
