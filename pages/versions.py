"""The Tested versions page (docs/versions.md): the version matrix, rendered from
``pages/versions.json``, which ``make matrix`` (snippet_runner/matrix.py) writes.

Nothing runs here: the page shows what the matrix measured, set by set, with the date and the
machine. A run's id is where its page module declares it (``pages/checkpoints.py: best``); the
tables show one row per script, its runs merged (the worst of them counts).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from pages import nav_pages
from snippet_runner import matrix, runner

# Each error a script fails with in some set, by a pattern over "<script>: <error>", and the
# section of docs/versions.md that says what to change on that version.
CHANGES = {
    r"training-loop/clipping_\w+\.py: ImportError: cannot import name 'get_total_norm'": "get-total-norm",
    r"training-loop/fp16_pytorch\.py: AttributeError: module 'torch\.amp' has no attribute 'GradScaler'": "grad-scaler",
    r"parity/benchmark\.py: TypeError: seed_everything\(\) got an unexpected keyword argument 'verbose'": "seed-verbose",
    r"fabric/train_fabric\.py: AttributeError: 'Fabric' object has no attribute 'rank_zero_first'": "rank-zero-first",
    r"checkpoints/safe_loading\.py: AttributeError: 'NoneType' object has no attribute 'group'": "weights-only",
}
# The worst first: the status a script's row shows when its runs differ.
WORST_FIRST = ("failed", "not run", "different", "passed")
SHOWN_PACKAGES = ("torch", "torchvision", "pytorch-lightning", "lightning", "tensorboard", "numpy", "python")


def data() -> dict:
    return json.loads(matrix.DATA_FILE.read_text())


def set_names() -> list[str]:
    return [s.name for s in matrix.SETS if s.name in data()["sets"]]


def counts(runs: dict) -> Counter:
    return Counter(run["status"] for run in runs.values())


def tally(runs: dict) -> str:
    found = counts(runs)
    return " · ".join(f"{found[s]} {matrix.SYMBOL[s]}" for s in WORST_FIRST[::-1] if found[s])


def sets_table() -> str:
    """One row per set: its exact versions, when and where it was measured, what it got."""
    sets = data()["sets"]
    head = ["set", *SHOWN_PACKAGES, "measured", "runs"]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name in set_names():
        s = sets[name]
        cells = [f"**{name}**", *(s["versions"].get(p, "") for p in SHOWN_PACKAGES), s["date"], tally(s["runs"])]
        rows.append("| " + " | ".join(cells) + " |")
    machines = sorted({s["machine"] for s in sets.values()})
    where = (
        f"All sets were measured on the same machine: {machines[0]}."
        if len(machines) == 1
        else "Measured on: " + "; ".join(f"**{n}** on {sets[n]['machine']}" for n in set_names()) + "."
    )
    return "\n".join(rows) + "\n\n" + where + "\n"


def page_title(slug: str) -> str:
    text = (runner.ROOT / "docs" / f"{slug}.md").read_text()
    return next(line[2:] for line in text.splitlines() if line.startswith("# "))


def by_page() -> dict[str, dict[str, list[str]]]:
    """Page slug (the script's folder) -> script -> the ids of its runs, in the order of the nav
    and of declaration."""
    runs = data()["sets"]["pinned"]["runs"]
    found: dict[str, dict[str, list[str]]] = {}
    for where, run in runs.items():
        slug = Path(run["script"]).parent.name  # snippets/<page>/<script>.py
        found.setdefault(slug, {}).setdefault(run["script"], []).append(where)
    order = nav_pages()
    return dict(sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def worst(runs: list[dict]) -> dict:
    return min(runs, key=lambda run: WORST_FIRST.index(run["status"]))


def note(run: dict) -> str:
    """What a ✗, – or ≈ cell refers to, in words."""
    if run["status"] == "failed":
        return f"`{run['error']}`"
    if run["status"] == "not run":
        return f"not run: `{run['error']}`"
    d = run["difference"]
    if "largest" in d:
        what = f"numbers differ by up to {d['largest']:.1e}"
        if d.get("relative") is not None and d["relative"] <= 1:
            what += f" ({d['relative']:.0e} relative)"
    else:
        what = d["note"]
    shown = [f"`{d['line']}`" if d["line"] else "", f"(pinned: `{d['pinned_line']}`)" if d["pinned_line"] else ""]
    return f"{what}: {' '.join(part for part in shown if part)}"


def page_table(slug: str) -> tuple[str, bool]:
    """The page's scripts × sets, and whether a set that must pass has a failure in it."""
    sets = data()["sets"]
    names = set_names()
    notes: dict[str, int] = {}  # note -> its number
    where_noted: dict[int, list[str]] = {}
    rows = ["| script | " + " | ".join(names) + " |", "| --- |" + " :---: |" * len(names)]
    alarm = False
    for script, ids in by_page()[slug].items():
        cells = []
        for name in names:
            runs = [sets[name]["runs"][i] for i in ids if i in sets[name]["runs"]]
            if not runs:
                cells.append("")
                continue
            run = worst(runs)
            cell = matrix.SYMBOL[run["status"]]
            if run["status"] != "passed":
                number = notes.setdefault(note(run), len(notes) + 1)
                where_noted.setdefault(number, [])
                if name not in where_noted[number]:
                    where_noted[number].append(name)
                cell += f" ({number})"
                alarm |= run["status"] == "failed" and matrix.BY_NAME[name].must_pass
            if len(runs) > 1 and run["status"] != "passed":
                cell += f" {sum(r['status'] == run['status'] for r in runs)} of {len(runs)} runs"
            cells.append(cell)
        shown = Path(script).name + (f" ({len(ids)} runs)" if len(ids) > 1 else "")
        rows.append(f"| `{shown}` | " + " | ".join(cells) + " |")
    text = "\n".join(rows) + "\n"
    if notes:
        text += "\n" + "\n".join(f"{n}. {', '.join(where_noted[n])}: {what}" for what, n in notes.items()) + "\n"
    return text, alarm


def indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.split("\n"))


