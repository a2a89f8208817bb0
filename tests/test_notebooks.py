"""The notebooks: made from the very scripts their pages run, executed here from top to bottom
with a real kernel, in a clean folder with the data, and printing what the pages show."""

from __future__ import annotations

import importlib
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO
from snippet_runner import clean, notebooks, output, sections
from snippet_runner.mkdocs_hooks import colab_url

pytestmark = pytest.mark.usefixtures("all_runs")

# Every page module that declares a notebook, by its page's slug.
NOTEBOOK_PAGES = {
    path.stem.replace("_", "-"): path.stem
    for path in sorted((REPO / "pages").glob("*.py"))
    if re.search(r"^NOTEBOOK = ", path.read_text(), re.M)
}
# A number a script prints with 4 or more decimals (losses, differences): what must match.
NUMBER = re.compile(r"\d\.\d{4,}|\d\.\de[-+]\d\d")
# A time a script prints about itself ("(0.45 s)", "12 ms"): it differs from run to run.
DURATION = re.compile(r"\d+(\.\d+)?\s?(s|ms|µs)\b")


def page_runs(slug: str) -> list[tuple]:
    """(run, folder) in notebook order."""
    return notebooks.entries(importlib.import_module(f"pages.{NOTEBOOK_PAGES[slug]}").NOTEBOOK)


def notebook(built_site: Path, slug: str):
    return nbformat.read(built_site / "notebooks" / f"{slug}.ipynb", as_version=4)


def numbered_lines(text: str) -> list[str]:
    """The lines that print such numbers, without the progress bars and terminal codes a line may
    start with (a notebook gets Lightning's bars on stdout, flattened)."""
    text = output.ANSI.sub("", text)
    lines = (DURATION.sub("<time>", output.BAR.sub("", line)).strip() for line in text.splitlines())
    return [line for line in lines if NUMBER.search(line) and not output.PROGRESS.search(line)]


def test_the_teaching_pages_have_notebooks():
    assert {"installation", "from-pytorch-to-lightning", "fabric"} <= set(NOTEBOOK_PAGES)


@pytest.mark.parametrize("slug", sorted(NOTEBOOK_PAGES))
def test_each_notebook_holds_its_scripts_whole_in_page_order(built_site, slug):
    book = notebook(built_site, slug)
    nbformat.validate(book)
    runs = page_runs(slug)
    code_cells = [cell for cell in book.cells if cell.cell_type == "code" and cell.metadata["run"] is not None]
    assert sorted({cell.metadata["run"] for cell in code_cells}) == list(range(len(runs)))
    for number, (run, _) in enumerate(runs):
        code = "\n".join(
            cell.source for cell in code_cells if cell.metadata["run"] == number and not cell.metadata.get("argv")
        )
        script = (REPO / run.script).read_text()
        without_markers = "\n".join(line for line in script.splitlines() if not sections.MARKER.match(line))
        assert code.split() == without_markers.split(), f"{run}: the notebook's cells are not the script"


def test_the_first_cell_installs_the_pinned_versions(built_site):
    requirements = (REPO / "requirements.txt").read_text()
    for slug in NOTEBOOK_PAGES:
        install = notebook(built_site, slug).cells[1].source
        for package in ("torch", "torchvision", "pytorch-lightning", "tensorboard"):
            pin = re.search(rf"^{package}==\S+$", requirements, re.M).group(0)
            assert re.search(rf"[ \"]{re.escape(pin)}[ \"]", install), (slug, pin)


def test_a_notebook_installs_the_extra_libraries_its_scripts_use_at_their_pins():
    requirements = (REPO / "requirements.txt").read_text()
    core = (REPO / "snippets" / "from-pytorch-to-lightning" / "train_lightning.py").read_text()
    assert notebooks.packages_for([core]) == ["torch", "torchvision", "pytorch-lightning", "tensorboard"]
    uses = {
        "import mlflow\n": ["mlflow-skinny"],
        "from pytorch_lightning.loggers import MLFlowLogger, WandbLogger\n": ["mlflow-skinny", "wandb"],
        "from torchmetrics.classification import MulticlassAccuracy\n": ["torchmetrics"],
        "from pytorch_lightning.cli import LightningCLI\n": ["jsonargparse[signatures]"],
        "model.to_onnx('model.onnx', x)\n": ["onnx", "onnxscript", "onnxruntime"],
    }
    for source, extra in uses.items():
        packages = notebooks.packages_for([core, source])
        assert packages[4:] == extra, source
        pins = notebooks.pinned(requirements, packages)
        assert all(re.search(rf"^{re.escape(pin)}$", requirements, re.M) for pin in pins), pins


