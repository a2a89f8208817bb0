"""The multi-device page: DDP on two real CPU processes (plain PyTorch under torchrun, and
Lightning), two nodes on one machine, torchrun, and the GPU error, checked from what each
process wrote down.

Every launch here is bounded by a timeout, starts in a process session of its own and carries
a marker in its environment; when a launch ends, passed or failed, its sessions are killed and
every process carrying its marker too (torchrun starts its workers in sessions of their own),
and the test fails if any of them is still alive.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import REPO, free_port
from pages import multi_device
from snippet_runner import clean
from snippet_runner.runner import data_root, script_environment

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = "snippets/multi-device"
TRAIN = f"{FOLDER}/train_ddp.py"
TWO_NODES = f"{FOLDER}/two_nodes.py"
TRAIN_PYTORCH = f"{FOLDER}/train_ddp_pytorch.py"
TORCHRUN_TWO = f"{FOLDER}/torchrun_two.py"
# The command the page tells readers to run for the PyTorch script.
TORCHRUN_COMMAND = f"torchrun --standalone --nproc-per-node 2 {TRAIN_PYTORCH}"

TRAIN_SET = 3200
BATCH_SIZE = 32
EPOCHS = 2
LAUNCH_TIMEOUT = 240  # seconds for a whole two-process launch; one takes 10 to 30 s
MARKER = "MULTI_DEVICE_TEST_LAUNCH"
# Variables that would make Lightning see another launcher, or another rank, than the test sets.
FOREIGN = re.compile(
    r"^(SLURM_|TORCHELASTIC_|LSB_|LSF_|OMPI_|PMI_|PMIX_)"
    r"|^(MASTER_ADDR|MASTER_PORT|NODE_RANK|GROUP_RANK|RANK|WORLD_SIZE|LOCAL_RANK|LOCAL_WORLD_SIZE|PL_GLOBAL_SEED)$"
)


# ---------------------------------------------------------------------------------------------
# Launching, bounded and cleaned up


def base_environment(marker: str) -> dict[str, str]:
    """The test's environment without launcher variables, set as the snippet runner sets it."""
    env = script_environment({MARKER: marker})
    return {k: v for k, v in env.items() if not FOREIGN.search(k)}


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, session id) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[3])


def live_processes(sessions: set[int], marker: str) -> list[int]:
    """Processes that are not zombies and are in one of ``sessions`` or carry ``marker``."""
    found = []
    needle = f"{MARKER}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] in "ZX":
            continue
        if stat[1] in sessions:
            found.append(int(entry.name))
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


class Launch:
    """Processes started for one test, each in a session of its own, with its log in a file."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.marker = uuid.uuid4().hex
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def env(self, **variables: str) -> dict[str, str]:
        return {**base_environment(self.marker), **variables}

    def start(self, command: list[str], env: dict[str, str], log: str) -> subprocess.Popen:
        path = self.cwd / log
        with path.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        self.logs.append(path)
        return process

    def wait(self, timeout: float = LAUNCH_TIMEOUT) -> list[int]:
        """Every process's exit code; raises subprocess.TimeoutExpired past ``timeout`` for them all."""
        deadline = time.monotonic() + timeout
        return [p.wait(timeout=max(0.1, deadline - time.monotonic())) for p in self.processes]

    def log_text(self) -> str:
        return "\n".join(f"----- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in self.logs)

    def kill_all(self) -> list[int]:
        """Kill every session and every marked process; return those still alive after 10 s."""
        sessions = {p.pid for p in self.processes}
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # torchrun passes it on to its workers
        deadline = time.monotonic() + 10
        while True:
            for pid in [p.pid for p in self.processes] + live_processes(sessions, self.marker):
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            for process in self.processes:
                try:
                    process.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
            left = live_processes(sessions, self.marker)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.2)


@contextmanager
def launch(cwd: Path):
    """A Launch whose processes are all gone when the block ends, passed, failed or timed out."""
    cwd.mkdir(parents=True, exist_ok=True)
    data = cwd / "data"
    if not data.exists():
        data.symlink_to(data_root().resolve(), target_is_directory=True)
    started = Launch(cwd)
    try:
        yield started
    finally:
        left = started.kill_all()
        assert not left, f"processes still running after the launch: {left}"


