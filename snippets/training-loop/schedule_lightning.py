# --8<-- [start:imports]
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

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x))

    def on_train_epoch_end(self):
        # Only to print the line the PyTorch tab prints: Lightning would show val_loss as it
        # trains with self.log("val_loss", ..., prog_bar=True).
        print(f"epoch {self.current_epoch}: val_loss {self.trainer.callback_metrics['val_loss']:.6f}")
# --8<-- [end:model]


# --8<-- [start:schedule]
class ScheduledAutoEncoder(LitAutoEncoder):
    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)
        warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=100)
        decay = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        # A list of optimizers and a list of schedulers. A bare scheduler steps after every epoch;
        # in a dict, "interval": "step" makes it step after every optimizer step.
        return [optimizer], [{"scheduler": warmup, "interval": "step"}, decay]

    # Only to print the rates: the Trainer steps the schedulers without these hooks.
    def on_train_epoch_start(self):
        self.rates = []

    def on_before_optimizer_step(self, optimizer):
        self.rates.append(optimizer.param_groups[0]["lr"])  # the rate this step uses

    def on_train_epoch_end(self):
        print(f"epoch {self.current_epoch}: val_loss {self.trainer.callback_metrics['val_loss']:.6f}  "
              f"learning rate {self.rates[0]:.4e} at the first step, {self.rates[-1]:.4e} at the last")
# --8<-- [end:schedule]


# --8<-- [start:fit]
pl.seed_everything(0)
model = ScheduledAutoEncoder()
trainer = pl.Trainer(max_epochs=3)
trainer.fit(model, train_loader, val_loader)
print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:fit]
