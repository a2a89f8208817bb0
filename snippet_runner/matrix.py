"""The version matrix (``make matrix``): every declared run of the site, in each version set below.

For each set, a throw-away virtual environment with exactly that set's versions from the package
registry (``.cache/matrix/<set>/venv``; the pinned set uses the project's own ``.venv``), in which
the site's own runner runs every declared run, with a run cache of its own
(``.cache/matrix/<set>/runs``; the pinned set shares the build's). What each run did goes to
``pages/versions.json``, which the "Tested versions" page (``pages/versions.py``) renders:

- ``passed``: it ended as declared (exit 0, or the declared error) and printed the same numbers
  as in the pinned set, within the tolerance below;
- ``different``: it ended as declared but printed other numbers (or other numbered lines);
- ``failed``: it did not end as declared; ``error`` is the last line of its error;
- ``not run``: a run it starts from failed.

A set may cover only the runs of some page modules (``pages``), and may record how each run
ended instead of comparing it with the pinned set (``compares=False``): the lightning-1.9 set runs
the old forms of the "Upgrade from Lightning 1.x" page on the last 1.x release, where they are
expected to work, and records for each run its exit code, the last line of its error and its last
lines of output: ``worked`` (exit code 0), ``raised`` (another exit code), or ``failed`` (timed
out, or could not be run) and ``not run`` as above (``ENDINGS``). The page reads a run's record
with ``pages.versions.record("lightning-1.9", run)``.

Resumable: a venv is kept while its installed versions are the set's, the runner's cache keeps
every run that ended as declared, and a failure is recorded under the run's cache key, so a
rerun runs only what changed. ``pages/versions.json`` is rewritten as each set finishes.

    python -m snippet_runner.matrix                  # every set
    python -m snippet_runner.matrix --sets newest    # the canary: the newest releases only
    python -m snippet_runner.matrix --sets lightning-1.9   # the upgrade page's old forms on 1.9.5

Exits with 1 when a run fails in a set that must pass (the pinned set and the newest releases).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # settings.REPOSITORY (not imported here: a set's venv runs this file)
DATA_FILE = ROOT / "pages" / "versions.json"
# The libraries a set pins (the run cache's key covers their versions: see runner.VERSIONED_PACKAGES).
PACKAGES = ("torch", "torchvision", "pytorch-lightning", "lightning", "tensorboard", "numpy")
# What the site's own machinery needs beside them to run the declared runs (page modules draw
# tables, a test builds the site), and what scripts import beside the set's libraries (LightningCLI needs jsonargparse; a notebook cell runs in a kernel through nbclient and
# ipykernel), at the versions requirements.txt pins.
SUPPORT = ("mkdocs", "nbformat", "jsonargparse[signatures]", "nbclient", "ipykernel")
# What some pages' scripts import beside those (the loggers page: MLflow and W&B; the compile and
# export page: ONNX and ONNX Runtime), at the pinned versions, in every set.
SCRIPT_SUPPORT = ("mlflow-skinny", "wandb", "onnx", "onnxscript", "onnxruntime")


@dataclass(frozen=True)
class VersionSet:
    name: str
    title: str
    # pip requirements; None for the pinned set (requirements.txt, the project's .venv).
    requirements: tuple[str, ...] | None
    must_pass: bool = False  # a failure here fails `make matrix` (and the canary)
    # The page modules whose declared runs it runs ("upgrade": pages/upgrade.py); None: every page.
    pages: tuple[str, ...] | None = None
    # True: each run is compared with the pinned set (STATUSES); False: how each run ended is
    # recorded, whatever its declared exit code (ENDINGS).
    compares: bool = True
    # Runs on a GPU: measured only where torch sees one (``make matrix`` elsewhere keeps its last
    # record, or none), with a run cache of its own (the cache key does not cover the device).
    gpu: bool = False
    # Whether the libraries some scripts import (SCRIPT_SUPPORT) go into the set's venv.
    script_support: bool = True

    def covers(self, where: str) -> bool:
        """Whether the set runs the run declared at ``where`` ("pages/<module>.py: <name>")."""
        return self.pages is None or any(where.startswith(f"pages/{page}.py: ") for page in self.pages)


SETS = (
    VersionSet("pinned", "The site's pinned versions (requirements.txt)", None, must_pass=True),
    # The pinned versions on a machine with a CUDA GPU: accelerator="auto" and the PyTorch tabs'
    # device code pick the GPU there. Every script must run; its numbers may differ from the CPU's.
    VersionSet("gpu", "The site's pinned versions on a GPU", None, must_pass=True, gpu=True),
    # Unpinned: each `make matrix` resolves the newest releases on the registry and installs those.
    VersionSet("newest", "The newest releases", PACKAGES, must_pass=True),
    # The last release of a Lightning 2.x minor, with a torch, torchvision, TensorBoard and NumPy
    # of its time. torch 2.2.2 and older were built against NumPy 1.x (beside NumPy 2, torch 2.2.2
    # fails with "RuntimeError: Numpy is not available").
    VersionSet(
        "lightning-2.4",
        "Lightning 2.4 (August 2024)",
        (
            "torch==2.4.1",
            "torchvision==0.19.1",
            "pytorch-lightning==2.4.0",
            "lightning==2.4.0",
            "tensorboard==2.17.1",
            "numpy==2.0.2",
        ),
    ),
    VersionSet(
        "lightning-2.2",
        "Lightning 2.2 (May 2024)",
        (
            "torch==2.2.2",
            "torchvision==0.17.2",
            "pytorch-lightning==2.2.5",
            "lightning==2.2.5",
            "tensorboard==2.16.2",
            "numpy==1.26.4",
        ),
    ),
    VersionSet(
        "lightning-2.0",
        "Lightning 2.0 (September 2023)",
        (
            "torch==2.0.1",
            "torchvision==0.15.2",
            "pytorch-lightning==2.0.9.post0",
            "lightning==2.0.9.post0",
            "tensorboard==2.14.1",
            "numpy==1.24.4",
        ),
        # Without them: W&B does not install beside Lightning 2.0.9, and MLflow 3.18 does but fails
        # to import with the pydantic there, which breaks `import pytorch_lightning` itself (it
        # imports mlflow to see whether it is there). The scripts that use them fail here instead.
        script_support=False,
    ),
    # The last 1.x release, for the old forms of the "Upgrade from Lightning 1.x" page only: what
    # each did there, from a real run. No `lightning` package: 1.9's is the Lightning App, with
    # dozens of dependencies of its own; the old forms import `pytorch_lightning`.
    VersionSet(
        "lightning-1.9",
        "Lightning 1.9.5, the last 1.x (March 2023)",
        (
            "torch==2.0.1",
            "torchvision==0.15.2",
            "pytorch-lightning==1.9.5",
            "tensorboard==2.14.1",
            "numpy==1.24.4",
        ),
        pages=("upgrade",),
        compares=False,
    ),
)
BY_NAME = {s.name: s for s in SETS}
STATUSES = ("passed", "different", "failed", "not run")
SYMBOL = {"passed": "✓", "different": "≈", "failed": "✗", "not run": "–"}
# The statuses of a set that records how each run ended (compares=False).
ENDINGS = ("worked", "raised", "failed", "not run")
LAST_LINES = 8  # how many of its last lines of output (cleaned, not blank) a run's ending keeps
EXIT_CODE = re.compile(r" exited with code (-?\d+)\b")

# Which numbers are compared with the pinned set's: those with 4 or more decimals (losses,
# differences) on the lines a run printed, as tests/test_notebooks.py compares them, less the
# lines that measure time (the profiler's table). Lines printed by several processes at once are
# put in a fixed order first; process ids are not numbers of the run.
NUMBER = re.compile(r"-?\d\.\d{4,}(?:e[-+]\d\d)?|-?\d\.\de[-+]\d\d")
DECIMAL = re.compile(r"-?\d+\.\d+(?:e[-+]\d+)?|-?\d\.?\de[-+]\d+")
TIMING = re.compile(r"^\s*\|")  # a row of the profiler's table (run times)
SECONDS = re.compile(r"\(?\b\d+(?:\.\d+)? ?s\b\)?")  # "(0.41 s)": how long an epoch took
PID = re.compile(r"\bpid \d+")
# Same number: |a - b| <= ABS_TOLERANCE + REL_TOLERANCE * |b| (b: the pinned set's).
REL_TOLERANCE = 1e-3
ABS_TOLERANCE = 1e-6
EXCEPTION = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b.*)$")


# ---------------------------------------------------------------------------------------------
# Comparing what a run printed


def numbered_lines(text: str) -> list[str]:
    """The lines of a cleaned output that print numbers to compare, in a fixed order."""
    lines = [SECONDS.sub("", PID.sub("pid", line)).strip() for line in text.splitlines()]
    lines = [line for line in lines if NUMBER.search(line) and not TIMING.search(line)]
    return sorted(lines, key=shape)  # stable: lines of one shape keep their order


def shape(line: str) -> str:
    """A line without its numbers with decimals and its punctuation (a table's borders differ
    between versions); whole numbers (steps, epochs, counts) stay."""
    return re.sub(r"[^A-Za-z0-9#_=]+", " ", DECIMAL.sub("#", line)).strip()


def same_shape(line: str, pinned: str) -> bool:
    """The same line, but for its numbers; or with more after it, where the print of a process
    running beside it landed on the same line (DDP runs: which process prints first varies)."""
    a, b = shape(line), shape(pinned)
    if a == b:
        return True
    glued = a.startswith(b) or b.startswith(a)
    return glued and len(NUMBER.findall(line)) == len(NUMBER.findall(pinned))  # what was glued on has none


def compare(lines: list[str], pinned: list[str]) -> dict | None:
    """None when ``lines`` print the pinned lines' numbers within the tolerance; else what differs."""
    if len(lines) != len(pinned) or not all(same_shape(a, b) for a, b in zip(lines, pinned)):
        ours = [line for line in lines if not any(same_shape(line, p) for p in pinned)]
        theirs = [line for line in pinned if not any(same_shape(o, line) for o in lines)]
        counted = (
            "" if len(lines) == len(pinned) else f" ({len(lines)} lines with numbers, the pinned set {len(pinned)})"
        )
        return {
            "note": f"printed other lines{counted}",
            "line": ours[0] if ours else "",
            "pinned_line": theirs[0] if theirs else "",
        }
    worst = None
    for line, old in zip(lines, pinned):
        for a, b in zip(map(float, NUMBER.findall(line)), map(float, NUMBER.findall(old))):
            difference = abs(a - b)
            if difference > ABS_TOLERANCE + REL_TOLERANCE * abs(b) and (worst is None or difference > worst[0]):
                worst = (difference, line, old, b)
    if worst is None:
        return None
    difference, line, old, b = worst
    return {
        "largest": float(f"{difference:.2g}"),
        "relative": float(f"{difference / abs(b):.2g}") if b else None,
        "line": line,
        "pinned_line": old,
    }


