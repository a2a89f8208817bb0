"""The built site in a real browser: Debian's Chromium, driven by Playwright.

One strict build, one local server and one browser for the whole session. Every page of the
nav is visited once per viewport and what the checks need is recorded then (console errors,
failed requests, pictures, links, axe-core's findings), so adding a page adds its checks
without slowing the others down. Findings that are not failures (external links, minor and
moderate accessibility findings) are printed in pytest's terminal summary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from browser_support import (
    AXE,
    CHROMIUM,
    DOCS,
    LAUNCH_ARGS,
    REPO,
    Findings,
    Page,
    built_file,
    ids_in,
    nav_pages,
    section_text,
)
from pages import errors, upgrade
from snippet_runner.static_site import serve  # as GitHub Pages serves it: gzip, 404 page

pytestmark = pytest.mark.browser

PAGES = nav_pages()
PAGES_WITH_CODE = [page for page in PAGES if page.includes]
TIMEOUT_MS = 20_000  # the machine is small and shared: be generous, a healthy page takes well under a second
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PAIR = ("PyTorch", "Lightning")
# Search terms and the page that teaches each one.
SEARCHES = {"configure_optimizers": "from-pytorch-to-lightning.md", "ckpt_path": "checkpoints.md"}


# --------------------------------------------------------------------------------------------
# One server, one browser, one visit per page and viewport


@pytest.fixture(scope="session")
def findings(request) -> Findings:
    plugin = Findings()
    request.config.pluginmanager.register(plugin, "lightning-pick-up-browser-findings")
    return plugin


@pytest.fixture(scope="session")
def site_url(built_site):
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser(findings, site_url):  # after the build: the timing below is the browser's own
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser-setup` (run by `make test`) installs Debian's chromium")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make browser-setup` (run by `make test`) installs axe-core from npm")
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, timeout=60_000)
        yield browser
        browser.close()
    findings.add("browser tests: timing", f"browser open for {time.monotonic() - started:.1f} s (after the build)")


def new_context(browser, site_url, viewport=DESKTOP, **options):
    context = browser.new_context(base_url=site_url, viewport=viewport, color_scheme="light", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@dataclass
class Visit:
    """What one load of a page showed."""

    url: str
    problems: list[str] = field(default_factory=list)  # console errors, page errors, failed requests
    data: dict = field(default_factory=dict)


def watch(page, problems: list[str]) -> None:
    """Record console errors, uncaught exceptions, failed requests and HTTP errors into ``problems``."""
    page.on(
        "console",
        lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text} ({msg.location.get('url')})"),
    )
    page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} ({request.failure})"))
    page.on(
        "response",
        lambda response: response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}"),
    )


COLLECT = """async () => {
  const name = (el) => {
    let text = el.getAttribute("aria-label") || "";
    const ids = el.getAttribute("aria-labelledby");
    if (!text && ids) text = ids.split(/\\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" ");
    if (!text && el.tagName === "IMG") text = el.getAttribute("alt") || "";
    if (!text && el.tagName.toLowerCase() === "svg") text = el.querySelector(":scope > title")?.textContent || "";
    return text.trim();
  };
  const pictures = [];
  for (const el of document.querySelectorAll('img, svg[role="img"]')) {
    const img = el.tagName === "IMG";
    if (img) { el.loading = "eager"; await el.decode().catch(() => {}); }
    const box = el.getBoundingClientRect();
    const viewBox = img ? null : el.viewBox.baseVal;
    pictures.push({
      what: img ? `img ${(el.getAttribute("src") || "").slice(0, 60)}` : `svg "${name(el).slice(0, 60)}"`,
      loaded: img ? el.complete && el.naturalWidth > 0 : true,
      shown: el.getClientRects().length > 0,
      width: box.width, height: box.height,
      intrinsic: img ? [el.naturalWidth, el.naturalHeight] : [viewBox?.width || el.width.baseVal.value, viewBox?.height || el.height.baseVal.value],
      name: name(el),
    });
  }
  return {
    title: document.title,
    description: document.querySelector('meta[name="description"]')?.content ?? null,
    ids: [...document.querySelectorAll("[id]")].map((el) => el.id),
    links: [...document.querySelectorAll("a[href]")].map((a) => ({href: a.href, raw: a.getAttribute("href"), text: a.textContent.trim().slice(0, 40)})),
    tabsets: [...document.querySelectorAll(".tabbed-set")].map((set) =>
      [...set.querySelectorAll(":scope > .tabbed-labels > label")].map((label) => label.textContent.trim())),
    pictures,
  };
}"""

# Every axe-core rule in the light scheme, then the colour contrast again in the dark one.
AXE_RUN = """async () => {
  const found = (result, scheme) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: `${v.help}${scheme}`, count: v.nodes.length,
    targets: v.nodes.slice(0, 4).map((n) => n.target.join(" ")),
  }));
  const light = await axe.run(document, {resultTypes: ["violations"]});
  // Switch at once: no colour transition half-way through when contrast is measured.
  const still = document.head.appendChild(document.createElement("style"));
  still.textContent = "*, *::before, *::after { transition: none !important; animation: none !important; }";
  document.body.setAttribute("data-md-color-scheme", "slate");
  const dark = await axe.run(document, {runOnly: ["color-contrast"], resultTypes: ["violations"]});
  document.body.setAttribute("data-md-color-scheme", "default");
  still.remove();
  return [...found(light, ""), ...found(dark, " (dark scheme)")];
}"""

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("article .tabbed-set, article .highlight, article table, article figure, article p, article pre")) {
    if (el.closest(".md-typeset__scrollwrap") && el.tagName === "TABLE") continue;  // tables scroll in their wrapper
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ends at ${Math.round(box.right)} px`);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth, wide};
}"""


