"""The snippet runner, through real strict builds of a small temporary site.

Each test builds a throw-away site (the project's own mkdocs.yml, hooks and runner, with
its own pages, scripts and cache) in a temporary folder, so it can break things on purpose.
The scripts count their own runs in files outside their working directory.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO, TmpSite, exec_block
from snippet_runner import runner


@pytest.fixture
def site(tmp_path) -> TmpSite:
    return TmpSite(tmp_path)


def two_script_site(site: TmpSite) -> None:
    site.script("one.py", "print('one says', 1 + 1)\n")
    site.script("two.py", "print('two says', 2 + 2)\n")
    site.page(
        "# Demo\n\n```python\n--8<-- \"snippets/demo/one.py:main\"\n```\n\n"
        + exec_block("snippets/demo/one.py")
        + "\n"
        + exec_block("snippets/demo/two.py")
    )


def test_output_is_shown_and_a_warm_rebuild_runs_nothing(site):
    two_script_site(site)
    first = site.build()
    assert first.returncode == 0, first.stdout
    html = (site.root / "site" / "index.html").read_text()
    assert "one says 2" in html and "two says 4" in html
    assert "Output of <code>snippets/demo/one.py</code>" in html
    assert (site.runs("one.py"), site.runs("two.py")) == (1, 1)

    second = site.build()
    assert second.returncode == 0, second.stdout
    assert (site.runs("one.py"), site.runs("two.py")) == (1, 1), "a cache hit must run nothing"
    assert "one says 2" in (site.root / "site" / "index.html").read_text()


def test_editing_one_script_reruns_only_that_script(site):
    two_script_site(site)
    assert site.build().returncode == 0
    site.script("one.py", "print('one now says', 3)\n")
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert (site.runs("one.py"), site.runs("two.py")) == (2, 1)
    assert "one now says 3" in (site.root / "site" / "index.html").read_text()


def test_editing_a_module_the_script_imports_reruns_it(site):
    (site.root / "snippets" / "demo" / "helper.py").write_text("VALUE = 1\n")
    site.script("one.py", "from helper import VALUE\nprint('value', VALUE)\n")
    site.page(exec_block("snippets/demo/one.py"))
    assert site.build().returncode == 0
    (site.root / "snippets" / "demo" / "helper.py").write_text("VALUE = 2\n")
    assert site.build().returncode == 0
    assert site.runs("one.py") == 2
    assert "value 2" in (site.root / "site" / "index.html").read_text()


def test_a_failing_script_fails_the_strict_build_with_its_path_and_traceback(site):
    site.script("broken.py", "print('before the error')\nundefined_name + 1\n")
    site.page("# Demo\n\nSome text.\n\n" + exec_block("snippets/demo/broken.py"))
    result = site.build()
    assert result.returncode != 0
    log = result.stdout
    assert "docs/index.md:7" in log, log  # the page and line of the block
    assert "snippets/demo/broken.py exited with code 1" in log
    assert "NameError: name 'undefined_name' is not defined" in log
    assert "Aborted with" in log and "strict mode" in log


def test_a_hanging_script_hits_its_timeout_with_a_clear_message(site):
    site.script("hangs.py", "import time\nprint('going to sleep', flush=True)\ntime.sleep(600)\n")
    site.page(exec_block("snippets/demo/hangs.py", timeout=3))
    result = site.build()
    assert result.returncode != 0
    assert "snippets/demo/hangs.py timed out after 3 s and was killed" in result.stdout
    assert "going to sleep" in result.stdout  # what it printed before, to help find where it hung


def test_a_missing_section_fails_the_build_naming_it_and_the_page_line(site):
    site.script("one.py", "print(1)\n")
    site.page('# Demo\n\n```python\n--8<-- "snippets/demo/one.py:no-such-section"\n```\n')
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:4" in result.stdout
    assert "section 'no-such-section'" in result.stdout


def test_a_missing_snippet_file_fails_the_build(site):
    site.page('# Demo\n\n```python\n--8<-- "snippets/demo/nowhere.py:main"\n```\n')
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:4" in result.stdout and "snippets/demo/nowhere.py does not exist" in result.stdout


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no-result", "no-workdir"])
def test_a_corrupt_cache_entry_is_recomputed(site, damage):
    two_script_site(site)
    assert site.build().returncode == 0
    entries = [e for e in site.cache.iterdir() if (e / "result.json").exists() and "one says" in (e / "result.json").read_text()]
    assert len(entries) == 1
    result_file = entries[0] / "result.json"
    if damage == "garbage":
        result_file.write_bytes(os.urandom(64))
    elif damage == "truncated":
        result_file.write_text(result_file.read_text()[:20])
    elif damage == "no-result":
        result_file.unlink()
    else:
        shutil.rmtree(entries[0] / "work")
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert (site.runs("one.py"), site.runs("two.py")) == (2, 1)
    assert json.loads(result_file.read_text())["output"].startswith("one says 2")


def test_expected_failure_is_checked_and_shown(site):
    site.script("old_api.py", "raise TypeError('this API is gone')\n")
    site.page(exec_block("snippets/demo/old_api.py", returncode=1, keep=r"^TypeError"))
    result = site.build()
    assert result.returncode == 0, result.stdout
    html = (site.root / "site" / "index.html").read_text()
    assert "TypeError: this API is gone" in html
    assert "Traceback (most recent call last)" not in html

    # The same script made to pass is now a failure: it no longer shows what the page says.
    site.script("old_api.py", "print('fine now')\n")
    result = site.build()
    assert result.returncode != 0
    assert "exited with code 0 (expected 1)" in result.stdout


def test_scripts_run_in_a_scratch_folder_with_the_data_and_leave_the_repo_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("SNIPPET_CACHE_DIR", str(tmp_path / "cache"))
    script = tmp_path / "writes.py"
    script.write_text(
        "import os, pathlib\n"
        "pathlib.Path('out.txt').write_text('hello')\n"
        "print(os.getcwd())\n"
        "print(sorted(os.listdir('data/MNIST/raw')))\n"
    )
    before = set(os.listdir(REPO))
    result = runner.run(script)
    workdir = result.output.splitlines()[0]
    assert Path(workdir).name == "work" and str(tmp_path / "cache") in workdir
    assert (result.workdir / "out.txt").read_text() == "hello"
    assert "t10k-images-idx3-ubyte" in result.output
    assert set(os.listdir(REPO)) == before
    assert not list((REPO / "docs").rglob("out.txt"))
