"""The Notebooks page (docs/notebooks.md): the table of the site's notebooks.

A page gets a notebook by declaring ``NOTEBOOK`` in its module (snippet_runner/notebooks.py
builds it); this table lists them in the order of the site's navigation.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from pages import nav_pages
from snippet_runner import notebooks, runner


def table() -> str:
    rows = ["| page | its scripts, in page order | notebook |", "| --- | --- | --- |"]
    for slug in nav_pages():
        page = f"{slug}.md"
        try:
            module = importlib.import_module(f"pages.{slug.replace('-', '_')}")
        except ModuleNotFoundError:
            continue
        runs = getattr(module, "NOTEBOOK", None)
        if not runs:
            continue
        title = next(
            line[2:] for line in (runner.ROOT / "docs" / page).read_text().splitlines() if line.startswith("# ")
        )
        names = dict.fromkeys(Path(run.script).name for run, _ in notebooks.entries(runs))
        scripts = ", ".join(f"`{name}`" for name in names)
        rows.append(f"| [{title}]({page}) | {scripts} | [{slug}.ipynb](notebooks/{slug}.ipynb){{ download }} |")
    return "\n".join(rows) + "\n"