# Code blocks far from the screen are not laid out (extra.css: content-visibility) and Material
# sets a block up only when it comes into view (content.lazy). What a reader must still get: each
# block at its true height before it is drawn, and every block that scrolls sideways reachable
# by Tab (code-blocks.js), measured with every block drawn.
CODE_BLOCKS = """async () => {
  // Let code-blocks.js finish: it works while the browser is idle.
  for (let i = 0; i < 5; i++) await new Promise((done) => requestIdleCallback(done, {timeout: 1000}));
  const codes = [...document.querySelectorAll(".md-typeset .highlight > pre > code, .whole-move pre")].filter((c) => c.offsetParent);
  const lazy = codes.filter((c) => getComputedStyle(c).contentVisibility === "auto").length;
  const before = codes.map((c) => c.getBoundingClientRect().height);
  const drawn = document.head.appendChild(document.createElement("style"));
  drawn.textContent = ".md-typeset .highlight > pre > code, .whole-move pre { content-visibility: visible !important; }";
  const where = (c) => `block ${codes.indexOf(c) + 1} ("${c.textContent.trim().split("\\n")[0].slice(0, 40)}")`;
  const heights = codes.map((c, i) => [c, before[i], c.getBoundingClientRect().height])
    .filter(([, was, is]) => Math.abs(is - was) > 0.5)
    .map(([c, was, is]) => `${where(c)}: ${was} px before it is drawn, ${is} px drawn`);
  const unreachable = codes.filter((c) => c.scrollWidth > c.clientWidth && c.tabIndex !== 0).map(where);
  drawn.remove();
  return {blocks: codes.length, lazy, heights, unreachable};
}"""


@pytest.fixture(scope="session")
def visit(browser, site_url, findings):
    """``visit(page, viewport)``: load the page once per viewport (cached) and return what it showed."""
    contexts, cache = {}, {}

    def load(page: Page, viewport: dict = DESKTOP) -> Visit:
        key = (page.src, viewport["width"])
        if key not in cache:
            if viewport["width"] not in contexts:
                contexts[viewport["width"]] = new_context(browser, site_url, viewport)
            tab = contexts[viewport["width"]].new_page()
            record = Visit(urljoin(site_url, page.url))
            watch(tab, record.problems)
            tab.goto(page.url, wait_until="load")
            tab.wait_for_load_state("networkidle")
            if viewport is DESKTOP:
                record.data = tab.evaluate(COLLECT)
                tab.add_script_tag(path=str(AXE))
                record.data["axe"] = tab.evaluate(AXE_RUN)
                record.data["code"] = tab.evaluate(CODE_BLOCKS)
                findings.add(
                    "browser tests: what each page holds",
                    f"{page}: {len(record.data['pictures'])} pictures, {len(record.data['links'])} links, "
                    f"{len(record.data['tabsets'])} tab sets, {len(page.includes)} included sections",
                )
            else:
                record.data = tab.evaluate(OVERFLOW)
                record.data["code"] = tab.evaluate(CODE_BLOCKS)
            tab.wait_for_load_state("networkidle")
            tab.close()
            cache[key] = record
        return cache[key]

    yield load
    for context in contexts.values():
        context.close()


