# Run after metrics_lightning.py, in the same folder: python metrics_ddp.py
# (reads classifier_lightning.pt and MNIST under ./data; starts a second process)
# --8<-- [start:imports]
import sys

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchmetrics.classification import MulticlassAccuracy
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(val_set, batch_size=200)  # the same 800 validation digits
# --8<-- [end:data]


# --8<-- [start:model]
class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))
        self.val_acc = MulticlassAccuracy(num_classes=10, average="micro")  # compute() syncs the processes
        # sync_on_compute=False: compute() gives this process's share only
        self.rank_acc = MulticlassAccuracy(num_classes=10, average="micro", sync_on_compute=False)

    def forward(self, x):
        return self.model(x)

    def on_validation_epoch_start(self):
        self.samples = 0  # how many samples this process validates
        self.rank_acc.reset()  # Lightning resets the metrics it logs, not this one

    def validation_step(self, batch, batch_idx):
        x, y = batch
        preds = self(x).argmax(dim=1)
        self.samples += len(y)
        self.val_acc(preds, y)
        self.log("val_acc", self.val_acc)  # a Metric: synced by torchmetrics
        self.rank_acc(preds, y)
        batch_acc = (preds == y).float().mean()  # a plain tensor: this batch's accuracy
        self.log("acc_tensor", batch_acc)  # sync_dist=False, the default: this process's mean
        self.log("acc_tensor_synced", batch_acc, sync_dist=True)  # the mean over every process
    # --8<-- [end:model]


# --8<-- [start:validate]
model = LitClassifier()
# The weights the Lightning tab trained (the metrics' states are not in a state_dict)
model.load_state_dict(torch.load("classifier_lightning.pt", map_location="cpu", weights_only=True))
trainer = pl.Trainer(accelerator="cpu", devices=2, strategy="ddp", logger=False, enable_checkpointing=False,
                     enable_progress_bar=False)
# Each process validates its share of the 800 digits.
logged = trainer.validate(model, val_loader, verbose=False)[0]
# Every process writes its own line, in one write: two processes' print()s can interleave.
sys.stdout.write(
    f"rank {trainer.global_rank}: {model.samples} samples  "
    f"rank_acc {model.rank_acc.compute():.6f}  val_acc {logged['val_acc']:.6f}  "
    f"acc_tensor {logged['acc_tensor']:.6f}  acc_tensor_synced {logged['acc_tensor_synced']:.6f}\n"
)
# --8<-- [end:validate]

# --8<-- [start:uneven]
# 799 digits do not split in two: DistributedSampler repeats one so that each process gets 400.
uneven_loader = DataLoader(Subset(val_set, range(799)), batch_size=200)
logged = trainer.validate(model, uneven_loader, verbose=False)[0]
sys.stdout.write(f"799 digits, rank {trainer.global_rank}: {model.samples} samples  val_acc {logged['val_acc']:.6f}\n")
if trainer.is_global_zero:  # the same 799 digits in one process, each counted once
    x, y = next(iter(DataLoader(Subset(val_set, range(799)), batch_size=799)))
    with torch.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean()
    print(f"799 digits, one process: {len(y)} samples  accuracy {accuracy:.6f}")
# --8<-- [end:uneven]
