"""The Cheat sheet page (docs/cheat-sheet.md): each thing a PyTorch training script does, what it
becomes in Lightning and in Fabric, one row each, linked to the section that teaches it.

Every piece of code in the table is read at build from a named section of a script the site runs
(``Code``: the script, the section, a regex that picks the line or lines, or the part of a line it
needs), never typed here; where there is no code, a cell is plain words. A script, section or line
that is not there raises ``CheatSheetError`` naming it, which stops the strict build, as does a
link to an anchor that the page's Markdown lacks."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

import markdown

from snippet_runner import runner, sections

CORE = "snippets/from-pytorch-to-lightning"
PYTORCH = f"{CORE}/train_pytorch.py"
LIGHTNING = f"{CORE}/train_lightning.py"
FABRIC = "snippets/fabric/train_fabric.py"
LOOP = "snippets/training-loop"
CHECKPOINTS = "snippets/checkpoints"


class CheatSheetError(LookupError):
    """A row names a script, section, line or anchor that is not there."""


@dataclass(frozen=True)
class Code:
    """The lines of ``script``'s section ``section`` in which ``pick`` finds a match
    (``re.search`` on the line without its indentation), in the script's order: each shown whole
    but for a trailing comment or, when ``pick`` has a group, only the part of the line that a
    group matched (``gradient_clip_val=0.02`` of a ``Trainer(...)``); with alternatives, a match in
    which no group took part shows the whole line."""

    script: str
    section: str
    pick: str


# A cell: code from the scripts, words (Markdown), or several of these shown one after the other.
Cell = Code | str | tuple[Code | str, ...]


@dataclass(frozen=True)
class Row:
    what: str  # the first column's words
    link: str  # the section that teaches it: "page.md#anchor"
    pytorch: Cell
    lightning: Cell
    fabric: Cell
    fabric_link: str | None = None  # where the Fabric page teaches its cell's code, if it does


DDP = "snippets/multi-device/train_ddp_pytorch.py"

# fmt: off
ROWS: list[Row] = [
    Row("Imports", "installation.md#import-names",
        Code(PYTORCH, "imports", r"^import torch$"),
        Code(LIGHTNING, "imports", r"^import pytorch_lightning as pl$"),
        Code(FABRIC, "imports", r"^from lightning_fabric import Fabric$"),
        "fabric.md#device"),
    Row("Device, `.to(device)`", "from-pytorch-to-lightning.md#devices",
        (Code(PYTORCH, "device", r"^device = "), Code(PYTORCH, "init", r"^model = .*\.to\(device\)")),
        "nothing: the `Trainer` places model and batches",
        Code(FABRIC, "device", r"^fabric = Fabric\("),
        "fabric.md#device"),
    Row("The model", "from-pytorch-to-lightning.md#model",
        Code(PYTORCH, "model", r"^class "),
        Code(LIGHTNING, "model", r"^class "),
        "[as in PyTorch](fabric.md#model)"),
    Row("The optimizer", "from-pytorch-to-lightning.md#optimizer",
        Code(PYTORCH, "optimizer", r"^optimizer = "),
        (Code(LIGHTNING, "optimizer", r"def configure_optimizers"), "returns it"),
        Code(FABRIC, "optimizer", r"fabric\.setup\(model"),
        "fabric.md#setup"),
    Row("Data loaders", "from-pytorch-to-lightning.md#init",
        Code(PYTORCH, "data", r"(DataLoader\(train_set, .*\))$"),
        ("the same, given to", Code(f"{LOOP}/precision_lightning.py", "fit", r"^trainer\.fit\(")),
        Code(FABRIC, "data", r"(fabric\.setup_dataloaders\(.*\))$"),
        "fabric.md#data"),
    Row("`zero_grad`, `backward`, `step`", "from-pytorch-to-lightning.md#training",
        Code(PYTORCH, "training", r"^for x, _ in loader:|^optimizer\.zero_grad\(\)|^loss\.backward\(\)|^optimizer\.step\(\)"),
        Code(LIGHTNING, "training", r"def training_step\(|^(return loss)\b"),
        (Code(FABRIC, "training", r"^fabric\.backward\(loss\)"), "for `loss.backward()`"),
        "fabric.md#loops"),
    Row("The epoch loop", "from-pytorch-to-lightning.md#trainer",
        Code(PYTORCH, "fit", r"^for epoch in range\("),
        ("`Trainer`:", Code(LIGHTNING, "fit", r"(max_epochs=\d+)")),
        "[as in PyTorch](fabric.md#fit)"),
    Row("`train()`, `eval()`, `no_grad`", "evaluate.md#modes",
        (Code(PYTORCH, "training", r"^model\.train\(\)"),
         Code(PYTORCH, "validation", r"^model\.eval\(\)|^with torch\.no_grad\(\):")),
        "nothing: the `Trainer` does it",
        "[as in PyTorch](fabric.md#loops)"),
    Row("The validation loop", "from-pytorch-to-lightning.md#validation",
        Code(PYTORCH, "validation", r"^def validate\("),
        Code(LIGHTNING, "validation", r"def validation_step\("),
        "[as in PyTorch](fabric.md#loops)"),
    Row("Logging a loss", "tensorboard.md#training-step",
        Code("snippets/tensorboard/log_pytorch.py", "training", r'writer\.add_scalar\("Loss/train"'),
        Code("snippets/tensorboard/log_lightning.py", "training", r'self\.log\("train_loss"'),
        "`fabric.log`, to the loggers given to `Fabric`"),
    Row("Gradient clipping", "training-loop.md#clipping",
        Code(f"{LOOP}/clipping_pytorch.py", "clip", r"(clip_grad_norm_\(.*\))\)$"),
        ("`Trainer`:", Code(f"{LOOP}/clipping_lightning.py", "fit", r"(gradient_clip_val=[^,)]+)")),
        "`fabric.clip_gradients` instead"),
    Row("Gradient accumulation", "training-loop.md#accumulation",
        Code(f"{LOOP}/accumulation_pytorch.py", "accumulate",
             r"^(\(loss / accumulate\)\.backward\(\))|^(if \(i \+ 1\) % accumulate == 0)"),
        ("`Trainer`:", Code(f"{LOOP}/accumulation_lightning.py", "fit", r"(accumulate_grad_batches=[^,)]+)")),
        "your loop; under DDP, `fabric.no_backward_sync`"),
    Row("LR scheduler", "training-loop.md#schedules",
        Code(f"{CHECKPOINTS}/save_pytorch.py", "train", r"(StepLR\(.*\))$|^(scheduler\.step\(\))"),
        Code(f"{CHECKPOINTS}/autoencoder.py", "model", r"(StepLR\(.*\))$|^(return \[optimizer\], \[scheduler\])"),
        "as in PyTorch"),
    Row("Mixed precision", "training-loop.md#precision",
        Code(f"{LOOP}/precision_pytorch.py", "precision", r"^with torch\.autocast\("),
        ("`Trainer`:", Code(f"{LOOP}/precision_lightning.py", "fit", r'(precision="bf16-mixed")')),
        ("`Fabric`:", Code(FABRIC, "device", r"(precision=args\.precision)")),
        "fabric.md#device"),
    Row("Early stopping", "training-loop.md#early-stopping",
        Code(f"{LOOP}/early_stopping_pytorch.py", "fit", r"^if bad_epochs == |^break$"),
        ("a callback:", Code(f"{LOOP}/early_stopping_lightning.py", "fit", r"(EarlyStopping\(.*\))")),
        "as in PyTorch"),
    Row("Save a checkpoint", "checkpoints.md#automatic",
        Code(PYTORCH, "fit", r"^torch\.save\("),
        "nothing: one every epoch",
        Code(FABRIC, "fit", r"^fabric\.save\("),
        "fabric.md#fit"),
    Row("Resume training", "checkpoints.md#resume",
        Code(f"{CHECKPOINTS}/resume_pytorch.py", "resume", r"^(?:model|optimizer)\.load_state_dict\("),
        ("`trainer.fit`:", Code(f"{CHECKPOINTS}/resume.py", "resume", r"(ckpt_path=[^,)]+)")),
        Code("snippets/fabric/load_fabric.py", "load", r"fabric\.load\("),
        "fabric.md#load"),
    Row("Load to predict", "checkpoints.md#load",
        (Code(f"{CHECKPOINTS}/resume_pytorch.py", "resume", r"^model\.load_state_dict\("),
         Code(PYTORCH, "validation", r"^model\.eval\(\)")),
        Code(f"{CHECKPOINTS}/predict.py", "load", r"(\w+\.load_from_checkpoint\(.*\))$"),
        "[as for resuming](fabric.md#load), then `model.eval()`"),
    Row("Several devices (DDP)", "multi-device.md#ddp",
        (Code(DDP, "process-group", r"init_process_group\("),
         Code(DDP, "data", r"(DistributedSampler\(train_set.*\))$"),
         Code(DDP, "fit", r"(DistributedDataParallel\(.*\))$")),
        ("`Trainer`:", Code("snippets/organize/ddp_stages.py", "ddp", r'^(devices=\d+)|^(strategy="ddp")')),
        (Code(FABRIC, "device", r"^fabric\.launch\(\)"), "with `--devices 2`"),
        "fabric.md#two"),
    Row("Seeding", "debugging.md#reproducible",
        Code(PYTORCH, "init", r"^torch\.manual_seed\("),
        Code(LIGHTNING, "init", r"^pl\.seed_everything\("),
        Code(FABRIC, "init", r"^fabric\.seed_everything\("),
        "fabric.md#setup"),
]
# fmt: on


def section_lines(script: str, section: str) -> list[str]:
    """The lines of a section of ``script``, as the page would include it; raises when the script
    or the section is not there."""
    path = runner.ROOT / script
    if not path.is_file():
        raise CheatSheetError(f"cheat sheet: {script} does not exist")
    try:
        return sections.text(path, section).splitlines()
    except KeyError:
        raise CheatSheetError(f"cheat sheet: {script} has no section {section!r}") from None


def without_comment(line: str) -> str:
    """The line without its trailing ``# comment`` (a ``#`` inside a string stays)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[: token.start[1]].rstrip()
    except (tokenize.TokenError, IndentationError):
        pass  # a line that opens a bracket ends the tokens early: any comment came before
    return line