def test_nav_has_pages():
    assert PAGES and PAGES[0].src == "index.md", f"nav read from mkdocs.yml: {PAGES}"


# --------------------------------------------------------------------------------------------
# Health


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_console_errors_or_failed_requests(visit, page):
    problems = visit(page).problems + visit(page, PHONE).problems
    assert not problems, f"{page}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_horizontal_overflow_at_phone_width(visit, page):
    shown = visit(page, PHONE).data
    assert 300 < shown["width"] <= PHONE["width"], shown  # the viewport, less any scroll bar
    assert shown["scrollWidth"] <= shown["width"] and shown["bodyScrollWidth"] <= shown["width"], (
        f"{page} is {shown['scrollWidth']} px wide at {PHONE['width']} px: {shown['wide']}"
    )
    assert not shown["wide"], f"{page}: these stick out of a {PHONE['width']} px screen: {shown['wide']}"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=str)
def test_code_blocks_keep_their_height_before_they_are_drawn(visit, page):
    for viewport in (DESKTOP, PHONE):
        code = visit(page, viewport).data["code"]
        assert code["blocks"] and code["lazy"] == code["blocks"], f"{page} at {viewport['width']} px: {code}"
        assert not code["heights"], f"{page} at {viewport['width']} px:\n" + "\n".join(code["heights"])


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=str)
def test_every_code_block_that_scrolls_is_reachable_by_tab(visit, page):
    # Material gives the tabindex only where the device can hover (a phone scrolls by touch).
    code = visit(page).data["code"]
    assert not code["unreachable"], f"{page}: Tab never reaches " + ", ".join(code["unreachable"])


def test_palette_toggle_switches_dark_and_light_and_is_remembered(browser, site_url):
    context = new_context(browser, site_url)
    try:
        page = context.new_page()
        problems: list[str] = []
        watch(page, problems)
        page.goto(PAGES[0].url)
        scheme = lambda: page.evaluate("document.body.getAttribute('data-md-color-scheme')")  # noqa: E731
        background = lambda: page.evaluate("getComputedStyle(document.body).backgroundColor")  # noqa: E731
        assert scheme() == "default"
        light = background()

        page.get_by_title("Switch to dark mode").click()
        page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
        dark = background()
        assert dark != light, f"the background stayed {light} in dark mode"

        page.goto(PAGES[-1].url)  # the choice is remembered on the next page
        assert scheme() == "slate" and background() == dark

        page.get_by_title("Switch to light mode").click()
        page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'")
        assert background() == light
        assert not problems, problems
    finally:
        context.close()


# --------------------------------------------------------------------------------------------
# Findable: a title and a description of its own on every page


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_title_and_description_from_front_matter(visit, page):
    meta, shown = page.meta, visit(page).data
    assert meta.get("title") and meta.get("description"), (
        f"docs/{page} needs title: and description: in its front matter"
    )
    assert meta["title"] in shown["title"], f"<title>{shown['title']}</title> does not say {meta['title']!r}"
    assert shown["description"] == meta["description"], f"meta description is {shown['description']!r}"


def test_titles_and_descriptions_are_all_different(visit):
    shown = {page.src: visit(page).data for page in PAGES}
    titles = [data["title"] for data in shown.values()]
    descriptions = [data["description"] for data in shown.values()]
    assert len(set(titles)) == len(titles), f"shared titles: {titles}"
    assert len(set(descriptions)) == len(descriptions), f"shared descriptions: {descriptions}"


