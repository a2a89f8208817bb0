# --8<-- [start:data]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, Subset, random_split
from torchvision import datasets, transforms

to_tensor = transforms.ToTensor()
dataset = datasets.MNIST("data", train=True, download=True, transform=to_tensor)
generator = torch.Generator().manual_seed(0)
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=generator)
# Each epoch's order comes from seed + epoch alone: a resumed run sees the same batches.
# For one process (num_replicas=1, rank=0): under DDP, each process needs its own share.
sampler = DistributedSampler(train_set, num_replicas=1, rank=0, shuffle=True, seed=0)
train_loader = DataLoader(train_set, batch_size=32, sampler=sampler)
val_loader = DataLoader(val_set, batch_size=200)
test_set = datasets.MNIST("data", train=False, download=True, transform=to_tensor)
# --8<-- [end:data]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self, hidden_size: int = 64, code_size: int = 3, lr: float = 1e-3):
        super().__init__()
        self.save_hyperparameters()  # hidden_size, code_size and lr go into every checkpoint
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28, hidden_size), nn.ReLU(), nn.Linear(hidden_size, code_size))
        self.decoder = nn.Sequential(
            nn.Linear(code_size, hidden_size), nn.ReLU(), nn.Linear(hidden_size, 28 * 28))

    def forward(self, x):  # what model(x) runs
        return self.decoder(self.encoder(x))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        loss = F.mse_loss(self(x), x)
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x))

    def on_train_epoch_end(self):
        val_loss = self.trainer.callback_metrics["val_loss"]
        print(f"epoch {self.current_epoch}: step {self.global_step}, val_loss {val_loss:.6f}")

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        # Halve the learning rate every 2 epochs: the scheduler's state is saved too.
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        return [optimizer], [scheduler]
# --8<-- [end:model]
