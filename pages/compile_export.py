"""The Compile and export page (docs/compile-export.md): torch.compile in a plain loop and in a
LightningModule, timed epoch by epoch on a cold and on a warm inductor cache; torch.export and
ONNX exports of the trained model, run back and compared with it; to_torchscript's warnings."""

from __future__ import annotations

import re
import statistics

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean
from snippet_runner.runner import Result, SnippetError

FOLDER = "snippets/compile-export"
# Each compile run gets its own inductor cache, in its working folder: the first run compiles from
# nothing, as on a reader's first run; the second starts from a copy of the first run's folder, so
# it finds that cache, as a reader's second run finds ~/.cache or /tmp/torchinductor_<user>.
CACHE = {"TORCHINDUCTOR_CACHE_DIR": "inductor-cache"}
# About 1 min (PyTorch) and 2.5 min (Lightning) on a busy 2-core machine, most of it compiling.
TIMEOUT = 900

EPOCH = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)  \(([0-9.]+) s\)$")


def epoch_seconds(run: Result) -> dict[str, list[float]]:
    """Each epoch's time that the run printed, under the "eager:" and "compiled:" lines."""
    found: dict[str, list[float]] = {}
    current = None
    for line in clean(run).splitlines():
        if line in ("eager:", "compiled:"):
            current = found.setdefault(line[:-1], [])
        elif (match := EPOCH.match(line)) and current is not None:
            current.append(float(match.group(3)))
    if sorted(found) != ["compiled", "eager"]:
        raise SnippetError(f"{run.script} printed no eager and compiled epoch times")
    return found


def printed_line(run: Result, pattern: str) -> re.Match:
    found = re.search(pattern, clean(run), re.M)
    if found is None:
        raise SnippetError(f"{run.script} printed no line matching {pattern!r}")
    return found


def last_checkpoint(run: Result) -> str:
    """The checkpoint of the compiled fit: the last "checkpoint:" line compile_lightning.py printed."""
    found = re.findall(r"^checkpoint: (.+)$", clean(run), re.M)
    if not found:
        raise SnippetError(f"{run.script} printed no checkpoint")
    path = found[-1].strip()
    # Relative to the run's folder (a path that went through a symbolic link may print whole).
    return path[path.index("lightning_logs/") :] if "lightning_logs/" in path else path


def summary(run: Result) -> dict[str, float]:
    """The run's numbers: first epochs, medians of the later epochs and their ratio."""
    seconds = epoch_seconds(run)
    return {
        "eager first": seconds["eager"][0],
        "compiled first": seconds["compiled"][0],
        "eager later": statistics.median(seconds["eager"][1:]),
        "compiled later": statistics.median(seconds["compiled"][1:]),
    }