# ---------------------------------------------------------------------------------------------
# Inside a set's venv: run every declared run, write what each did


def last_error_line(message: str) -> str:
    """The line that says what went wrong: the last exception line, else the last line."""
    lines = [line.rstrip() for line in message.splitlines() if line.strip()]
    for line in reversed(lines):
        found = EXCEPTION.match(line)
        if found and not found.group(1).endswith("Warning") and "Warning:" not in found.group(1):
            return found.group(1)
    return lines[-1].strip() if lines else ""


def tidy(text: str, extra: tuple[str, ...] = ()) -> str:
    """Paths of this machine out of an error line."""
    import sysconfig

    text = re.sub(r"\S*/\.[0-9a-f]{24}\.[^/\s]+/work/?", "", text)  # a run's scratch folder
    for old, new in [(sysconfig.get_paths()["purelib"] + "/", "site-packages/"), (str(ROOT) + "/", "")]:
        text = text.replace(old, new)
    for old in extra:
        text = text.replace(old, "")
    return text


def measure(out: Path, previous: Path | None, version_set: VersionSet, only: set[str] | None = None) -> None:
    """Run every run of the set's pages here (this interpreter's versions) and write ``out``. A
    run that fails is run once more, alone, before its failure counts (on a busy machine a DDP
    run can lose a race or its time limit)."""
    from snippet_runner import runner

    started = time.perf_counter()
    # A failure recorded under the same cache key (same script, data, versions) fails again; in a
    # set that records endings, any ending recorded under it is the same again.
    known: dict[str, dict] = {}
    if previous is not None and previous.exists():
        known = {r["key"]: r for r in json.loads(previous.read_text())["runs"].values() if r.get("key")}
    runs = measure_pass(known, only=only, workers=None, version_set=version_set)
    again = {where for where, r in runs.items() if r["status"] in ("failed", "not run") and not r.get("recorded")}
    if again:
        print(f"{len(again)} runs failed or were not run: once more, one at a time", flush=True)
        runs.update(measure_pass(known, only=again, workers=1, version_set=version_set))
    for record in runs.values():
        record.pop("recorded", None)
    payload = {
        "versions": runner.versions(),
        "machine": machine(gpu=version_set.gpu),
        "date": datetime.date.today().isoformat(),
        "seconds": round(time.perf_counter() - started),
        "runs": runs,
    }
    out.write_text(json.dumps(payload, indent=1, ensure_ascii=False))


