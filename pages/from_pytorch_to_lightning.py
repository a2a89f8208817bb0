"""The core page (docs/from-pytorch-to-lightning.md): the two loops, the losses they printed side by
side, the weight comparison, and the whole move drawn as one change from the two scripts."""

import difflib
import html
import re

from snippet_runner import Run, runner, sections
from snippet_runner.output import clean, printed

FOLDER = "snippets/from-pytorch-to-lightning"
PYTORCH_SCRIPT = f"{FOLDER}/train_pytorch.py"
LIGHTNING_SCRIPT = f"{FOLDER}/train_lightning.py"

train_pytorch = Run(PYTORCH_SCRIPT)
train_lightning = Run(LIGHTNING_SCRIPT)
# Reads the weights both scripts saved: its folder starts as a copy of theirs, and it is given
# the checkpoint path that train_lightning.py printed, as a reader would.
compare_weights = Run(
    f"{FOLDER}/compare_weights.py",
    starts_from=(train_pytorch, train_lightning),
    args=(lambda: printed(train_lightning.compute(), "checkpoint"),),
)

# The page's notebook (snippet_runner/notebooks.py): these scripts, in page order.
NOTEBOOK = [train_pytorch, train_lightning, compare_weights]

EPOCH_LINE = re.compile(r"^epoch (\d+): train_loss ([0-9.]+)  val_loss ([0-9.]+)$", re.M)


def losses_table() -> str:
    """Markdown: each epoch's losses as the two scripts printed them, side by side."""
    pytorch = EPOCH_LINE.findall(clean(train_pytorch.result()))
    lightning = EPOCH_LINE.findall(clean(train_lightning.result()))
    if not pytorch or [e for e, _, _ in pytorch] != [e for e, _, _ in lightning]:
        raise ValueError(f"the two scripts did not print the same epochs: {pytorch} {lightning}")
    lines = [
        "| epoch | train_loss, PyTorch | train_loss, Lightning | val_loss, PyTorch | val_loss, Lightning |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for (epoch, train_p, val_p), (_, train_l, val_l) in zip(pytorch, lightning):
        lines.append(f"| {epoch} | {train_p} | {train_l} | {val_p} | {val_l} |")
    return "\n".join(lines) + "\n"


# The whole move as one change: train_pytorch.py -> train_lightning.py, section by section.

STEP_HEADING = re.compile(r"^## (.+?) \{ #([-_a-z0-9]+) \}$")


def sections_of(script: str) -> dict[str, str]:
    """A script's named sections, dedented, in file order."""
    return {name: sections.text(runner.ROOT / script, name) for name in sections.names(runner.ROOT / script)}


def steps() -> dict[str, tuple[str, str]]:
    """Lightning section -> (the page's step heading it is shown under, that step's anchor)."""
    found, heading = {}, ("The imports", "from-pytorch-to-lightning")  # before step 1: the page's top
    for line in (runner.ROOT / "docs" / "from-pytorch-to-lightning.md").read_text().splitlines():
        step = STEP_HEADING.match(line)
        if step:
            heading = (step.group(1), step.group(2))
        include = sections.INCLUDE.search(line)
        if include and include.group(1) == LIGHTNING_SCRIPT and include.group(2):
            found.setdefault(include.group(2), heading)
    return found


# What a reader needs to know where the PyTorch script has no section of that name.
NO_PYTORCH_SECTION = {
    "hooks": "No section in the PyTorch script: a plain loop would put this between loss.backward() and "
    "optimizer.step().",
}


def _column(lines: list[str], changed: set[int], tag: str, label: str) -> str:
    rows = []
    for number, line in enumerate(lines):
        text = html.escape(line) or " "
        rows.append(f"<{tag}>{text}</{tag}>" if number in changed else f"<span>{text}</span>")
    body = "".join(rows) if lines else '<span class="move-none">(nothing: see the note above)</span>'
    return (
        f'<div class="move-side"><p class="move-label">{label}</p>'
        # No <code> inside: Material would give the block a copy button, for one side of a change.
        # --code-lines: its height before it is drawn (extra.css: content-visibility).
        f'<pre tabindex="0" role="region" aria-label="{label}" style="--code-lines: {max(len(lines), 1)}">'
        f"{body}</pre></div>"
    )


def whole_move(pytorch_script: str = PYTORCH_SCRIPT, lightning_script: str = LIGHTNING_SCRIPT) -> str:
    """HTML: both scripts side by side, aligned by the Lightning script's sections in page order;
    the lines that go are struck out on the left, the lines that come marked on the right."""
    pytorch, lightning, where = sections_of(pytorch_script), sections_of(lightning_script), steps()
    parts = ['<div class="whole-move">']
    for name, new in lightning.items():
        old = pytorch.get(name, "")
        old_lines, new_lines = old.splitlines(), new.splitlines()
        removed, added = set(), set()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
            if tag != "equal":
                removed.update(range(i1, i2))
                added.update(range(j1, j2))
        heading, anchor = where.get(name, ("", ""))
        heading = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(heading, quote=False))
        title = f'<a href="#{anchor}">{heading}</a>' if anchor else f"<code>{name}</code>"
        note = "" if name in pytorch else f'<p class="move-note">{NO_PYTORCH_SECTION[name]}</p>'
        parts.append(f'<section class="move-section" aria-label="{name}"><p class="move-title">{title}</p>{note}')
        parts.append('<div class="move-columns">')
        parts.append(_column(old_lines, removed, "del", f"PyTorch: {name}"))
        parts.append(_column(new_lines, added, "ins", f"Lightning: {name}"))
        parts.append("</div></section>")
    parts.append("</div>")
    return "\n".join(parts)
