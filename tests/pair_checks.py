"""What every pair page's tests check (Upgrade from Lightning 1.x, Errors you may meet): the old or
wrong form ends with the words its entry quotes, and the fix runs and prints what proves it."""

from __future__ import annotations

import re

from snippet_runner import clean
from snippet_runner.pairs import Change, Pairs, exception_lines

DEPRECATION = re.compile(r"\b\w*DeprecationWarning\b|\bFutureWarning\b")


def old_form_ends_as_said(pairs: Pairs, c: Change) -> None:
    run = pairs.old(c.stem)
    if c.old_fails:
        found = exception_lines(run)
        assert found, f"{c.stem}.py ended without an exception line"
        # Under DDP either process may print the last traceback; torch marks a worker's "[rank1]: ".
        last = re.sub(r"^\[rank\d+\]: ", "", found[-1])
        assert last.startswith(c.error), f"{c.stem}.py ended with {found[-1]!r}"
    else:
        assert c.error in clean(run.result()), f"{c.stem}.py did not print {c.error!r}"


def fix_runs_and_proves_itself(pairs: Pairs, c: Change) -> str:
    """The fixed form printed its proof, neither the old form's error nor a deprecation; its output."""
    output = clean(pairs.fixed(c.stem).result())
    assert re.search(c.fixed_prints, output, re.M), f"{c.stem}_fixed.py did not print {c.fixed_prints!r}:\n{output}"
    if c.old_fails or pairs.warned(c):  # (an old form that runs silently may print the same lines)
        assert c.error not in output, f"{c.stem}_fixed.py still shows {c.error!r}"
    assert not DEPRECATION.search(output), f"{c.stem}_fixed.py shows a deprecation:\n{output}"
    return output