def measure_pass(
    known: dict[str, dict], only: set[str] | None, workers: int | None, version_set: VersionSet
) -> dict[str, dict]:
    """One pass over the set's declared runs (``only`` those ids, when given), with fresh ``Run``
    objects (a ``Run`` remembers its failure); returns a record per run id."""
    from snippet_runner import runner, schedule
    from snippet_runner.discovery import declared_runs, page_modules
    from snippet_runner.output import clean

    declared = {
        run: where
        for run, where in declared_runs(page_modules()).items()
        if version_set.covers(where) and (only is None or where in only)
    }
    records: dict[object, dict] = {}
    skipped: set = set()
    for run in schedule.with_earlier(declared):
        if any(e in skipped for e in run.earlier):
            skipped.add(run)
            continue
        if any(callable(a) for a in run.args):
            continue  # its key needs an earlier run's output: left to run_all
        record = known.get(run.key())
        if record is not None and record["status"] == "failed":
            records[run] = dict(record, recorded=True)
            skipped.add(run)
        elif record is not None and not version_set.compares and record["status"] in ("worked", "raised"):
            records[run] = dict(record, recorded=True)  # its ending, as it was; runs after it may need its files
    todo = [run for run in declared if run not in skipped and run not in records]
    if skipped:
        print(f"{len(skipped)} runs not run: a failure is recorded under their cache key, or before them", flush=True)
    if len(records) > len(skipped):
        print(f"{len(records) - len(skipped)} runs not run: their ending is recorded under their cache key", flush=True)
    summary = schedule.run_all(todo, workers=workers, report=lambda line: print(line, flush=True))
    failed = {run for run, _ in summary.failed}

    runs = {}
    for run, where in declared.items():
        record = records.get(run)
        if record is None:
            record = {"script": run.script, "returncode": run.returncode}
            failed_before = [e for e in schedule.with_earlier(run.earlier) if e in skipped or e in failed]
            result = None
            if failed_before:
                record.update(status="not run", error=f"{failed_before[0].script} failed")
                record["recorded"] = all(e in skipped for e in failed_before)  # nothing to try again
            else:
                try:
                    result = run.compute()
                except runner.SnippetError as error:
                    message = str(error)
                    first = message.splitlines()[0] if message else ""
                    code = EXIT_CODE.search(first)
                    if not version_set.compares and code:
                        # Not the declared exit code: what it did is what this set records. The same
                        # run, declared with the code it gave, is run again for its whole output.
                        record = ending(run, dataclasses.replace(run, returncode=int(code.group(1))))
                        runs[where] = dict(record, args=" ".join(_shown_args(run)), source=source_digest(run))
                        continue
                    if "exited with code 0 (expected" in first:
                        line = "ran without an error: exit code 0, the declared one is " + str(run.returncode)
                    elif " timed out after " in first:
                        line = first.partition(": ")[2] if first.startswith("docs/") else first
                    else:
                        line = last_error_line(message)
                    record.update(status="failed", error=tidy(line), key=run.key() if _has_key(run) else "")
                    record["tail"] = tidy(message)  # kept in .cache/matrix/<set>/results.json only
            if result is not None and not version_set.compares:
                record = ending(run, run)
            elif result is not None:
                text = clean(result)
                record.update(
                    status="passed",
                    key=run.key(),
                    lines=numbered_lines(text),
                    error=tidy(last_error_line(text)) if run.returncode else "",
                    seconds=round(result.seconds, 1),
                )
        record["args"] = " ".join(_shown_args(run))
        if not version_set.compares:
            record.setdefault("source", source_digest(run))
        runs[where] = record
    return runs


