"""The Several devices page (docs/multi-device.md): the sampler split, a real 2-process DDP run
in plain PyTorch (under torchrun) and in Lightning, the error on a machine without a GPU, and
two nodes on one machine."""

from snippet_runner import Run

FOLDER = "snippets/multi-device"

sampler_split = Run(f"{FOLDER}/sampler_split.py")
# torchrun_two.py runs `torchrun --standalone --nproc-per-node 2 train_ddp_pytorch.py`.
torchrun_two = Run(f"{FOLDER}/torchrun_two.py", uses=(f"{FOLDER}/train_ddp_pytorch.py",))
train_ddp = Run(f"{FOLDER}/train_ddp.py")
# The same script asked for GPUs where there are none: the page shows the error it ends with.
train_ddp_no_gpu = Run(
    f"{FOLDER}/train_ddp.py", args=("--accelerator", "gpu"), env={"CUDA_VISIBLE_DEVICES": ""}, returncode=1
)
# two_nodes.py starts train_ddp.py twice, as node 0 and node 1.
two_nodes = Run(f"{FOLDER}/two_nodes.py", uses=(f"{FOLDER}/train_ddp.py",))
