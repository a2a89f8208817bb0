"""The Fabric page: the core page's loop through Fabric, on one process bit-identical to the plain
loop, on two real CPU processes with equal replicas, and its checkpoint loaded back exactly."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
import torch

from conftest import REPO, assert_processes_gone
from pages import fabric
from pages import from_pytorch_to_lightning as core
from snippet_runner import clean
from snippet_runner import sections as script_sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

SCRIPT = "snippets/fabric/train_fabric.py"
CORE_PYTORCH = "snippets/from-pytorch-to-lightning/train_pytorch.py"
CORE_LIGHTNING = "snippets/from-pytorch-to-lightning/train_lightning.py"
PAGE = REPO / "docs" / "fabric.md"
EPOCH_LINE = re.compile(r"^epoch \d+: train_loss [0-9.]+  val_loss [0-9.]+$", re.M)
RANK_LINE = re.compile(
    r"^rank (\d) of (\d) \(pid (\d+)\): (\d+) training and (\d+) validation batches an epoch, "
    r"weights sha256 ([0-9a-f]{16})$",
    re.M,
)


def ranks(run) -> list[dict]:
    found = [
        {"rank": int(r), "world": int(w), "pid": int(p), "train": int(t), "val": int(v), "sha": s}
        for r, w, p, t, v, s in RANK_LINE.findall(clean(run.result()))
    ]
    return sorted(found, key=lambda record: record["rank"])


def checksum(weights: dict[str, torch.Tensor]) -> str:
    """What the scripts print: SHA-256 of the parameters' bytes, in order."""
    return hashlib.sha256(b"".join(t.numpy().tobytes() for t in weights.values())).hexdigest()[:16]


def sections(script: str) -> list[str]:
    return script_sections.names(REPO / script)


# ---------------------------------------------------------------------------------------------
# One process: the plain loop's numbers and weights, bit for bit


def test_on_one_process_fabric_prints_the_plain_loops_losses():
    assert EPOCH_LINE.findall(clean(fabric.train_fabric.result())) == EPOCH_LINE.findall(
        clean(core.train_pytorch.result())
    )
    [record] = ranks(fabric.train_fabric)
    assert (record["rank"], record["world"], record["train"], record["val"]) == (0, 1, 100, 4)


def test_on_one_process_fabric_ends_with_bit_identical_weights():
    plain = torch.load(core.train_pytorch.result().workdir / "autoencoder_pytorch.pt", weights_only=True)
    saved = torch.load(fabric.train_fabric.result().workdir / "autoencoder_fabric.ckpt", weights_only=True)
    assert sorted(saved) == ["epoch", "model", "optimizer"]
    assert saved["epoch"] == 4
    assert saved["model"].keys() == plain.keys()
    assert all(torch.equal(saved["model"][name], plain[name]) for name in plain)
    # The weights really trained, and the file holds what the run printed.
    torch.manual_seed(0)
    assert (plain["encoder.0.weight"] - torch.nn.Linear(28 * 28, 64).weight).abs().max() > 1e-3
    assert checksum(saved["model"]) == ranks(fabric.train_fabric)[0]["sha"]
    output = clean(fabric.compare_weights.result())
    assert output.count("equal: True") == 8 and "equal: False" not in output
    assert output.endswith("largest difference over all 101,651 weights: 0.0e+00")


# ---------------------------------------------------------------------------------------------
# Two processes


def test_on_two_processes_each_trains_half_and_the_replicas_stay_equal():
    run = fabric.train_fabric_two.result()
    output = clean(run)
    assert "distributed_backend=gloo" in output
    assert "All distributed processes registered. Starting with 2 processes" in output
    found = ranks(fabric.train_fabric_two)
    assert [(r["rank"], r["world"], r["train"], r["val"]) for r in found] == [(0, 2, 50, 2), (1, 2, 50, 2)]
    pids = {r["pid"] for r in found}
    assert len(pids) == 2 and os.getpid() not in pids
    assert found[0]["sha"] == found[1]["sha"], "the two replicas ended with different weights"
    # fabric.print: one line per epoch, from rank 0; the losses are not the one-process run's.
    two = EPOCH_LINE.findall(output)
    assert len(two) == 5
    assert two != EPOCH_LINE.findall(clean(fabric.train_fabric.result()))
    # One checkpoint, written by rank 0, holding the weights both ranks ended with.
    assert [p.name for p in run.workdir.glob("*.ckpt")] == ["autoencoder_fabric.ckpt"]
    saved = torch.load(run.workdir / "autoencoder_fabric.ckpt", weights_only=True)["model"]
    assert checksum(saved) == found[0]["sha"]
    assert_processes_gone(pids, "train_fabric.py")


# ---------------------------------------------------------------------------------------------
# Loading


def test_fabric_load_restores_the_weights_the_optimizer_and_returns_the_rest():
    output = clean(fabric.load_fabric.result())
    assert "not in state, returned: {'epoch': 4}" in output
    assert "optimizer restored at step 500" in output
    assert f"weights sha256 {ranks(fabric.train_fabric)[0]['sha']}" in output


def test_fabric_setup_runs_the_model_in_autocast_with_bf16_mixed():
    from lightning_fabric import Fabric

    layer = torch.nn.Linear(3, 2)
    seen = []
    layer.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    model = Fabric(accelerator="cpu", devices=1, precision="bf16-mixed").setup(layer)
    assert model(torch.ones(1, 3)).dtype == torch.float32  # handed back in float32...
    assert seen == [torch.bfloat16]  # ...computed in bfloat16


# ---------------------------------------------------------------------------------------------
# The script and the page


def test_the_fabric_script_keeps_the_plain_loops_sections_and_drops_its_device_code():
    assert set(sections(SCRIPT)) == set(sections(CORE_PYTORCH)) | {"proof"}
    source = (REPO / SCRIPT).read_text()
    code = "\n".join(line.split("#")[0] for line in source.splitlines())  # the comments name what was replaced
    assert ".to(device)" not in code and "torch.device(" not in code
    assert "loss.backward()" not in code and "set_epoch(" not in code
    for kept in ("optimizer.zero_grad()", "optimizer.step()", "model.train()", "model.eval()", "torch.no_grad()"):
        assert kept in code, kept


def test_the_page_shows_every_section_of_the_fabric_script_in_order_in_three_tabs():
    page = PAGE.read_text()
    assert script_sections.shown(page, SCRIPT) == sections(SCRIPT)
    for script in (CORE_PYTORCH, CORE_LIGHTNING):
        shown_core = set(script_sections.shown(page, script))
        assert set(sections(script)) - {"imports"} <= shown_core, script
    # Six three-tab sets, one per step (the model's in a collapsed block, hence indented).
    assert len(re.findall(r'^ *=== "Fabric"$', page, re.M)) == 6


def test_the_page_shows_the_measured_runs(built_site):
    html = (built_site / "fabric" / "index.html").read_text()
    assert "largest difference over all 101,651 weights: 0.0e+00" in html
    for record in ranks(fabric.train_fabric_two):
        assert f"rank {record['rank']} of 2 (pid {record['pid']})" in html
