"""Where the site's runs are declared: the page modules (``pages/<page>.py``), the ``Run`` objects
they declare and the scripts those cover. Imports no MkDocs: the build's hooks, the tests and the
version matrix all find the runs here."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from snippet_runner import runner

PAGES = "pages"  # pages/<page>.py beside docs/<page>.md: the page's declared runs, tables and charts


def page_modules(fresh: bool = True) -> list:
    """The site's page modules (``pages/*.py``). ``fresh``: imported anew, so that an edit under
    ``mkdocs serve`` counts; all are dropped first, so that a module that imports another page's
    runs (``from pages import from_pytorch_to_lightning as core``) holds the very objects that
    page declares, not those of an older import: one object per run. Not ``fresh`` (the tests):
    the modules already imported, whose ``Run`` objects the tests read."""
    root = str(runner.ROOT)
    if sys.path[0] != root:
        sys.path.insert(0, root)
    if fresh:
        for name in [n for n in sys.modules if n == PAGES or n.startswith(PAGES + ".")]:
            del sys.modules[name]  # this site's older import, or another site's (tests build several)
    return [
        importlib.import_module(f"{PAGES}.{source.stem}")
        for source in sorted((runner.ROOT / PAGES).glob("*.py"))
        if source.stem != "__init__"
    ]


def declared_runs(modules) -> dict[runner.Run, str]:
    """Every Run a page module declares (as a name, or inside a list, tuple or dict), with where."""
    found: dict[runner.Run, str] = {}

    def visit(value, where):
        if isinstance(value, runner.Run):
            found.setdefault(value, where)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{where}[{key!r}]")
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, f"{where}[{index}]")

    for module in modules:
        for name, value in vars(module).items():
            if not name.startswith("_"):
                visit(value, f"{PAGES}/{module.__name__.rpartition('.')[2]}.py: {name}")
    return found


def covered_scripts(declared) -> set[Path]:
    """Every file a declared run runs, imports or is declared to use."""
    covered = set()
    for run in declared:
        path, _ = runner.resolve(run.script)
        covered |= {path, *runner.local_imports(path), *(runner.resolve(u)[0] for u in run.uses)}
    return covered
