# Run: python bar_lightning.py  (reads MNIST under ./data; writes lightning_logs/)
# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import TQDMProgressBar
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
        loss = F.mse_loss(self(x), x)
        self.log("train_loss", loss, prog_bar=True)  # on the bar, as it trains
        return loss

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x), prog_bar=True)
# --8<-- [end:model]


# --8<-- [start:bar]
pl.seed_everything(0)
model = LitAutoEncoder()
bar = TQDMProgressBar(refresh_rate=10, leave=True)  # redraw every 10 batches; keep each epoch's line
trainer = pl.Trainer(max_epochs=2, callbacks=[bar])
trainer.fit(model, train_loader, val_loader)
# --8<-- [end:bar]

# --8<-- [start:no-bar]
pl.seed_everything(0)
model = LitAutoEncoder()
trainer = pl.Trainer(max_epochs=2, enable_progress_bar=False, enable_model_summary=False)
trainer.fit(model, train_loader, val_loader)
print(f"progress bar: {trainer.progress_bar_callback}")
print(f"val_loss {trainer.callback_metrics['val_loss']:.6f}")
# --8<-- [end:no-bar]