def run_to_the_end(started: Launch) -> None:
    try:
        codes = started.wait()
    except subprocess.TimeoutExpired:
        pytest.fail(f"the launch did not finish in {LAUNCH_TIMEOUT} s and was killed:\n{started.log_text()}")
    assert codes == [0] * len(codes), f"exit codes {codes}:\n{started.log_text()}"


# ---------------------------------------------------------------------------------------------
# What the processes wrote down


def records(folder: Path) -> list[dict]:
    found = [json.loads(path.read_text()) for path in sorted(folder.glob("ddp_ranks/rank*.json"))]
    return sorted(found, key=lambda r: r["global_rank"])


def assert_one_process_group_of_two(ranks: list[dict]) -> None:
    assert len(ranks) == 2, ranks
    assert [r["global_rank"] for r in ranks] == [0, 1]
    assert {r["world_size"] for r in ranks} == {2}
    pids = [r["pid"] for r in ranks]
    assert len(set(pids)) == 2, f"two ranks, one process: {pids}"
    assert os.getpid() not in pids


def assert_the_split_covers_the_training_set(ranks: list[dict]) -> None:
    """Every epoch: no sample twice in a rank, no sample in two ranks, every sample in one."""
    for epoch in range(EPOCHS):
        shares = []
        for rank in ranks:
            batches = rank["epochs"][epoch]
            assert len(batches) == TRAIN_SET // BATCH_SIZE // 2
            assert all(len(batch) == BATCH_SIZE for batch in batches)
            indices = [index for batch in batches for index in batch]
            assert len(indices) == len(set(indices)), f"rank {rank['global_rank']} saw a sample twice in epoch {epoch}"
            shares.append(set(indices))
        assert not shares[0] & shares[1], f"epoch {epoch}: {len(shares[0] & shares[1])} samples went to both ranks"
        assert shares[0] | shares[1] == set(range(TRAIN_SET)), f"epoch {epoch}: the shares miss samples"
    for rank in ranks:  # a new order every epoch
        assert rank["epochs"][0] != rank["epochs"][1]


def assert_identical_weights(ranks: list[dict]) -> str:
    checksums = {r["weights_sha256"] for r in ranks}
    assert len(checksums) == 1, f"the replicas differ: {checksums}"
    return checksums.pop()


def assert_gone(pids: list[int], script: str = TRAIN) -> None:
    name = Path(script).name.encode()
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        stat = _stat(pid)
        assert name not in cmdline or stat is None or stat[0] in "ZX", f"process {pid} is still running"


def rank_zero_lines(output: str) -> list[str]:
    """The epoch lines rank 0 printed: the losses, means over both processes."""
    return re.findall(
        r"^epoch \d+: train_loss [0-9.]+  val_loss [0-9.]+  \(means over all 2 processes\)$", output, re.M
    )


# ---------------------------------------------------------------------------------------------
# The two-process run the page shows (the build's runner, in its own process and cache)


@pytest.fixture(scope="module")
def ddp_run():
    return multi_device.train_ddp.result()


@pytest.fixture(scope="module")
def ddp_ranks(ddp_run):
    return records(ddp_run.workdir)


def test_ddp_runs_two_real_processes(ddp_run, ddp_ranks):
    assert_one_process_group_of_two(ddp_ranks)
    assert [r["local_rank"] for r in ddp_ranks] == [0, 1]
    assert [r["node_rank"] for r in ddp_ranks] == [0, 0]
    assert {r["device"] for r in ddp_ranks} == {"cpu"}
    # Rank 0 is the process the runner started; rank 1 is Lightning running the command again.
    assert {r["cluster_environment"] for r in ddp_ranks} == {"LightningEnvironment"}
    assert ddp_ranks[0]["launched_with"] == {}
    assert ddp_ranks[1]["launched_with"]["LOCAL_RANK"] == "1"
    assert ddp_ranks[1]["launched_with"]["WORLD_SIZE"] == "2"
    output = clean(ddp_run)
    assert "distributed_backend=gloo" in output
    assert "All distributed processes registered. Starting with 2 processes" in output
    for rank in ddp_ranks:
        for epoch in range(EPOCHS):
            line = f"rank {rank['global_rank']} (pid {rank['pid']}): epoch {epoch}: 50 batches, 1600 samples"
            assert line in output
    assert_gone([r["pid"] for r in ddp_ranks])


