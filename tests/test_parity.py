"""The parity page: its benchmark's reduced mode yields every figure the page shows, the two loops
train the same model, the equality check catches a different one, and the benchmark mirrors the
core page's scripts. No test asserts a timing: those belong to the machine that built the site."""

from __future__ import annotations

import ast
import re

import pytest

from conftest import REPO
from pages import parity
from snippet_runner import clean, run

BENCHMARK = REPO / parity.SCRIPT
CORE = REPO / "snippets" / "from-pytorch-to-lightning"


@pytest.fixture(scope="module")
def quick_run():
    """The page's run in its reduced mode: the same declaration, with --quick."""
    return run(parity.SCRIPT, args=["--quick"], uses=parity.benchmark.uses, timeout=parity.TIMEOUT)


@pytest.fixture(scope="module")
def quick(quick_run):
    return parity.load(quick_run)


def test_the_reduced_mode_writes_every_field_the_page_needs(quick):
    assert parity.missing_fields(quick) == []
    assert quick["settings"]["quick"] is True
    for row in quick["configs"].values():
        for key in ("epoch_s", "epoch_q1_s", "epoch_q3_s", "setup_s", "ratio"):
            assert row[key] >= 0 and row[key] == row[key], key  # a number, not NaN
    for script in quick["scripts"].values():
        assert script["peak_mib"] > 50 and script["wall_s"] > 0  # a Python with torch loaded holds far more than 50 MiB
    assert quick["imports"]["lightning_mib"] >= quick["imports"]["torch_mib"] > 50


def test_every_part_of_the_page_renders_from_the_reduced_run(quick):
    page = parity.render_all(quick)
    assert page.count('<svg role="img"') == 2  # the ratio chart and the profile chart
    assert "<title>" in page and "<desc>" in page  # accessible names
    assert "| configuration | what changes |" in page
    assert "reduced mode" in page  # a quick run says so instead of passing for a measurement
    assert not re.search(r"\bnan\b", page, re.I)  # every figure is a number
    machine = quick["machine"]
    assert f"{machine['cores']} cores" in parity.machine_line(quick)
    assert machine["cpu"] in parity.machine_line(quick)


def test_every_configuration_is_described_on_the_page(quick):
    assert set(quick["configs"]) == set(parity.DESCRIPTIONS)


def test_the_two_loops_train_the_same_model(quick):
    for name, row in quick["configs"].items():
        assert row["losses_agree"], f"{name}: final losses differ by {row['loss_diff']:.1e}"
    site = quick["configs"]["site"]
    assert site["max_weight_diff"] == 0.0  # the taught Trainer ends with bit-identical weights


def test_the_equality_check_catches_a_deliberately_different_model(quick):
    shifted = quick["controls"]["0.001"]
    assert not shifted["losses_agree"], shifted
    assert shifted["max_weight_diff"] > 0
    # The weights see even a shift that the losses' fifth decimal may not.
    assert quick["controls"]["1e-05"]["max_weight_diff"] > 0


def test_the_reduced_run_prints_its_summary(quick_run):
    text = clean(quick_run)
    assert "site configuration:" in text and "× the plain loop per epoch" in text
    assert "control, first layer shifted by 0.001: final losses differ" in text
    assert "Traceback" not in text


def _trainer_keywords(path) -> dict:
    """The keyword arguments of the first ``pl.Trainer(...)`` call in a script, as source text."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("pl.Trainer", "Trainer"):
            return {k.arg: ast.unparse(k.value) for k in node.keywords if k.arg}
    raise AssertionError(f"no Trainer(...) call in {path}")


def test_the_benchmark_trains_what_the_core_page_teaches():
    """Its "site" configuration is the core page's Trainer, data and model (if that page changes, so must this)."""
    taught = _trainer_keywords(CORE / "train_lightning.py")
    measured = _trainer_keywords(BENCHMARK)
    assert taught.pop("max_epochs") == "5"
    assert measured.pop("max_epochs") == "epochs"
    assert re.search(r'"--epochs", type=int, default=5\b', BENCHMARK.read_text())
    # The benchmark adds only its clock callback, a scratch folder, and the knobs (**trainer_options).
    assert {k: v for k, v in measured.items() if k not in ("callbacks", "default_root_dir", None)} == taught
    core, bench = (CORE / "train_lightning.py").read_text(), BENCHMARK.read_text()
    for line in (
        "random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))",
        "DistributedSampler(train_set, num_replicas=1, rank=0, shuffle=True, seed=0)",
        "nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))",
        "nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))",
        "torch.optim.Adam(self.parameters(), lr=1e-3)",
        'self.log("train_loss", loss, on_epoch=True)',
        "batch_size=200",
    ):
        assert line in core and line in bench, line
    assert "batch_size=32" in core and "batch_size=32" in bench


def test_the_page_shows_every_section_of_the_benchmark_in_order():
    sections = re.findall(r"--8<-- \[start:([a-z][-_0-9a-z]*)\]", BENCHMARK.read_text())
    shown = re.findall(r'--8<-- "snippets/parity/benchmark\.py:([^"]+)"', (REPO / "docs" / "parity.md").read_text())
    assert shown == sections
    code = BENCHMARK.read_text()
    outside = re.sub(r"# --8<-- \[start:([-\w]+)\].*?# --8<-- \[end:\1\]", "", code, flags=re.S)
    assert outside.strip() == "", f"lines outside every section:\n{outside}"


def test_the_built_page_shows_the_chart_the_tables_and_the_machine(built_site):
    html = (built_site / "parity" / "index.html").read_text()
    assert html.count('<svg role="img"') == 2
    assert "time per epoch relative to the plain PyTorch loop" in html  # the chart's accessible name
    assert "<th>configuration</th>" in html and "<td>site</td>" in html
    assert "cores" in html and "torch thread" in html
    assert 'class="snippet-run"' in html