# --------------------------------------------------------------------------------------------
# Pictures


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_pictures_load_and_have_a_size_and_a_name(visit, page):
    bad = []
    for picture in visit(page).data["pictures"]:
        width, height = (picture["width"], picture["height"]) if picture["shown"] else picture["intrinsic"]
        if not picture["loaded"]:
            bad.append(f"{picture['what']} did not load")
        if not (width > 0 and height > 0):
            bad.append(f"{picture['what']} has no size ({width} × {height})")
        if not picture["name"]:
            bad.append(f"{picture['what']} has no accessible name (alt, aria-label or <title>)")
    assert not bad, f"{page}:\n" + "\n".join(bad)


# --------------------------------------------------------------------------------------------
# Links


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_internal_links_and_anchors_resolve(visit, page, built_site, site_url, findings):
    shown = visit(page)
    own_ids = set(shown.data["ids"])
    origin = urlsplit(site_url).netloc
    broken = []  # a list, not a set: keeps page order
    for link in shown.data["links"]:
        url, fragment = urldefrag(link["href"])
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != origin:
            findings.add("external links (listed, not fetched)", f"{link['href']}  (on {page})")
            continue
        if parts.scheme not in ("http", "https"):
            findings.add("other links (listed, not followed)", f"{link['href']}  (on {page})")
            continue
        target = built_file(built_site, parts.path)
        if target is None:
            broken.append(f"{link['raw']!r} ({link['text']!r}): {parts.path} is not in the built site")
        elif fragment and target.suffix == ".html":
            ids = own_ids if url == urldefrag(shown.url)[0] else ids_in(target)
            if fragment not in ids:
                broken.append(f"{link['raw']!r} ({link['text']!r}): no id {fragment!r} on {parts.path}")
    assert not broken, f"{page}:\n" + "\n".join(dict.fromkeys(broken))


# --------------------------------------------------------------------------------------------
# Accessibility (axe-core, run inside the page)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_serious_accessibility_violations(visit, page, findings):
    violations = visit(page).data["axe"]
    for v in violations:
        if v["impact"] not in ("serious", "critical"):
            findings.add(
                "minor and moderate accessibility findings (axe-core)",
                f"{page}: {v['impact']} {v['id']} ({v['count']}×): {v['help']} — e.g. {', '.join(v['targets'][:2])}",
            )
    serious = [
        f"{v['impact']} {v['id']}: {v['help']} ({v['count']}×, e.g. {v['targets']})"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page}:\n" + "\n".join(serious)


# --------------------------------------------------------------------------------------------
# Linked tabs


def pair_sets(tabsets) -> int:
    return sum(1 for labels in tabsets if set(PAIR) <= set(labels))


def chosen(page) -> list[str]:
    """The label chosen in each PyTorch/Lightning tab set of the page (a set inside a collapsed
    block counts too: it is what the reader sees on opening it), marked when it is in one."""
    return page.evaluate(
        """(pair) => [...document.querySelectorAll(".tabbed-set")].flatMap((set) => {
          const labels = [...set.querySelectorAll(":scope > .tabbed-labels > label")];
          if (!pair.every((p) => labels.some((l) => l.textContent.trim() === p))) return [];
          const inputs = [...set.querySelectorAll(":scope > input")];
          const i = inputs.findIndex((input) => input.checked);
          const where = set.closest("details:not([open])") ? " (in a collapsed block)" : "";
          return [(i < 0 ? "none" : labels[i].textContent.trim()) + where];
        })""",
        list(PAIR),
    )


def labels_only(now: list[str]) -> list[str]:
    return [label.split(" (")[0] for label in now]


def settle(tab, expected: str, count: int) -> list[str]:
    """``chosen(tab)`` once every set shows ``expected`` (Material switches them asynchronously), or after 5 s."""
    deadline = time.monotonic() + 5
    while True:
        now = chosen(tab)
        if labels_only(now) == [expected] * count or time.monotonic() > deadline:
            return now
        tab.wait_for_timeout(100)


COLLAPSED = (
    "Material's linked tabs match labels by innerText, which Chromium leaves empty inside a "
    "collapsed block (??? admonition) unless docs/stylesheets/extra.css hides its content with "
    "display: none (see the rule there)"
)


