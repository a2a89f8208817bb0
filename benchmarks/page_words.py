"""Words a reader scrolls past on each page of a built site: the text of the page's article
(prose, tables, code and its output) as it shows on first load, leaving out what is folded away
(a collapsed ``<details>`` block, but its summary line) and every content tab but the first
(a tab set shows one tab at a time).

    python benchmarks/page_words.py [SITE] [--pages slug,slug] [--before OTHER_SITE]

With ``--before``, each page's count in both sites and the change, in per cent.
"""

from __future__ import annotations

import argparse
import sys
from html.parser import HTMLParser
from pathlib import Path

# The pages that teach (not the pages about the site, nor the upgrade and errors pages).
TEACHING = (
    "index",
    "installation",
    "from-pytorch-to-lightning",
    "tensorboard",
    "checkpoints",
    "evaluate",
    "training-loop",
    "multi-device",
    "organize",
    "debugging",
    "fabric",
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hidden from here down, a tabbed-content)
        self.in_article = 0
        self.tab_blocks: list[int] = []  # per open tabbed-content: how many blocks so far
        self.words = 0

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        hide = self.hidden()
        if tag == "article":
            self.in_article += 1
        if tag in ("script", "style") or "headerlink" in classes:
            hide = True
        if tag == "details" and "open" not in attrs:
            hide = True
        if tag == "summary" and self.stack and self.stack[-1][0] == "details":
            hide = len(self.stack) > 1 and self.stack[-2][1]  # a summary shows when its details' parent does
        if "tabbed-content" in classes:
            self.tab_blocks.append(0)
        if "tabbed-block" in classes and self.tab_blocks:
            self.tab_blocks[-1] += 1
            hide = hide or self.tab_blocks[-1] > 1
        self.stack.append((tag, hide, "tabbed-content" in classes))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, _, tab_content = self.stack.pop()
            if tab_content:
                self.tab_blocks.pop()
            if open_tag == "article":
                self.in_article -= 1
            if open_tag == tag:
                break

    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_data(self, data):
        if self.in_article and not self.hidden():
            self.words += len(data.split())


def words(page: Path) -> int:
    parser = _Visible()
    parser.feed(page.read_text())
    return parser.words


def page_file(site: Path, slug: str) -> Path:
    return site / "index.html" if slug == "index" else site / slug / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="site", type=Path)
    parser.add_argument("--pages", default=",".join(TEACHING))
    parser.add_argument("--before", type=Path, help="another built site to compare with")
    options = parser.parse_args(argv)
    slugs = options.pages.split(",")
    total_now = total_before = 0
    for slug in slugs:
        now = words(page_file(options.site, slug))
        total_now += now
        if options.before:
            before = words(page_file(options.before, slug))
            total_before += before
            print(f"{slug:28} {before:6} → {now:6}  {100 * (now - before) / before:+6.1f} %")
        else:
            print(f"{slug:28} {now:6}")
    if options.before:
        change = 100 * (total_now - total_before) / total_before
        print(f"{'all':28} {total_before:6} → {total_now:6}  {change:+6.1f} %")
    else:
        print(f"{'all':28} {total_now:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
