import pytorch_lightning as pl
from torch import nn


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))


model = LitAutoEncoder()  # __init__ builds the encoder and the decoder itself
print(f"{type(model).__name__} with {sum(p.numel() for p in model.parameters()):,} parameters")