def test_linked_tabs_switch_every_set_and_persist(browser, site_url, visit):
    counts = {page: pair_sets(visit(page).data["tabsets"]) for page in PAGES}
    many = [page for page in PAGES if counts[page] >= 2]
    if not many:
        pytest.skip(f"no page has two PyTorch/Lightning tab sets yet ({counts})")
    first = max(many, key=lambda page: counts[page])

    context = new_context(browser, site_url)
    try:
        tab = context.new_page()
        tab.goto(first.url)
        assert labels_only(settle(tab, "PyTorch", counts[first])) == ["PyTorch"] * counts[first], (
            f"{first} does not open on PyTorch"
        )
        # The first set a reader can see (a page may open with one inside a collapsed block).
        tab.locator(".tabbed-set .tabbed-labels > label", has_text="Lightning").filter(visible=True).first.click()
        now = settle(tab, "Lightning", counts[first])
        assert labels_only(now) == ["Lightning"] * counts[first], (
            f"on {first}, choosing Lightning in the first set left {now}"
            + (f". {COLLAPSED}" if any("collapsed" in label for label in now) else "")
        )

        # The choice holds on every other page with such tabs.
        for page in (page for page in PAGES if counts[page] and page != first):
            tab.goto(page.url)
            now = chosen(tab)
            assert labels_only(now) == ["Lightning"] * counts[page], (
                f"the choice made on {first} is not kept on {page}: {now}"
                + (f". {COLLAPSED}" if any("collapsed" in label for label in now) else "")
            )
    finally:
        context.close()


# --------------------------------------------------------------------------------------------
# Copy button

SHOW = """(element) => {  // show an element as a reader would: open its tabs and collapsed blocks
  for (let el = element; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") el.open = true;
    if (el.classList.contains("tabbed-block")) {
      const i = [...el.parentElement.children].indexOf(el);
      el.closest(".tabbed-set").querySelectorAll(":scope > .tabbed-labels > label")[i].click();
    }
  }
}"""


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=str)
def test_copy_button_copies_exactly_the_snippet_section(browser, site_url, page):
    context = new_context(browser, site_url, permissions=["clipboard-read", "clipboard-write"])
    try:
        tab = context.new_page()
        tab.goto(page.url)
        codes = tab.locator("div.highlight pre > code")
        texts = codes.evaluate_all("(codes) => codes.map((code) => code.textContent)")
        position = 0
        for script, section in page.includes:
            expected = section_text(script, section)
            # Sections appear in page order; the first code block from here on that shows it verbatim.
            found = next((i for i in range(position, len(texts)) if texts[i].rstrip("\n") == expected), None)
            assert found is not None, f"{page}: no code block shows {script}:{section} verbatim"
            position = found + 1

            block = codes.nth(found)
            tab.evaluate(SHOW, block.element_handle())
            pre = block.locator("xpath=..")
            pre.hover()
            pre.locator("button[data-clipboard-target]").click()
            copied = tab.evaluate("navigator.clipboard.readText()")
            assert copied == expected, f"{page}: the copy button of {script}:{section} copied:\n{copied}"
            tab.evaluate("navigator.clipboard.writeText('')")
    finally:
        context.close()


# --------------------------------------------------------------------------------------------
# Search


SECTION_TEXT = """(id) => {  // the text Material indexes for a search result: its heading up to the next heading
  const start = id ? document.getElementById(id) : document.querySelector("article h1");
  if (!start) return null;
  let text = start.textContent;
  for (let el = start.nextElementSibling; el && !/^H[1-6]$/.test(el.tagName); el = el.nextElementSibling) text += "\\n" + el.textContent;
  return text;
}"""


