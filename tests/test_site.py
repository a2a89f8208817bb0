"""Site-wide checks: the strict build, what the built pages contain, where every code block
comes from, and the offline data."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

from markdown_it import MarkdownIt

from conftest import REPO, PlainFencesOnly, TmpSite, exec_block, free_port
from pages import nav_pages
from snippet_runner import sections, static_site
from snippet_runner.discovery import covered_scripts, declared_runs, page_modules

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def python_fences(page: Path):
    """Every fenced block in the page, tabs included (markdown-it with the tab bodies dedented)."""
    text = page.read_text()
    # Content tabs indent their bodies by four spaces; markdown-it would read them as code.
    text = re.sub(
        r"^(=== .*\n)((?:(?:    .*)?\n)+)", lambda m: m.group(1) + textwrap.dedent(m.group(2)), text, flags=re.M
    )
    return [
        t
        for t in MarkdownIt("commonmark").parse(text)
        if t.type == "fence" and t.info.split()[:1] in (["python"], ["py"])
    ]


def scripts_run_by_the_build() -> set[str]:
    """Every script a declared run runs, imports or uses, as a path relative to the repo."""
    return {file.relative_to(REPO).as_posix() for file in covered_scripts(declared_runs(page_modules()))}


def test_the_strict_build_passes_and_no_page_shows_an_error(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text()
        assert "Traceback (most recent call last)" not in html, page
        assert "exited with" not in html, page  # the runner's and markdown-exec's error text
        assert "SnippetError" not in html, page


def test_every_nav_page_exists_and_every_page_is_in_the_nav(built_site):
    nav = [f"{slug}.md" for slug in nav_pages()]
    assert sorted(nav) == sorted(p.name for p in PAGES)
    for name in nav:
        built = built_site / ("index.html" if name == "index.md" else f"{name[:-3]}/index.html")
        assert built.is_file(), built


def test_every_page_has_real_output_from_the_build(built_site):
    """Each page that runs scripts shows their output with run time and versions."""
    for page in PAGES:
        module = REPO / "pages" / f"{page.stem.replace('-', '_')}.py"
        if not module.exists() or "Run(" not in module.read_text():
            continue  # a page whose module declares no run shows none
        html = (built_site / f"{page.stem}/index.html").read_text()
        assert 'class="snippet-run"' in html, page.name
        assert "pytorch-lightning 2.6.6" in html, page.name


def test_home_page_versions_come_from_the_environment(built_site):
    from importlib import metadata

    html = (built_site / "index.html").read_text()
    for package in ("torch", "torchvision", "pytorch-lightning"):
        assert f"<td>{package}</td>\n<td>{metadata.version(package)}</td>" in html


def test_every_python_block_is_a_run_snippet_section_or_a_tested_plain_fence():
    run_scripts = scripts_run_by_the_build()
    for page in PAGES:
        tested_plain = {t.content for t in PlainFencesOnly("commonmark").parse(page.read_text()) if t.type == "fence"}
        for fence in python_fences(page):
            where = f"{page.name}:{fence.map[0] + 1}"
            if "exec=" in fence.info:
                continue  # markdown-exec blocks are the build itself
            includes = sections.includes(fence.content)
            if includes:
                body = [line for line in fence.content.splitlines() if line.strip()]
                assert len(body) == len(includes), f"{where}: an include block holds other lines too"
                for path, _section in includes:
                    assert path in run_scripts, f"{where}: {path} is shown but no declared run runs it"
            else:
                assert fence.content in tested_plain, (
                    f"{where}: a plain Python fence that pytest-markdown-docs does not run (inside tabs?)"
                )


def test_every_snippet_file_is_shown_and_run():
    shown = {path for page in PAGES for path, _ in sections.includes(page.read_text())}
    run_scripts = scripts_run_by_the_build()
    for script in sorted((REPO / "snippets").rglob("*.py")):
        path = script.relative_to(REPO).as_posix()
        assert path in shown, f"{path} is not shown on any page"
        assert path in run_scripts, f"{path} is never run by the build"


def test_every_script_has_balanced_sections_in_page_order():
    for script in sorted((REPO / "snippets").rglob("*.py")):
        markers = re.findall(r"--8<-- \[(start|end):([a-z][-_0-9a-z]*)\]", script.read_text())
        names = [name for kind, name in markers if kind == "start"]
        assert len(names) == len(set(names)), f"{script}: a section name is used twice"
        assert markers == [m for name in names for m in (("start", name), ("end", name))], (
            f"{script}: sections overlap or are unclosed"
        )


# Pages that show their scripts' sections in an order of their own: the core page walks through
# the two scripts part by part; the training loop page shows the data and model its scripts share
# once, from the core page's scripts, and then only the part each script is about.
OWN_ORDER = {"from-pytorch-to-lightning", "training-loop"}


def test_each_page_shows_every_section_of_its_own_scripts_in_file_order():
    for slug in nav_pages():
        if slug in OWN_ORDER:
            continue
        page = (DOCS / f"{slug}.md").read_text()
        own = dict.fromkeys(
            path for path, section in sections.includes(page) if section and path.startswith(f"snippets/{slug}/")
        )
        for script in own:
            assert sections.shown(page, script) == sections.names(REPO / script), (
                f"docs/{slug}.md shows {script}'s sections {sections.shown(page, script)}, "
                f"the script has {sections.names(REPO / script)}"
            )


def test_the_data_is_provided_without_network(tmp_path):
    """Provision the MNIST subset into an empty folder, then load it through the real
    download=True code, in a process where any network connection raises."""
    program = textwrap.dedent(
        f"""
        import socket

        def no_network(*args, **kwargs):
            raise OSError("network is disabled in this test")

        socket.socket.connect = no_network
        socket.create_connection = no_network
        socket.getaddrinfo = no_network

        from snippet_runner import mnist
        mnist.provide({str(tmp_path)!r})

        from torchvision import datasets
        train = datasets.MNIST({str(tmp_path)!r}, train=True, download=True)
        test = datasets.MNIST({str(tmp_path)!r}, train=False, download=True)
        print(len(train), len(test), sorted(set(train.targets.tolist())))
        try:
            socket.create_connection(("example.org", 80))
        except OSError as error:
            print("network:", error)
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "4000 1000 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]",
        "network: network is disabled in this test",
    ]
    raw = tmp_path / "MNIST" / "raw"
    with open(raw / "train-images-idx3-ubyte", "rb") as f:
        assert struct.unpack(">IIII", f.read(16)) == (2051, 4000, 28, 28)
    with open(raw / "t10k-labels-idx1-ubyte", "rb") as f:
        assert struct.unpack(">II", f.read(8)) == (2049, 1000)
    assert not list(raw.glob(".*")), "no temporary file left behind"