def lines(code: Code) -> list[str]:
    """What ``code`` picks, as the cell shows it; raises when it picks nothing."""
    pick = re.compile(code.pick)
    shown = []
    for line in section_lines(code.script, code.section):
        found = pick.search(line.strip())
        if found is None:
            continue
        part = next((group for group in found.groups() if group is not None), None)
        if part is not None:  # the part of the line a group matched
            shown.append(part)
        else:
            shown.append(without_comment(line.strip()))
    if not shown:
        raise CheatSheetError(f"cheat sheet: no line of {code.script}, section {code.section!r}, matches {code.pick!r}")
    return shown


def parts(cell: Cell) -> list[Code | str]:
    return list(cell) if isinstance(cell, tuple) else [cell]


def code_lines(cell: Cell) -> list[str]:
    """Every piece of code the cell shows, in order."""
    return [line for part in parts(cell) if isinstance(part, Code) for line in lines(part)]


def check_link(link: str) -> str:
    """``page.md#anchor``, once docs/page.md is known to have the anchor as a heading id."""
    page, _, anchor = link.partition("#")
    path = runner.ROOT / "docs" / page
    if not path.is_file():
        raise CheatSheetError(f"cheat sheet: links to {link}, but docs/{page} does not exist")
    if anchor and not re.search(rf"\{{[^}}]*#{re.escape(anchor)}(\s[^}}]*)?\}}", path.read_text()):
        raise CheatSheetError(f"cheat sheet: links to {link}, but docs/{page} has no {{ #{anchor} }}")
    return link


