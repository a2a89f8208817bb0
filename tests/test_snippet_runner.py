"""The snippet runner, through real strict builds of a small temporary site.

Each test builds a throw-away site (the project's own mkdocs.yml, hooks and runner, with
its own pages, declared runs, scripts and cache) in a temporary folder, so it can break things
on purpose. The scripts count their own runs in files outside their working directory.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import REPO, TmpSite, exec_block
from snippet_runner import clean, runner


@pytest.fixture
def site(tmp_path) -> TmpSite:
    return TmpSite(tmp_path)


def two_script_site(site: TmpSite) -> None:
    site.script("one.py", "print('one says', 1 + 1)\n")
    site.script("two.py", "print('two says', 2 + 2)\n")
    site.declare('one = Run("snippets/demo/one.py")\ntwo = Run("snippets/demo/two.py")\n')
    site.page(
        '# Demo\n\n```python\n--8<-- "snippets/demo/one.py:main"\n```\n\n'
        + exec_block("one")
        + "\n"
        + exec_block("two")
    )


def html(site: TmpSite) -> str:
    return (site.root / "site" / "index.html").read_text()


def test_output_is_shown_and_a_warm_rebuild_runs_nothing(site):
    two_script_site(site)
    first = site.build()
    assert first.returncode == 0, first.stdout
    assert "one says 2" in html(site) and "two says 4" in html(site)
    assert "Output of <code>snippets/demo/one.py</code>" in html(site)
    assert (site.runs("one.py"), site.runs("two.py")) == (1, 1)

    second = site.build()
    assert second.returncode == 0, second.stdout
    assert (site.runs("one.py"), site.runs("two.py")) == (1, 1), "a cache hit must run nothing"
    assert "one says 2" in html(site)


def test_editing_one_script_reruns_only_that_script(site):
    two_script_site(site)
    assert site.build().returncode == 0
    site.script("one.py", "print('one now says', 3)\n")
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert (site.runs("one.py"), site.runs("two.py")) == (2, 1)
    assert "one now says 3" in html(site)


def test_editing_a_module_the_script_imports_reruns_it(site):
    (site.root / "snippets" / "demo" / "helper.py").write_text("VALUE = 1\n")
    site.script("one.py", "from helper import VALUE\nprint('value', VALUE)\n")
    site.declare('one = Run("snippets/demo/one.py")\n')
    site.page(exec_block("one"))
    assert site.build().returncode == 0
    (site.root / "snippets" / "demo" / "helper.py").write_text("VALUE = 2\n")
    assert site.build().returncode == 0
    assert site.runs("one.py") == 2
    assert "value 2" in html(site)


def test_declared_dependencies_start_from_copy_depend_on_and_use(site):
    """starts_from copies the earlier run's files in; depends_on and uses re-run it on a change,
    without copying anything; an edit to a run re-runs what is declared to follow it, and only that."""
    site.script("writer.py", "import pathlib\npathlib.Path('made.txt').write_text('written')\nprint('wrote')\n")
    site.script("reader.py", "import pathlib\nprint('reads', pathlib.Path('made.txt').read_text())\n")
    site.script("waiter.py", "import pathlib\nprint('made.txt here:', pathlib.Path('made.txt').exists())\n")
    site.script("launcher.py", "print('launches', 'helper_script')\n")
    (site.root / "snippets" / "demo" / "started.py").write_text("print('started')\n")
    site.declare(
        """
        writer = Run("snippets/demo/writer.py")
        reader = Run("snippets/demo/reader.py", starts_from=(writer,))
        waiter = Run("snippets/demo/waiter.py", depends_on=(writer,))
        launcher = Run("snippets/demo/launcher.py", uses=("snippets/demo/started.py",))
        """
    )
    site.page(exec_block("reader") + "\n" + exec_block("waiter") + "\n" + exec_block("launcher"))
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert "reads written" in html(site) and "made.txt here: False" in html(site)
    counts = lambda: [site.runs(n) for n in ("writer.py", "reader.py", "waiter.py", "launcher.py")]  # noqa: E731
    assert counts() == [1, 1, 1, 1]

    site.script("writer.py", "import pathlib\npathlib.Path('made.txt').write_text('rewritten')\nprint('wrote')\n")
    assert site.build().returncode == 0
    assert counts() == [2, 2, 2, 1] and "reads rewritten" in html(site)

    (site.root / "snippets" / "demo" / "started.py").write_text("print('started again')\n")
    assert site.build().returncode == 0
    assert counts() == [2, 2, 2, 2]


def test_a_failing_script_fails_the_strict_build_with_its_path_traceback_and_block_line(site):
    site.script("broken.py", "print('before the error')\nundefined_name + 1\n")
    site.declare('broken = Run("snippets/demo/broken.py")\n')
    site.page("# Demo\n\nSome text.\n\n" + exec_block("broken"))
    result = site.build()
    assert result.returncode != 0
    log = result.stdout
    assert "docs/index.md:5: snippets/demo/broken.py exited with code 1" in log, log  # the block's own line
    assert "NameError: name 'undefined_name' is not defined" in log
    assert "Aborted with" in log and "strict mode" in log


def test_the_line_counts_the_pages_front_matter(site):
    """MkDocs strips the front matter before the hooks see the page; the line named is the file's."""
    site.script("broken.py", "raise SystemExit(3)\n")
    site.declare('broken = Run("snippets/demo/broken.py")\n')
    site.page("---\ntitle: Demo\ndescription: A page with front matter.\n---\n\n# Demo\n\n" + exec_block("broken"))
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:8: snippets/demo/broken.py exited with code 3" in result.stdout, result.stdout


