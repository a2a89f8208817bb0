"""A notebook per page, made from the very scripts the page runs.

A page module that declares ``NOTEBOOK = [run, ...]`` (its runs, in page order) gets one:
``notebooks/<page>.ipynb``, built at every build with nbformat. The notebook holds each script
whole, cut into cells at its top-level sections, with the headings of the page where those
sections are shown and the first sentence under each heading as Markdown cells. Before the
scripts come a cell that installs the versions the site pins, a cell per local module the
scripts import (``%%writefile``), and, for a script that reads its command line, a cell that
sets ``sys.argv`` to the arguments the page ran it with (metadata ``"argv": true``). Code cells
carry the number of their run (``"run"``, in ``entries`` order) and the script's name in their
metadata, so the tests can hold each run's output in the notebook against what the same run
printed at build.
"""

from __future__ import annotations

import re
from pathlib import Path

from snippet_runner import matrix, runner, sections
from snippet_runner.memo import memoized

HEADING = re.compile(r"^(#{2,3}) (.+?)(?:\s*\{[^}]*\})?\s*$")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)(\{[^}]*\})?")
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?=\s|$)", re.S)
READS_ARGV = re.compile(r"\bargparse\b|\bsys\.argv\b")
# What a reader must install to run the scripts (the build's tools are not needed).
RUNTIME_PACKAGES = ("torch", "torchvision", "pytorch-lightning", "lightning", "tensorboard")
# More packages, installed only in the notebooks whose scripts use them: what a script's source
# shows (an import or a name) -> what to install (as requirements.txt pins them).
EXTRA_PACKAGES = {
    r"^\s*(import|from) torchmetrics\b": ("torchmetrics",),
    r"^\s*(import|from) mlflow\b|\bMLFlowLogger\b": ("mlflow-skinny",),
    r"^\s*(import|from) wandb\b|\bWandbLogger\b": ("wandb",),
    r"\bLightningCLI\b": ("jsonargparse[signatures]",),
    r"\bto_onnx\b|\btorch\.onnx\b|^\s*(import|from) onnx": ("onnx", "onnxscript", "onnxruntime"),
}


def script_cells(source: str) -> list[tuple[list[str], str]]:
    """The script cut at its top-level section markers: (names of the sections in the cell, code).
    Marker lines are dropped; a section that starts inside a class stays in the class's cell."""
    cells: list[tuple[list[str], str]] = []
    names: list[str] = []
    lines: list[str] = []

    def flush():
        code = "\n".join(lines).strip("\n")
        if code.strip():
            cells.append((list(names), code))
        names.clear()
        lines.clear()

    for line in source.splitlines():
        marker = sections.MARKER.match(line)  # at the start of a line, it cuts a cell there
        if marker is None:
            lines.append(line)
            continue
        indent, kind, name = marker.groups()
        if not indent:
            flush()
        if kind == "start":
            names.append(name)
    flush()
    return cells


def plain(markdown: str) -> str:
    """A line of the page as a notebook can show it: links lose their targets (the page's
    relative links lead nowhere from a notebook), attribute lists go."""
    return LINK.sub(r"\1", markdown).strip()