def _s(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


@memoized
def timing_table(pytorch: Result, pytorch_again: Result, lightning: Result, lightning_again: Result) -> str:
    """Markdown: the four runs side by side, each cell computed from the epoch times it printed."""
    runs = [summary(run) for run in (pytorch, pytorch_again, lightning, lightning_again)]
    rows = [
        "| seconds | PyTorch, first run | PyTorch, second run | Lightning, first run | Lightning, second run |",
        "| --- | ---: | ---: | ---: | ---: |",
        "| inductor cache at the start | empty | the first run's | empty | the first run's |",
        "| first epoch, eager | " + " | ".join(_s(r["eager first"]) for r in runs) + " |",
        "| first epoch, compiled | " + " | ".join(f"**{_s(r['compiled first'])}**" for r in runs) + " |",
        "| compiling, about (compiled − eager, first epoch) | "
        + " | ".join(_s(r["compiled first"] - r["eager first"]) for r in runs)
        + " |",
        "| epochs 1–4, median, eager | " + " | ".join(_s(r["eager later"]) for r in runs) + " |",
        "| epochs 1–4, median, compiled | " + " | ".join(_s(r["compiled later"]) for r in runs) + " |",
        "| epochs 1–4, compiled ÷ eager | "
        + " | ".join(f"**{r['compiled later'] / r['eager later']:.2f}×**" for r in runs)
        + " |",
    ]
    return "\n".join(rows) + "\n"


def timings() -> str:
    """The page's timing table, from the build's four compile runs."""
    return timing_table(
        compile_pytorch.result(),
        compile_pytorch_again.result(),
        compile_lightning.result(),
        compile_lightning_again.result(),
    )


def verdict(run: Result) -> str:
    """Epochs 1-4 compiled against eager, in words: faster or slower only when every compiled epoch
    was faster (slower) than every eager one; otherwise within the spread of the eager epochs.
    On a machine shared with other jobs, a ratio of medians alone would claim more than it measured."""
    seconds = epoch_seconds(run)
    eager, compiled = seconds["eager"][1:], seconds["compiled"][1:]
    found = summary(run)
    ratio = f"{found['compiled later'] / found['eager later']:.2f}×"
    if max(compiled) < min(eager):
        return f"faster ({ratio} the eager median, every compiled epoch below every eager one)"
    if min(compiled) > max(eager):
        return f"slower ({ratio} the eager median, every compiled epoch above every eager one)"
    return f"no clear difference ({ratio} the eager median, within the spread of the eager epochs)"


def later_ratio_words(pytorch: Result, lightning: Result) -> str:
    """What the later epochs did, in words, for the two tabs' runs."""
    return "; ".join(
        f"with {name}, {verdict(run)}" for name, run in (("the plain loop", pytorch), ("the Trainer", lightning))
    )


def later_epochs() -> str:
    """The verdicts of the four runs, as a Markdown list."""
    return "".join(
        f"- {name}: {verdict(run.result())}\n"
        for name, run in (
            ("PyTorch, first run", compile_pytorch),
            ("PyTorch, second run", compile_pytorch_again),
            ("Lightning, first run", compile_lightning),
            ("Lightning, second run", compile_lightning_again),
        )
    )


def headline() -> str:
    """The answer's numbers, in one paragraph, from the first runs."""
    pytorch, lightning = compile_pytorch.result(), compile_lightning.result()
    again_pytorch, again_lightning = summary(compile_pytorch_again.result()), summary(compile_lightning_again.result())
    plain, lit = summary(pytorch), summary(lightning)
    where = printed_line(pytorch, r"^measured on (\S+): (\d+) CPU cores")
    return (
        f"Measured at build, on this site's small auto-encoder, on {where.group(1).upper()} "
        f"({where.group(2)} cores, shared with other jobs): the first compiled epoch took "
        f"**{_s(plain['compiled first'])}** in the plain loop and **{_s(lit['compiled first'])}** with the Trainer "
        f"(eager: {_s(plain['eager first'])} and {_s(lit['eager first'])}); run again with inductor's cache, "
        f"{_s(again_pytorch['compiled first'])} and {_s(again_lightning['compiled first'])}. "
        f"Epochs 1–4, compiled against eager: {later_ratio_words(pytorch, lightning)} "
        f"([all the numbers](#measured)).\n"
    )


@memoized
def export_table_from(pytorch: Result, lightning: Result) -> str:
    """Markdown: the largest difference each exported file's outputs had from the model's own."""
    delta = r"^{file}, 1000 digits: max \|Δ\| = (\S+)$"
    rows = [
        "| exported file, run on the 1,000 test digits | PyTorch (export_pytorch.py) | Lightning (export_lightning.py) "
        "| `assert_close` (float32: \\|Δ\\| ≤ 1e-5 + 1.3e-6 × \\|output\\|) |",
        "| --- | ---: | ---: | --- |",
    ]
    for file, how in (("autoencoder.pt2", "`torch.export.load(...).module()`"), ("autoencoder.onnx", "ONNX Runtime")):
        pattern = delta.format(file=re.escape(file))
        cells = [printed_line(run, pattern).group(1) for run in (pytorch, lightning)]
        rows.append(
            f"| `{file}`, run with {how} | max \\|Δ\\| = {cells[0]} | max \\|Δ\\| = {cells[1]} | passed in both |"
        )
    return "\n".join(rows) + "\n"


def export_table() -> str:
    return export_table_from(export_pytorch.result(), export_lightning.result())


compile_pytorch = Run(f"{FOLDER}/compile_pytorch.py", env=CACHE, timeout=TIMEOUT, alone=True)
compile_pytorch_again = Run(
    f"{FOLDER}/compile_pytorch.py", starts_from=(compile_pytorch,), env=CACHE, timeout=TIMEOUT, alone=True
)
compile_lightning = Run(f"{FOLDER}/compile_lightning.py", env=CACHE, timeout=TIMEOUT, alone=True)
compile_lightning_again = Run(
    f"{FOLDER}/compile_lightning.py", starts_from=(compile_lightning,), env=CACHE, timeout=TIMEOUT, alone=True
)
# The exports read what the first runs wrote: autoencoder.pt, and the compiled fit's checkpoint.
export_pytorch = Run(f"{FOLDER}/export_pytorch.py", starts_from=(compile_pytorch,))
export_lightning = Run(
    f"{FOLDER}/export_lightning.py",
    starts_from=(compile_lightning,),
    args=(lambda: last_checkpoint(compile_lightning.compute()),),
)
torchscript = Run(f"{FOLDER}/torchscript.py")

# The page's notebook (snippet_runner/notebooks.py): its scripts, in page order.
NOTEBOOK = [compile_pytorch, compile_lightning, export_pytorch, export_lightning, torchscript]
