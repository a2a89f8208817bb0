"""The Several optimizers page (docs/manual-optimization.md): a small GAN trained by a plain loop
with two optimizers and by a LightningModule with manual optimization, the comparison of their
final weights, the table that sets the two side by side, and the digits the generator drew."""

from __future__ import annotations

import re

from pages import upgrade
from snippet_runner import Run, figures
from snippet_runner.memo import memoized
from snippet_runner.output import clean, printed
from snippet_runner.runner import Result

FOLDER = "snippets/manual-optimization"
EPOCH_LINE = re.compile(
    r"^epoch (\d+): lr ([0-9.]+)  d_loss ([0-9.]+)  g_loss ([0-9.]+)  "
    r"D's largest gradient norm ([0-9.]+), clipped to ([0-9.]+)$",
    re.M,
)
COMPARED = re.compile(
    r"^(generator|discriminator): (\d+) tensors, largest difference (\S+), bit-identical: (True|False)$", re.M
)


def checkpoint(lightning_run: Result) -> str:
    """The checkpoint gan_lightning.py printed, relative to its working folder."""
    return printed(lightning_run, "checkpoint")


def epochs(run: Result) -> list[tuple[int, float, float, float, float, float]]:
    """(epoch, lr, d_loss, g_loss, largest gradient norm, largest after clipping) for each epoch
    line the run printed."""
    return [(int(e), *map(float, rest)) for e, *rest in EPOCH_LINE.findall(clean(run))]


def _exact(run: Result) -> list[tuple[int, float, float, float]]:
    """(epoch, lr, largest gradient norm, after clipping) per epoch: the values both tabs must print alike."""
    return [(e, lr, norm, clipped) for e, lr, _, _, norm, clipped in epochs(run)]


@memoized
def clipping_table_of(pytorch: Result, lightning: Result) -> str:
    """Markdown: per epoch, the learning rate and the discriminator's largest gradient norm before
    and after clipping, as both tabs printed them (they must agree)."""
    if not _exact(lightning) or _exact(pytorch) != _exact(lightning):
        raise ValueError("the two tabs printed different learning rates or gradient norms")
    rows = [
        "| epoch | learning rate | D's largest gradient norm | after `clip_gradients` (max 1.0) |",
        "| ---: | ---: | ---: | ---: |",
    ]
    rows += [f"| {e} | {lr:.6f} | {norm:.4f} | {clipped:.4f} |" for e, lr, norm, clipped in _exact(lightning)]
    return "\n".join(rows) + "\n"


def clipping_table() -> str:
    """The page's clipping table (``clipping_table_of``), from the build's runs."""
    return clipping_table_of(gan_pytorch.result(), gan_lightning.result())


def compared(compare_run: Result) -> dict[str, tuple[str, bool]]:
    """network -> (largest difference as printed, bit-identical), from compare.py's output."""
    return {net: (largest, same == "True") for net, _, largest, same in COMPARED.findall(clean(compare_run))}


def _line(run: Result, pattern: str) -> str:
    found = re.search(pattern, clean(run), re.M)
    if found is None:
        raise ValueError(f"{run.script} printed no line matching {pattern!r}")
    return found.group(1)


@memoized
def agreement_table(pytorch: Result, lightning: Result, compare_run: Result) -> str:
    """Markdown: what each tab printed beside what compare.py found in their files."""
    plain, lit = epochs(pytorch), epochs(lightning)
    if not plain or len(plain) != len(lit):
        raise ValueError(f"the tabs printed {len(plain)} and {len(lit)} epoch lines")
    same_exact = sum(a == b for a, b in zip(_exact(pytorch), _exact(lightning)))
    loss_gap = max(abs(a[i] - b[i]) for a, b in zip(plain, lit) for i in (2, 3))
    last_plain, last_lit = plain[-1], lit[-1]
    weights = compared(compare_run)
    samples = _line(compare_run, r"^the 40 generated digits, bit-identical: (\w+)$")
    mean = r"^samples: \(40, 28, 28\), mean pixel ([0-9.]+)$"
    rows = [
        "| what | PyTorch (gan_pytorch.py) | Lightning (gan_lightning.py) | compare.py |",
        "| --- | --- | --- | --- |",
        f"| learning rate, D's largest gradient norm before and after clipping | {len(plain)} epochs "
        f"| {len(lit)} epochs | the same in {same_exact} of {len(plain)} epochs |",
        f"| mean d_loss and g_loss | {len(plain)} epochs | {len(lit)} epochs | largest difference {loss_gap:.6f} |",
        f"| last epoch: d_loss, g_loss | {last_plain[2]:.6f}, {last_plain[3]:.6f} "
        f"| {last_lit[2]:.6f}, {last_lit[3]:.6f} | — |",
    ]
    for network in ("generator", "discriminator"):
        largest, same = weights[network]
        rows.append(
            f"| {network}'s weights | gan_pytorch.pt | the checkpoint | bit-identical: {same} "
            f"(largest difference {largest}) |"
        )
    rows.append(
        f"| 40 generated digits, mean pixel | {_line(pytorch, mean)} | {_line(lightning, mean)} "
        f"| bit-identical: {samples} |"
    )
    return "\n".join(rows) + "\n"


def agreement() -> str:
    """The page's table (``agreement_table``), from the build's runs."""
    return agreement_table(gan_pytorch.result(), gan_lightning.result(), compare.result())


@memoized
def digits_figure(lightning_run: Result) -> str:
    """Inline PNG: the 40 digits the trained generator drew from the scripts' fixed inputs."""
    import torch

    samples = torch.load(lightning_run.workdir / "samples_lightning.pt", map_location="cpu", weights_only=True)
    rows, columns = 4, len(samples) // 4
    fig, grid = figures.pyplot().subplots(rows, columns, figsize=(8.0, 3.4), layout="constrained")
    for axes, picture in zip(grid.flat, samples):
        axes.imshow(picture.numpy(), cmap="gray", vmin=0, vmax=1)
        axes.set_xticks([])
        axes.set_yticks([])
    alt = (
        f"A grid of {len(samples)} small grayscale images on black, {rows} rows of {columns}: digits "
        "drawn by the GAN's generator after 10 epochs, rough and speckled but mostly readable, "
        "many of them 9s, 1s, 0s and 3s."
    )
    caption = (
        f"{len(samples)} digits the generator drew from 40 fixed random inputs after 10 epochs on 3,200 "
        f"images. Drawn at build from the samples_lightning.pt that {lightning_run.script} saved; "
        "the PyTorch tab's are the same, bit for bit."
    )
    return figures.inline_png(fig, alt=alt, caption=caption)


def digits() -> str:
    return digits_figure(gan_lightning.result())


def old_error(stem: str) -> str:
    """The error that the Upgrade page's run of the 1.x form ended with (its last line, verbatim)."""
    old, _ = upgrade.RUNS[stem]
    return old.show(keep=r"^(RuntimeError|lightning_fabric\.utilities\.exceptions\.MisconfigurationException): ")


gan_pytorch = Run(f"{FOLDER}/gan_pytorch.py")
gan_lightning = Run(f"{FOLDER}/gan_lightning.py")
# Reads the files both wrote (gan_pytorch.pt, the checkpoint, the two sample files).
compare = Run(
    f"{FOLDER}/compare.py",
    starts_from=(gan_pytorch, gan_lightning),
    args=(lambda: checkpoint(gan_lightning.compute()),),
)

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [gan_pytorch, gan_lightning, compare]