def ending(declared, ran) -> dict:
    """How a run ended (a set that records endings): ``ran`` is the declared run, or the same run
    declared with the exit code it gave; the record goes under the declared run's cache key."""
    from snippet_runner import runner
    from snippet_runner.output import clean

    record = {"script": declared.script, "key": declared.key()}
    try:
        result = ran.compute()
    except runner.SnippetError as error:  # timed out, or ended otherwise the second time
        message = str(error)
        return dict(record, status="failed", error=tidy(last_error_line(message)), tail=tidy(message))
    text = clean(result)
    code = ran.returncode
    return dict(
        record,
        status="raised" if code else "worked",
        returncode=code,  # the exit code it gave here (the declared one is the pinned set's)
        error=tidy(last_error_line(text)) if code else "",
        last_lines=[tidy(line) for line in text.splitlines() if line.strip()][-LAST_LINES:],
        seconds=round(result.seconds, 1),
    )


def source_digest(run) -> str:
    """What the run runs, less the versions it runs with and its declared exit code: its script,
    the modules beside it that it imports, the files it uses, its arguments and environment. A
    recorded ending holds it, so that a page can tell an ending of the script as it is now from
    one of an older version of it (``pages.versions.record``)."""
    from snippet_runner import runner

    path, _ = runner.resolve(run.script)
    files = [path, *runner.local_imports(path), *(runner.resolve(u)[0] for u in run.uses)]
    digest = hashlib.sha256()
    for file in files:
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    digest.update(json.dumps([_shown_args(run), dict(run.env)], sort_keys=True).encode())
    return digest.hexdigest()[:24]