def test_ddp_splits_the_training_set_between_the_processes(ddp_ranks):
    assert_the_split_covers_the_training_set(ddp_ranks)


def test_ddp_replicas_end_with_identical_weights(ddp_run, ddp_ranks):
    checksum = assert_identical_weights(ddp_ranks)
    output = clean(ddp_run)
    for rank in ddp_ranks:
        assert f"rank {rank['global_rank']} (pid {rank['pid']}): weights sha256 {checksum[:16]}" in output


def test_ddp_prints_and_saves_once_on_rank_zero(ddp_run):
    output = clean(ddp_run)
    for epoch in range(EPOCHS):
        assert (
            len(re.findall(rf"^epoch {epoch}: train_loss [0-9.]+  val_loss [0-9.]+  \(means over all 2", output, re.M))
            == 1
        )
    assert [p.name for p in ddp_run.workdir.glob("*.pt")] == ["autoencoder_ddp.pt"]
    checkpoints = list(ddp_run.workdir.glob("lightning_logs/*/checkpoints/*.ckpt"))
    assert [c.name for c in checkpoints] == [f"epoch={EPOCHS - 1}-step={EPOCHS * 50}.ckpt"]


# ---------------------------------------------------------------------------------------------
# The plain PyTorch script under torchrun (the page's PyTorch tab), run by the build


@pytest.fixture(scope="module")
def torchrun_run():
    return multi_device.torchrun_two.result()


@pytest.fixture(scope="module")
def torchrun_ranks(torchrun_run):
    return records(torchrun_run.workdir)


def test_torchrun_runs_the_pytorch_script_as_two_real_processes(torchrun_run, torchrun_ranks):
    assert_one_process_group_of_two(torchrun_ranks)
    assert [r["local_rank"] for r in torchrun_ranks] == [0, 1]
    assert [r["node_rank"] for r in torchrun_ranks] == [0, 0]
    # torchrun started both processes (the launcher is neither) and told each where it stands.
    assert torchrun_run.output.count("started with MASTER_ADDR=") == 2
    for rank in torchrun_ranks:
        launched = rank["launched_with"]
        assert launched["RANK"] == launched["LOCAL_RANK"] == str(rank["global_rank"])
        assert launched["WORLD_SIZE"] == "2" and launched["GROUP_RANK"] == "0"
    assert len({r["launched_with"]["MASTER_PORT"] for r in torchrun_ranks}) == 1
    output = clean(torchrun_run)
    for rank in torchrun_ranks:
        for epoch in range(EPOCHS):
            line = f"rank {rank['global_rank']} (pid {rank['pid']}): epoch {epoch}: 50 batches, 1600 samples"
            assert line in output
    assert "Traceback" not in output and "terminate called" not in output
    assert_gone([r["pid"] for r in torchrun_ranks], TRAIN_PYTORCH)


def test_torchrun_splits_the_training_set_between_the_processes(torchrun_ranks):
    assert_the_split_covers_the_training_set(torchrun_ranks)


def test_torchrun_replicas_end_with_identical_weights(torchrun_run, torchrun_ranks):
    checksum = assert_identical_weights(torchrun_ranks)
    output = clean(torchrun_run)
    for rank in torchrun_ranks:
        assert f"rank {rank['global_rank']} (pid {rank['pid']}): weights sha256 {checksum[:16]}" in output


def test_torchrun_prints_and_saves_once_on_rank_zero(torchrun_run):
    assert len(rank_zero_lines(clean(torchrun_run))) == EPOCHS
    assert [p.name for p in torchrun_run.workdir.glob("*.pt")] == ["autoencoder_ddp.pt"]


def test_the_pytorch_and_lightning_tabs_are_the_same_run(torchrun_run, torchrun_ranks, ddp_run, ddp_ranks):
    """Same samples to the same ranks in the same order, same losses, bit-identical weights."""
    for plain, lightning in zip(torchrun_ranks, ddp_ranks):
        assert plain["epochs"] == lightning["epochs"], f"rank {plain['global_rank']}: other batches"
    assert rank_zero_lines(clean(torchrun_run)) == rank_zero_lines(clean(ddp_run))
    assert assert_identical_weights(torchrun_ranks) == assert_identical_weights(ddp_ranks)


