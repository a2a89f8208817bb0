"""Turn a run's raw output into what a page shows: cleaned text, run time, versions."""

from __future__ import annotations

import html
import re
import sysconfig

from snippet_runner import runner, settings
from snippet_runner.memo import memoized
from snippet_runner.runner import Result, SnippetError

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# tqdm's progress bars: "Epoch 0:  40%|████      | 25/63 [00:00<00:00, 80.1it/s, v_num=0]",
# and those of unknown length: "Sanity Checking: |          | 0/? [00:00<?, ?it/s]".
BAR = re.compile(r"[^\r\n]*?(\d+%)?\|[^|\r\n]*\|\s*\d+/(\d+|\?)\s*\[[^\]\r\n]*\]")
PROGRESS = re.compile(r"\d+%\|.*\|\s*\d+/\d+|\[\d\d:\d\d<|it/s\]|s/it\]")
# Lines that are about the machinery, not about what the page teaches.
NOISE = [
    # Lightning 2.6.6 on torch 2.14 warns about its own use of a torch internal.
    re.compile(r"LeafSpec.*deprecated|_pytree\.py.*Deprecat"),
    # Advertisements for Lightning's cloud services.
    re.compile(r"^💡 Tip:"),
    # torch's guess of a CUDA toolkit on a machine that has nvcc but no GPU (this build machine),
    # logged with a time stamp when inductor compiles: about the machine, not the script.
    re.compile(r"cpp_extension\.py:\d+\].*No CUDA runtime is found"),
]


def _last_frame(line: str) -> str:
    """What a terminal would show for a line that a progress bar redrew with carriage returns,
    without the bar itself (a print can land right after a bar, on the same line)."""
    frames = [frame for frame in BAR.sub("\0", line).split("\r") if frame.replace("\0", "").strip()]
    if not frames:
        return ""
    last = frames[-1]
    # After a bar, the blanks tqdm pads it with to wipe a longer earlier frame, not the print's.
    return last.rpartition("\0")[2].lstrip(" ") if "\0" in last else last


def clean(run: Result) -> str:
    """The output with progress bars, colours and machine-specific paths taken out."""
    return tidy_paths(_cleaned(run), run)


@memoized
def _cleaned(run: Result) -> str:
    """``clean`` less the paths of this machine, kept with the run (a warm build cleans nothing)."""
    text = ANSI.sub("", run.output)
    lines = []
    skip_warning_source = False
    for raw in text.split("\n"):
        line = _last_frame(raw).rstrip()
        if raw.strip() and not line:
            continue  # a line that held nothing but progress bars
        if skip_warning_source:
            # Python prints the source line of a warning on the next line, indented.
            skip_warning_source = False
            if line.startswith("  "):
                continue
        if PROGRESS.search(line):
            continue
        if any(pattern.search(line) for pattern in NOISE):
            skip_warning_source = True
            continue
        lines.append(line)
    return "\n".join(lines).strip("\n")


def printed(run: Result, label: str) -> str:
    """The value a run printed on a line of its own as ``<label>: <value>`` (a path, a number),
    for a later run's argument or a page's table; a run that printed none is an error."""
    found = re.search(rf"^{re.escape(label)}: (.+)$", clean(run), re.MULTILINE)
    if found is None:
        raise SnippetError(f"{run.script} printed no '{label}: ...' line")
    return found.group(1).strip()


def tidy_paths(text: str, run: Result) -> str:
    replacements = []
    if run.ran_in:
        replacements += [(run.ran_in + "/", ""), (run.ran_in, ".")]
    replacements += [
        (str(run.workdir) + "/", ""),
        (str(run.workdir), "."),
        (sysconfig.get_paths()["purelib"] + "/", ".venv/.../site-packages/"),
        (str(runner.ROOT) + "/", ""),
    ]
    if run.root:
        replacements.append((run.root + "/", ""))
    for old, new in replacements:
        text = text.replace(old, new)
    # Collapse blank lines that removed progress bars leave behind.
    return re.sub(r"\n{3,}", "\n\n", text)


def versions_line(run: Result) -> str:
    v = run.versions
    return " · ".join(
        [
            f"Python {v['python']}",
            f"torch {v['torch']}",
            f"torchvision {v['torchvision']}",
            f"pytorch-lightning {v['pytorch-lightning']}",
            f"{settings.TORCH_THREADS} torch thread per process",
        ]
    )


def footer(run: Result) -> str:
    return (
        f'<p class="snippet-run">Output of <code>{html.escape(run.script)}</code>, '
        f"which ran in {run.seconds:.1f} s at build · {html.escape(versions_line(run))}</p>"
    )


def _part(text: str, from_line: str | None, to_line: str | None, script: str) -> str:
    lines = text.split("\n")
    start = 0
    if from_line is not None:
        found = [i for i, line in enumerate(lines) if re.search(from_line, line)]
        if not found:
            raise SnippetError(f"{script}: no line of its output matches from_line={from_line!r}")
        start = found[0] + 1
    stop = len(lines)
    if to_line is not None:
        found = [i for i, line in enumerate(lines) if i >= start and re.search(to_line, line)]
        if not found:
            raise SnippetError(f"{script}: no line of its output after line {start} matches to_line={to_line!r}")
        stop = found[0] + 1
    return "\n".join(lines[start:stop])


def render(
    run: Result,
    *,
    keep: str | None = None,
    title: str | None = None,
    from_line: str | None = None,
    to_line: str | None = None,
) -> str:
    """Markdown for a run: its cleaned output in a text block, then the run-time footer.

    ``keep``, a regular expression, shows only the lines it matches. ``from_line`` and ``to_line``,
    regular expressions too, show one part of the output (for a script that fits several
    times): the lines after the first line matching ``from_line``, up to and including the next
    line matching ``to_line``. (Not ``after``: that is ``run``'s option for the runs to do first.) A pattern that matches no line is an error, not an empty block.
    """
    text = clean(run)
    if from_line is not None or to_line is not None:
        text = _part(text, from_line, to_line, run.script)
    if keep is not None:
        pattern = re.compile(keep)
        text = "\n".join(line for line in text.split("\n") if pattern.search(line))
    if not text.strip():
        text = "(no output)"
    fence = "```"
    while fence in text:
        fence += "`"
    # The highlighter escapes the title itself; only a double quote would end the attribute.
    label = (title or f"Output of {run.name}").replace('"', "'")
    return f'{fence}text title="{label}"\n{text}\n{fence}\n\n{footer(run)}\n'
