# --8<-- [start:datamodule]
import os
import sys

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms


def report(hook, trainer):
    # One write per line: under the build's unbuffered output, print writes the text and the newline
    # separately, and two processes' lines can land on one line.
    sys.stdout.write(f"{hook:22} rank {trainer.global_rank} (pid {os.getpid()})\n")


class MNISTDataModule(pl.LightningDataModule):
    def __init__(self, root="data", batch_size=32):
        super().__init__()
        self.root = root
        self.batch_size = batch_size

    def prepare_data(self):
        # One process per machine: download to disk. Set nothing on self here:
        # the other processes would not see it.
        datasets.MNIST(self.root, train=True, download=True)
        report("prepare_data", self.trainer)

    def setup(self, stage):
        # Every process, before each stage ("fit", "validate", "test" or "predict"): build the datasets.
        dataset = datasets.MNIST(self.root, train=True, transform=transforms.ToTensor())
        dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
        generator = torch.Generator().manual_seed(0)
        self.train_set, self.val_set = random_split(dataset, [3200, 800], generator=generator)
        report(f"setup(stage={stage.value!r})", self.trainer)

    def train_dataloader(self):
        # The core page's loader. Under DDP, Lightning swaps its sampler for one that gives each process its share.
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=200)
# --8<-- [end:datamodule]
