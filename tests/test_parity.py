"""The parity page: its benchmark's reduced mode yields every figure the page shows, the two loops
train the same model, the equality check catches a different one, a difference within the noise is
never shown as a number, and the benchmark mirrors the core page's scripts. No test asserts a
timing: those belong to the machine that built the site."""

from __future__ import annotations

import ast
import copy
import importlib.util
import math
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


def intervals(node):
    """Every interval in the report (a dict with a median, a low and a high end)."""
    if isinstance(node, dict):
        if {"median", "low", "high"} <= node.keys():
            yield node
        for value in node.values():
            yield from intervals(value)
    elif isinstance(node, list):
        for value in node:
            yield from intervals(value)


def test_the_reduced_mode_measures_every_configuration_in_every_round(quick):
    settings, names = quick["settings"], quick["names"]
    assert settings["quick"] is True and settings["rounds"] == 2
    # Every configuration at the core page's batch size, and three of them at every batch size.
    expected = {f"{name}, batch size 32" for name in quick["configurations"]}
    along = (names["plain"], names["taught"], names["barebones"])
    expected |= {f"{name}, batch size {size}" for name in along for size in settings["batch_sizes"]}
    assert set(quick["times"]) == expected
    for name, found in quick["times"].items():
        for key in ("epoch_s", "fixed_s", "wall_epoch_s"):
            assert len(found[key]) == settings["rounds"], (name, key)
            assert all(value > 0 and math.isfinite(value) for value in found[key]), (name, key)
    assert settings["batch_sizes"][0] == 32 and settings["batch_sizes"][-1] == 512
    assert quick["steps"] == [-(-settings["train_samples"] // size) for size in settings["batch_sizes"]]


def test_every_interval_holds_its_median_and_says_how_sure_it_is(quick):
    found = list(intervals(quick))
    assert len(found) > 20
    for each in found:
        assert each["low"] <= each["median"] <= each["high"], each
        assert each["confidence"] == 0.5  # 2 rounds: their range holds the median half the time
    for knob in quick["knobs"].values():
        assert knob["measurable"] is False  # nothing is measurable from 2 rounds


def test_six_rounds_are_enough_to_measure_and_one_round_the_other_way_is_noise():
    """The benchmark's own statistics, on made-up rounds (its main() runs only as a script)."""
    spec = importlib.util.spec_from_file_location("parity_benchmark", BENCHMARK)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    same_way = benchmark.measured([0.010, 0.012, 0.011, 0.009, 0.013, 0.010])
    assert same_way["confidence"] >= 0.95 and same_way["measurable"]
    assert (same_way["low"], same_way["high"]) == (0.009, 0.013) and same_way["median"] == pytest.approx(0.0105)
    assert not benchmark.measured([0.010, 0.012, -0.001, 0.009, 0.013, 0.010])["measurable"]
    assert not benchmark.measured([0.010, 0.012, 0.011, 0.009, 0.013])["measurable"]  # 5 rounds: never sure enough
    nine = benchmark.interval([5, 1, 8, 0, 3, 7, 2, 6, 4])  # with 9 rounds, one at each end can be left out
    assert (nine["low"], nine["median"], nine["high"]) == (1, 4, 7) and 0.95 <= nine["confidence"] < 0.97


def test_every_configuration_comes_with_its_description(quick):
    names = quick["names"]
    configurations = quick["configurations"]
    assert list(configurations)[:2] == [names["plain"], names["taught"]]
    assert names["barebones"] in configurations
    assert set(quick["knobs"]) == set(configurations) - {names["plain"], names["taught"]}
    for name, found in configurations.items():
        assert found["description"].strip(), name
    assert configurations[names["barebones"]]["trainer_options"] == {"barebones": True}
    assert configurations[names["taught"]]["trainer_options"] == {}


def test_every_part_of_the_page_renders_from_the_reduced_run(quick):
    page = parity.render_all(quick)
    assert page.count('<svg role="img"') == 2  # the batch-size chart and the settings chart
    assert page.count("<title>") == 2 and page.count("<desc>") == 2  # accessible names
    assert "Reduced mode" in page  # a quick run says so instead of passing for a measurement
    assert not re.search(r"\bnan\b|\binf\b", page, re.I)  # every figure is a number
    for name, found in quick["configurations"].items():  # the names and descriptions, from the benchmark
        assert name in page and found["description"] in page, name
    machine = quick["machine"]
    line = parity.machine_line(quick)
    assert f"{machine['cores']} cores" in line and machine["cpu"] in line and "load average" in line
    assert "goal" not in page.lower()  # the site's own bar is not the reader's question


def test_a_difference_within_the_noise_is_never_shown_as_a_number(quick):
    report = copy.deepcopy(quick)
    knobs = list(report["knobs"])
    within = {"median": -0.004, "low": -0.009, "high": 0.002, "confidence": 0.97, "measurable": False}
    outside = {"median": -0.0212, "low": -0.025, "high": -0.018, "confidence": 0.97, "measurable": True}
    report["knobs"][knobs[0]] = within
    report["knobs"][knobs[1]] = outside
    table = parity.knobs_table(report)
    rows = {row.split(" | ")[0].strip("| "): row for row in table.splitlines()}
    assert "no measurable difference" in rows[knobs[0]]
    assert "**−4.0 ms**" not in rows[knobs[0]]  # its median is not shown as a result
    assert "**−21.2 ms**" in rows[knobs[1]] and "no measurable difference" not in rows[knobs[1]]
    chart = parity.knobs_chart(report)
    assert f"{knobs[0]}: no measurable difference" in chart and f"{knobs[1]}: −21.2 ms" in chart
    # Lightning's extra time per step and per epoch follow the same rule (2 rounds measure nothing for sure).
    assert parity.answer_table(quick).count("no measurable difference") == 6  # ratios, per step, per epoch
    assert parity.headline(quick).count("no time it could measure") == 2
    assert "no measurably longer" in parity.headline(quick)
    assert parity.batch_size_table(quick).count("no measurable difference") == 2 * len(quick["steps"])


def test_the_two_loops_train_the_same_model(quick):
    samples = quick["settings"]["train_samples"]
    for name, found in quick["same_training"].items():
        assert found["max_weight_diff"] == 0.0, f"{name}: weights differ by {found['max_weight_diff']:.1e}"
        size = int(name.rsplit(" ", 1)[1])
        if name.startswith(quick["names"]["barebones"] + ","):
            assert found["losses_agree"] is None  # barebones turns self.log off: no losses to compare
        elif samples % size and samples > size:
            # A smaller last batch: Lightning's epoch loss weighs each batch by its size, the plain loop does not.
            assert found["losses_agree"] is False and found["max_loss_diff"] > 5e-6, name
        else:
            assert found["losses_agree"] is True and found["max_loss_diff"] < 5e-6, name


def test_the_equality_check_catches_a_deliberately_different_model(quick):
    shifted = quick["controls"]["0.001"]
    assert not shifted["losses_agree"], shifted
    assert shifted["max_weight_diff"] > 0
    # The weights see even a shift that the losses' fifth decimal may not.
    assert quick["controls"]["1e-05"]["max_weight_diff"] > 0


def test_the_reduced_run_prints_its_summary(quick_run):
    text = clean(quick_run)
    assert "Trainer as taught: " in text and " per training step, " in text
    assert "no measurable difference" in text  # 2 rounds measure nothing for sure
    assert "control, first layer shifted by 0.001: final losses differ" in text
    assert "Traceback" not in text and "Warning" not in text


def _trainer_keywords(path) -> dict:
    """The keyword arguments of the first ``pl.Trainer(...)`` call in a script, as source text."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("pl.Trainer", "Trainer"):
            return {k.arg: ast.unparse(k.value) for k in node.keywords if k.arg}
    raise AssertionError(f"no Trainer(...) call in {path}")


def test_the_benchmark_trains_what_the_core_page_teaches():
    """Its Trainer as taught is the core page's Trainer, data and model (if that page changes, so must this)."""
    taught = _trainer_keywords(CORE / "train_lightning.py")
    measured = _trainer_keywords(BENCHMARK)
    assert taught.pop("max_epochs") == "5"
    assert measured.pop("max_epochs") == "epochs"
    # The benchmark adds only its clock callback, a scratch folder, and the settings (**trainer_options).
    assert {k: v for k, v in measured.items() if k not in ("callbacks", "default_root_dir")} == taught
    core, bench = (CORE / "train_lightning.py").read_text(), BENCHMARK.read_text()
    for line in (
        "random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))",
        "nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))",
        "nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))",
        "torch.optim.Adam(self.parameters(), lr=1e-3)",
        'self.log("train_loss", loss, on_epoch=True)',
        "DataLoader(val_set, batch_size=200)",
    ):
        assert line in core and line in bench, line
    assert "DataLoader(train_set, batch_size=32, shuffle=True)" in core
    assert "DataLoader(train_set, batch_size=batch_size, shuffle=True)" in bench
    assert "Sampler" not in core and "Sampler" not in bench and "set_epoch" not in bench


def _functions(path) -> dict[str, str]:
    """Every function and method of a script, by name (a method as Class.name), as its syntax tree."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text())):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef):
                owner = f"{node.name}." if isinstance(node, ast.ClassDef) else ""
                found[owner + child.name] = ast.dump(child)
    return found


def test_the_benchmark_runs_the_core_pages_loop_and_hook():
    """The plain loop's functions are the core page's, unchanged; the LightningModule logs the
    gradients' norms in on_before_optimizer_step, as the core page's does, and leaves backward to
    Lightning."""
    core = _functions(CORE / "train_pytorch.py") | _functions(CORE / "train_lightning.py")
    bench = _functions(BENCHMARK)
    for name in ("train_one_epoch", "validate", "LitAutoEncoder.on_before_optimizer_step"):
        assert bench[name] == core[name], name
    assert "LitAutoEncoder.backward" not in core and "LitAutoEncoder.backward" not in bench


def test_the_page_shows_every_section_of_the_benchmark_in_order():
    code = BENCHMARK.read_text()
    sections = re.findall(r"--8<-- \[start:([a-z][-_0-9a-z]*)\]", code)
    shown = re.findall(r'--8<-- "snippets/parity/benchmark\.py:([^"]+)"', (REPO / "docs" / "parity.md").read_text())
    assert shown == sections  # every section shown, once, in order, and every name shown exists
    outside = re.sub(r"# --8<-- \[start:([-\w]+)\].*?# --8<-- \[end:\1\]", "", code, flags=re.S)
    assert outside.strip() == "", f"lines outside every section:\n{outside}"


def test_the_built_page_shows_the_charts_the_tables_and_the_machine(built_site):
    html = (built_site / "parity" / "index.html").read_text()
    assert html.count('<svg role="img"') == 2
    assert "relative to the plain loop, by batch size" in html  # the charts' accessible names
    assert "What each setting changes" in html
    assert "<th>configuration</th>" in html and "<td>barebones</td>" in html
    assert "cores" in html and "torch thread" in html and "load average" in html
    assert 'class="snippet-run"' in html
    assert "Traceback" not in html and "round 1 of" not in html  # the progress lines are left out
