"""Train the auto-encoder with plain PyTorch DDP: one process per device, started by torchrun.

    torchrun --standalone --nproc-per-node 2 snippets/multi-device/train_ddp_pytorch.py   # 2 processes on the CPU (gloo)

Each process prints its rank, its process id, how many batches and samples it trained on,
and a checksum of its weights at the end; it also writes what it saw to ddp_ranks/rank<N>.json.
"""

# --8<-- [start:imports]
import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:options]
# What torchrun put in this process's environment: where rank 0 listens, and where this process stands.
LAUNCH_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "NODE_RANK", "GROUP_RANK", "RANK", "WORLD_SIZE", "LOCAL_RANK")
launched_with = {name: os.environ[name] for name in LAUNCH_VARIABLES if name in os.environ}

parser = argparse.ArgumentParser(description="Train the auto-encoder with DDP; start it with torchrun.")
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--out", default="ddp_ranks", help="folder where each process writes what it saw")
args = parser.parse_args()
# --8<-- [end:options]

# --8<-- [start:process-group]
# Join the other processes: init_process_group reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT
# from the environment torchrun set, and waits until all WORLD_SIZE processes have joined.
dist.init_process_group("gloo")  # gloo on CPUs; "nccl" on NVIDIA GPUs
rank, world_size = dist.get_rank(), dist.get_world_size()
# Each line in one write, "\n" included: print() writes the text and the newline apart, and
# another process's line can land in between.
launch = " ".join(f"{k}={v}" for k, v in launched_with.items())
sys.stdout.write(f"rank {rank} (pid {os.getpid()}): started with {launch}\n")
# --8<-- [end:process-group]


# --8<-- [start:data]
class WithIndex(Dataset):
    """The training set, yielding (image, index) pairs, so that each process can tell which samples it got."""

    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image, _ = self.data[index]
        return image, index


dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
# One DistributedSampler per loader gives this process its share of the samples (rank and world
# size come from the process group); shuffle=True draws a new order per epoch from seed + epoch.
train_sampler = DistributedSampler(train_set, shuffle=True, seed=0)
train_loader = DataLoader(WithIndex(train_set), batch_size=32, sampler=train_sampler)
val_loader = DataLoader(val_set, batch_size=200, sampler=DistributedSampler(val_set, shuffle=False))
# --8<-- [end:data]


# --8<-- [start:model]
class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
# --8<-- [end:model]


# --8<-- [start:training]
seen = []  # per epoch, per batch: the dataset indices this process trained on


def mean_over_processes(losses):
    # This process's mean, averaged over every process (Lightning's sync_dist=True).
    mean = torch.stack(losses).mean()
    dist.all_reduce(mean)  # the sum over all processes, in every process
    return mean.item() / world_size


def train_one_epoch(model, optimizer):
    model.train()
    seen.append([])
    losses = []
    for x, index in train_loader:
        seen[-1].append(index.tolist())
        x = x.view(x.size(0), -1)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()  # DDP averages the gradients over all processes during the backward pass
        optimizer.step()
        losses.append(loss.detach())
    return mean_over_processes(losses)


def validate(model):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in val_loader:
            x = x.view(x.size(0), -1)
            losses.append(F.mse_loss(model(x), x))
    return mean_over_processes(losses)
# --8<-- [end:training]


# --8<-- [start:report]
def report(epoch, train_loss, val_loss):
    # Every process reports its own share of the epoch.
    batches = seen[-1]
    samples = [index for batch in batches for index in batch]
    sys.stdout.write(f"rank {rank} (pid {os.getpid()}): epoch {epoch}: "
                     f"{len(batches)} batches, {len(samples)} samples, first indices {samples[:4]}\n")
    if rank == 0:  # one line per epoch, not one per process
        sys.stdout.write(f"epoch {epoch}: train_loss {train_loss:.6f}  "
                         f"val_loss {val_loss:.6f}  (means over all {world_size} processes)\n")
# --8<-- [end:report]


def weights_checksum(model):
    """SHA-256 of every parameter's bytes: equal checksums mean bit-for-bit equal weights."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode() + tensor.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


# --8<-- [start:fit]
torch.manual_seed(0)
# DDP copies rank 0's weights to every process, then averages the gradients in each backward().
# On GPUs: DistributedDataParallel(AutoEncoder().to(local_rank), device_ids=[local_rank]).
model = DistributedDataParallel(AutoEncoder())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(args.epochs):
    train_sampler.set_epoch(epoch)  # a new order every epoch, the same one in every process
    train_loss = train_one_epoch(model, optimizer)
    val_loss = validate(model)
    report(epoch, train_loss, val_loss)
# --8<-- [end:fit]

# --8<-- [start:save]
model = model.module  # your model, out of its DDP wrapper: the same weights in every process
# Write your files from rank 0 only.
if rank == 0:
    torch.save(model.state_dict(), "autoencoder_ddp.pt")
    sys.stdout.write("rank 0 saved autoencoder_ddp.pt\n")
dist.destroy_process_group()  # leave the group once no process holds a DDP model
# --8<-- [end:save]

# --8<-- [start:proof]
# Proof, not something a training script needs: each process writes down what it trained on
# and a checksum of its weights; the replicas must end bit-for-bit equal.
checksum = weights_checksum(model)
sys.stdout.write(f"rank {rank} (pid {os.getpid()}): weights sha256 {checksum[:16]}\n")
record = {
    "global_rank": rank,
    "local_rank": int(os.environ["LOCAL_RANK"]),
    "node_rank": int(os.environ["GROUP_RANK"]),
    "world_size": world_size,
    "pid": os.getpid(),
    "launched_with": launched_with,
    "epochs": seen,
    "weights_sha256": checksum,
}
Path(args.out).mkdir(exist_ok=True)
Path(args.out, f"rank{rank}.json").write_text(json.dumps(record))
# --8<-- [end:proof]