def _has_key(run) -> bool:
    try:
        run.key()
    except Exception:  # an argument read from an earlier run's output that failed
        return False
    return True


def _shown_args(run) -> list[str]:
    shown = []
    for arg in run.args:
        if callable(arg):
            try:
                shown.append(str(arg()))
            except Exception:
                shown.append("<from an earlier run>")
        else:
            shown.append(str(arg))
    return shown


def machine(gpu: bool = False) -> str:
    """What a set was measured on, in words: for a GPU set, the GPU, its driver and the CUDA
    version torch was built with."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    where = "GitHub Actions, " if os.environ.get("GITHUB_ACTIONS") == "true" else ""
    host = f"{where}{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores"
    if not gpu:
        return f"{host}, CPU only"
    import torch

    try:
        driver = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True
        ).stdout.split()[0]
    except (OSError, IndexError):
        driver = "unknown"
    return f"{host}, {torch.cuda.get_device_name(0)} (driver {driver}, torch built for CUDA {torch.version.cuda})"


# ---------------------------------------------------------------------------------------------
# Outside: the venvs, the data file, the table


def matrix_dir() -> Path:
    from snippet_runner import settings

    return settings.matrix_dir()


def pinned_requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[name.lower()] = version
    return pins


def pip_environment() -> dict[str, str]:
    # This machine's pip configuration may cap torch (a global constraint file): a set asks for
    # exactly the versions it names, so no constraint applies.
    return {**os.environ, "PIP_CONSTRAINT": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def resolve(requirements: tuple[str, ...]) -> list[str]:
    """Exact ``name==version`` requirements: the newest versions pip would install for these."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed"]
            + ["--report", str(report), *requirements],
            check=True,
            env=pip_environment(),
        )
        installs = json.loads(report.read_text())["install"]
    found = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}
    return [f"{name}=={found[name]}" for name in PACKAGES]


