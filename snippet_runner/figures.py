"""Pictures drawn at build, embedded in the page itself (nothing is written under docs/).

Draw with matplotlib, then hand the figure to ``inline_svg`` (charts) or
``inline_png`` (pixel images). Both return HTML with an accessible name.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def pyplot():
    """matplotlib's pyplot, imported on first use (a warm build draws nothing: see memo.py)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Same bytes on every build: no date, no random ids in the SVG (see also inline_svg).
    plt.rcParams.update({"svg.hashsalt": "lightning-pick-up", "svg.fonttype": "none"})
    return plt


def figure(width: float = 7.0, height: float = 3.2):
    """A new figure and axes, sized for a page column."""
    return pyplot().subplots(figsize=(width, height), layout="constrained")


# Every key matplotlib would write into the SVG's <metadata> (an RDF block, Dublin Core and
# Creative Commons namespaces) set to None, so it writes no <metadata> element at all: HTML
# has no such element in inline SVG, and the date would change the bytes on every build.
_NO_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

_ID = re.compile(r'(?<![\w:-])id="([^"]+)"')  # the attribute id=, not data-id= or xml:id=
_REFERENCE = re.compile(r'(\bhref="#|url\(#)([^")]+)')


def _own_ids(svg: str, title: str) -> str:
    """``svg`` with every element id, and every reference to one, given a prefix of its own.

    matplotlib numbers its ids per figure (``text_12``, ``line2d_3``, ``figure_1``) and derives
    marker and clip-path ids from their content, so two figures inlined in one page repeat
    each other's ids, which HTML forbids and which can make a ``url(#…)`` point into the
    other figure. The prefix is a digest of the title and the SVG itself: the same figure
    gets the same bytes on every build, and two different figures get different prefixes.
    """
    prefix = "fig-" + hashlib.sha256(f"{title}\0{svg}".encode()).hexdigest()[:10] + "-"
    ids = set(_ID.findall(svg))
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    # xlink:href="#…", href="#…" and url(#…) (clip-path, fill, marker) that name an id of this figure.
    return _REFERENCE.sub(lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2), svg)


def inline_svg(fig, *, title: str, description: str = "") -> str:
    """The figure as an inline ``<svg role="img">`` named by ``title`` (and described by ``description``).

    The SVG carries no metadata block and its ids are its own (see ``_own_ids``), so several
    figures on one page make valid HTML."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=_NO_SVG_METADATA)
    pyplot().close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    svg = _own_ids(svg, title)
    # Keep the size ratio but let the page scale it.
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)
    label = html.escape(title, quote=True)
    desc = f"<desc>{html.escape(description)}</desc>" if description else ""
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{label}" class="figure-svg"', 1)
    svg = re.sub(r"(<svg[^>]*>)", rf"\1<title>{html.escape(title)}</title>{desc}", svg, count=1)
    return f'<figure class="chart">{svg}<figcaption>{html.escape(title)}</figcaption></figure>\n'


def inline_png(fig, *, alt: str, caption: str | None = None, dpi: int = 100) -> str:
    """The figure as an ``<img>`` with a data: URL and ``alt`` text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    pyplot().close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    width, height = (round(v * dpi) for v in fig.get_size_inches())
    img = (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        f'width="{width}" height="{height}" class="figure-png">'
    )
    return f'<figure class="chart">{img}<figcaption>{html.escape(caption or alt)}</figcaption></figure>\n'
