"""The Installation page: the install check ran, and the import-name table is what the packages hold."""

from __future__ import annotations

import re
from importlib import metadata

import pytest

from conftest import REPO
from pages import installation
from snippet_runner import clean

pytestmark = pytest.mark.usefixtures("all_runs")

TABLE_ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \|$", re.M)


def test_the_install_check_prints_the_installed_versions_and_runs_a_trainer():
    # The run is declared to exit 0, and result() fails on any other exit code.
    assert installation.check_install.returncode == 0
    output = clean(installation.check_install.result())
    assert f"torch             {metadata.version('torch')}" in output
    assert f"pytorch-lightning {metadata.version('pytorch-lightning')}" in output
    # A Trainer ran: fast_dev_run, one training step, then fit stopped.
    assert "Running in `fast_dev_run` mode: will run the requested loop using 1 batch(es)." in output
    assert "`Trainer.fit` stopped: `max_steps=1` reached." in output
    assert re.search(r"^a Trainer ran 1 training step on (cpu|cuda:\d+|mps(:\d+)?)$", output, re.M)


def test_every_row_of_the_import_table_names_the_same_class_in_both_packages():
    import lightning as L  # noqa: F401, N812  (the rows are evaluated with these names)
    import lightning_fabric  # noqa: F401
    import pytorch_lightning as pl  # noqa: F401

    page = (REPO / "docs" / "installation.md").read_text()
    rows = TABLE_ROW.findall(page)
    assert rows[0] == ("import pytorch_lightning as pl", "import lightning as L")
    assert len(rows) >= 6
    for ours, theirs in rows[1:]:
        a, b = eval(ours), eval(theirs)
        assert a.__qualname__ == b.__qualname__, (ours, theirs)
        assert a is not b, "two copies of the code, as the page says"
        assert b.__module__ == a.__module__.replace("pytorch_lightning", "lightning.pytorch").replace(
            "lightning_fabric", "lightning.fabric"
        ), (ours, theirs)


def test_the_script_printed_one_mapping_per_table_row_and_the_mixing_error():
    output = clean(installation.import_names.result())
    lines = [
        line.split() for line in output.splitlines() if line.startswith(("pytorch_lightning.", "lightning_fabric."))
    ]
    page_rows = TABLE_ROW.findall((REPO / "docs" / "installation.md").read_text())[1:]
    assert len(lines) == len(page_rows)
    for (ours, theirs), (_, docs_name) in zip(lines, page_rows):
        assert theirs == ours.replace("pytorch_lightning.", "lightning.pytorch.").replace(
            "lightning_fabric.", "lightning.fabric."
        )
        assert ours.rsplit(".", 1)[1] == docs_name.rsplit(".", 1)[1]
    assert re.search(r"^TypeError: `model` must be a `LightningModule`.*got `TinyModule`$", output, re.M)
