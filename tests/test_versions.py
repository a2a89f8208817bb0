"""The Tested versions page: the committed version matrix (pages/versions.json, written by
`make matrix`) covers every run the site declares, in every declared version set, with
well-formed results, and the page shows it. The matrix itself is not run here (it installs
several versions of torch); `make matrix` does that."""

from __future__ import annotations

import datetime
import html
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO
from pages import versions
from snippet_runner import matrix

FIX = "measure it with `make matrix` (every set; reruns only what changed) and commit pages/versions.json"


@pytest.fixture(scope="module")
def declared() -> dict:
    """Run id ("pages/<page>.py: <name>") -> the declared run, without running anything."""
    from snippet_runner.discovery import declared_runs, page_modules

    return {where: run for run, where in declared_runs(page_modules()).items()}


@pytest.fixture(scope="module")
def sets() -> dict:
    return versions.data()["sets"]


def test_every_declared_set_was_measured(sets):
    """Every set, but a GPU set where no GPU was at hand: the page says it was not measured."""
    wanted = [s.name for s in matrix.SETS if s.name in sets or not s.gpu]
    assert list(sets) == wanted, f"sets missing from pages/versions.json: {FIX}"
    assert len(sets) >= 4
    for name, measured in sets.items():
        assert datetime.date.fromisoformat(measured["date"]) <= datetime.date.today(), name
        assert measured["machine"].strip() and measured["title"] == matrix.BY_NAME[name].title, name
        assert measured["machine"].endswith("CPU only") != matrix.BY_NAME[name].gpu, name
        requirements = matrix.BY_NAME[name].requirements
        for package in matrix.PACKAGES:
            version = measured["versions"][package]
            if requirements is not None and not any(r.split("==")[0] == package for r in requirements):
                assert version == "not installed", (name, package)  # lightning-1.9: 1.9's `lightning` is the App
            else:
                assert re.fullmatch(r"\d+\.\d+\.\d+(\.post\d+)?", version), (name, package)


def test_each_set_ran_the_versions_it_declares(sets):
    pins = matrix.pinned_requirements()
    for name, measured in sets.items():
        requirements = matrix.BY_NAME[name].requirements
        if requirements is None:
            wanted = {p: pins[p] for p in matrix.PACKAGES if p in pins}
        else:
            wanted = dict(r.split("==") for r in requirements if "==" in r)
        assert {p: measured["versions"][p] for p in wanted} == wanted, f"{name}: {FIX}"
    # The newest set really is newer: torch is not the pinned one.
    assert sets["newest"]["versions"]["torch"] != pins["torch"]


def test_every_declared_run_has_a_row_in_every_set(declared, sets):
    """Every set covers its pages' runs (every page's, but for lightning-1.9: the upgrade page's),
    and no other."""
    for name, measured in sets.items():
        covered = {where: run for where, run in declared.items() if matrix.BY_NAME[name].covers(where)}
        missing = sorted(set(covered) - set(measured["runs"]))
        if matrix.BY_NAME[name].gpu:
            missing = []  # runs declared since the last GPU run: the page says "not run on a GPU yet"
        gone = sorted(set(measured["runs"]) - set(covered))
        assert not missing, f"{name}: no result for {missing}: {FIX}"
        assert not gone, f"{name}: results for runs no page of the set declares any more, {gone}: {FIX}"
        for where, run in covered.items():
            assert measured["runs"][where]["script"] == run.script, f"{name}: {where}: {FIX}"


def test_the_last_1x_set_records_how_each_run_of_the_upgrade_page_ended(declared, sets):
    version_set = matrix.BY_NAME["lightning-1.9"]
    assert version_set.pages == ("upgrade",) and not version_set.compares and not version_set.must_pass
    assert "lightning" not in {r.split("==")[0] for r in version_set.requirements}
    assert sets["lightning-1.9"]["versions"]["pytorch-lightning"] == "1.9.5"
    for where, record in sets["lightning-1.9"]["runs"].items():
        run = declared[where]
        if record["status"] in ("worked", "raised"):
            assert isinstance(record["returncode"], int), where
            assert (record["returncode"] == 0) == (record["status"] == "worked"), where
            assert bool(record.get("error")) == (record["status"] == "raised"), where
            assert 0 < len(record["last_lines"]) <= matrix.LAST_LINES, where
            assert all(line.strip() and "\n" not in line for line in record["last_lines"]), where
        else:
            assert record["status"] in ("failed", "not run") and "returncode" not in record, where
        # Recorded for the scripts as they are: the upgrade page shows no ending of an older version.
        assert record["source"] == matrix.source_digest(run), f"{where}: the script changed since: {FIX}"
        assert versions.record("lightning-1.9", run) == record == versions.record("lightning-1.9", where)


def test_a_run_the_set_has_not_run_has_no_record():
    assert versions.record("lightning-1.9", "pages/upgrade.py: no_such_run") is None
    assert versions.record("no-such-set", "pages/checkpoints.py: best") is None
    assert versions.version("lightning-1.9", "pytorch-lightning") == "1.9.5"
    assert versions.version("lightning-1.9", "torch") == "2.0.1"