@pytest.mark.parametrize("term", SEARCHES)
def test_search_finds_the_page_and_lands_on_the_section(browser, site_url, built_site, term):
    expected = next((page for page in PAGES if page.src == SEARCHES[term]), None)
    built = {page: built_file(built_site, "/" + page.url) for page in PAGES}
    having = [page for page, file in built.items() if file and term in file.read_text()]
    if not having:
        pytest.skip(f"{term!r} is not on any page yet")
    if expected is None:
        pytest.skip(f"{SEARCHES[term]} is not in the nav yet ({term!r} is on {[str(p) for p in having]})")
    assert expected in having, f"{term!r} is not on {expected}"

    context = new_context(browser, site_url)
    try:
        tab = context.new_page()
        tab.goto(PAGES[0].url)
        tab.locator("input.md-search__input").press_sequentially(term)  # Material searches as you type
        tab.locator(".md-search-result__item").first.wait_for()
        # Each result is a page and its matching sections; the page's own entry has score 0 when
        # only its sections matched.
        results = tab.locator("a.md-search-result__link").evaluate_all(
            "(links) => links.map((a) => [a.href, +a.querySelector('article').dataset.mdScore])"
        )
        hits = [href for href, score in results if score > 0]
        assert hits, f"no result for {term!r}: {results}"
        found = {urlsplit(href).path for href in hits}
        assert "/" + expected.url in found, f"{term!r} finds {sorted(found)}, not /{expected.url}"

        # Every result lands on a section that holds the term.
        reader = context.new_page()
        for href in hits:
            reader.goto(href)
            fragment = urldefrag(href)[1]
            text = reader.evaluate(SECTION_TEXT, fragment)
            assert text is not None, f"{href}: no element with id {fragment!r}"
            assert term.lower() in text.lower(), f"{href} lands on a section without {term!r}"

        # Clicking the expected page's best section scrolls the browser to it, the term highlighted.
        best = next(href for href in hits if urlsplit(href).path == "/" + expected.url and urldefrag(href)[1])
        tab.locator(f'a.md-search-result__link[href="{best}"]').click()
        tab.wait_for_url(best)
        fragment = urldefrag(best)[1]
        top = tab.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", fragment)
        assert 0 <= top < DESKTOP["height"] / 2, (
            f"the section of {best} is not at the top of the screen after the click ({top} px)"
        )
        assert tab.locator("article mark", has_text=term).count() > 0, f"{term!r} is not highlighted on {best}"
    finally:
        context.close()


# What readers paste into the search box: the error their script printed, or an old 1.x name.
# Each entry of the upgrade and errors pages names its own (``Change.searches``); the first result
# must be that entry's section.
PASTED = {
    query: f"{page}/#{c.anchor}"
    for page, module in (("upgrade", upgrade), ("errors", errors))
    for c in module.TABLE
    for query in c.searches
}
# A pasted error that a teaching page now answers first, with the entry's fix: the dtype error lands
# on Tensors made in a step, whose first section listed makes each tensor follow the module's dtype
# (the page links the Errors page, and the entry links the page).
PASTED["RuntimeError: expected scalar type Double"] = "step-tensors/#make"

# The results, as Material lists them: one item a page (best first), each the page's own link
# followed by its matching sections (best first).
RESULTS = """() => [...document.querySelectorAll("li.md-search-result__item")].map((item) =>
  [...item.querySelectorAll("a.md-search-result__link")].map((a) => a.href))"""


def test_there_are_at_least_25_pasted_queries_each_naming_one_section():
    assert len(PASTED) >= 25, f"only {len(PASTED)} queries"
    assert len(set(PASTED.values())) >= 25, "fewer than 25 sections are searched for"


@pytest.fixture(scope="module")
def search_tab(browser, site_url):
    context = new_context(browser, site_url)
    tab = context.new_page()
    tab.goto(PAGES[0].url)
    yield tab
    context.close()


@pytest.mark.parametrize("query", PASTED)
def test_a_pasted_error_or_old_name_finds_its_entry_first(search_tab, query):
    """Typed into the built site's own search box, the first result is the page that teaches the
    fix, and the first of its sections listed under it is the entry."""
    box = search_tab.locator("input.md-search__input")
    box.press("Control+a")  # the previous query deleted: its results go, so none are read below
    box.press("Backspace")
    search_tab.locator("li.md-search-result__item").first.wait_for(state="detached")
    box.fill(query[:-1])  # pasted, then the last key typed: Material searches on the key's events
    box.press_sequentially(query[-1])
    # Material answers in a worker: wait until two readings 300 ms apart agree on some results.
    results, previous = None, object()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while (not results or results != previous) and time.monotonic() < deadline:
        previous = results
        search_tab.wait_for_timeout(300)
        results = search_tab.evaluate(RESULTS)
    assert results, f"no result for {query!r}"
    page, *sections = results[0]
    first = next((href for href in sections if urldefrag(href)[1]), page)
    found = urlsplit(first).path.strip("/") + "/#" + urldefrag(first)[1]
    assert found == PASTED[query], f"{query!r}: the first result is {found}, not {PASTED[query]} (then: {results[:3]})"


