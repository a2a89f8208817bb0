"""The errors page: each script makes its error (or warning) on the pinned versions, with the words
its entry quotes, and each fix runs and prints what proves it.

The page prints every entry from one table (``pages.errors.TABLE``); the tests read the very runs
it shows (``errors.RUNS``), made up front by the build's own runner."""

from __future__ import annotations

import pytest
from pair_checks import fix_runs_and_proves_itself, old_form_ends_as_said

from pages import errors

pytestmark = pytest.mark.usefixtures("all_runs")

ENTRIES = errors.TABLE


def test_the_page_has_at_least_8_errors():
    assert len(ENTRIES) >= 8
    assert {c.group for c in ENTRIES} == set(errors.GROUPS)


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_mistake_ends_as_the_entry_says(c):
    old_form_ends_as_said(errors.PAIRS, c)


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_fix_runs_and_prints_its_proof_without_the_error(c):
    fix_runs_and_proves_itself(errors.PAIRS, c)
