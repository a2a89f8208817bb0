# Imported by train_lightning.py, zeros.py and zeros_fixed.py: put them in one folder. Reads MNIST under ./data.
# --8<-- [start:data]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms

dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
class LitDenoiser(pl.LightningModule):
    def __init__(self, mean: float = 0.0, std: float = 1.0):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        # Buffers: tensors that are not trained and go wherever the module goes (.to(), .double()).
        # The training set's pixel mean and std: in checkpoints (persistent, the default).
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))
        # The central 20×20 pixels, where the digits are: rebuilt here, so left out of checkpoints.
        inside = torch.zeros(28, 28, dtype=torch.bool)
        inside[4:24, 4:24] = True
        self.register_buffer("inside", inside.flatten(), persistent=False)

    def forward(self, x):
        return self.decoder(self.encoder((x - self.mean) / self.std))
    # --8<-- [end:model]

    # --8<-- [start:corrupt]
    def corrupt(self, x):
        noise = 0.5 * torch.randn_like(x)  # like x: its shape, device and dtype
        keep = torch.rand(x.shape, device=self.device) > 0.25  # made from a shape: on the module's device
        return (x + noise * self.inside) * keep.type_as(x)  # 1.0 or 0.0, in x's dtype
    # --8<-- [end:corrupt]

    # --8<-- [start:step]
    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)  # no .to(device), here or in corrupt(): Lightning moved the batch
        return F.mse_loss(self(self.corrupt(x)), x)  # the clean image is the target

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(self.corrupt(x)), x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def on_train_epoch_end(self):
        print(f"epoch {self.current_epoch}: val_loss {self.trainer.callback_metrics['val_loss']:.6f}")
    # --8<-- [end:step]
