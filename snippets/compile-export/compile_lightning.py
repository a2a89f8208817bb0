# Run: python compile_lightning.py  (reads MNIST under ./data; trains 5 epochs eager, then 5 compiled;
# writes lightning_logs/; the first compile takes a while, later runs reuse inductor's on-disk cache)
# --8<-- [start:imports]
import os
import statistics
import time

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
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

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        loss = F.mse_loss(self(x), x)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
# --8<-- [end:model]


# --8<-- [start:timed]
class EpochTimer(pl.Callback):
    """Each epoch's time in seconds, validation included (the first from the start of fit)."""

    def on_fit_start(self, trainer, pl_module):
        self.seconds, self.last = [], time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module):
        now = time.perf_counter()
        self.seconds.append(now - self.last)
        self.last = now
        print(f"epoch {trainer.current_epoch}: val_loss {trainer.callback_metrics['val_loss']:.6f}  "
              f"({self.seconds[-1]:.3f} s)")


def fit(model):
    """Train and validate for 5 epochs; return each epoch's time in seconds, and the device."""
    timer = EpochTimer()
    trainer = pl.Trainer(max_epochs=5, accelerator="auto", devices=1, callbacks=[timer])
    trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
    print(f"checkpoint: {os.path.relpath(trainer.checkpoint_callback.best_model_path)}")
    return timer.seconds, trainer.strategy.root_device  # fit ends with the model back on the CPU
# --8<-- [end:timed]


# --8<-- [start:eager]
pl.seed_everything(0)
eager_model = LitAutoEncoder()
print("eager:")
eager_seconds, device = fit(eager_model)
# --8<-- [end:eager]

# --8<-- [start:compile]
pl.seed_everything(0)
model = LitAutoEncoder()
compiled_model = torch.compile(model)  # compiles on its first call, not here
print("compiled:")
compiled_seconds, device = fit(compiled_model)  # the Trainer compiles forward and the *_step methods
# --8<-- [end:compile]

# --8<-- [start:measure]
print(f"measured on {device}: {os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads")
eager_later = statistics.median(eager_seconds[1:])
compiled_later = statistics.median(compiled_seconds[1:])
print(f"first epoch: eager {eager_seconds[0]:.3f} s, compiled {compiled_seconds[0]:.3f} s")
print(f"later epochs, median: eager {eager_later:.3f} s, compiled {compiled_later:.3f} s "
      f"(compiled/eager {compiled_later / eager_later:.2f})")
difference = max((a - b).abs().max().item()
                 for a, b in zip(eager_model.state_dict().values(), model.state_dict().values()))
print(f"eager and compiled weights after 5 epochs: max |Δw| = {difference:.2e}")
# --8<-- [end:measure]