@pytest.mark.parametrize(
    ("runtime", "installs_torch"),
    [
        ({"torch": "2.14.1", "torchvision": "0.29.1"}, False),  # this machine's: kept
        ({"torch": "2.15.0+cu128", "torchvision": "0.30.0+cu128"}, False),  # newer, as Colab may have: kept
        ({"torch": "2.9.0+cu126", "torchvision": "0.24.0+cu126"}, True),  # older than any set that passed
        ({"torch": "2.14.1"}, True),  # no torchvision
        ({}, True),  # no torch
    ],
)
def test_the_first_cell_keeps_a_torch_the_scripts_passed_on(built_site, monkeypatch, runtime, installs_torch):
    """The cell's own code, run here with the runtime's versions stubbed and its %pip line replaced
    by a print: it keeps the runtime's torch from the oldest torch on which the version matrix saw
    every script pass, and otherwise installs the pinned torch and torchvision."""
    import importlib.metadata

    from snippet_runner import matrix

    assert matrix.oldest_passing("torch") == "2.14.1"  # pinned and newest pass; lightning-2.4 (torch 2.4.1) fails 3
    source = notebook(built_site, "from-pytorch-to-lightning").cells[1].source
    assert source.count("%pip install -q {needed}") == 1

    def version(package):
        if package not in runtime:
            raise importlib.metadata.PackageNotFoundError(package)
        return runtime[package]

    monkeypatch.setattr(importlib.metadata, "version", version)
    printed = []
    exec(source.replace("%pip install -q {needed}", "printed.append(needed)"), {"printed": printed})  # noqa: S102
    pins = dict(re.findall(r"^([\w-]+)==(\S+)$", (REPO / "requirements.txt").read_text(), re.M))
    assert printed[0].split() == [
        *([f"torch=={pins['torch']}", f"torchvision=={pins['torchvision']}"] if installs_torch else []),
        f"pytorch-lightning=={pins['pytorch-lightning']}",
        f"tensorboard=={pins['tensorboard']}",
    ]


def test_each_page_with_a_notebook_links_it_and_no_colab_without_repo_url(built_site):
    for slug in NOTEBOOK_PAGES:
        html = (built_site / slug / "index.html").read_text()
        assert f'href="../notebooks/{slug}.ipynb" download="{slug}.ipynb"' in html, slug
        assert "colab.research.google.com" not in html  # mkdocs.yml names no repo_url


def test_colab_links_come_from_repo_url_and_the_notebooks_branch():
    config = {"repo_url": "https://github.com/someone/lightning-pick-up", "extra": {"notebooks_branch": "notebooks"}}
    assert colab_url(config, "notebooks/fabric.ipynb") == (
        "https://colab.research.google.com/github/someone/lightning-pick-up/blob/notebooks/notebooks/fabric.ipynb"
    )
    assert colab_url({**config, "repo_url": "https://gitlab.com/a/b"}, "notebooks/x.ipynb") is None
    assert colab_url({**config, "extra": {}}, "notebooks/x.ipynb") is None
    assert colab_url({"repo_url": None, "extra": config["extra"]}, "notebooks/x.ipynb") is None


# Parts of a path that name a run by its ids or its time: a notebook's run gets others.
RENAMED = [
    (re.compile(r"version_\d+"), "version_*"),  # Lightning's next free version
    (re.compile(r"\d{10,}|[0-9a-f]{32}"), "*"),  # an MLflow experiment or run id
    (re.compile(r"(offline-)?run-\d{8}_\d{6}-\w+"), r"\1run-*"),  # a W&B run folder
    (re.compile(r"run-\w+\.wandb"), "run-*.wandb"),  # its records
    (re.compile(r"(.+?\+step\+\d+)\+timestamp\+.*?(\+compressed)?(\.\w+)"), r"\1+timestamp+*\2\3"),  # an MLflow image
    (re.compile(r"(.+_)\d+_[0-9a-f]{20}(\.\w+)"), r"\1*\2"),  # a W&B media file
    (re.compile(r"(core-|symon-)?debug(-internal)?(-\d{8}_\d{6})?\.log"), "*.log"),  # W&B's own logs
]
# Files that depend on where a run happens, not on the script: MLflow tags a run with the git commit
# of a script run from a checkout; W&B keeps a copy of the console, which a notebook kernel does not give it.
WHERE_IT_RAN = re.compile(r"mlflow\.source\.git\.\w+|output\.log")


