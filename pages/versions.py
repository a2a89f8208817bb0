"""The Tested versions page (docs/versions.md): the version matrix, rendered from
``pages/versions.json``, which ``make matrix`` (snippet_runner/matrix.py) writes.

Nothing runs here: the page shows what the matrix measured, set by set, with the date and the
machine. A run's id is where its page module declares it (``pages/checkpoints.py: best``); the
tables show one row per script, its runs merged (the worst of them counts).

A set that records how each run ended instead of comparing it (``compares=False``: the
lightning-1.9 set, which runs the upgrade page's old forms on the last 1.x release) has a section
of its own (``endings_section``); a page reads a run's record there with ``record(set_name, run)``.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from pages import nav_pages
from snippet_runner import matrix, runner
from snippet_runner.runner import Run

# Each error a script fails with in some set, by a pattern over "<script>: <error>", and the
# section of docs/versions.md that says what to change on that version.
CHANGES = {
    r"(training-loop/clipping|manual-optimization/gan)_\w+\.py: ImportError: cannot import name 'get_total_norm'": (
        "get-total-norm"
    ),
    r"upgrade/clip_manual_fixed\.py: AttributeError: module 'torch\.nn\.utils' has no attribute 'get_total_norm'": (
        "get-total-norm"
    ),
    r"upgrade/load_on_instance\.py: ran without an error": "load-on-instance",
    r"training-loop/fp16_pytorch\.py: AttributeError: module 'torch\.amp' has no attribute 'GradScaler'": "grad-scaler",
    r"(parity/benchmark|tuner/try_lrs)\.py: TypeError: seed_everything\(\) got an unexpected keyword argument 'verbose'": (
        "seed-verbose"
    ),
    r"loggers/loggers_\w+\.py: ModuleNotFoundError: No module named '(mlflow|wandb)'": "loggers-lightning-2-0",
    r"compile-export/compile_\w+\.py: (CppCompileError|RuntimeError: Python 3\.11\+ not yet supported)": "compile",
    r"progress-bars/bar_lightning\.py: TypeError: TQDMProgressBar\.__init__\(\) got an unexpected keyword argument 'leave'": (
        "tqdm-leave"
    ),
    r"fabric/train_fabric\.py: AttributeError: 'Fabric' object has no attribute 'rank_zero_first'": "rank-zero-first",
    r"checkpoints/safe_loading\.py: AttributeError: 'NoneType' object has no attribute 'group'": "weights-only",
}
# The worst first: the status a script's row shows when its runs differ.
WORST_FIRST = ("failed", "not run", "different", "passed")
SHOWN_PACKAGES = ("torch", "torchvision", "pytorch-lightning", "lightning", "tensorboard", "numpy", "python")


def data() -> dict:
    return json.loads(matrix.DATA_FILE.read_text())


def set_names() -> list[str]:
    """The measured sets that compare every run with the pinned set, in declared order."""
    return [s.name for s in matrix.SETS if s.compares and s.name in data()["sets"]]


def ending_set_names() -> list[str]:
    """The measured sets that record how each run of some pages ended (lightning-1.9)."""
    return [s.name for s in matrix.SETS if not s.compares and s.name in data()["sets"]]


def run_id(run: Run) -> str | None:
    """Where a page module declares ``run``: "pages/<page>.py: <name>", the id the version matrix
    records it under (as ``snippet_runner.discovery.declared_runs`` names it), found among the
    page modules imported now (a build's, or a test's); None for a ``Run`` of a module imported
    before them (a test module keeps the page modules it imported; a build imports them anew)."""
    from snippet_runner import discovery, mkdocs_hooks

    where = mkdocs_hooks.declared.get(run)
    if where is None:
        modules = sorted(
            (module for name, module in list(sys.modules.items()) if name.startswith("pages.") and module),
            key=lambda module: module.__name__,
        )
        where = discovery.declared_runs(modules).get(run)
    return where


def record(set_name: str, run: Run | str) -> dict | None:
    """A run's record in a set of ``pages/versions.json``, or None where the file has none: the set
    was not measured, or the run was declared since it was. ``run``: the declared ``Run``, or its
    id (``run_id``). Never a guess: a page says "not run on <version> yet" for None.

    In a set that records how each run ended (lightning-1.9), a ``Run`` finds no record either
    when its script, the modules it imports, its arguments or its environment changed since the
    set ran it (``source``, ``matrix.source_digest``), and a ``Run`` object from an older import
    of its page module is found by those. The record: ``status`` "worked" (exit code 0) or
    "raised" (another; "failed": it timed out or could not run; "not run": a run it starts from
    failed), ``returncode`` (the exit code it gave there; only for "worked" and "raised"),
    ``error`` (the last line of its error; absent when it worked), ``last_lines`` (its last
    lines of output, cleaned as a page shows them, blank lines left out, at most
    ``matrix.LAST_LINES``), ``script``, ``args``. In a set that compares: ``status`` and the rest
    of what this page shows."""
    runs = data()["sets"].get(set_name, {}).get("runs", {})
    if isinstance(run, str):
        return runs.get(run)
    if not runs:
        return None
    where = run_id(run)
    compares = set_name not in matrix.BY_NAME or matrix.BY_NAME[set_name].compares
    if compares:
        if where is None:
            raise ValueError(f"{run!r}: not declared by a page module imported now")
        return runs.get(where)
    digest = matrix.source_digest(run)
    if where is not None:
        found = runs.get(where)
        return found if found is not None and found.get("source") == digest else None
    return next((r for r in runs.values() if r["script"] == run.script and r.get("source") == digest), None)


def version(set_name: str, package: str) -> str:
    """The version of ``package`` a set ran with ("1.9.5"), or, before it was measured, the one it
    declares."""
    measured = data()["sets"].get(set_name, {}).get("versions", {})
    if package in measured:
        return measured[package]
    wanted = dict(r.split("==") for r in matrix.BY_NAME[set_name].requirements or () if "==" in r)
    return wanted.get(package) or matrix.pinned_requirements()[package]


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
    machines = sorted({sets[n]["machine"] for n in set_names()})
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


def gpu_section() -> str:
    """The GPU set: what it ran on and what differs from the CPU, or that it was not measured;
    a run declared since it was measured shows as not run on a GPU yet."""
    gpu_sets = [s for s in matrix.SETS if s.gpu]
    parts = []
    for version_set in gpu_sets:
        measured = data()["sets"].get(version_set.name)
        if measured is None:
            parts.append(
                f"**Not measured on a GPU.** The **{version_set.name}** set ({version_set.title.lower()}) runs "
                "every script of the site on a CUDA GPU with `make matrix`, on a machine where torch sees one. "
                "No such machine has been available to this project yet, so every set on this page ran on a "
                "CPU, and what this site says about GPUs is what the libraries document and their source does, "
                "not something measured here."
            )
            continue
        runs = measured["runs"]
        declared = data()["sets"]["pinned"]["runs"]
        missing = [where for where in declared if where not in runs]
        different = {where: run for where, run in runs.items() if run["status"] == "different"}
        text = (
            f"The **{version_set.name}** set ran on {measured['machine']}, on {measured['date']}: "
            f"{tally(runs)}. It is in the tables above; what differs from the CPU:"
        )
        lines = [f"- `{where}`: {note(run)}" for where, run in different.items()] or ["- nothing: the same numbers"]
        if missing:
            names = ", ".join(f"`{where}`" for where in missing)
            lines.append(f"- not run on a GPU yet (declared since): {names}")
        parts.append(text + "\n\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


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


# --- a set that records how each run ended (lightning-1.9) --------------------------------------

ENDING_WORDS = {"worked": "worked", "raised": "raised", "failed": "did not end", "not run": "not run"}


def code(text: str) -> str:
    """``text`` as inline code, whatever backticks it holds (an error message may quote a name)."""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def page_link(slug: str) -> str:
    """A link to a page of the site by its title, or its slug in code while it has no page yet."""
    return f"[{page_title(slug)}]({slug}.md)" if (runner.ROOT / "docs" / f"{slug}.md").exists() else f"`{slug}`"


def endings_section(name: str) -> str:
    """A set that records endings: its versions, when and where it ran, and each run's ending."""
    s = data()["sets"][name]
    version_set = matrix.BY_NAME[name]
    shown = [p for p in SHOWN_PACKAGES if s["versions"].get(p, "not installed") != "not installed"]
    absent = [p for p in SHOWN_PACKAGES if p not in shown]
    head = ["set", *shown, "measured", "runs"]
    found = Counter(run["status"] for run in s["runs"].values())
    runs = ", ".join(f"{found[status]} {ENDING_WORDS[status]}" for status in matrix.ENDINGS if found[status])
    cells = [f"**{name}**", *(s["versions"][p] for p in shown), s["date"], runs or "none"]
    parts = [
        "\n".join(["| " + " | ".join(head) + " |", "|" + " --- |" * len(head), "| " + " | ".join(cells) + " |"]),
        f"{s['title']}, measured on {s['machine']}."
        + (f" Not installed: {', '.join(f'`{p}`' for p in absent)}." if absent else ""),
    ]
    slugs = [page.replace("_", "-") for page in version_set.pages or ()]
    release = f"Lightning {s['versions'].get('pytorch-lightning', '')}"
    rows = [f"| script | on {release} | how it ended |", "| --- | --- | --- |"]
    for run in s["runs"].values():
        script = Path(run["script"]).name + (f" {run['args']}" if run.get("args") else "")
        ended = {
            "worked": "exit code 0",
            "raised": f"exit code {run.get('returncode')}: {code(run.get('error', ''))}",
        }.get(run["status"], code(run.get("error", "")))
        rows.append(f"| {code(script)} | {ENDING_WORDS[run['status']]} | {ended} |")
    pages = ", ".join(page_link(slug) for slug in slugs) or "every page"
    if not s["runs"]:
        parts.append(f"No run of {pages} was measured in this set yet.")
        return "\n\n".join(parts) + "\n"
    intro = f"The runs of {pages}, in the order declared."
    title = f"{name}: {len(s['runs'])} runs ({runs})"
    parts.append(f'??? example "{title}"\n\n' + indent(intro + "\n\n" + "\n".join(rows)))
    return "\n\n".join(parts) + "\n"


def endings() -> str:
    """Every set that records endings, one after another (``endings_section``)."""
    return "\n".join(endings_section(name) for name in ending_set_names()) or "(not measured yet)\n"
