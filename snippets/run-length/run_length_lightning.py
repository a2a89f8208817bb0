# Run: python run_length_lightning.py  (reads MNIST under ./data; writes one <name>_lightning.pt per fit)
# Nine short trainings, one per section of the page, each from the same seeded start.
# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import EarlyStopping, Timer
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)  # 100 batches an epoch
val_loader = DataLoader(val_set, batch_size=200)  # 4 batches
# --8<-- [end:data]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        self.validated_at = []  # the global step of each validation

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

    def on_validation_epoch_end(self):
        if not self.trainer.sanity_checking:  # the sanity check before training does not count
            self.validated_at.append(self.trainer.global_step)


def new_model():
    pl.seed_everything(0)
    return LitAutoEncoder()


# Nothing written or drawn: this script trains nine times.
QUIET = dict(logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)


def report(name, model, trainer):
    print(f"{name}: {trainer.global_step} steps, validated after steps {model.validated_at}")
    torch.save(model.state_dict(), f"{name}_lightning.pt")
# --8<-- [end:model]


# --8<-- [start:max-epochs]
model = new_model()
trainer = pl.Trainer(max_epochs=3, **QUIET)
trainer.fit(model, train_loader, val_loader)
report("max_epochs", model, trainer)
# --8<-- [end:max-epochs]

# --8<-- [start:max-steps]
model = new_model()
trainer = pl.Trainer(max_steps=250, **QUIET)
trainer.fit(model, train_loader, val_loader)
report("max_steps", model, trainer)
# --8<-- [end:max-steps]

# --8<-- [start:val-check-fraction]
model = new_model()
trainer = pl.Trainer(max_epochs=2, val_check_interval=0.25, **QUIET)
trainer.fit(model, train_loader, val_loader)
report("val_check_fraction", model, trainer)
# --8<-- [end:val-check-fraction]

# --8<-- [start:val-check-count]
model = new_model()
trainer = pl.Trainer(max_epochs=2, val_check_interval=40, **QUIET)
trainer.fit(model, train_loader, val_loader)
report("val_check_count", model, trainer)
# --8<-- [end:val-check-count]

# --8<-- [start:every-n-epochs]
model = new_model()
trainer = pl.Trainer(max_epochs=4, check_val_every_n_epoch=2, **QUIET)
trainer.fit(model, train_loader, val_loader)
report("every_n_epochs", model, trainer)
# --8<-- [end:every-n-epochs]

# --8<-- [start:across-epochs]
model = new_model()
trainer = pl.Trainer(max_epochs=3, val_check_interval=150, check_val_every_n_epoch=None, **QUIET)
trainer.fit(model, train_loader, val_loader)
report("across_epochs", model, trainer)
# --8<-- [end:across-epochs]

# --8<-- [start:limits]
model = new_model()
trainer = pl.Trainer(max_epochs=2, limit_train_batches=0.25, limit_val_batches=2, num_sanity_val_steps=2, **QUIET)
trainer.fit(model, train_loader, val_loader)
print(f"batches: sanity check {trainer.num_sanity_val_batches}, training {trainer.num_training_batches}, "
      f"validation {trainer.num_val_batches}")
report("limits", model, trainer)
# --8<-- [end:limits]

# --8<-- [start:min-epochs]
model = new_model()
early_stopping = EarlyStopping(monitor="val_loss", min_delta=0.01, patience=1, verbose=True)
trainer = pl.Trainer(max_epochs=10, min_epochs=4, callbacks=[early_stopping], **QUIET)
trainer.fit(model, train_loader, val_loader)
report("min_epochs", model, trainer)
# --8<-- [end:min-epochs]

# --8<-- [start:max-time]
model = new_model()
trainer = pl.Trainer(max_time={"seconds": 1}, **QUIET)  # no max_epochs: the clock alone stops it
trainer.fit(model, train_loader, val_loader)
timer = next(callback for callback in trainer.callbacks if isinstance(callback, Timer))  # max_time's
print(f"stopped after {timer.time_elapsed():.2f} s")
report("max_time", model, trainer)
# --8<-- [end:max-time]
