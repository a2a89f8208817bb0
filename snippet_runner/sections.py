"""The section syntax, read in one place: a script's named sections (pymdownx.snippets' markers,
``# --8<-- [start:name]`` … ``# --8<-- [end:name]``) and a page's includes of them
(``--8<-- "snippets/<page>/<script>.py:name"``). Section names are pymdownx.snippets' own rule,
``[a-z][-_0-9a-z]*``. Reading only: the build's checks of an include live in mkdocs_hooks."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

NAME = r"[a-z][-_0-9a-z]*"
# A marker line: (its indent, start or end, the name).
MARKER = re.compile(rf"^([ \t]*)# --8<-- \[(start|end):({NAME})\][ \t]*$", re.M)
# An include line of a page: (the file, the section or None for the whole file).
INCLUDE = re.compile(rf'^[ \t]*--8<--[ \t]+"([^":]+)(?::({NAME}))?"', re.M)


def names(script: Path | str) -> list[str]:
    """The script's section names, in file order."""
    return [name for _, kind, name in MARKER.findall(Path(script).read_text()) if kind == "start"]


def text(script: Path | str, name: str) -> str:
    """The code of one section as pymdownx.snippets includes it: the lines between its markers,
    the markers of sections inside it left out, dedented."""
    source = Path(script).read_text()
    found = re.search(
        rf"^[ \t]*# --8<-- \[start:{re.escape(name)}\][ \t]*\n(.*?)^[ \t]*# --8<-- \[end:{re.escape(name)}\]",
        source,
        re.S | re.M,
    )
    if found is None:
        raise KeyError(f"{script}: no section {name!r}")
    lines = [line for line in found.group(1).splitlines(keepends=True) if not MARKER.fullmatch(line.rstrip("\n"))]
    return textwrap.dedent("".join(lines)).strip("\n")


def includes(markdown: str) -> list[tuple[str, str | None]]:
    """A page's includes, in page order: (the file, the section, or None for the whole file)."""
    return [(path, section or None) for path, section in INCLUDE.findall(markdown)]


def shown(markdown: str, script: str) -> list[str]:
    """The sections of one script a page includes, in page order, each once (its first place)."""
    return list(dict.fromkeys(section for path, section in includes(markdown) if path == script and section))
