# Run: python batch_size.py  (reads MNIST under ./data)
# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.tuner import Tuner
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:data]
class MNISTDataModule(pl.LightningDataModule):
    def __init__(self, batch_size=32):
        super().__init__()
        self.batch_size = batch_size  # scale_batch_size sets this attribute, then asks for a new loader

    def setup(self, stage):
        dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
        dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
        generator = torch.Generator().manual_seed(0)
        self.train_set, self.val_set = random_split(dataset, [3200, 800], generator=generator)

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)
# --8<-- [end:data]


# --8<-- [start:model]
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
# --8<-- [end:model]


# --8<-- [start:scale]
pl.seed_everything(0)
datamodule = MNISTDataModule()
trainer = pl.Trainer(max_epochs=3, accelerator="auto", devices=1)
# Doubles the batch size from 2, with 3 training steps per size, until a size runs out of memory
found = Tuner(trainer).scale_batch_size(LitAutoEncoder(), datamodule=datamodule, mode="power")
print(f"scale_batch_size returned {found}; datamodule.batch_size is now {datamodule.batch_size}")
print(f"training images: {len(datamodule.train_set)}")
# --8<-- [end:scale]