def details() -> str:
    """One folded block per page: its scripts × sets; open when a set that must pass fails."""
    blocks = []
    sets = data()["sets"]
    for slug, scripts in by_page().items():
        ids = [i for run_ids in scripts.values() for i in run_ids]
        summary = "; ".join(
            f"{name} {tally({i: sets[name]['runs'][i] for i in ids if i in sets[name]['runs']})}"
            for name in set_names()
        )
        table, alarm = page_table(slug)
        title = f"{page_title(slug)}: {len(scripts)} scripts, {len(ids)} runs ({summary})"
        intro = f"The scripts of [{page_title(slug)}]({slug}.md) (`snippets/{slug}/`)."
        blocks.append(f'???{"+" if alarm else ""} example "{title}"\n\n' + indent(intro + "\n\n" + table))
    return "\n\n".join(blocks) + "\n"


def count(name: str, status: str) -> int:
    """How many runs of a set ended with ``status`` (for the page's prose)."""
    return counts(data()["sets"][name]["runs"])[status]


def legend() -> str:
    """What the symbols mean, with the tolerance the matrix compares numbers within."""
    tolerance = f"|a − b| ≤ {matrix.ABS_TOLERANCE:g} + {matrix.REL_TOLERANCE:g} × |b|"
    return (
        "\n".join(
            [
                f"- **{matrix.SYMBOL['passed']}**: the script ended as on its page and printed the same numbers as in "
                "the pinned set: every number with four or more decimals (losses, differences), within "
                f"{tolerance}, where b is the pinned set's.",
                f"- **{matrix.SYMBOL['different']}**: it ended as on its page, but printed other numbers or other "
                "lines, or ended with another error message. The note gives the largest difference and the line.",
                f"- **{matrix.SYMBOL['failed']}**: it failed. The note gives the last line of its error.",
                f"- **{matrix.SYMBOL['not run']}**: it did not run, because a script it starts from failed.",
            ]
        )
        + "\n"
    )


def change_for(script: str, error: str) -> str | None:
    """The anchor of the section that says what to change for this failure, if there is one."""
    return next((anchor for pattern, anchor in CHANGES.items() if re.search(pattern, f"{script}: {error}")), None)


def failures() -> dict[tuple[str, str], dict[str, list[str]]]:
    """(script, error) -> set name -> the ids of the runs that failed so, over every set."""
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for name in set_names():
        for where, run in data()["sets"][name]["runs"].items():
            if run["status"] == "failed":
                found.setdefault((run["script"], run["error"]), {}).setdefault(name, []).append(where)
    return found


def changes_table() -> str:
    """Every error a script failed with, where, and the section that says what to change."""
    rows = ["| script | fails in | with | what to change |", "| --- | --- | --- | --- |"]
    for (script, error), where in failures().items():
        anchor = change_for(script, error)
        change = f"[below](#{anchor})" if anchor else "(not described yet)"
        rows.append(f"| `{Path(script).name}` | {', '.join(where)} | `{error}` | {change} |")
    return "\n".join(rows) + "\n"
