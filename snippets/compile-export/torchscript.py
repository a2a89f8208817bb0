# Run: python torchscript.py  (the 1.x-era export, to see its warnings; writes autoencoder_torchscript.pt)
# --8<-- [start:torchscript]
import warnings

import pytorch_lightning as pl
from torch import nn


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = LitAutoEncoder()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model.to_torchscript("autoencoder_torchscript.pt")  # torch.jit.script, then torch.jit.save
for message in dict.fromkeys(str(warning.message) for warning in caught):  # each message once
    print(f"warning: {message}")
# --8<-- [end:torchscript]
