"""Show the files a snippet wrote as a tree, read from its working directory at build.

from snippet_runner import run
from snippet_runner.filetree import tree_block
print(tree_block(run("snippets/tensorboard/log_lightning.py").workdir, "lightning_logs"))
"""

from __future__ import annotations

import os
from pathlib import Path


def tree_lines(folder: Path) -> list[str]:
    """``folder``'s contents, folders first then files, each level sorted by name."""
    entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    lines = []
    for i, entry in enumerate(entries):
        last = i == len(entries) - 1
        lines.append(("└── " if last else "├── ") + entry.name + ("/" if entry.is_dir() else ""))
        if entry.is_dir() and not entry.is_symlink():
            lines += [("    " if last else "│   ") + line for line in tree_lines(entry)]
    return lines


def tree(workdir: str | os.PathLike, path: str) -> str:
    """The tree of ``workdir/path``, its first line being ``path/``."""
    folder = Path(workdir) / path
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: the run wrote no folder {path!r}, so there is no tree to show")
    return "\n".join([f"{path.rstrip('/')}/", *tree_lines(folder)])


def tree_block(workdir: str | os.PathLike, path: str, *, title: str | None = None) -> str:
    """Markdown: the tree of ``workdir/path`` in a text block."""
    label = (title or f"The files under {path}/ written by the run at build").replace(
        '"', "'"
    )  # the highlighter escapes it
    return f'```text title="{label}"\n{tree(workdir, path)}\n```\n'
