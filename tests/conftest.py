"""Shared fixtures: running snippets through the build's own runner, and one strict build of the site."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent
MKDOCS = [sys.executable, "-m", "mkdocs"]


class PlainFencesOnly(MarkdownIt):
    """Hide two kinds of Python fence from pytest-markdown-docs: includes (``--8<--``),
    which are sections of scripts the build runs, and markdown-exec blocks, which the
    build runs itself. What is left are the plain fences, and those it runs."""

    def parse(self, src, env=None):
        tokens = super().parse(src, env)
        return [t for t in tokens if not (t.type == "fence" and _built_elsewhere(t))]


def _built_elsewhere(token) -> bool:
    return token.content.lstrip().startswith("--8<--") or "exec=" in token.info


def pytest_markdown_docs_markdown_it():
    return PlainFencesOnly("commonmark")


def pytest_addoption(parser):
    parser.addoption(
        "--page",
        metavar="SLUG",
        help="one page's tests (make test-page PAGE=SLUG): tests/test_<page>.py, and the site-wide "
        "tests parametrized by page or run (its notebook, its runs under spawn) for that page only",
    )


def pytest_collection_modifyitems(config, items):
    slug = config.getoption("--page")
    if not slug:
        return
    module = slug.replace("-", "_")
    if not (REPO / "docs" / f"{slug}.md").is_file():
        raise pytest.UsageError(f"--page {slug}: there is no docs/{slug}.md")

    def for_the_page(item) -> bool:
        if Path(item.fspath).name == f"test_{module}.py":
            return True
        params = getattr(item, "callspec", None)
        ids = params.id if params else ""
        return f"[{slug}]" in f"[{ids}]" or f"pages/{module}.py: " in ids

    kept = [item for item in items if for_the_page(item)]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


def assert_processes_gone(pids, script: str) -> None:
    """None of the processes a run printed is still running (a live process under a reused pid
    runs something else: only a command line that names the script, or the runner's warm
    interpreter that forked it, counts)."""
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError):
            continue
        still_ours = script in cmdline or "forkserver" in cmdline
        assert state in "ZX" or not still_ours, f"process {pid} of a run is still running: {cmdline}"


def free_port() -> int:
    """A port nobody listens on right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_site(site_dir: Path, config: Path = REPO / "mkdocs.yml", env: dict | None = None, cwd: Path = REPO):
    """``mkdocs build --strict`` into ``site_dir``; returns the CompletedProcess (output in .stdout)."""
    return subprocess.run(
        [*MKDOCS, "build", "--strict", "--config-file", str(config), "--site-dir", str(site_dir)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1500,  # under pytest-timeout's 1800 s, so this one fires first, with the log
    )


@pytest.fixture(scope="session")
def all_runs():
    """Every run the pages declare, brought into the cache up front and side by side, exactly
    as the build does it first: the page tests then read the build's own results (and the build
    that ``built_site`` makes finds them all in the cache)."""
    from snippet_runner import schedule
    from snippet_runner.discovery import declared_runs, page_modules

    summary = schedule.run_all(declared_runs(page_modules(fresh=False)), report=print)
    if summary.failed:
        pytest.fail("runs failed:\n" + "\n".join(f"{run.script}: {why}" for run, why in summary.failed))
    return summary


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, all_runs) -> Path:
    """One strict build of the whole site for the session; fails loudly with the build log."""
    site_dir = tmp_path_factory.mktemp("site")
    result = build_site(site_dir)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}")
    return site_dir


class TmpSite:
    def __init__(self, root: Path):
        self.root = root
        self.cache = root / ".cache" / "snippet-runs"
        self.counts = root / "counts"
        (root / "docs").mkdir(parents=True)
        (root / "snippets" / "demo").mkdir(parents=True)
        self.counts.mkdir()
        shutil.copytree(REPO / "docs" / "stylesheets", root / "docs" / "stylesheets")
        (root / "snippet_runner").symlink_to(REPO / "snippet_runner")
        (root / "pages").mkdir()
        (root / "pages" / "__init__.py").write_text("")
        config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=yaml.Loader)  # noqa: S506 (our own file)
        config["nav"] = [{"Home": "index.md"}]
        (root / "mkdocs.yml").write_text(yaml.dump(config))

    def script(self, name: str, body: str) -> Path:
        """A script that records each run in counts/<name>, then runs ``body``."""
        path = self.root / "snippets" / "demo" / name
        header = (
            "import os, pathlib\n"
            "# --8<-- [start:main]\n"
            f"with open(pathlib.Path(os.environ['COUNTS']) / {name!r}, 'a') as f:\n"
            "    f.write('run\\n')\n"
        )
        path.write_text(header + textwrap.dedent(body) + "# --8<-- [end:main]\n")
        return path

    def declare(self, declarations: str) -> None:
        """``pages/index.py``: the runs the page declares (``Run`` is imported)."""
        source = "from snippet_runner import Run\n\n" + textwrap.dedent(declarations)
        (self.root / "pages" / "index.py").write_text(source)

    def page(self, markdown: str) -> None:
        (self.root / "docs" / "index.md").write_text(textwrap.dedent(markdown))

    def runs(self, name: str) -> int:
        counter = self.counts / name
        return len(counter.read_text().splitlines()) if counter.exists() else 0

    @property
    def env(self) -> dict[str, str]:
        return {"COUNTS": str(self.counts), "SNIPPET_DATA_DIR": str(REPO / "data")}

    def build(self):
        return build_site(self.root / "site", config=self.root / "mkdocs.yml", cwd=self.root, env=self.env)


def exec_block(name: str, **render_options) -> str:
    """A hidden block that shows the run ``name`` declared in the site's ``pages/index.py``."""
    extra = ", ".join(f"{k}={v!r}" for k, v in render_options.items())
    return f'```python exec="on"\nfrom pages import index\nprint(index.{name}.show({extra}))\n```\n'
