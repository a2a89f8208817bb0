"""MkDocs hooks: load the pages' declared runs and run them all up front, check every snippet
include before rendering, tell each exec block where it is, fail on a declaration no page uses,
publish the snippet scripts so that pages can link them, and each page's notebook."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from snippet_runner import memo, notebooks, runner, schedule, sections
from snippet_runner.discovery import PAGES, covered_scripts, declared_runs, page_modules

INCLUDE = re.compile(r'^\s*--8<--\s+"([^"]+)"')  # pymdownx.snippets reads a line that starts with it
SECTION_NAME = re.compile(sections.NAME + "$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
EXEC_FENCE = re.compile(r'^(\s*(?:`{3,}|~{3,})\s*python\b[^\n]*\bexec="on")([^\n]*)$')
# A link to a page's Markdown file left in the HTML: MkDocs converts the links of a page's own
# Markdown, not those of what a markdown-exec block printed.
MD_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+\.(?:md|ipynb))(#[^"]*)?"')


def check_includes(markdown: str, page_path: str, first_line: int = 1) -> None:
    """Fail with the page's file and line when an include names a missing file or section.
    ``first_line``: the line of the page file that ``markdown`` starts on (after front matter)."""
    for lineno, line in enumerate(markdown.split("\n"), start=first_line):
        for target in INCLUDE.findall(line):
            where = f"{page_path}:{lineno}"
            path, _, section = target.partition(":")
            file = runner.ROOT / path
            if not file.is_file():
                raise PluginError(f"{where}: includes {target!r}, but {path} does not exist")
            if not section:
                continue
            if not SECTION_NAME.match(section):
                raise PluginError(f"{where}: {section!r} is not a valid section name (use [a-z][-_0-9a-z]*)")
            text = file.read_text()
            for marker in ("start", "end"):
                if f"--8<-- [{marker}:{section}]" not in text:
                    raise PluginError(f"{where}: section {section!r} has no [{marker}:{section}] marker in {path}")


def locate_blocks(markdown: str, page_path: str, first_line: int = 1) -> str:
    """Give every markdown-exec Python block the id ``<page>:<line>``: markdown-exec names the
    block's code after it, so an error in it (a failed run, a figure that cannot be drawn) names
    the page and line of the block that asked for it. The HTML ids inside its output get a
    prefix of their own (``exec-<line>-``), unless the block sets ``idprefix``. A block shown
    inside another fence (an example on a page) is left as it is."""
    lines = markdown.split("\n")
    inside = None  # the fence we are in: (character, length)
    for index, line in enumerate(lines):
        fence = FENCE.match(line)
        if inside is not None:
            if fence and fence.group(2) == "" and fence.group(1)[0] == inside[0] and len(fence.group(1)) >= inside[1]:
                inside = None
            continue
        if fence is None:
            continue
        inside = (fence.group(1)[0], len(fence.group(1)))
        block = EXEC_FENCE.match(line)
        if block is None or re.search(r"\bid=", block.group(2)):
            continue
        lineno = first_line + index
        stamp = f' id="{page_path}:{lineno}"'
        if "idprefix=" not in block.group(2):
            stamp += f' idprefix="exec-{lineno}-"'
        lines[index] = block.group(1) + block.group(2) + stamp
    return "\n".join(lines)


def check_every_script_is_declared(declared) -> None:
    """A script under snippets/ that no declared run runs, imports or uses is a script nobody runs."""
    covered = covered_scripts(declared)
    for script in sorted((runner.ROOT / "snippets").rglob("*.py")):
        if script.resolve() not in covered:
            shown = script.relative_to(runner.ROOT).as_posix()
            raise PluginError(f"{shown}: no run declared in {PAGES}/*.py runs, imports or uses this script")


# The page modules and the runs they declare, loaded anew at the start of each build.
modules: list = []
declared: dict[runner.Run, str] = {}
# docs page (src_uri) -> its notebook's uri in the site, for the pages that have one.
notebook_of: dict[str, str] = {}


def on_config(config):
    runner.ROOT = Path(config["config_file_path"]).resolve().parent
    return config


def on_pre_build(config):
    global declared, modules
    memo.module_digest.cache_clear()
    modules = page_modules()
    declared = declared_runs(modules)
    check_every_script_is_declared(declared)
    schedule.run_all(declared)  # every run up front, side by side; the pages then read the cache


def on_page_markdown(markdown, page, config, files):
    page_path = f"{Path(config['docs_dir']).name}/{page.file.src_uri}"
    # MkDocs hands over the page without its front matter: count the lines it took off.
    source = page.file.content_string
    first_line = 1 + (source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0)
    check_includes(markdown, page_path, first_line)
    return locate_blocks(markdown, page_path, first_line)


def on_page_content(html, page, config, files):
    """Turn the ``page.md#anchor`` and ``notebooks/<page>.ipynb`` links that a block printed into
    their URLs, as MkDocs does for the page's own links; a link to a file that the site does not
    have (or to a .md file that is not a page) fails the build."""

    def url(link) -> str:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), link.group(1)))
        target = files.get_file_from_path(path)
        if target is None or (path.endswith(".md") and not target.is_documentation_page()):
            raise PluginError(f"docs/{page.file.src_uri}: a block's output links to {link.group(1)}, which is no page")
        return f'href="{target.url_relative_to(page.file)}{link.group(2) or ""}"'

    html = MD_LINK.sub(url, html)
    if page.file.src_uri in notebook_of:
        html = re.sub(r"(</h1>)", lambda m: m.group(1) + notebook_links(page, config, files), html, count=1)
    return html


def on_post_build(config):
    unused = [f"{where} ({run!r})" for run, where in declared.items() if not run.asked]
    if unused:
        raise PluginError("declared but no page shows it or builds on it:\n  " + "\n  ".join(unused))


def on_files(files, config):
    """Publish every snippet script at /snippets/<page>/<name>.py, for download links, and each
    page's notebook at /notebooks/<page>.ipynb."""
    for script in sorted((runner.ROOT / "snippets").rglob("*.py")):
        uri = script.relative_to(runner.ROOT).as_posix()
        files.append(File.generated(config, uri, abs_src_path=str(script)))
    notebook_of.clear()
    for module in modules:
        runs = getattr(module, "NOTEBOOK", None)
        if not runs:
            continue
        requirements = (runner.ROOT / "requirements.txt").read_text()
        slug = module.__name__.rpartition(".")[2].replace("_", "-")
        page = files.get_file_from_path(f"{slug}.md")
        if page is None:
            raise PluginError(
                f"{PAGES}/{slug.replace('-', '_')}.py declares a NOTEBOOK, but there is no docs/{slug}.md"
            )
        markdown = page.content_string
        title = re.search(r"^# (.+)$", markdown, re.M).group(1)
        uri = f"notebooks/{slug}.ipynb"
        files.append(File.generated(config, uri, content=notebooks.build(title, markdown, runs, requirements)))
        notebook_of[page.src_uri] = uri
    return files


def colab_url(config, notebook_uri: str) -> str | None:
    """Colab opens a notebook from a GitHub repository: the one in repo_url, on the branch the
    publishing workflow pushes the notebooks to (extra.notebooks_branch). None without both."""
    github = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", config.get("repo_url") or "")
    branch = (config.get("extra") or {}).get("notebooks_branch")
    if github is None or not branch:
        return None
    owner, repo = github.groups()
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{notebook_uri}"


def notebook_links(page, config, files) -> str:
    """The buttons under a page's title: its notebook, and Colab where the site says where it lives."""
    uri = notebook_of[page.file.src_uri]
    href = files.get_file_from_path(uri).url_relative_to(page.file)
    name = uri.rpartition("/")[2]
    links = [f'<a class="md-button" href="{href}" download="{name}">Download this page as a notebook</a>']
    colab = colab_url(config, uri)
    if colab:
        links.append(f'<a class="md-button" href="{colab}">Open in Colab</a>')
    about = files.get_file_from_path("notebooks.md")
    if about is not None:
        links.append(
            f'<a href="{about.url_relative_to(page.file)}">What runs differently in a notebook or in Colab</a>'
        )
    return '<p class="notebook-links">' + " ".join(links) + "</p>"