def test_an_error_names_the_block_that_asked_not_the_first_mention_of_the_script(site):
    site.script("broken.py", "raise SystemExit(3)\n")
    site.declare('broken = Run("snippets/demo/broken.py")\n')
    site.page(
        "# Demo\n\n[Download broken.py](snippets/demo/broken.py)\n\n```python\n"
        '--8<-- "snippets/demo/broken.py:main"\n```\n\n' + exec_block("broken")
    )
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:9: snippets/demo/broken.py exited with code 3" in result.stdout, result.stdout


def test_a_failing_figure_names_its_block(site):
    site.script("one.py", "print(1)\n")
    site.declare(
        """
        one = Run("snippets/demo/one.py")

        def chart(result):
            raise ValueError(f"nothing to draw for {result.script}")
        """
    )
    site.page(
        "# Demo\n\n" + exec_block("one") + '\n```python exec="on"\nfrom pages import index\n'
        "print(index.chart(index.one.result()))\n```\n"
    )
    result = site.build()
    assert result.returncode != 0
    assert "'docs/index.md:8'" in result.stdout, result.stdout  # markdown-exec names the block by its id
    assert "ValueError: nothing to draw for snippets/demo/one.py" in result.stdout


@pytest.mark.parametrize("imports", ["", "import torch\n"], ids=["plain-process", "forked-from-warm-interpreter"])
def test_a_hanging_script_hits_its_timeout_with_a_clear_message(site, imports):
    """A script that imports torch runs in a child forked from the warm interpreter; any other in
    a plain process. Either way the time limit kills it and the message shows what it printed."""
    site.script("hangs.py", imports + "import time\nprint('going to sleep', flush=True)\ntime.sleep(600)\n")
    site.declare('hangs = Run("snippets/demo/hangs.py", timeout=3)\n')
    site.page(exec_block("hangs"))
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:1: snippets/demo/hangs.py timed out after 3 s and was killed" in result.stdout
    assert "going to sleep" in result.stdout  # what it printed before, to help find where it hung


def test_a_missing_section_fails_the_build_naming_it_and_the_page_line(site):
    site.script("one.py", "print(1)\n")
    site.declare('one = Run("snippets/demo/one.py")\n')
    site.page('# Demo\n\n```python\n--8<-- "snippets/demo/one.py:no-such-section"\n```\n\n' + exec_block("one"))
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:4" in result.stdout
    assert "section 'no-such-section'" in result.stdout


def test_a_missing_snippet_file_fails_the_build(site):
    site.declare("")
    site.page('# Demo\n\n```python\n--8<-- "snippets/demo/nowhere.py:main"\n```\n')
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:4" in result.stdout and "snippets/demo/nowhere.py does not exist" in result.stdout


def test_an_unused_declaration_fails_the_build(site):
    two_script_site(site)
    site.page(exec_block("one"))
    result = site.build()
    assert result.returncode != 0
    assert "declared but no page shows it" in result.stdout and "pages/index.py: two" in result.stdout, result.stdout


def test_a_run_made_in_a_page_block_is_undeclared_and_fails_the_build(site):
    site.script("one.py", "import sys\nprint(sys.argv[1:])\n")
    site.declare('one = Run("snippets/demo/one.py")\n')
    site.page(
        exec_block("one")
        + '\n```python exec="on"\nfrom snippet_runner import run\nprint(run("snippets/demo/one.py", args=["x"]).output)\n```\n'
    )
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md:6: a page block made its own Run of snippets/demo/one.py" in result.stdout, result.stdout
    assert site.runs("one.py") == 1  # the declared run only


