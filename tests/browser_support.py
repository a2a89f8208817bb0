"""What the browser tests need besides the browser: the nav, front matter and includes of the
pages (read from the sources), the snippet sections a page includes, a local HTTP server for
the built site, and a place to collect findings that are reported rather than failed on."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import yaml

from snippet_runner import sections

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"

# Debian's Chromium, driven by Playwright's own protocol client (never `playwright install`).
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !ENV or !!python/name:...; the nav never needs them."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


@dataclass(frozen=True)
class Page:
    src: str  # path under docs/, e.g. "installation.md"
    title: str  # nav title

    @property
    def url(self) -> str:
        """The page's path on the site (use_directory_urls), "" for the home page."""
        stem = self.src[: -len(".md")]
        if stem == "index" or stem.endswith("/index"):
            return stem[: -len("index")]
        return stem + "/"

    @property
    def source(self) -> str:
        return (DOCS / self.src).read_text(encoding="utf-8")

    @property
    def meta(self) -> dict:
        match = re.match(r"---\n(.*?)\n---\n", self.source, re.S)
        return yaml.safe_load(match.group(1)) if match else {}

    @property
    def includes(self) -> list[tuple[str, str]]:
        """(script, section) for every section a page includes, in page order."""
        return [(path, section) for path, section in sections.includes(self.source) if section]

    def __str__(self) -> str:
        return self.src


def nav_pages(config: Path = REPO / "mkdocs.yml") -> list[Page]:
    """Every page of the nav, in nav order (nested sections flattened, external links left out)."""
    nav = yaml.load(config.read_text(encoding="utf-8"), Loader=_IgnoreTags).get("nav") or []  # noqa: S506 (our file)
    pages: list[Page] = []

    def walk(items, title=None):
        for item in items:
            if isinstance(item, dict):
                for key, value in item.items():
                    walk([value] if isinstance(value, str) else value, key)
            elif isinstance(item, str) and item.endswith(".md") and "://" not in item:
                pages.append(Page(item, title or item))

    walk(nav)
    return pages


def section_text(script: str, section: str) -> str:
    """The text pymdownx.snippets includes for ``script:section``."""
    return sections.text(REPO / script, section)


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


@functools.cache
def ids_in(file: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(file.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def built_file(site: Path, path: str) -> Path | None:
    """The file of the built site that serves URL path ``path`` (as http.server would), or None."""
    target = site / unquote(path).lstrip("/")
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


class Findings:
    """Things worth reading that are not failures (external links, minor accessibility
    findings, timings): printed in pytest's terminal summary."""

    def __init__(self):
        self.sections: dict[str, list[str]] = {}

    def add(self, heading: str, line: str) -> None:
        lines = self.sections.setdefault(heading, [])
        if line not in lines:
            lines.append(line)

    def pytest_terminal_summary(self, terminalreporter):
        for heading, lines in self.sections.items():
            terminalreporter.section(heading, sep="-")
            for line in lines:
                terminalreporter.write_line(line)
