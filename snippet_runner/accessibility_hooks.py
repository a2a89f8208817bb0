"""MkDocs hook: small fixes to Material's HTML, found by axe-core in the browser tests
(tests/test_browser.py) and by the HTML validator (tests/test_html.py)."""

from __future__ import annotations

import re

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
# With navigation.sections, Material gives a nav section's label an empty tabindex (its template
# sets one only for labels that fold: a section's does not), which is not valid HTML; no
# attribute means the same: the label is not focusable.
EMPTY_TABINDEX = re.compile(r'(<label class="md-nav__link[^"]*" for="[^"]*" id="[^"]*_label") tabindex="">')


def on_post_page(output: str, page, config) -> str:
    # Material's search overlay is a dialog without a name (axe-core: aria-dialog-name, serious).
    output = output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1)
    return EMPTY_TABINDEX.sub(r"\1>", output)


def on_post_template(output_content: str, template_name: str, config) -> str:
    # The theme's own pages (404.html) carry the nav too.
    return EMPTY_TABINDEX.sub(r"\1>", output_content)