def test_a_script_no_declaration_runs_fails_the_build(site):
    two_script_site(site)
    site.script("orphan.py", "print('nobody runs me')\n")
    result = site.build()
    assert result.returncode != 0
    assert "snippets/demo/orphan.py: no run declared in pages/*.py runs, imports or uses this script" in result.stdout


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no-result", "no-workdir"])
def test_a_corrupt_cache_entry_is_recomputed(site, damage):
    two_script_site(site)
    assert site.build().returncode == 0
    entries = [
        e
        for e in site.cache.iterdir()
        if (e / "result.json").exists() and "one says" in (e / "result.json").read_text()
    ]
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
    site.declare('old_api = Run("snippets/demo/old_api.py", returncode=1)\n')
    site.page(exec_block("old_api", keep=r"^TypeError"))
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert "TypeError: this API is gone" in html(site)
    assert "Traceback (most recent call last)" not in html(site)

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


def test_prune_drops_entries_no_build_used_for_long_and_keeps_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("SNIPPET_CACHE_DIR", str(tmp_path / "snippet-runs"))
    script = tmp_path / "hello.py"
    script.write_text("print('hello')\n")
    old = runner.run(script, args=["old"]).workdir.parent
    fresh = runner.run(script, args=["fresh"]).workdir.parent
    long_ago = old.stat().st_mtime - 30 * 86400
    os.utime(old / "result.json", (long_ago, long_ago))
    derived = tmp_path / "derived"
    derived.mkdir()
    (derived / "stale.html").write_text("<svg/>")
    os.utime(derived / "stale.html", (long_ago, long_ago))
    (derived / "recent.html").write_text("<svg/>")

    removed = runner.prune(older_than_days=14, root=tmp_path)
    assert sorted(removed) == sorted([old, derived / "stale.html"])
    assert not old.exists() and fresh.exists() and (derived / "recent.html").exists()
    # A cache hit marks the entry as used: it survives the next prune.
    stamp = fresh / "result.json"
    os.utime(stamp, (long_ago, long_ago))
    assert runner.run(script, args=["fresh"]).cached
    assert runner.prune(older_than_days=14, root=tmp_path) == []


def test_editing_one_page_module_redraws_only_that_pages_figures(site):
    """A drawn figure's cache key covers its own module and the project modules it imports,
    not the whole package: editing pages/other.py redraws other's figure, not index's."""
    site.script("one.py", "print('one')\n")
    drawing = """
        import os, pathlib
        from snippet_runner.memo import memoized

        @memoized
        def chart(result):
            with open(pathlib.Path(os.environ["COUNTS"]) / "{name}-chart", "a") as f:
                f.write("drawn\\n")
            return "<p>chart of {name} for " + result.script + "</p>"
        """
    site.declare('one = Run("snippets/demo/one.py")\n' + textwrap.dedent(drawing.replace("{name}", "index")))
    (site.root / "pages" / "other.py").write_text(textwrap.dedent(drawing.replace("{name}", "other")))
    site.page(
        '```python exec="on"\nfrom pages import index, other\n'
        "print(index.chart(index.one.result()))\nprint(other.chart(index.one.result()))\n```\n"
    )
    assert site.build().returncode == 0
    assert (site.runs("index-chart"), site.runs("other-chart")) == (1, 1)
    assert site.build().returncode == 0
    assert (site.runs("index-chart"), site.runs("other-chart")) == (1, 1), "a warm build draws nothing"

    other = site.root / "pages" / "other.py"
    other.write_text(other.read_text() + "# an edit to the other page's module\n")
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert (site.runs("index-chart"), site.runs("other-chart")) == (1, 2)
    assert "chart of other for snippets/demo/one.py" in html(site)


