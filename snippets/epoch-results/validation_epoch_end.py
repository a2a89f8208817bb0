# Run: python validation_epoch_end.py  (reads MNIST under ./data). Lightning 1.x code:
# Lightning 2.x stops it with a NotImplementedError as soon as fit starts.
# --8<-- [start:old-hook]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x, reduction="none").mean(dim=1)  # 1.x collected what the step returned

    def validation_epoch_end(self, outputs):  # 1.x: outputs = the list of what validation_step returned
        self.log("val_median", torch.cat(outputs).median())
# --8<-- [end:old-hook]


# --8<-- [start:fit]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
train_set, val_set = random_split(Subset(dataset, range(4000)), [3200, 800], generator=torch.Generator().manual_seed(0))
pl.seed_everything(0)
trainer = pl.Trainer(max_epochs=3)
trainer.fit(LitAutoEncoder(), DataLoader(train_set, batch_size=32, shuffle=True), DataLoader(val_set, batch_size=128))
# --8<-- [end:fit]
