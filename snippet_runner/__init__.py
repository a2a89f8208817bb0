"""The machinery that runs the site's snippets at build and renders their output.

It knows no page. Each page declares its runs in ``pages/<page>.py``; the page's hidden
markdown-exec blocks show them::

    ```python exec="on"
    from pages import installation
    print(installation.check_install.show())
    ```
"""

from __future__ import annotations

from snippet_runner.output import clean, render
from snippet_runner.runner import Result, Run, SnippetError, run, versions

__all__ = ["Result", "Run", "SnippetError", "clean", "render", "run", "versions", "versions_table"]


def versions_table() -> str:
    """A Markdown table of the versions this build runs with."""
    rows = "\n".join(f"| {name} | {version} |" for name, version in versions().items())
    return f"| package | version |\n| --- | --- |\n{rows}\n"
