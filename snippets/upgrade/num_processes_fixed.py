# python num_processes_fixed.py — the Lightning 2.x form: accelerator="cpu", devices=2, and a DDP strategy
import sys

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.log("train_loss", loss)
        return loss

    def on_train_end(self):
        loss = self.trainer.callback_metrics["train_loss"]
        # One write per line: print() writes the text and the newline apart, so two ranks' lines could merge.
        sys.stdout.write(f"rank {self.global_rank} of {self.trainer.world_size}: step {self.global_step}, loss {loss:.6f}\n")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = LitClassifier()
    train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    trainer = pl.Trainer(
        accelerator="cpu",  # instead of num_processes=2
        devices=2,
        strategy="ddp",
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=False,
    )
    trainer.fit(model, train_dataloaders=train_loader)
