# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.utilities import grad_norm
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
    # --8<-- [end:model]

    # --8<-- [start:optimizer]
    def configure_optimizers(self):
        # self.parameters() yields the encoder's and the decoder's parameters
        return torch.optim.Adam(self.parameters(), lr=1e-3)
    # --8<-- [end:optimizer]

    # --8<-- [start:training]
    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)  # no .to(device): the batch is already on the model's device
        x_hat = self(x)
        loss = F.mse_loss(x_hat, x)
        self.log("train_loss", loss, on_epoch=True)  # on_epoch=True adds the epoch mean
        return loss  # Lightning runs zero_grad(), backward() and step() with it
    # --8<-- [end:training]

    # --8<-- [start:validation]
    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        x_hat = self(x)
        # Logged from validation_step, the loss is averaged over the epoch by Lightning.
        self.log("val_loss", F.mse_loss(x_hat, x), prog_bar=True)  # and shown on the progress bar

    def on_train_epoch_end(self):
        # Only to compare the two tabs line by line: the logger has both losses already.
        metrics = self.trainer.callback_metrics  # no val_loss before a first validation: .get
        print(f"epoch {self.current_epoch}: train_loss {metrics['train_loss_epoch']:.6f}  "
              f"val_loss {metrics.get('val_loss', float('nan')):.6f}")
    # --8<-- [end:validation]

    # --8<-- [start:device]
    # Nothing here: no .cuda(), no .to(device). The Trainer decides where this runs.
    # --8<-- [end:device]

    # --8<-- [start:hooks]
    def on_before_optimizer_step(self, optimizer):
        # The gradients are there, not yet used: log their norms, when there is a logger, on the
        # steps it writes (grad_norm copies each norm to the CPU: on a GPU, a wait).
        if self.logger and (self.global_step + 1) % self.trainer.log_every_n_steps == 0:
            self.log_dict(grad_norm(self, norm_type=2))
    # --8<-- [end:hooks]


# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]

# --8<-- [start:init]
pl.seed_everything(0)
autoencoder = LitAutoEncoder()
# --8<-- [end:init]

# --8<-- [start:fit]
trainer = pl.Trainer(max_epochs=5, accelerator="auto", devices=1)
trainer.fit(autoencoder, train_dataloaders=train_loader, val_dataloaders=val_loader)
print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:fit]
