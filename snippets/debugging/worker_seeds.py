# --8<-- [start:seeds]
import argparse
import os
import sys

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

parser = argparse.ArgumentParser()
parser.add_argument("--seed-workers", action=argparse.BooleanOptionalAction, default=True)
args = parser.parse_args()


class RandomNumbers(Dataset):
    """Each sample is a number drawn in the worker that loads it, as a random augmentation is."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return torch.rand(()).item()


class ShowBatches(pl.LightningModule):
    def predict_step(self, batch, batch_idx):
        numbers = [round(number, 4) for number in batch.tolist()]
        # One write call per line: print writes text and newline apart, and two ranks' lines can glue.
        sys.stdout.write(f"rank {self.global_rank} (pid {os.getpid()}), batch {batch_idx}: {numbers}\n")
        return batch


if __name__ == "__main__":  # DDP and the loader's workers start processes that re-import this file
    pl.seed_everything(0, workers=args.seed_workers)
    trainer = pl.Trainer(accelerator="cpu", devices=2, strategy="ddp", logger=False, enable_progress_bar=False)
    # Each process predicts on its half of the 8 samples; each of its 2 workers loads one batch of 2.
    trainer.predict(ShowBatches(), DataLoader(RandomNumbers(), batch_size=2, num_workers=2))
# --8<-- [end:seeds]
