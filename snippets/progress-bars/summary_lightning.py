# Run: python summary_lightning.py  (reads MNIST under ./data; trains one step, writes nothing)
# --8<-- [start:model]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        self.example_input_array = torch.zeros(1, 28 * 28)  # adds input and output sizes, and FLOPs

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)


model = LitAutoEncoder()
# --8<-- [end:model]

# --8<-- [start:summary]
from pytorch_lightning.callbacks import ModelSummary
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

train_set = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
trainer = pl.Trainer(
    max_steps=1,  # the summary is printed when fit starts: one step is enough to see it
    callbacks=[ModelSummary(max_depth=2)],  # the layers inside encoder and decoder too
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
)
trainer.fit(model, DataLoader(train_set, batch_size=32))
# --8<-- [end:summary]
