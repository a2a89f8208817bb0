"""MkDocs hooks: check every snippet include before rendering, tell the runner
which page it runs for, and publish the snippet scripts so pages can link them."""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from snippet_runner import runner

INCLUDE = re.compile(r'--8<--\s+"([^"]+)"')
SECTION_NAME = re.compile(r"[a-z][-_0-9a-z]*$")


def check_includes(markdown: str, page_path: str) -> None:
    """Fail with the page's file and line when an include names a missing file or section."""
    for lineno, line in enumerate(markdown.split("\n"), start=1):
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


def on_config(config):
    runner.ROOT = Path(config["config_file_path"]).resolve().parent
    return config


def on_page_markdown(markdown, page, config, files):
    page_path = f"{Path(config['docs_dir']).name}/{page.file.src_uri}"
    check_includes(markdown, page_path)
    runner.CURRENT_PAGE = (page_path, markdown)
    return markdown


def on_files(files, config):
    """Publish every snippet script at /snippets/<page>/<name>.py, for download links."""
    for script in sorted((runner.ROOT / "snippets").rglob("*.py")):
        uri = script.relative_to(runner.ROOT).as_posix()
        files.append(File.generated(config, uri, abs_src_path=str(script)))
    return files