def test_the_launcher_runs_the_command_the_page_shows():
    page = (REPO / "docs" / "multi-device.md").read_text()
    assert TORCHRUN_COMMAND in page
    launcher = (REPO / TORCHRUN_TWO).read_text()
    assert '"torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(script)' in launcher
    assert '"train_ddp_pytorch.py"' in launcher
    assert "timeout=" in launcher
    # The cached run follows the training script it starts.
    assert TRAIN_PYTORCH in multi_device.torchrun_two.uses


def test_the_pages_torchrun_command_run_directly(tmp_path, torchrun_ranks):
    """torchrun itself, started as the page shows it (torchrun is python -m torch.distributed.run),
    bounded and cleaned up like every launch here: the same run as the build's."""
    with launch(tmp_path) as started:
        command = TORCHRUN_COMMAND.replace("torchrun", f"{sys.executable} -m torch.distributed.run", 1).split()
        started.start([*command[:-1], str(REPO / TRAIN_PYTORCH)], started.env(), "torchrun.log")
        run_to_the_end(started)
    ranks = records(tmp_path)
    assert_one_process_group_of_two(ranks)
    assert_the_split_covers_the_training_set(ranks)
    assert assert_identical_weights(ranks) == assert_identical_weights(torchrun_ranks)
    assert_gone([r["pid"] for r in ranks], TRAIN_PYTORCH)


# ---------------------------------------------------------------------------------------------
# Two nodes on one machine, started as a cluster launcher starts them


def test_two_nodes_on_one_machine_join_one_process_group(tmp_path, ddp_ranks):
    port = str(free_port())
    started_at = time.perf_counter()
    with launch(tmp_path) as started:
        for node_rank in (0, 1):
            env = started.env(
                MASTER_ADDR="127.0.0.1", MASTER_PORT=port, WORLD_SIZE="2", NODE_RANK=str(node_rank), LOCAL_RANK="0"
            )
            started.start(
                [sys.executable, str(REPO / TRAIN), "--devices", "1", "--num-nodes", "2"], env, f"node{node_rank}.log"
            )
        run_to_the_end(started)
    seconds = time.perf_counter() - started_at
    ranks = records(tmp_path)
    assert_one_process_group_of_two(ranks)
    assert [r["node_rank"] for r in ranks] == [0, 1]
    assert [r["local_rank"] for r in ranks] == [0, 0]
    # No launcher of its own to detect: Lightning reads the plain variables (LightningEnvironment).
    assert {r["cluster_environment"] for r in ranks} == {"LightningEnvironment"}
    assert [r["launched_with"]["NODE_RANK"] for r in ranks] == ["0", "1"]
    assert {r["launched_with"]["MASTER_PORT"] for r in ranks} == {port}
    assert_the_split_covers_the_training_set(ranks)
    # Two nodes of one device compute what one machine of two devices computes.
    assert assert_identical_weights(ranks) == assert_identical_weights(ddp_ranks)
    assert "All distributed processes registered. Starting with 2 processes" in (tmp_path / "node0.log").read_text()
    assert_gone([r["pid"] for r in ranks])
    print(f"two nodes on one machine: {seconds:.1f} s")


def test_torchrun_two_nodes_as_the_page_shows(tmp_path, ddp_ranks):
    port = str(free_port())
    with launch(tmp_path) as started:
        for node_rank in (0, 1):
            command = [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--nnodes",
                "2",
                "--nproc-per-node",
                "1",
                "--node-rank",
                str(node_rank),
                "--master-addr",
                "127.0.0.1",
                "--master-port",
                port,
                str(REPO / TRAIN),
                "--devices",
                "1",
                "--num-nodes",
                "2",
            ]
            started.start(command, started.env(), f"torchrun{node_rank}.log")
        run_to_the_end(started)
    ranks = records(tmp_path)
    assert_one_process_group_of_two(ranks)
    assert [r["node_rank"] for r in ranks] == [0, 1]
    assert {r["cluster_environment"] for r in ranks} == {"TorchElasticEnvironment"}
    assert [r["launched_with"]["GROUP_RANK"] for r in ranks] == ["0", "1"]  # torchrun's name for the node rank
    assert_the_split_covers_the_training_set(ranks)
    assert assert_identical_weights(ranks) == assert_identical_weights(ddp_ranks)
    assert_gone([r["pid"] for r in ranks])


