"""Train the auto-encoder with DDP: two CPU processes by default, GPUs with --accelerator gpu.

    python snippets/multi-device/train_ddp.py                      # 2 processes on the CPU (gloo)
    python snippets/multi-device/train_ddp.py --accelerator gpu    # one process per visible GPU (nccl)

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

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:options]
# What the launcher of this process put in its environment, read before Lightning adds to it.
LAUNCH_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "NODE_RANK", "GROUP_RANK", "RANK", "WORLD_SIZE", "LOCAL_RANK")
launched_with = {name: os.environ[name] for name in LAUNCH_VARIABLES if name in os.environ}


def devices_option(value):
    # "2" and "-1" are counts; "0,2" is a list of GPU indices; "auto" is every device there is.
    return int(value) if value.lstrip("-").isdigit() else value


parser = argparse.ArgumentParser(description="Train the auto-encoder on several devices with DDP.")
parser.add_argument("--accelerator", default="cpu", help='"cpu" (the default), "gpu", "cuda", "mps" or "auto"')
parser.add_argument("--devices", type=devices_option, default=None,
                    help="devices (processes) per machine; default: 2 on the CPU, every device otherwise")
parser.add_argument("--strategy", default="ddp",
                    help='"ddp" (the default) or another that runs this whole script in each process; not ddp_spawn')
parser.add_argument("--num-nodes", type=int, default=1, help="machines taking part (default 1)")
parser.add_argument("--precision", default="32-true", help='"32-true" (the default), "16-mixed", "bf16-mixed", ...')
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--out", default="ddp_ranks", help="folder where each process writes what it saw")
args = parser.parse_args()
if args.devices is None:
    args.devices = 2 if args.accelerator == "cpu" else "auto"
# --8<-- [end:options]


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
# A plain loader, no sampler: under DDP, Lightning replaces shuffle=True with a DistributedSampler
# that gives each process its own share of the samples, in a new order every epoch.
train_loader = DataLoader(WithIndex(train_set), batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        self.seen = []  # per epoch, per batch: the dataset indices this process trained on

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
    # --8<-- [end:model]

    # --8<-- [start:training]
    def on_train_epoch_start(self):
        self.seen.append([])

    def training_step(self, batch, batch_idx):
        x, index = batch
        self.seen[-1].append(index.tolist())
        x = x.view(x.size(0), -1)
        loss = F.mse_loss(self(x), x)
        # sync_dist=True: the epoch value is averaged over every process, not just this one's share.
        self.log("train_loss", loss, on_step=False, on_epoch=True, sync_dist=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x), sync_dist=True)
    # --8<-- [end:training]

    # --8<-- [start:report]
    def on_train_epoch_end(self):
        # Every process reports its own share of the epoch. Each line in one write, "\n" included:
        # print() writes the text and the newline apart, and another process's line can land in between.
        batches = self.seen[-1]
        samples = [index for batch in batches for index in batch]
        sys.stdout.write(f"rank {self.global_rank} (pid {os.getpid()}): epoch {self.current_epoch}: "
                         f"{len(batches)} batches, {len(samples)} samples, first indices {samples[:4]}\n")
        # self.print() prints on rank 0 only: one line per epoch, not one per process.
        metrics = self.trainer.callback_metrics
        self.print(f"epoch {self.current_epoch}: train_loss {metrics['train_loss']:.6f}  "
                   f"val_loss {metrics['val_loss']:.6f}  (means over all {self.trainer.world_size} processes)\n",
                   end="")
    # --8<-- [end:report]


def weights_checksum(model):
    """SHA-256 of every parameter's bytes: equal checksums mean bit-for-bit equal weights."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode() + tensor.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


# --8<-- [start:fit]
pl.seed_everything(0)
autoencoder = LitAutoEncoder()
trainer = pl.Trainer(
    accelerator=args.accelerator,  # cpu here; gpu on a GPU machine, same code
    devices=args.devices,  # how many processes on this machine, one per device
    strategy=args.strategy,  # ddp: re-run this script once per extra device
    num_nodes=args.num_nodes,  # machines; each one runs this script itself
    precision=args.precision,
    max_epochs=args.epochs,
    enable_progress_bar=False,  # bars from several processes garble a shared log
)
# Every process runs everything from here: data, model, fit. Lightning tells them apart by rank.
environment = type(trainer.strategy.cluster_environment).__name__  # how Lightning read the launch
sys.stdout.write(f"rank {trainer.global_rank} (pid {os.getpid()}): {environment}, started with "
                 f"{' '.join(f'{k}={v}' for k, v in launched_with.items()) or 'no launch variables'}\n")
trainer.fit(autoencoder, train_dataloaders=train_loader, val_dataloaders=val_loader)
# --8<-- [end:fit]

# --8<-- [start:save]
# Lightning writes its checkpoints from rank 0 only; do the same for your own files.
if trainer.is_global_zero:
    torch.save(autoencoder.state_dict(), "autoencoder_ddp.pt")
    sys.stdout.write(f"rank 0 saved autoencoder_ddp.pt and {Path(trainer.checkpoint_callback.best_model_path).name}\n")
# --8<-- [end:save]

# --8<-- [start:proof]
# Proof, not something a training script needs: each process writes down what it trained on
# and a checksum of its weights; the replicas must end bit-for-bit equal.
checksum = weights_checksum(autoencoder)
sys.stdout.write(f"rank {trainer.global_rank} (pid {os.getpid()}): weights sha256 {checksum[:16]}\n")
record = {
    "global_rank": trainer.global_rank,
    "local_rank": trainer.local_rank,
    "node_rank": trainer.node_rank,
    "world_size": trainer.world_size,
    "pid": os.getpid(),
    "device": str(trainer.strategy.root_device),
    "launched_with": launched_with,
    "cluster_environment": environment,
    "epochs": autoencoder.seen,
    "weights_sha256": checksum,
}
Path(args.out).mkdir(exist_ok=True)
Path(args.out, f"rank{trainer.global_rank}.json").write_text(json.dumps(record))
# --8<-- [end:proof]
