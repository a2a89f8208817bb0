# --8<-- [start:imports]
import argparse
import hashlib
import os
import sys

import torch
import torch.nn.functional as F
from lightning_fabric import Fabric
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:device]
parser = argparse.ArgumentParser()
parser.add_argument("--accelerator", default="auto", help='"cpu", "gpu", "auto" (a GPU if there is one), ...')
parser.add_argument("--devices", type=int, default=1, help="processes on this machine, one per device")
parser.add_argument("--precision", default="32-true", help='"32-true", "bf16-mixed", "16-mixed", ...')
args = parser.parse_args()

# Instead of device = torch.device(...): Fabric picks the device and starts one process per device.
fabric = Fabric(accelerator=args.accelerator, devices=args.devices, precision=args.precision)
fabric.launch()  # with devices=2, this runs the script again as a second process
# --8<-- [end:device]

# --8<-- [start:data]
with fabric.rank_zero_first():  # one process downloads while the others wait, then they all read
    dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# Batches now arrive on the device; with several processes each trains and validates its own share.
train_loader, val_loader = fabric.setup_dataloaders(train_loader, val_loader)
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
def train_one_epoch(model, loader, optimizer):
    model.train()
    losses = []
    for x, _ in loader:
        x = x.view(x.size(0), -1)  # no .to(device): the batch is already there
        x_hat = model(x)
        loss = F.mse_loss(x_hat, x)
        optimizer.zero_grad()
        fabric.backward(loss)  # instead of loss.backward(): precision and gradient averaging, if any
        optimizer.step()
        losses.append(loss.detach())
    # The mean over every process's batches (with one process, this one's).
    return fabric.all_reduce(torch.stack(losses).mean(), reduce_op="mean").item()
# --8<-- [end:training]


# --8<-- [start:validation]
def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1)
            x_hat = model(x)
            losses.append(F.mse_loss(x_hat, x))
    return fabric.all_reduce(torch.stack(losses).mean(), reduce_op="mean").item()
# --8<-- [end:validation]


# --8<-- [start:init]
fabric.seed_everything(0)
model = AutoEncoder()
# --8<-- [end:init]
# --8<-- [start:optimizer]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
model, optimizer = fabric.setup(model, optimizer)  # instead of model.to(device)
# --8<-- [end:optimizer]

# --8<-- [start:fit]
for epoch in range(5):
    train_loss = train_one_epoch(model, train_loader, optimizer)
    val_loss = validate(model, val_loader)
    # fabric.print: local rank 0 only. One write, "\n" included: print() writes the text and the
    # newline apart, and another process's line can land in between.
    fabric.print(f"epoch {epoch}: train_loss {train_loss:.6f}  val_loss {val_loss:.6f}\n", end="")

# One file, written by rank 0: the weights, the optimizer's state and anything else you add.
fabric.save("autoencoder_fabric.ckpt", {"model": model, "optimizer": optimizer, "epoch": epoch})
# --8<-- [end:fit]

# --8<-- [start:proof]
# Evidence for this page, not something a training script needs: every process prints a
# checksum of its weights; equal checksums mean bit-for-bit equal weights.
digest = hashlib.sha256(b"".join(p.detach().cpu().numpy().tobytes() for p in model.parameters()))
sys.stdout.write(f"rank {fabric.global_rank} of {fabric.world_size} (pid {os.getpid()}): "
                 f"{len(train_loader)} training and {len(val_loader)} validation batches an epoch, "
                 f"weights sha256 {digest.hexdigest()[:16]}\n")
# --8<-- [end:proof]