def inline_code(line: str) -> str:
    """A Markdown code span that holds ``line`` as it is, backticks included."""
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line}{pad}{fence}"


# Material's table cells are padded for prose; a cheat sheet wants its rows on one screen.
CELL_STYLE = "padding: 0.2em 0.45em; line-height: 1.4"
TABLE_STYLE = "font-size: 0.6rem"


def render(cell: Cell, link: str | None = None) -> str:
    """A table cell's Markdown, its parts one after the other: words as they are, code as code
    spans (those of one part, all one link to ``link`` when the cell has one)."""
    shown = []
    for part in parts(cell):
        if isinstance(part, str):
            for target in re.findall(r"\]\(([^)]+)\)", part):
                check_link(target)
            shown.append(part)
            continue
        spans = " ".join(inline_code(line) for line in lines(part))
        shown.append(f"[{spans}]({check_link(link)})" if link else spans)
    return " ".join(shown)


def html(cell_markdown: str) -> str:
    """One cell's Markdown (code spans, links, words) as HTML. The links stay ``page.md#anchor``:
    the site's hook (snippet_runner/mkdocs_hooks.py) turns them into URLs, as for any block's output."""
    converted = markdown.markdown(cell_markdown)
    return converted.removeprefix("<p>").removesuffix("</p>")


def table(rows: list[Row] = ROWS) -> str:
    """The page's table, in HTML: its cells are padded less than Material pads a Markdown table's,
    so that the rows fit one screen."""

    def tr(tag: str, cells: list[str]) -> str:
        return "<tr>" + "".join(f'<{tag} style="{CELL_STYLE}">{html(c)}</{tag}>' for c in cells) + "</tr>"

    body_rows = [
        tr(
            "td",
            [
                f"[{row.what}]({check_link(row.link)})",
                render(row.pytorch),
                render(row.lightning),
                render(row.fabric, row.fabric_link),
            ],
        )
        for row in rows
    ]
    head = tr("th", ["What", "PyTorch", "Lightning", "Fabric"])
    # The class is on a wrapper: Material styles only the tables that have none.
    body = "\n".join(body_rows)
    return f'<div class="cheat-sheet">\n<table style="{TABLE_STYLE}">\n<thead>\n{head}\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</div>'