def test_a_node_whose_partner_never_comes_is_killed_at_the_timeout(tmp_path):
    """Node 1 alone waits for rank 0 (for half an hour, by default); the launch's timeout ends
    the wait, and leaving the block kills it and everything it started."""
    waiting = "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2"
    log = tmp_path / "node1.log"
    with launch(tmp_path) as started:
        env = started.env(
            MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), WORLD_SIZE="2", NODE_RANK="1", LOCAL_RANK="0"
        )
        node = started.start(
            [sys.executable, str(REPO / TRAIN), "--devices", "1", "--num-nodes", "2"], env, "node1.log"
        )
        deadline = time.monotonic() + LAUNCH_TIMEOUT
        while waiting not in log.read_text() and node.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert waiting in log.read_text(), started.log_text()
        with pytest.raises(subprocess.TimeoutExpired):
            started.wait(timeout=5)
        assert node.poll() is None  # still waiting for rank 0 when its time was up
        marker, session = started.marker, node.pid
    # launch() killed it and checked; check again from outside.
    assert live_processes({session}, marker) == []


def test_the_launchers_cached_run_follows_the_training_script():
    """two_nodes.py starts train_ddp.py as a process; an edit to train_ddp.py must re-run it."""
    assert TRAIN in multi_device.two_nodes.uses
    assert '"train_ddp.py"' in (REPO / TWO_NODES).read_text()


def test_the_page_two_nodes_launcher_runs_two_nodes(ddp_ranks):
    run = multi_device.two_nodes.result()
    ranks = records(run.workdir)
    assert_one_process_group_of_two(ranks)
    assert [r["node_rank"] for r in ranks] == [0, 1]
    assert {r["cluster_environment"] for r in ranks} == {"LightningEnvironment"}
    assert assert_identical_weights(ranks) == assert_identical_weights(ddp_ranks)
    output = clean(run)
    assert "===== node0.log (exit code 0)" in output and "===== node1.log (exit code 0)" in output
    assert_gone([r["pid"] for r in ranks])


# ---------------------------------------------------------------------------------------------
# The GPU option without a GPU, and the sampler demonstration


def test_the_gpu_option_on_a_machine_without_a_gpu_is_lightnings_error():
    output = clean(multi_device.train_ddp_no_gpu.result())
    assert output.rstrip().endswith("MisconfigurationException: No supported gpu backend found!")
    assert "Epoch" not in output and "rank 0 (pid" not in output  # it stopped before training


def test_the_gpu_option_reaches_the_trainer_without_an_edit():
    page = (REPO / "docs" / "multi-device.md").read_text()
    assert "python snippets/multi-device/train_ddp.py --accelerator gpu" in page
    source = (REPO / TRAIN).read_text()
    assert "accelerator=args.accelerator" in source
    assert ".cuda(" not in source and "torch.device(" not in source


def test_the_sampler_demonstration():
    output = clean(multi_device.sampler_split.result())
    assert "3 processes, rank 2: [2, 5, 8, 11]" in output
    assert "10 samples, rank 1: [1, 4, 7, 0]" in output  # padded with a repeat
    assert "num_replicas=1, rank 0: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" in output
    for epoch in (0, 1):
        shares = re.search(rf"^epoch {epoch}: rank 0 (\[.*?\])  rank 1 (\[.*?\])$", output, re.M)
        zero, one = json.loads(shares.group(1)), json.loads(shares.group(2))
        assert sorted(zero + one) == list(range(12))


def test_the_page_shows_the_runs(built_site, ddp_ranks, torchrun_ranks):
    html = (built_site / "multi-device" / "index.html").read_text()
    for rank in [*torchrun_ranks, *ddp_ranks]:
        assert f"rank {rank['global_rank']} (pid {rank['pid']}): weights sha256 {rank['weights_sha256'][:16]}" in html
    assert "distributed_backend=gloo" in html
    assert "No supported gpu backend found!" in html
    assert "===== node1.log (exit code 0)" in html
