"""The upgrade page: each 1.x form ends on the pinned 2.x as its entry says (the error's own words),
each 2.x form runs and prints what proves it, and the version matrix ran every 1.x form on the last
1.x release, where the 2.x form prints the same numbers as the old one did.

The page prints every entry from one table (``pages.upgrade.TABLE``); the tests read the very runs
it shows (``upgrade.RUNS``), made up front by the build's own runner."""

from __future__ import annotations

import re

import pytest
from pair_checks import fix_runs_and_proves_itself, old_form_ends_as_said

from pages import upgrade, versions
from snippet_runner import clean
from snippet_runner.matrix import compare

pytestmark = pytest.mark.usefixtures("all_runs")

ENTRIES = upgrade.TABLE


def test_the_page_has_at_least_25_old_forms_in_four_groups():
    assert len(ENTRIES) >= 25
    assert {c.group for c in ENTRIES} == set(upgrade.GROUPS)


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_old_form_ends_on_the_pinned_version_as_the_entry_says(c):
    old_form_ends_as_said(upgrade.PAIRS, c)


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_2x_form_runs_and_prints_its_proof_without_a_deprecation(c):
    fix_runs_and_proves_itself(upgrade.PAIRS, c)


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_last_1x_release_ran_the_old_form(c):
    record = versions.record(upgrade.LAST_1X, upgrade.PAIRS.old(c.stem))
    assert record is not None, (
        f"{c.stem}.py is not in the {upgrade.LAST_1X} set: run `make matrix SETS={upgrade.LAST_1X}`"
    )
    if not c.on_1x:  # an entry whose old form fails on 1.x too says why
        assert record["returncode"] == 0, f"{c.stem}.py failed on 1.x: {record.get('error')}"


@pytest.mark.parametrize("c", [c for c in ENTRIES if c.same_as_1x], ids=lambda c: c.stem)
def test_the_2x_form_prints_what_the_old_form_printed_on_the_last_1x(c):
    record = versions.record(upgrade.LAST_1X, upgrade.PAIRS.old(c.stem))
    assert record is not None
    then = [line for line in record["last_lines"] if re.search(c.same_as_1x, line)]
    now = [line for line in clean(upgrade.PAIRS.fixed(c.stem).result()).split("\n") if re.search(c.same_as_1x, line)]
    assert then, f"{c.stem}.py printed no line matching {c.same_as_1x!r} on 1.x"
    # The matrix keeps the last lines a run printed: compare as many of the last lines.
    assert compare(now[-len(then) :], then) is None, f"{c.stem}: 2.x printed {now}, 1.x printed {then}"