def installed(python: Path | str) -> dict[str, str]:
    program = (
        "import json, sys\nfrom importlib import metadata\nfound = {}\n"
        f"for name in {PACKAGES!r}:\n"
        "    try:\n        found[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n        found[name] = None\n"
        "print(json.dumps(found))"
    )
    try:
        done = subprocess.run([str(python), "-c", program], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return {}
    return json.loads(done.stdout)


def venv_for(version_set: VersionSet) -> Path:
    """The interpreter of the set's venv, made (or remade) unless it holds exactly the set's versions."""
    if version_set.requirements is None:
        pins = pinned_requirements()
        have = installed(sys.executable)
        wrong = {n: have.get(n) for n in PACKAGES if n in pins and have.get(n) != pins[n]}
        if wrong:
            raise SystemExit(
                f"the pinned set runs in this interpreter ({sys.executable}), which has {wrong}: run `make setup`"
            )
        return Path(sys.executable)
    wanted = version_set.requirements
    if any("==" not in r for r in wanted):
        wanted = tuple(resolve(wanted))
        print(f"[{version_set.name}] the newest releases now: {' '.join(wanted)}", flush=True)
    folder = matrix_dir() / version_set.name / "venv"
    python = folder / "bin" / "python"
    exact = {r.partition("==")[0].lower(): r.partition("==")[2] for r in wanted}
    pins = pinned_requirements()
    if installed(python) == {n: exact.get(n) for n in PACKAGES}:
        print(f"[{version_set.name}] venv kept: {folder}", flush=True)
    else:
        print(f"[{version_set.name}] installing {' '.join(wanted)} into {folder}", flush=True)
        started = time.perf_counter()
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        support = [f"{name}=={pins[name]}" for name in SUPPORT]
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", *wanted, *support],
            check=True,
            env=pip_environment(),
        )
        got = installed(python)
        if got != {n: exact.get(n) for n in PACKAGES}:
            raise SystemExit(f"[{version_set.name}] pip installed {got}, not {exact}")
        print(f"[{version_set.name}] installed in {time.perf_counter() - started:.0f} s", flush=True)
    # Each library some scripts import, on its own: where pip finds none that fits the set's
    # versions, the set goes without it, and the scripts that import it fail there (and say so).
    for requirement in [f"{name}=={pins[name]}" for name in SCRIPT_SUPPORT if version_set.script_support]:
        if not _lacks(python, requirement):
            continue
        added = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", *wanted, requirement],
            env=pip_environment(),
            capture_output=True,
            text=True,
        )
        if added.returncode != 0 or installed(python) != {n: exact.get(n) for n in PACKAGES}:
            print(f"[{version_set.name}] {requirement} does not fit these versions: left out", flush=True)
    if installed(python) != {n: exact.get(n) for n in PACKAGES}:
        raise SystemExit(f"[{version_set.name}] installing the scripts' libraries changed the set's versions")
    return python


def _lacks(python: Path, requirement: str) -> bool:
    """Whether the venv of ``python`` lacks this ``name==version``."""
    name, _, version = requirement.partition("==")
    probe = f"from importlib import metadata; print(metadata.version({name.partition('[')[0]!r}))"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return found.returncode != 0 or found.stdout.strip() != version


def has_gpu(python: Path) -> bool:
    """Whether torch in that interpreter sees a CUDA GPU."""
    program = "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"
    return subprocess.run([str(python), "-c", program], capture_output=True).returncode == 0


def run_set(version_set: VersionSet, again: bool, only: list[str] | None = None) -> dict | None:
    """Measure one set in its venv (``only`` those run ids, when given); returns what it wrote, or
    None for a GPU set on a machine without a GPU (nothing measured)."""
    python = venv_for(version_set)
    if version_set.gpu and not has_gpu(python):
        return None
    folder = matrix_dir() / version_set.name
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "results.json"
    env = dict(os.environ)
    env.setdefault("SNIPPET_DATA_DIR", str(ROOT / "data"))  # settings.DATA_DIR, for the set's own interpreter
    if version_set.requirements is not None or version_set.gpu:
        env["SNIPPET_CACHE_DIR"] = str(folder / "runs")  # the pinned set shares the build's cache
    command = [str(python), "-m", "snippet_runner.matrix", "--measure", str(out), "--set", version_set.name]
    if only is not None:
        (folder / "only.json").write_text(json.dumps(only))
        command += ["--only", str(folder / "only.json")]
    if out.exists() and not again:
        shutil.copy(out, folder / "previous.json")
        command += ["--previous", str(folder / "previous.json")]
    pages = (
        "every declared run"
        if version_set.pages is None
        else "the runs of " + ", ".join(f"pages/{page}.py" for page in version_set.pages)
    )
    print(f"[{version_set.name}] running {pages}", flush=True)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        print(f"[{version_set.name}] {line}", end="", flush=True)
    if process.wait() != 0:
        raise SystemExit(f"[{version_set.name}] measuring failed (exit code {process.returncode})")
    return json.loads(out.read_text())


