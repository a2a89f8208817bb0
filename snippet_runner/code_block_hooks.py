"""MkDocs hook: every code block carries its number of lines (``--code-lines``), so that
extra.css can leave a block far from the screen unlaid-out (``content-visibility: auto``) and
still give it its true height: the page keeps its length and nothing moves when a block is
drawn. On a long page on a phone, laying out every block at load was most of the main thread's
work (``make lighthouse``)."""

from __future__ import annotations

import re

# Pygments' blocks, as pymdownx.highlight writes them: <pre><span></span><code>...</code></pre>
CODE_BLOCK = re.compile(r"(<pre[^>]*>(?:<span></span>)?<code)>(.*?)(?=</code></pre>)", re.S)


def lines(code: str) -> int:
    return code.count("\n") + (0 if code.endswith("\n") else 1)


def on_page_content(html: str, page, config, files) -> str:
    return CODE_BLOCK.sub(lambda m: f'{m[1]} style="--code-lines: {lines(m[2])}">{m[2]}', html)
