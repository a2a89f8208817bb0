# python unused_parameters.py — DDP on 2 CPU processes; a layer the loss never uses stops the second step
import sys

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.aux_head = nn.Linear(64, 3)  # built, but never used in the loss

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.log("train_loss", loss, sync_dist=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


if __name__ == "__main__":  # strategy="ddp" starts this script again for the second process
    torch.manual_seed(0)
    dataset = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
    train_loader = DataLoader(dataset, batch_size=32)
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=2,
        strategy="ddp",
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=False,
    )
    trainer.fit(LitClassifier(), train_loader)
    loss = trainer.callback_metrics["train_loss"]
    # One write per line: print() writes the text and the newline apart, so two ranks' lines could merge.
    sys.stdout.write(f"rank {trainer.global_rank}: {trainer.global_step} steps, train_loss {loss:.6f}\n")