def oldest_passing(package: str) -> str | None:
    """The oldest version of ``package`` among the measured CPU sets in which every run ended as
    its page says (passed, or only other numbers): the scripts are known to run from there on."""
    sets = load()["sets"]
    good = [
        sets[s.name]["versions"][package]
        for s in SETS
        if s.compares
        and not s.gpu
        and s.name in sets
        and all(run["status"] in ("passed", "different") for run in sets[s.name]["runs"].values())
    ]
    return min(good, key=_version_key, default=None)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def load() -> dict:
    return json.loads(DATA_FILE.read_text()) if DATA_FILE.exists() else {"sets": {}}


def save(data: dict) -> None:
    """Write the data file: the sets in declared order, one line per run (a rerun's diff shows
    the runs whose result changed)."""
    order = [s.name for s in SETS]
    data["sets"] = {name: data["sets"][name] for name in order if name in data["sets"]}

    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    sets = []
    for name, measured in data["sets"].items():
        fields = [f"   {dump(k)}: {dump(v)}" for k, v in measured.items() if k != "runs"]
        runs = ",\n".join(f"    {dump(where)}: {dump(run)}" for where, run in measured["runs"].items())
        sets.append(f"  {dump(name)}: {{\n" + ",\n".join([*fields, f'   "runs": {{\n{runs}\n   }}']) + "\n  }")
    text = '{\n "sets": {\n' + ",\n".join(sets) + "\n }\n}\n"
    assert json.loads(text) == data
    DATA_FILE.write_text(text)


def record(data: dict, version_set: VersionSet, measured: dict) -> dict:
    """The set's entry for the data file: statuses against the pinned set's numbers, or (a set
    that does not compare) how each run ended."""
    if not version_set.compares:
        fields = ("script", "args", "status", "returncode", "error", "last_lines", "source")
        runs = {}
        for where, run in measured["runs"].items():
            if run["status"] not in ("worked", "raised"):
                run = {k: v for k, v in run.items() if k != "returncode"}  # the declared one: it gave none
            runs[where] = {k: run[k] for k in fields if run.get(k) not in (None, "")}
        return {
            "title": version_set.title,
            "versions": measured["versions"],
            "date": measured["date"],
            "machine": measured["machine"],
            "runs": runs,
        }
    pinned = data["sets"].get("pinned", {}).get("runs", {}) if version_set.name != "pinned" else measured["runs"]
    runs = {}
    for where, run in measured["runs"].items():
        entry = {k: run[k] for k in ("script", "args", "status", "error") if run.get(k) is not None}
        if version_set.name == "pinned":
            entry["lines"] = run.get("lines", [])
        elif run["status"] == "passed" and where in pinned and pinned[where]["status"] == "passed":
            difference = compare(run.get("lines", []), pinned[where].get("lines", []))
            if run["returncode"] and run.get("error") != pinned[where].get("error"):
                difference = {
                    "note": "ended with another error",
                    "line": run["error"],
                    "pinned_line": pinned[where]["error"],
                }
            if difference is not None:
                entry.update(status="different", difference=difference)
        if not entry.get("error"):
            entry.pop("error", None)
        runs[where] = entry
    return {
        "title": version_set.title,
        "versions": measured["versions"],
        "date": measured["date"],
        "machine": measured["machine"],
        "runs": runs,
    }