# --------------------------------------------------------------------------------------------
# The core page's whole move, side by side on a wide screen, one after the other on a phone

MOVE_LAYOUT = """() => [...document.querySelectorAll(".whole-move .move-section")].map((section) => {
  const [left, right] = [...section.querySelectorAll(".move-side")].map((side) => side.getBoundingClientRect());
  const link = section.querySelector(".move-title a");
  return {
    name: section.getAttribute("aria-label"),
    left: {x: left.left, y: left.top, bottom: left.bottom, width: left.width},
    right: {x: right.left, y: right.top, width: right.width},
    target: link ? link.getAttribute("href") : null,
    targetExists: link ? !!document.getElementById(link.getAttribute("href").slice(1)) : false,
    removed: section.querySelectorAll(".move-side:first-child del").length,
    added: section.querySelectorAll(".move-side:last-child ins").length,
  };
})"""

AXE_MOVE = """async () => {
  const only = {include: [".whole-move"]};
  const light = await axe.run(only, {resultTypes: ["violations"]});
  const still = document.head.appendChild(document.createElement("style"));
  still.textContent = "*, *::before, *::after { transition: none !important; animation: none !important; }";
  document.body.setAttribute("data-md-color-scheme", "slate");
  const dark = await axe.run(only, {resultTypes: ["violations"]});
  document.body.setAttribute("data-md-color-scheme", "default");
  still.remove();
  return [...light.violations, ...dark.violations].map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_the_whole_move_is_side_by_side_when_wide_and_stacked_on_a_phone(browser, site_url, viewport):
    from pages import from_pytorch_to_lightning as core

    context = new_context(browser, site_url, viewport)
    try:
        tab = context.new_page()
        tab.goto("from-pytorch-to-lightning/")
        sections = tab.evaluate(MOVE_LAYOUT)
        assert [s["name"] for s in sections] == list(core.sections_of(core.LIGHTNING_SCRIPT))
        for section in sections:
            left, right = section["left"], section["right"]
            if viewport is DESKTOP:
                assert right["x"] >= left["x"] + left["width"] and abs(right["y"] - left["y"]) < 2, section
            else:
                assert right["y"] >= left["bottom"] and abs(right["x"] - left["x"]) < 2, section
            assert section["targetExists"], f"{section['name']}: its title links to {section['target']}, no such id"
        # The PyTorch loop goes and training_step comes: the training part has both kinds of line.
        training = next(s for s in sections if s["name"] == "training")
        assert training["removed"] > 5 and training["added"] > 3
        tab.add_script_tag(path=str(AXE))
        assert tab.evaluate(AXE_MOVE) == []
        overflow = tab.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, "the view makes the page scroll sideways"
    finally:
        context.close()


# --------------------------------------------------------------------------------------------
# Downloads: a script or a notebook saves under its own name, with its own content

DOWNLOAD_LINKS = """() => [...document.querySelectorAll("article a[download]")].map((a) => a.getAttribute("href"))"""


@pytest.mark.parametrize("page", [p for p in PAGES if "{ download }" in (DOCS / p.src).read_text()], ids=str)
def test_every_download_link_saves_the_file_under_its_own_name(browser, site_url, built_site, page):
    context = new_context(browser, site_url, accept_downloads=True)
    try:
        tab = context.new_page()
        tab.goto(page.url)
        hrefs = tab.evaluate(DOWNLOAD_LINKS)
        assert hrefs, f"{page}: no download link"
        for index, href in enumerate(hrefs):
            if index % 8 == 0:  # Chromium may hold back a tab's later downloads: a fresh tab now and then
                tab.close()
                tab = context.new_page()
                tab.goto(page.url)
            link = tab.locator("article a[download]").nth(index)
            tab.evaluate(SHOW, link.element_handle())
            with tab.expect_download(timeout=60_000) as info:
                link.click()  # a reader's click (Chromium lets a page start many downloads only so)
            download = info.value
            served = (built_site / page.url / href).resolve()
            assert download.suggested_filename == served.name, (page, href)
            assert Path(download.path()).read_bytes() == served.read_bytes(), (page, href)
            if served.suffix == ".py":  # the published script is the repository's
                assert served.read_bytes() == (REPO / served.relative_to(built_site.resolve())).read_bytes()
    finally:
        context.close()