def written_too(folder: Path, path: Path) -> bool:
    """The file is in the folder. An event file counts by its kind (its name holds a time and a
    pid), a Lightning log folder by what it holds (in a notebook's one folder, Lightning gives a
    run the next free version_<n>), and an MLflow or W&B run by what it holds (their folders and
    files are named by ids and times); a file that only a run from a git checkout or a terminal
    writes counts as written."""
    if WHERE_IT_RAN.fullmatch(path.name):
        return True
    if path.parts[0] == "inductor-cache":
        # The build gives each compile run a cache of its own, in its folder (TORCHINDUCTOR_CACHE_DIR,
        # pages/compile_export.py); a notebook's kernel keeps it where torch keeps it by default.
        return True
    parts = []
    for part in path.parts:
        for pattern, replacement in RENAMED:
            if pattern.fullmatch(part):
                part = pattern.sub(replacement, part)
                break
        parts.append(part)
    pattern = "/".join(parts)
    if path.name.startswith("events.out.tfevents."):
        pattern = pattern.rsplit("/", 1)[0] + "/events.out.tfevents.*" if "/" in pattern else "events.out.tfevents.*"
    return any(p.is_file() for p in folder.glob(pattern))


@pytest.fixture(scope="module")
def executed(built_site, tmp_path_factory, request):
    """Every notebook this session tests, run from top to bottom in a clean folder with the data,
    as many at once as there are cores (each kernel runs torch on one thread, as the build runs
    scripts). Only the selected ones (``-k``, ``--page``): one page's tests run one notebook."""
    import asyncio
    import concurrent.futures
    import os

    async def execute(slug, limit):
        async with limit:
            folder = tmp_path_factory.mktemp(slug)
            (folder / "data").symlink_to(REPO / "data")
            book = notebook(built_site, slug)
            started = time.monotonic()
            client = NotebookClient(
                book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
            )
            await client.async_execute()
            return slug, (book, folder, time.monotonic() - started)

    async def execute_all():
        limit = asyncio.Semaphore(os.cpu_count() or 1)
        return dict(await asyncio.gather(*(execute(slug, limit) for slug in sorted(selected))))

    selected = {
        item.callspec.params["slug"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_each_notebook_runs_top_to_bottom_and_prints_what_the_page_shows"
    }

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_NUM_THREADS", "1")  # the kernels inherit it: the build's digits
        # A thread of its own: Playwright's sync API (the browser tests) may hold this thread's loop.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(lambda: asyncio.run(execute_all())).result()


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("slug", sorted(NOTEBOOK_PAGES))
def test_each_notebook_runs_top_to_bottom_and_prints_what_the_page_shows(executed, slug):
    book, tmp_path, seconds = executed[slug]
    print(f"{slug}.ipynb ran in {seconds:.1f} s")
    for number, (run, folder) in enumerate(page_runs(slug)):
        here = tmp_path / folder if folder else tmp_path
        printed = "".join(
            output.get("text", "")
            for cell in book.cells
            if cell.cell_type == "code" and cell.metadata["run"] == number
            for output in cell.outputs
            if output.output_type == "stream" and output.name == "stdout"
        )
        result = run.result()
        printed = printed.replace(f"{here}/", "")  # paths in the folder, as the build tidies them
        assert numbered_lines(printed) == numbered_lines(clean(result)), run
        # The files the run wrote at build, the notebook wrote too (in the run's folder).
        written = {p.relative_to(result.workdir) for p in result.workdir.rglob("*") if p.is_file()}
        missing = {p for p in written if p.parts[0] != "data" and not written_too(here, p)}
        assert not missing, f"{run}: the notebook did not write {sorted(map(str, missing))}"
