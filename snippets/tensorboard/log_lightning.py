# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)  # 100 steps per epoch
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
    # --8<-- [end:model]

    # --8<-- [start:training]
    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        x_hat = self(x)
        loss = F.mse_loss(x_hat, x)
        # In training_step the default is on_step=True, on_epoch=False: one point per step, tag "train_loss".
        self.log("train_loss", loss, prog_bar=True)  # prog_bar: also shown in the progress bar
        # Both on: two tags, "train_mae_step" (every step) and "train_mae_epoch" (the epoch's mean).
        self.log("train_mae", F.l1_loss(x_hat, x), on_step=True, on_epoch=True)
        return loss
    # --8<-- [end:training]

    # --8<-- [start:validation]
    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        x_hat = self(x)
        # In validation_step the default is on_step=False, on_epoch=True: one point per epoch, the mean
        # over the epoch's batches. log_dict logs several metrics at once, with the same options.
        self.log_dict({"val_loss": F.mse_loss(x_hat, x), "val_mae": F.l1_loss(x_hat, x)})

    def on_train_epoch_end(self):
        m = self.trainer.callback_metrics  # the latest value of every logged metric
        print(f"epoch {self.current_epoch}: train loss {m['train_loss']:.6f} (last step)  "
              f"val loss {m['val_loss']:.6f}  val MAE {m['val_mae']:.6f}")
    # --8<-- [end:validation]


# --8<-- [start:fit]
pl.seed_everything(0)
autoencoder = LitAutoEncoder()
# No logger argument: Lightning uses a TensorBoardLogger writing under ./lightning_logs/.
trainer = pl.Trainer(max_epochs=5, log_every_n_steps=10)  # the default, 50, gives 2 points per epoch here
trainer.fit(autoencoder, train_dataloaders=train_loader, val_dataloaders=val_loader)
print(f"logger: {type(trainer.logger).__name__}, logs in {trainer.logger.log_dir}")
# --8<-- [end:fit]

# --8<-- [start:default-root-dir]
# A quick try: 20 training batches, fewer than the default log_every_n_steps=50.
trainer = pl.Trainer(default_root_dir="experiments", max_epochs=1, limit_train_batches=20)
trainer.fit(LitAutoEncoder(), train_dataloaders=train_loader, val_dataloaders=val_loader)
print(f"logs in {trainer.logger.log_dir}")
# --8<-- [end:default-root-dir]

# --8<-- [start:explicit-logger]
logger = TensorBoardLogger(save_dir="experiments", name="autoencoder", version="tiny-run")
trainer = pl.Trainer(logger=logger, max_epochs=1, limit_train_batches=20, log_every_n_steps=5)
trainer.fit(LitAutoEncoder(), train_dataloaders=train_loader, val_dataloaders=val_loader)
print(f"logs in {trainer.logger.log_dir}")
# --8<-- [end:explicit-logger]

# --8<-- [start:csv-logger]
logger = CSVLogger(save_dir="experiments", name="csv")
trainer = pl.Trainer(logger=logger, max_epochs=1, limit_train_batches=20, log_every_n_steps=5)
trainer.fit(LitAutoEncoder(), train_dataloaders=train_loader, val_dataloaders=val_loader)
print(f"logs in {trainer.logger.log_dir}")
with open(f"{trainer.logger.log_dir}/metrics.csv") as f:
    print(f.read())
# --8<-- [end:csv-logger]
