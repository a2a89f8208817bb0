# Run: python cli_lightning.py fit --config config.yaml  (reads config.yaml and MNIST under ./data;
# writes lightning_logs/). Add --print_config to print the configuration and stop; --help lists every option.
# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.cli import LightningCLI
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:data]
class MNISTDataModule(pl.LightningDataModule):
    def __init__(self, batch_size: int = 32):  # becomes --data.batch_size
        super().__init__()
        self.batch_size = batch_size

    def setup(self, stage):
        dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
        dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
        generator = torch.Generator().manual_seed(0)
        self.train_set, self.val_set = random_split(dataset, [3200, 800], generator=generator)

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    # Each argument, with its type and default, becomes an option: --model.hidden, --model.code, --model.lr
    def __init__(self, hidden: int = 64, code: int = 3, lr: float = 1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, code))
        self.decoder = nn.Sequential(nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x))

    def on_train_epoch_end(self):
        print(f"epoch {self.current_epoch}: val_loss {self.trainer.callback_metrics['val_loss']:.6f}")
# --8<-- [end:model]


# --8<-- [start:cli]
if __name__ == "__main__":
    # Builds the command line from the Trainer's, the module's and the data module's arguments,
    # reads --config files, then runs the subcommand (fit, validate, test or predict).
    cli = LightningCLI(LitAutoEncoder, MNISTDataModule)
    hparams = cli.model.hparams
    print(f"used: max_epochs={cli.trainer.max_epochs} hidden={hparams.hidden} code={hparams.code} "
          f"lr={hparams.lr} batch_size={cli.datamodule.batch_size}")
# --8<-- [end:cli]
