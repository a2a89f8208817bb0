"""MkDocs hook: small accessibility fixes to Material's HTML, found by axe-core in the browser
tests (tests/test_browser.py)."""

from __future__ import annotations

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def on_post_page(output: str, page, config) -> str:
    # Material's search overlay is a dialog without a name (axe-core: aria-dialog-name, serious).
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1)
