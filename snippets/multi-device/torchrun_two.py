"""Start train_ddp_pytorch.py under torchrun, two processes on this machine, with a time limit.

    python snippets/multi-device/torchrun_two.py

It runs `torchrun --standalone --nproc-per-node 2 train_ddp_pytorch.py` (torchrun is
`python -m torch.distributed.run`) and stops it, and the processes it started, after four minutes.
"""

# --8<-- [start:launch]
import subprocess
import sys
from pathlib import Path

script = Path(__file__).with_name("train_ddp_pytorch.py")
# torchrun: --standalone picks a free port on this machine; --nproc-per-node: processes to start
command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(script)]
torchrun = subprocess.Popen(command)
try:
    exit_code = torchrun.wait(timeout=240)
except subprocess.TimeoutExpired:
    torchrun.terminate()  # torchrun passes SIGTERM on to its processes and waits for them
    torchrun.wait(timeout=45)
    raise
finally:
    torchrun.kill()
sys.exit(exit_code)
# --8<-- [end:launch]
