"""One module per page that runs code: ``pages/<page>.py`` beside ``docs/<page>.md``,
``snippets/<page>/`` and ``tests/test_<page>.py``. A module declares the runs its page shows
(``snippet_runner.Run``) and draws the page's tables and charts; the tests import the same
declarations, so a test reads the very run the page shows."""

import functools

import yaml

from snippet_runner import runner


@functools.cache  # one read per build: the page modules are imported anew for each build
def nav_pages() -> list[str]:
    """The page slugs of mkdocs.yml's nav, in order, its sections flattened: "index", "installation", ..."""

    def slugs(entries) -> list[str]:
        found = []
        for entry in entries:
            for value in entry.values():
                found += slugs(value) if isinstance(value, list) else [value.removesuffix(".md")]
        return found

    return slugs(yaml.safe_load((runner.ROOT / "mkdocs.yml").read_text())["nav"])
