# Run: python loggers_lightning.py  (reads MNIST under ./data; writes logs/, mlruns/ and wandb/, no network)
# --8<-- [start:imports]
import os

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
import wandb
from pytorch_lightning.loggers import CSVLogger, MLFlowLogger, WandbLogger
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
from torchvision.utils import make_grid
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
    def __init__(self, hidden=64, lr=1e-3):
        super().__init__()
        self.save_hyperparameters()  # {"hidden": 64, "lr": 0.001}: every logger gets them at fit
        self.encoder = nn.Sequential(nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 3))
        self.decoder = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
    # --8<-- [end:model]

    # --8<-- [start:training]
    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        loss = F.mse_loss(self(x), x)
        self.log("train_loss", loss)  # goes to every logger of the Trainer
        return loss

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x_hat = self(x.view(x.size(0), -1))
        self.log("val_loss", F.mse_loss(x_hat, x.view(x.size(0), -1)))
        if batch_idx == 0 and not self.trainer.sanity_checking:
            self.log_reconstructions(x[:8], x_hat[:8].view(-1, 1, 28, 28))
    # --8<-- [end:training]

    # --8<-- [start:image]
    def log_reconstructions(self, x, x_hat):
        grid = make_grid(torch.cat([x, x_hat.clamp(0, 1)]), nrow=8)  # 8 digits above, their reconstructions below
        image = (grid * 255).round().byte().permute(1, 2, 0).cpu().numpy()  # height × width × 3, 0 to 255
        for logger in self.loggers:  # self.log is for numbers; an image goes through each logger's own API
            if isinstance(logger, MLFlowLogger):
                logger.experiment.log_image(logger.run_id, image, key="reconstructions", step=self.global_step)
            elif isinstance(logger, WandbLogger):
                logger.log_image("reconstructions", [image], step=self.global_step)
            # CSVLogger: a CSV file holds numbers only
    # --8<-- [end:image]


# --8<-- [start:loggers]
# MLflow 3 refuses a ./mlruns folder unless told to accept it (see "maintenance mode" below).
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
csv_logger = CSVLogger(save_dir="logs", name="autoencoder")  # logs/autoencoder/version_0/metrics.csv
mlflow_logger = MLFlowLogger(experiment_name="autoencoder", run_name="lightning", tracking_uri="file:./mlruns")
# ./wandb/offline-run-…: mode="offline" is passed on to wandb.init, so it holds even where W&B ran
# before in the same process (a notebook); quiet: no summary of the run printed at its end.
wandb_logger = WandbLogger(project="autoencoder", save_dir=".", mode="offline", settings=wandb.Settings(quiet=True))
# --8<-- [end:loggers]

# --8<-- [start:fit]
pl.seed_everything(0)
model = LitAutoEncoder(hidden=64, lr=1e-3)
trainer = pl.Trainer(max_epochs=2, logger=[csv_logger, mlflow_logger, wandb_logger], log_every_n_steps=10)
trainer.fit(model, train_loader, val_loader)
wandb_logger.experiment.finish()  # close the W&B run now, not at exit
print(f"csv file: {csv_logger.log_dir}/metrics.csv")
run = mlflow_logger.experiment.get_run(mlflow_logger.run_id)  # experiment: the MlflowClient
print(f"mlflow run: {run.info.run_name!r}, {run.info.status}, in {mlflow_logger.save_dir}")
print(f"wandb folder: {wandb_logger.experiment.dir}")
# --8<-- [end:fit]
