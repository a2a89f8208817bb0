# Run: python lr_find_lightning.py  (reads MNIST under ./data; writes lr_find_lightning.json)
# --8<-- [start:imports]
import json

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.tuner import Tuner
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.save_hyperparameters()  # lr_find finds self.hparams.lr and sets it to its suggestion
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)
# --8<-- [end:model]


# --8<-- [start:find]
pl.seed_everything(0)
model = LitAutoEncoder()
before = {k: v.clone() for k, v in model.state_dict().items()}
trainer = pl.Trainer(max_epochs=3, accelerator="auto", devices=1)
tuner = Tuner(trainer)
# 100 steps, the learning rate growing exponentially from 1e-8 to 1, until the loss diverges;
# update_attr=False: keep model.hparams.lr (by default lr_find sets it to its suggestion)
finder = tuner.lr_find(model, train_dataloaders=train_loader, min_lr=1e-8, max_lr=1.0, num_training=100,
                       update_attr=False)
suggestion = finder.suggestion()  # the steepest fall of the smoothed loss
print(f"steps run: {len(finder.results['lr'])} of 100")
print(f"suggestion: {suggestion:.6g}")
print(f"model.hparams.lr is still {model.hparams.lr:.6g}")
same = all(torch.equal(before[k], v) for k, v in model.state_dict().items())
print(f"weights as before lr_find: {same}")
with open("lr_find_lightning.json", "w") as file:  # for the page's chart
    json.dump({"lr": finder.results["lr"], "loss": finder.results["loss"], "suggestion": suggestion}, file)
# --8<-- [end:find]
