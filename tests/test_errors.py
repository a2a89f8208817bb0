"""The errors page: each script makes its error (or warning) on the pinned versions, with the words
its entry quotes, and each fix runs and prints what proves it.

The page prints every entry from one table (``pages.errors.TABLE``); the tests read the very runs
it shows (``errors.RUNS``), made up front by the build's own runner."""

from __future__ import annotations

import re

import pytest

from pages import errors
from snippet_runner import clean
from snippet_runner.pairs import exception_lines

pytestmark = pytest.mark.usefixtures("all_runs")

ENTRIES = errors.TABLE
DEPRECATION = re.compile(r"\b\w*DeprecationWarning\b|\bFutureWarning\b")


def test_the_page_has_at_least_8_errors():
    assert len(ENTRIES) >= 8
    assert {c.group for c in ENTRIES} == set(errors.GROUPS)


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_mistake_ends_as_the_entry_says(c):
    run = errors.PAIRS.old(c.stem)
    if c.old_fails:
        found = exception_lines(run)
        assert found, f"{c.stem}.py ended without an exception line"
        assert found[-1].startswith(c.error), f"{c.stem}.py ended with {found[-1]!r}"
    else:
        assert c.error in clean(run.result()), f"{c.stem}.py did not print {c.error!r}"


@pytest.mark.parametrize("c", ENTRIES, ids=lambda c: c.stem)
def test_the_fix_runs_and_prints_its_proof_without_the_error(c):
    output = clean(errors.PAIRS.fixed(c.stem).result())
    assert re.search(c.fixed_prints, output, re.M), f"{c.stem}_fixed.py did not print {c.fixed_prints!r}:\n{output}"
    assert c.error not in output, f"{c.stem}_fixed.py still shows {c.error!r}"
    assert not DEPRECATION.search(output), f"{c.stem}_fixed.py shows a deprecation:\n{output}"