def test_runs_start_up_front_side_by_side_and_an_alone_run_has_the_machine_to_itself(site):
    """The build runs every declared run before rendering: two at a time here (the pool has as
    many workers as cores, at least two in this test's site), and the one declared ``alone``
    with nothing beside it. Each script writes when it started and ended."""
    timing = (
        "import json, os, pathlib, sys, time\n"
        "start = time.time(); time.sleep(1.5)\n"
        "with open(pathlib.Path(os.environ['COUNTS']) / 'spans', 'a') as f:\n"
        "    f.write(json.dumps([sys.argv[1], start, time.time()]) + '\\n')\n"
    )
    site.script("span.py", timing)
    site.declare(
        """
        a = Run("snippets/demo/span.py", args=("a",))
        b = Run("snippets/demo/span.py", args=("b",))
        c = Run("snippets/demo/span.py", args=("c",), alone=True)
        d = Run("snippets/demo/span.py", args=("d",), starts_from=(a,))
        """
    )
    site.page("".join(exec_block(name) + "\n" for name in "abcd"))
    result = site.build()
    assert result.returncode == 0, result.stdout
    log = result.stdout
    assert "snippet runs: 4 declared, 0 from the cache, 4 to run" in log, log
    assert log.index("[4/4]") < log.index("Building documentation"), "all runs end before any page renders"
    spans = {
        name: (start, end) for name, start, end in map(json.loads, (site.counts / "spans").read_text().splitlines())
    }
    overlap = lambda x, y: spans[x][0] < spans[y][1] and spans[y][0] < spans[x][1]  # noqa: E731
    if (os.cpu_count() or 1) >= 2:
        assert overlap("a", "b"), spans
    assert not any(overlap("c", other) for other in "abd"), spans
    assert spans["d"][0] >= spans["a"][1], "d starts from a's files: it starts after a ended"

    again = site.build()
    assert "snippet runs: 4 declared, 4 from the cache, 0 to run" in again.stdout


def test_a_failing_run_is_reported_at_once_and_its_block_stops_the_build(site):
    site.script("broken.py", "raise SystemExit('broken on purpose')\n")
    site.script("after.py", "print('never')\n")
    site.declare(
        """
        broken = Run("snippets/demo/broken.py")
        after = Run("snippets/demo/after.py", starts_from=(broken,))
        """
    )
    site.page("# Demo\n\n" + exec_block("after"))
    result = site.build()
    assert result.returncode != 0
    log = result.stdout
    assert "snippets/demo/broken.py: FAILED: snippets/demo/broken.py exited with code 1" in log, log
    assert "snippets/demo/after.py: not run: a run it builds on failed" in log
    assert log.index("FAILED") < log.index("Building documentation"), "reported before the pages render"
    assert "docs/index.md:3: snippets/demo/broken.py exited with code 1" in log  # then at the block
    assert site.runs("broken.py") == 1 and site.runs("after.py") == 0, "the failed run is not run again"


def test_a_link_a_block_prints_goes_to_the_page_and_one_to_no_page_fails(site):
    (site.root / "docs" / "other.md").write_text("# Other\n\n## Part { #part }\n")
    site.script("one.py", "print(1)\n")
    site.declare('one = Run("snippets/demo/one.py")\n')
    config = site.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("- Home: index.md", "- Home: index.md\n- Other: other.md"))
    block = '```python exec="on"\nprint("[the part](other.md#part)")\n```\n'
    site.page(exec_block("one") + "\n" + block)
    result = site.build()
    assert result.returncode == 0, result.stdout
    assert 'href="other/#part"' in html(site)

    site.page(exec_block("one") + "\n" + block.replace("other.md", "nowhere.md"))
    result = site.build()
    assert result.returncode != 0
    assert "docs/index.md: a block's output links to nowhere.md, which is no page" in result.stdout, result.stdout


def test_a_print_that_lands_after_a_progress_bar_keeps_no_padding(tmp_path):
    """tqdm pads a redrawn bar with blanks; a print that lands right after it starts after them."""
    bar = "Epoch 0:  50%|█████     | 1/2 [00:00<00:00, 34.30it/s]"
    raw = f"{bar}   backward at step 1, loss 0.3487\n  indented line\n"
    result = runner.Result("snippets/demo/x.py", raw, 0.1, {}, tmp_path)
    assert clean(result).split("\n") == ["backward at step 1, loss 0.3487", "  indented line"]


def test_finding_the_runs_and_the_version_matrix_import_no_mkdocs():
    """The tests and the version matrix find every declared run through snippet_runner.discovery,
    which, like the matrix, needs no MkDocs (a matrix venv runs the scripts, not the build)."""
    import subprocess
    import sys

    program = textwrap.dedent(
        """
        import sys
        from snippet_runner import discovery, matrix
        declared = discovery.declared_runs(discovery.page_modules())
        loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("mkdocs", "material", "markdown_exec"))
        print(len(declared), loaded)
        """
    )
    found = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    count, loaded = found.stdout.split(" ", 1)
    assert int(count) > 100
    assert loaded.strip() == "[]"
