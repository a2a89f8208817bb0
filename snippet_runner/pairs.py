"""Pages made of pairs of scripts: an old or wrong form and its fix (the upgrade, errors and errata pages).

A pair is ``<folder>/<stem>.py``, which ends with the real error (exit code 1) or runs with the real
warning, and ``<folder>/<stem>_fixed.py``. A page declares its pairs once, as ``Change`` rows; the
error, the diff and the outputs it shows come from the scripts and their runs at build, never typed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from snippet_runner.output import clean
from snippet_runner.runner import ROOT, Run

# What a page shows of a run that ends with an exception: its final exception line (Python names a
# class of a library with its module: lightning_fabric.utilities.exceptions.MisconfigurationException;
# torch.distributed prefixes each process's lines with its rank: "[rank0]: RuntimeError: ...").
EXCEPTION_LINE = r"^(\[rank\d+\]: )?[\w.]+(Error|Exception)\b"


@dataclass(frozen=True)
class Change:
    stem: str  # <folder>/<stem>.py runs the old (or wrong) form; <stem>_fixed.py the fixed one
    anchor: str  # the section's id: <page>.md#<anchor>
    group: str  # a key of the page's groups
    old: str  # Markdown, short: the old form (the summary's left cell and the heading)
    new: str  # Markdown, short: the fixed form (the summary's right cell and the heading)
    answer: str  # Markdown: the section's first paragraph, what to write instead
    error: str  # the start of the old form's last exception line on the pinned versions, verbatim
    #   (or, for an old form that exits 0, the start of the warning or line it prints); the tests check it
    fixed_prints: str  # a regular expression the fixed form's output matches: the fact that proves the fix
    why: str = ""  # Markdown: more, after the proof
    old_fails: bool = True  # False: the old form exits 0 (a warning; a hook that is never called)
    keep: str | None = EXCEPTION_LINE  # the old form's output lines the page shows (None: all)
    fixed_keep: str | None = None  # the fixed form's output lines the page shows (None: all)
    args: tuple[str, ...] = ()  # command-line arguments of both scripts
    env: Mapping[str, str] = field(default_factory=dict)  # environment variables of both scripts
    same_as_1x: str | None = None  # the lines the old form printed on Lightning 1.x that the fix prints alike
    on_1x: str = ""  # Markdown: why the old form cannot run to the end on Lightning 1.x either
    searches: tuple[str, ...] = ()  # what a reader pastes into a search box to land on this entry


def fenced(text: str, info: str) -> str:
    """A fenced block longer than any fence inside the text."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{info}\n{text}\n{fence}"


def indent(markdown: str) -> str:
    """Markdown indented into an admonition or a tab."""
    return "\n".join(f"    {line}" if line else "" for line in markdown.split("\n"))


def script_diff(old: str, new: str) -> str:
    """A unified diff of two scripts (paths from the site root), one line of context, no file header;
    the scripts' opening comments (how to run each) are left out."""
    lines = difflib.unified_diff(_code(old), _code(new), n=1, lineterm="")
    return fenced("\n".join(list(lines)[2:]), f'diff title="{old.rpartition("/")[2]} → {new.rpartition("/")[2]}"')


def _code(script: str) -> list[str]:
    lines = (ROOT / script).read_text().splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


def exception_lines(run: Run) -> list[str]:
    """The exception lines of a run's cleaned output (``NameError: ...``), in order."""
    return [m.group(0) for m in re.finditer(EXCEPTION_LINE + r".*", clean(run.result()), re.M)]


def exception_type(line: str) -> str:
    """The exception's class in an exception line, without its module: ``MisconfigurationException``."""
    return re.match(r"^(?:\[rank\d+\]: )?([\w.]+)", line).group(1).rpartition(".")[2]


class Pairs:
    """A page's pairs: their runs (``runs``, for the page module to declare), sections and summary."""

    def __init__(
        self,
        folder: str,
        groups: dict[str, str],
        changes: list[Change],
        runs: dict[str, tuple[Run, Run]] | None = None,
        columns: tuple[str, str, str] = ("Old form", "Now", "Write instead"),
    ):
        self.folder = folder
        self.columns = columns  # the summary's headings
        self.groups = groups  # key -> the group's heading, in page order
        self.changes = changes
        self.by_stem = {c.stem: c for c in changes}
        if len(self.by_stem) != len(changes) or len({c.anchor for c in changes}) != len(changes):
            raise ValueError(f"{folder}: a stem or an anchor is used twice")
        unknown = {c.group for c in changes} - set(groups)
        if unknown:
            raise ValueError(f"{folder}: unknown groups {sorted(unknown)}")
        special = runs or {}
        self.runs = {c.stem: special.get(c.stem) or self._pair(c) for c in changes}

    def _pair(self, c: Change) -> tuple[Run, Run]:
        old = Run(f"{self.folder}/{c.stem}.py", args=c.args, env=c.env, returncode=1 if c.old_fails else 0)
        return old, Run(f"{self.folder}/{c.stem}_fixed.py", args=c.args, env=c.env)

    def old(self, stem: str) -> Run:
        return self.runs[stem][0]

    def fixed(self, stem: str) -> Run:
        return self.runs[stem][1]

    def warned(self, c: Change) -> bool:
        """Whether the old form printed its entry's words as a warning: "<file>.py:<line>: <message>"."""
        return bool(re.search(r"\.py:\d+: .*" + re.escape(c.error), clean(self.old(c.stem).result())))

    def outcome(self, c: Change) -> str:
        """How the old form ended, in a few words for the summary: the exception's type, or that it
        runs, with a warning or silently ignored."""
        if not c.old_fails:
            return "runs, with a warning" if self.warned(c) else "runs, silently ignored"
        found = exception_lines(self.old(c.stem))
        if not found:
            raise ValueError(f"{self.folder}/{c.stem}.py ended without an exception line")
        return exception_type(found[-1])

    def summary(self) -> str:
        """One table: old form, how it ends now, the fix; each row links its section."""
        rows = ["| " + " | ".join(self.columns) + " |", "| --- | --- | --- |"]
        for key, heading in self.groups.items():
            rows.append(f"| **{heading}** | | |")
            rows += [
                f"| [{c.old}](#{c.anchor}) | {self.outcome(c)} | {c.new} |" for c in self.changes if c.group == key
            ]
        return "\n".join(rows)

    def entry(self, stem: str, after_old: Callable[[Change], str] | None = None) -> str:
        """One section: heading, the answer, how the old form ended, (``after_old``: what the page adds),
        the fix as a diff, what the fixed form printed, and the rest of the story."""
        c = self.by_stem[stem]
        old, fixed = self.runs[stem]
        old_title = f"How {c.stem}.py ended" if c.old_fails else f"What {c.stem}.py printed"
        parts = [
            f"### {c.old} → {c.new} {{ #{c.anchor} }}",
            c.answer,
            old.show(title=old_title, **({"keep": c.keep} if c.keep else {})),
            after_old(c) if after_old else "",
            script_diff(f"{self.folder}/{c.stem}.py", f"{self.folder}/{c.stem}_fixed.py"),
            fixed.show(title=f"What {c.stem}_fixed.py printed", **({"keep": c.fixed_keep} if c.fixed_keep else {})),
            c.why,
        ]
        return "\n\n".join(part for part in parts if part)
