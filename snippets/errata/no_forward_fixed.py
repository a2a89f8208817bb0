import pytorch_lightning as pl
import torch
from torch import nn


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):  # what model(x) does
        return self.decoder(self.encoder(x))


torch.manual_seed(0)
model = LitAutoEncoder()  # load_from_checkpoint returns the same class, with trained weights
x = torch.rand(1, 28 * 28)

# disable randomness, dropout, etc...
model.eval()

# predict with the model
with torch.no_grad():
    y_hat = model(x)
print(f"y_hat.shape = {tuple(y_hat.shape)}")
