# Run: python epoch_results_lightning.py  (reads MNIST under ./data, downloading it if missing;
# writes lightning_logs/). Trains the auto-encoder for 3 epochs and summarizes each epoch's 800 validation errors.
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
val_loader = DataLoader(val_set, batch_size=128)  # 6 batches of 128, then one of 32
# --8<-- [end:data]


# --8<-- [start:summarize]
def summarize(errors, labels):
    """What the epoch's per-image errors say: needs all of them at once."""
    per_digit = torch.stack([errors[labels == digit].mean() for digit in range(10)])
    worst = per_digit.argmax()
    return (
        f"{len(errors)} images, mean {errors.mean():.9g}, median {errors.median():.9g}, "
        f"90th percentile {errors.quantile(0.9):.9g}, worst digit {worst} ({per_digit[worst]:.9g})"
    )
# --8<-- [end:summarize]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        self.val_errors, self.val_labels = [], []  # filled by validation_step, emptied each epoch

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)
    # --8<-- [end:model]

    # --8<-- [start:collect]
    def validation_step(self, batch, batch_idx):
        x, y = batch
        x = x.view(x.size(0), -1)
        errors = F.mse_loss(self(x), x, reduction="none").mean(dim=1)  # one error per image
        self.val_errors.append(errors)  # instead of a list local to the loop
        self.val_labels.append(y)
        # Batch values that Lightning averages over the epoch, for the table below:
        self.log("val_loss", errors.mean(), on_epoch=True)  # weighted by the batch size (128, ..., 32)
        self.log("val_loss_batch_size_1", errors.mean(), on_epoch=True, batch_size=1)  # each batch weighs 1
        self.log("val_median_of_batches", errors.median(), on_epoch=True)  # not the epoch's median
    # --8<-- [end:collect]

    # --8<-- [start:epoch-end]
    def on_validation_epoch_end(self):  # after the last batch: the whole epoch at once
        errors, labels = torch.cat(self.val_errors), torch.cat(self.val_labels)
        self.val_errors.clear()  # the sanity check's 2 batches must not count in epoch 0
        self.val_labels.clear()
        self.log("val_median", errors.median())  # logged once per epoch, from the whole epoch
        if not self.trainer.sanity_checking:
            print(f"epoch {self.current_epoch}: {summarize(errors, labels)}")
    # --8<-- [end:epoch-end]


# --8<-- [start:fit]
pl.seed_everything(0)
model = LitAutoEncoder()
trainer = pl.Trainer(max_epochs=3)
trainer.fit(model, train_loader, val_loader)
for name, value in trainer.callback_metrics.items():  # the last epoch's logged values
    print(f"logged {name} {value:.9g}")
# --8<-- [end:fit]