def test_every_result_is_well_formed(sets):
    for name, measured in sets.items():
        statuses = matrix.STATUSES if matrix.BY_NAME[name].compares else matrix.ENDINGS
        for where, run in measured["runs"].items():
            assert run["status"] in statuses, (name, where)
            if run["status"] in ("failed", "not run", "raised"):
                assert run["error"].strip() and "\n" not in run["error"], (name, where)
                assert "/work/" not in run["error"] and "/home/" not in run["error"], (name, where, run["error"])
            if run["status"] == "different":
                difference = run["difference"]
                assert difference["line"] or difference["pinned_line"], (name, where)
                assert "largest" in difference or difference["note"], (name, where)


def test_the_pinned_set_passes_and_keeps_the_numbers_to_compare(declared, sets):
    pinned = sets["pinned"]["runs"]
    assert {run["status"] for run in pinned.values()} == {"passed"}
    # The numbers the other sets are compared with: the losses the core page prints, say.
    assert any(
        "val_loss 0.0" in line for line in pinned["pages/from_pytorch_to_lightning.py: train_lightning"]["lines"]
    )
    for where, run in declared.items():
        if run.returncode:
            assert pinned[where]["error"], f"{where} fails on purpose: its error line is what the others match"


def test_numbers_are_compared_within_the_stated_tolerance():
    pinned = ["epoch 0: train_loss 0.074330  val_loss 0.060824"]
    assert matrix.compare(["epoch 0: train_loss 0.074331  val_loss 0.060824"], pinned) is None  # 1.3e-5 relative
    found = matrix.compare(["epoch 0: train_loss 0.074330  val_loss 0.061824"], pinned)
    assert found["largest"] == pytest.approx(1e-3) and found["pinned_line"] == pinned[0]
    # Another line altogether (a number more, a word less) is a difference too, not a pass.
    assert matrix.compare(["epoch 0: train_loss 0.074330"], pinned)["note"] == "printed other lines"
    found = matrix.compare([*pinned, "epoch 5: step 600, val_loss 0.049103"], pinned)
    assert found["note"] == "printed other lines (2 lines with numbers, the pinned set 1)"
    assert found["line"] == "epoch 5: step 600, val_loss 0.049103"
    # Two processes printing at once: another process's line glued onto this one, no number lost.
    assert matrix.compare([pinned[0] + "rank 1 (pid 7): epoch 0: 50 batches"], pinned) is None
    # Run times and process ids are no numbers of the run.
    assert matrix.numbered_lines("rank 1 (pid 6962), batch 0: [0.7821]\nepoch 0: val_loss 0.060430  (0.41 s)") == [
        "epoch 0: val_loss 0.060430",
        "rank 1 (pid), batch 0: [0.7821]",
    ]


def test_the_page_shows_every_set_every_script_and_every_error(built_site, sets):
    raw = (built_site / "versions" / "index.html").read_text()
    page = html.unescape(raw)
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))  # tags out first: an error may hold "<train/...>"
    for name, measured in sets.items():
        assert name in text
        assert f"{measured['versions']['torch']}" in text and measured["date"] in text
        for run in measured["runs"].values():
            assert run["script"].rpartition("/")[2] in text
            if run["status"] in ("failed", "raised"):
                assert run["error"] in text, (name, run)
    # One table per page of the site that declares runs, one row per script.
    scripts = {run["script"] for run in sets["pinned"]["runs"].values()}
    by_script = page[page.index('id="scripts"') : page.index('id="how"')]
    rows = re.findall(r"<tr>\s*<td><code>([^<]+?\.py)", by_script)
    assert sorted(r.split(" ")[0] for r in rows) == sorted(s.rpartition("/")[2] for s in scripts)
    assert "Tested versions" in text and (REPO / "docs" / "versions.md").exists()
    # The lightning-1.9 set, apart at the end: each run's ending in words.
    apart = re.sub(r"<[^>]+>", "", page[page.index('id="lightning-1"') :])
    for where, run in sets["lightning-1.9"]["runs"].items():
        assert run["script"].rpartition("/")[2] in apart and versions.ENDING_WORDS[run["status"]] in apart, where


def test_the_page_says_whether_the_scripts_ran_on_a_gpu(built_site, sets):
    text = (built_site / "versions" / "index.html").read_text()
    for version_set in [s for s in matrix.SETS if s.gpu]:
        if version_set.name in sets:
            assert f"The <strong>{version_set.name}</strong> set ran on " in text
        else:
            assert "Not measured on a GPU." in text and "every set on this page ran on a CPU" in text


def test_a_gpu_set_is_not_measured_without_a_gpu():
    """``make matrix`` on a machine without a GPU measures nothing for the GPU set (its record,
    or its absence, stays): torch really sees no GPU here."""
    python = Path(sys.executable)
    if matrix.has_gpu(python):
        pytest.skip("torch sees a GPU here: `make matrix` measures the GPU set")
    gpu = next(s for s in matrix.SETS if s.gpu)
    assert matrix.run_set(gpu, again=False) is None


def test_every_failure_says_what_to_change():
    markdown = (REPO / "docs" / "versions.md").read_text()
    for (script, error), where in versions.failures().items():
        anchor = versions.change_for(script, error)
        assert anchor, (
            f"{script} fails in {', '.join(where)} with {error!r}: say what to change on docs/versions.md "
            "and map the error to that section in pages/versions.py (CHANGES)"
        )
    for anchor in versions.CHANGES.values():
        assert f"{{ #{anchor} }}" in markdown, anchor