def page_sections(page_markdown: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(script, section) -> (the heading it is shown under, the first sentence under that heading),
    for the first place the page shows it."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    heading, sentence, in_fence, paragraph = "", "", False, []
    for line in page_markdown.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        include = sections.INCLUDE.search(line)
        if include and include.group(2):
            found.setdefault((include.group(1), include.group(2)), (heading, sentence))
            continue
        if in_fence:
            continue
        title = HEADING.match(line)
        if title:
            heading, sentence, paragraph = plain(title.group(2)), "", []
            continue
        if stripped and not stripped.startswith(("===", "|", "!!!", "???", "[Download", "<")):
            paragraph.append(stripped)
        elif paragraph:
            if not sentence:
                first = FIRST_SENTENCE.match(plain(" ".join(paragraph)))
                sentence = first.group(1) if first else ""
            paragraph = []
    return found


def pinned(requirements: str, packages) -> list[str]:
    """The ``name==version`` lines of requirements.txt for these packages, in their order."""
    pins = dict(re.findall(r"^([A-Za-z0-9_.\[\]-]+)==(\S+)", requirements, re.M))
    missing = [p for p in packages if p not in pins]
    if missing:
        raise runner.SnippetError(f"requirements.txt: no == pin for {', '.join(missing)}")
    return [f"{p}=={pins[p]}" for p in packages]


def entries(declared) -> list[tuple[runner.Run, str | None]]:
    """A page's ``NOTEBOOK`` as (run, folder) pairs: a run alone runs in the notebook's folder, the
    runs of a tuple in a folder of their own (named after the first one's script), as the page
    runs them: for scripts that read files by names that another group's scripts write too."""
    found = []
    for entry in declared:
        if isinstance(entry, runner.Run):
            found.append((entry, None))
        else:
            folder = Path(entry[0].script).stem.removesuffix("_pytorch").removesuffix("_lightning")
            found.extend((run, folder) for run in entry)
    return found


def _enter(folder: str) -> str:
    return (
        "import os\n\n"
        "# The next scripts run in a folder of their own, as on the page: they read what the others\n"
        "# in it wrote, under names that other scripts of this notebook use too.\n"
        f'os.makedirs("{folder}", exist_ok=True)\n'
        f'os.chdir("{folder}")\n'
        'if os.path.isdir("../data") and not os.path.exists("data"):\n'
        '    os.symlink("../data", "data")  # the MNIST files, downloaded once'
    )


def build(title: str, page_markdown: str, declared, requirements: str) -> str:
    """The page's notebook, as JSON text. Made once for the same scripts, page and pins, then
    kept with the other derived outputs (snippet_runner/memo.py): a warm build reads it."""
    payload = []
    for run, folder in entries(declared):
        path, shown_in = runner.resolve(run.script)
        modules = tuple((module.name, module.read_text()) for module in runner.local_imports(path))
        payload.append((path.name, shown_in, path.read_text(), run.arguments(), run.returncode, folder, modules))
    return _render(title, page_markdown, tuple(payload), requirements, matrix.oldest_passing("torch"))


def packages_for(sources: list[str]) -> list[str]:
    """What a notebook of these scripts installs: the runtime packages (``lightning`` only where a
    script imports it) and the extra ones its scripts use."""
    imports_lightning = any(re.search(r"^\s*(import|from) lightning\b", s, re.M) for s in sources)
    packages = [p for p in RUNTIME_PACKAGES if p != "lightning" or imports_lightning]
    for shows, extra in EXTRA_PACKAGES.items():
        if any(re.search(shows, source, re.M) for source in sources):
            packages += [p for p in extra if p not in packages]
    return packages


def install_cell(requirements: str, packages: list[str], torch_from: str | None) -> str:
    """The first cell: ``%pip install`` what the notebook needs at the site's pinned versions, but
    keep the runtime's own torch and torchvision (Colab's) when that torch is at least
    ``torch_from``, the oldest torch on which the version matrix saw every script pass: then no
    torch is downloaded and no restart is needed."""
    pins = pinned(requirements, packages)
    torch_pins = [pin for pin in pins if pin.split("==")[0] in ("torch", "torchvision")]
    others = [pin for pin in pins if pin not in torch_pins]
    if torch_from is None:
        return (
            "# Installs the versions the site was built and tested with (its requirements.txt).\n"
            "# In Colab this replaces the torch it ships: if Colab asks, restart the session once.\n"
            f"%pip install -q {' '.join(pins)}"
        )
    least = tuple(int(part) for part in re.findall(r"\d+", torch_from)[:3])
    return rf"""# Installs what this notebook needs, at the versions the site was built with (its requirements.txt).
# The site's scripts ran on torch {torch_from} and every newer torch it was tested with (its
# Tested versions page), so a runtime's own torch from {torch_from} on (Colab's) is kept as it is:
# nothing to download, no restart. An older one is replaced by the pinned torch: if the runtime
# then asks to restart the session, restart it once and run the cells again from the top.
import re
from importlib.metadata import PackageNotFoundError, version


def installed(package):
    try:
        return tuple(int(part) for part in re.findall(r"\d+", version(package).split("+")[0])[:3])
    except PackageNotFoundError:
        return None


needed = "{" ".join(others)}"
if not (installed("torchvision") and (installed("torch") or ()) >= {least!r}):
    needed = "{" ".join(torch_pins)} " + needed
%pip install -q {{needed}}"""


@memoized
def _render(title: str, page_markdown: str, payload: tuple, requirements: str, torch_from: str | None) -> str:
    import nbformat  # here, not at the top: a warm build reads the notebooks and needs no nbformat
    from nbformat import v4

    shown = page_sections(page_markdown)
    by_name = {}
    for (_, section), place in shown.items():
        by_name.setdefault(section, place)
    sources = [source for _, _, source, *_ in payload]
    packages = packages_for(sources)
    names = ", ".join(f"`{name}`" for name in dict.fromkeys(name for name, *_ in payload))
    cells = [
        v4.new_markdown_cell(
            f"# {title}\n\nThe scripts of the Lightning pick-up page *{title}*, in the page's order: "
            f"{names}. Each is whole, cut into cells where the page cuts it, under the page's "
            "headings. Run the cells from top to bottom: a script may read what an earlier one wrote."
        ),
        v4.new_code_cell(install_cell(requirements, packages, torch_from), metadata={"run": None}),
    ]
    written: set[str] = set()
    current_folder = None
    for number, (name, shown_in, source, arguments, returncode, folder, modules) in enumerate(payload):
        if folder != current_folder:
            if current_folder is not None:
                cells.append(v4.new_code_cell('os.chdir("..")', metadata={"run": None}))
            if folder is not None:
                cells.append(v4.new_markdown_cell(f"## In the folder `{folder}/`"))
                cells.append(v4.new_code_cell(_enter(folder), metadata={"run": None}))
            current_folder = folder
        for module, text in modules:
            if module not in written:
                written.add(module)
                cells.append(
                    v4.new_markdown_cell(f"`{name}` imports `{module}`, which this cell writes beside the notebook.")
                )
                cells.append(v4.new_code_cell(f"%%writefile {module}\n{text}", metadata={"run": None}))
        command = " ".join(["python", name, *arguments])
        about = f"## `{name}`\n\nOn the page: `{command}`."
        if returncode != 0:
            about += " It stops with an error on purpose: the page shows that error."
        cells.append(v4.new_markdown_cell(about))
        # Where the error is the lesson, the notebook goes on after it (nbclient and Jupyter honour the tag).
        metadata = {"run": number, "script": name}
        if returncode != 0:
            metadata["tags"] = ["raises-exception"]
        if READS_ARGV.search(source):
            cells.append(
                v4.new_code_cell(
                    "import sys\n\n# A notebook has no command line: the arguments the page gave the script.\n"
                    f"sys.argv = {[name, *arguments]!r}",
                    metadata={**metadata, "argv": True},
                )
            )
        last_heading = None
        for names, code in script_cells(source):
            headings = []
            for section in names:
                # A section the page shows only from a twin script (the same name in the other tab)
                # belongs under the twin's heading.
                heading, sentence = shown.get((shown_in, section)) or by_name.get(section, ("", ""))
                if heading and heading != last_heading and all(heading != h for h, _ in headings):
                    headings.append((heading, sentence))
            if headings:
                cells.append(v4.new_markdown_cell("\n\n".join(f"### {h}\n\n{s}".strip() for h, s in headings)))
                last_heading = headings[-1][0]
            cells.append(v4.new_code_cell(code, metadata=dict(metadata)))
    if current_folder is not None:
        cells.append(v4.new_code_cell('os.chdir("..")', metadata={"run": None}))
    notebook = v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"  # stable ids: the same scripts give the same file
    nbformat.validate(notebook)
    return nbformat.writes(notebook)
