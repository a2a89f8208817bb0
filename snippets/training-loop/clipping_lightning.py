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


# --8<-- [start:clip]
from torch.nn.utils import get_total_norm


class ClippingAutoEncoder(LitAutoEncoder):
    """Only measures the norm: the Trainer clips without it."""

    def on_train_epoch_start(self):
        self.norms_before, self.norms_after = [], []

    def on_before_optimizer_step(self, optimizer):
        # After backward, before the Trainer clips: the gradients as backward left them.
        self.norms_before.append(get_total_norm([p.grad for p in self.parameters()]))

    def on_train_batch_end(self, outputs, batch, batch_idx):
        # After the optimizer step, which used the clipped gradients (still in .grad).
        self.norms_after.append(get_total_norm([p.grad for p in self.parameters()]))

    def on_train_epoch_end(self):
        before, after = torch.stack(self.norms_before), torch.stack(self.norms_after)
        val_loss = self.trainer.callback_metrics["val_loss"]
        print(f"epoch {self.current_epoch}: val_loss {val_loss:.6f}  clipped {(before > 0.02).sum()} of "
              f"{len(before)} steps, largest norm {before.max():.6f} before clipping, {after.max():.9f} after")
# --8<-- [end:clip]


# --8<-- [start:fit]
pl.seed_everything(0)
model = ClippingAutoEncoder()
# Clip the total norm of all gradients to 0.02 before every optimizer step.
trainer = pl.Trainer(max_epochs=3, gradient_clip_val=0.02, gradient_clip_algorithm="norm")
trainer.fit(model, train_loader, val_loader)
print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:fit]
