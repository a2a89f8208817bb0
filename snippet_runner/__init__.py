"""The machinery that runs the site's snippets at build and renders their output.

Pages call it from hidden markdown-exec blocks::

    ```python exec="on"
    from snippet_runner import show
    print(show("snippets/installation/check_install.py"))
    ```
"""

from __future__ import annotations

from snippet_runner.output import clean, render
from snippet_runner.runner import DEFAULT_TIMEOUT, Run, SnippetError, run, versions

__all__ = ["DEFAULT_TIMEOUT", "Run", "SnippetError", "clean", "render", "run", "show", "versions", "versions_table"]


def show(
    script: str,
    *,
    keep: str | None = None,
    title: str | None = None,
    from_line: str | None = None,
    to_line: str | None = None,
    **run_options,
) -> str:
    """Run ``script`` (cached) and return Markdown showing its output, run time and versions.

    ``keep``, ``from_line`` and ``to_line`` pick which lines to show (see ``render``)."""
    return render(run(script, **run_options), keep=keep, title=title, from_line=from_line, to_line=to_line)


def versions_table() -> str:
    """A Markdown table of the versions this build runs with."""
    rows = "\n".join(f"| {name} | {version} |" for name, version in versions().items())
    return f"| package | version |\n| --- | --- |\n{rows}\n"