def table(data: dict, names: list[str]) -> str:
    """A plain-text table for a log: every run, its status in each set (errors in full)."""
    sets = [data["sets"][n] for n in names]
    ids = list(dict.fromkeys(where for s in sets for where in s["runs"]))  # a set may cover some pages only
    width = max((len(i) for i in ids), default=10)
    lines = [f"{'run'.ljust(width)}  " + "  ".join(n.ljust(14) for n in names)]
    for where in ids:
        cells = []
        notes = []
        for name, s in zip(names, sets):
            run = s["runs"].get(where)
            if run is None:
                cells.append("".ljust(14))
                continue
            cells.append(f"{SYMBOL.get(run['status'], ' ')} {run['status']}".ljust(14))
            if run["status"] in ("failed", "raised"):
                notes.append(f"    {name}: {run.get('error', '')}")
            elif run["status"] == "different":
                d = run["difference"]
                notes.append(f"    {name}: {d.get('note') or 'largest difference ' + str(d['largest'])}: {d['line']}")
        lines.append(f"{where.ljust(width)}  " + "  ".join(cells))
        lines += notes
    for name, s in zip(names, sets):
        statuses = STATUSES if BY_NAME[name].compares else ENDINGS
        counts = {status: sum(r["status"] == status for r in s["runs"].values()) for status in statuses}
        shown = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        lines.append(f"{name}: {shown or 'no runs'} ({' '.join(f'{k} {v}' for k, v in s['versions'].items())})")
    return "\n".join(lines)


def missing_runs(data: dict, version_set: VersionSet) -> list[str] | None:
    """The ids of the runs the set covers and has no row for (or a row for another script);
    None when the set has no record yet (all of it is to run)."""
    from snippet_runner.discovery import declared_runs, page_modules

    if version_set.name not in data["sets"]:
        return None
    rows = data["sets"][version_set.name]["runs"]
    declared = {where: run for run, where in declared_runs(page_modules()).items() if version_set.covers(where)}
    return [where for where, run in declared.items() if rows.get(where, {}).get("script") != run.script]


def merged(old: dict, new: dict, name: str) -> dict:
    """The set's recorded entry with the rows just measured added, and the rows of runs no page
    declares any more dropped; only where the same versions ran both."""
    from snippet_runner.discovery import declared_runs, page_modules

    if old["versions"] != new["versions"]:
        raise SystemExit(f"[{name}] ran {new['versions']}, recorded {old['versions']}: measure the whole set")
    declared = {where for where in declared_runs(page_modules()).values() if BY_NAME[name].covers(where)}
    runs = {where: row for where, row in {**old["runs"], **new["runs"]}.items() if where in declared}
    return {**old, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snippet_runner.matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", help=f"comma-separated set names (default: all: {','.join(BY_NAME)})")
    parser.add_argument("--again", action="store_true", help="run again the runs whose failure or ending is recorded")
    parser.add_argument(
        "--missing",
        action="store_true",
        help="run only the runs a set has no row for (new pages), keeping its other rows; "
        "refused where the set's versions are not the recorded ones",
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # inside a set's venv
    parser.add_argument("--only", type=Path, help=argparse.SUPPRESS)  # the run ids to measure (JSON)
    parser.add_argument("--previous", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--set", default="pinned", help=argparse.SUPPRESS)  # the set measured
    options = parser.parse_args(argv)
    if options.measure:
        only = set(json.loads(options.only.read_text())) if options.only else None
        measure(options.measure, options.previous, BY_NAME[options.set], only)
        return 0
    names = options.sets.split(",") if options.sets else list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"no such set: {', '.join(unknown)} (the sets: {', '.join(BY_NAME)})")
    started = time.perf_counter()
    for name in list(names):
        since = time.perf_counter()
        only = missing_runs(load(), BY_NAME[name]) if options.missing else None
        if only == []:
            print(f"[{name}] has a row for every declared run", flush=True)
            continue
        measured = run_set(BY_NAME[name], options.again, only)
        if measured is None:
            kept = load()["sets"].get(name, {}).get("date")
            print(f"[{name}] not measured: torch sees no GPU here; kept as measured {kept or 'never'}", flush=True)
            names.remove(name)
            continue
        data = load()
        entry = record(data, BY_NAME[name], measured)
        if only is not None:
            entry = merged(data["sets"][name], entry, name)
        data["sets"][name] = entry
        save(data)
        print(
            f"[{name}] done in {time.perf_counter() - since:.0f} s; {DATA_FILE.relative_to(ROOT)} updated", flush=True
        )
    data = load()
    print(table(data, names))
    print(f"version matrix: {len(names)} sets in {time.perf_counter() - started:.0f} s")
    broken = [
        n
        for n in names
        if BY_NAME[n].must_pass and any(r["status"] == "failed" for r in data["sets"][n]["runs"].values())
    ]
    if broken:
        print(f"FAILED: runs fail in {', '.join(broken)} (see ✗ above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