def test_nothing_is_written_under_docs():
    tracked = set(subprocess.run(["git", "ls-files", "docs"], cwd=REPO, capture_output=True, text=True).stdout.split())
    present = {p.relative_to(REPO).as_posix() for p in DOCS.rglob("*") if p.is_file()}
    assert present <= tracked | {p for p in present if p.endswith(".md")}, present - tracked


def test_no_page_shows_a_deprecation_warning(built_site):
    """What the scripts printed is on the pages: none of it may be a deprecation warning
    (the errata page shows old forms on purpose)."""
    for page in built_site.rglob("*.html"):
        if page.parent.name == "errata":
            continue
        text = page.read_text()
        for warning in ("DeprecationWarning", "FutureWarning", "LightningDeprecationWarning"):
            assert warning not in text, f"{page.relative_to(built_site)} shows a {warning}"


def test_mkdocs_serve_builds_once_and_rebuilds_once_per_edit(tmp_path):
    """`mkdocs serve` must not rebuild in a loop: nothing a build does (running a script,
    writing the cache) may land in a watched path. Served from a throw-away copy of the site."""
    import http.client
    import signal
    import time

    site = TmpSite(tmp_path)
    site.script("one.py", "print('served output', 6 * 7)\n")
    site.declare('one = Run("snippets/demo/one.py")\n')
    page = '# Demo\n\n```python\n--8<-- "snippets/demo/one.py:main"\n```\n\n' + exec_block("one")
    site.page(page)
    port = free_port()
    log_path = tmp_path / "serve.log"
    builds = lambda: log_path.read_text().count("Documentation built in")  # noqa: E731
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--strict", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=site.root,
            env={**os.environ, **site.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while "Serving on" not in log_path.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200 and b"served output 42" in response.read()
        time.sleep(8)  # a build that wrote into a watched path would have triggered a rebuild by now
        assert builds() == 1 and site.runs("one.py") == 1, log_path.read_text()

        site.page(page + "\nOne more line.\n")
        deadline = time.monotonic() + 120
        while builds() < 2:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        time.sleep(8)
        assert builds() == 2, log_path.read_text()
        assert site.runs("one.py") == 1, "the rebuild took the script's output from the cache"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def test_a_warm_rebuild_runs_nothing_and_imports_no_heavy_library(built_site, tmp_path):
    """What keeps a rebuild quick: every script result and every drawn chart comes from the
    cache, so the build process never imports torch, Lightning or matplotlib."""
    program = textwrap.dedent(
        f"""
        import sys
        import subprocess
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        started = []
        real_popen = subprocess.Popen.__init__
        def popen(self, args, *rest, **kwargs):
            started.append(args)
            real_popen(self, args, *rest, **kwargs)
        subprocess.Popen.__init__ = popen

        build(load_config({str(REPO / "mkdocs.yml")!r}, strict=True, site_dir={str(tmp_path / "site")!r}))
        heavy = sorted(m for m in ("torch", "pytorch_lightning", "matplotlib", "tensorboard") if m in sys.modules)
        print("heavy:", heavy)
        print("processes:", started)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout and "processes: []" in result.stdout, result.stdout


def test_no_tab_set_runs_two_pairs_together(built_site):
    """Two tab groups with nothing between them merge into one set (PyTorch, Lightning, PyTorch,
    Lightning), which linked tabs cannot switch: a second group must start with `===!`."""
    for page in built_site.rglob("*.html"):
        for labels in re.findall(r'<div class="tabbed-labels">(.*?)</div>', page.read_text(), re.S):
            names = re.findall(r"<label[^>]*>(.*?)</label>", labels)
            assert len(names) == len(set(names)), f"{page.relative_to(built_site)}: one tab set holds {names}"


def test_the_site_server_answers_as_github_pages_does(tmp_path):
    """snippet_runner/static_site.py, through which the browser tests and `make lighthouse` load
    the site: text compressed when asked for, the site's 404 page with status 404, a folder
    without its slash redirected."""
    (tmp_path / "page").mkdir()
    (tmp_path / "page/index.html").write_text("<p>" + "lightning " * 500 + "</p>")
    (tmp_path / "404.html").write_text("<p>not here</p>")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG" + bytes(300))
    with static_site.serve(tmp_path) as url:
        connection = http.client.HTTPConnection(url.split("/")[2])

        def get(path, **headers):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response, response.read()

        response, body = get("/page/", **{"Accept-Encoding": "gzip"})
        assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == (tmp_path / "page/index.html").read_bytes()
        assert len(body) < len(gzip.decompress(body)) / 10
        assert response.headers["Cache-Control"] == "max-age=600"
        response, body = get("/page/")  # a client that does not ask for gzip gets the file as it is
        assert "Content-Encoding" not in response.headers and body == (tmp_path / "page/index.html").read_bytes()
        response, body = get("/picture.png", **{"Accept-Encoding": "gzip"})  # images go as they are
        assert "Content-Encoding" not in response.headers and body == (tmp_path / "picture.png").read_bytes()
        response, body = get("/nowhere/")
        assert response.status == 404 and body == b"<p>not here</p>"
        response, body = get("/page")
        assert response.status == 301 and response.headers["Location"] == "/page/"


def test_the_word_count_leaves_out_what_a_reader_does_not_scroll_past(tmp_path):
    """benchmarks/page_words.py (issue 24's measure): a collapsed block counts its title only, a
    tab set its first tab only, an open block all of it; nothing outside the article counts."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_words", REPO / "benchmarks" / "page_words.py")
    page_words = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page_words)
    page = tmp_path / "index.html"
    page.write_text(
        "<nav>one two</nav><article><h1>Title here<a class='headerlink'>¶</a></h1><p>three four five</p>"
        "<details><summary>six seven</summary><p>hidden hidden hidden</p></details>"
        "<details open><summary>eight</summary><p>nine ten</p></details>"
        "<div class='tabbed-set'><div class='tabbed-content'><div class='tabbed-block'><p>eleven <br> twelve</p>"
        "</div><div class='tabbed-block'><p>other tab words</p></div></div></div>"
        "<script>var x = 1;</script></article><footer>thirteen</footer>"
    )
    assert page_words.words(page) == 2 + 3 + 2 + 3 + 2
