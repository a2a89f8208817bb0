# Run: python step_outputs.py  (reads MNIST under ./data). Where what validation_step returns goes
# in Lightning 2.x: to on_validation_batch_end, one batch at a time, and nowhere else.
# --8<-- [start:module]
import pytorch_lightning as pl
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x, reduction="none").mean(dim=1)  # as a 1.x module did

    def on_validation_batch_end(self, outputs, batch, batch_idx):
        print(f"on_validation_batch_end, batch {batch_idx}: outputs {type(outputs).__name__} {tuple(outputs.shape)}")

    def on_validation_epoch_end(self):  # no outputs argument, and nothing kept them
        print("on_validation_epoch_end: no outputs")
# --8<-- [end:module]


# --8<-- [start:validate]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
pl.seed_everything(0)
trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
results = trainer.validate(LitAutoEncoder(), DataLoader(Subset(dataset, range(300)), batch_size=128))
print(f"trainer.validate returned {results}")  # only what self.log logged: nothing here
# --8<-- [end:validate]
