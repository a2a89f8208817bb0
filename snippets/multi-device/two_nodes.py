"""Run train_ddp.py as two nodes of one device each, on this one machine, as a cluster launcher would.

    python snippets/multi-device/two_nodes.py

A cluster launcher starts the same command once per node, each with the same MASTER_ADDR,
MASTER_PORT and WORLD_SIZE and its own NODE_RANK; here both "nodes" are 127.0.0.1.
Each node writes its output to node<N>.log, the way a cluster keeps one log per node.
"""

# --8<-- [start:launch]
import os
import socket
import subprocess
import sys
from pathlib import Path

script = Path(__file__).with_name("train_ddp.py")
with socket.socket() as probe:  # a free port, for rank 0 to listen on
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]

nodes = []
for node_rank in range(2):
    env = dict(
        os.environ,
        MASTER_ADDR="127.0.0.1",  # where rank 0 listens: node 0's address on a real cluster
        MASTER_PORT=str(port),
        WORLD_SIZE="2",  # processes in all: nodes x devices per node
        NODE_RANK=str(node_rank),  # which machine this is
        LOCAL_RANK="0",  # which device on it; also tells Lightning not to start processes itself
    )
    command = [sys.executable, str(script), "--devices", "1", "--num-nodes", "2"]
    with open(f"node{node_rank}.log", "w") as log:  # one log per node, as on a cluster
        nodes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
try:
    exit_codes = [node.wait(timeout=300) for node in nodes]
finally:
    for node in nodes:  # pass, fail or time-out: no node outlives the launcher
        node.kill()
# --8<-- [end:launch]

for node_rank in range(2):
    print(f"===== node{node_rank}.log (exit code {exit_codes[node_rank]})")
    print(Path(f"node{node_rank}.log").read_text())
sys.exit(max(exit_codes))
