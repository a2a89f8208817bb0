# --8<-- [start:imports]
import argparse

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:options]
parser = argparse.ArgumentParser()
parser.add_argument("--out", default="weights.ckpt", help="where to save the trained weights")
parser.add_argument("--num-workers", type=int, default=2)
parser.add_argument("--seed-workers", action=argparse.BooleanOptionalAction, default=True)
args = parser.parse_args()
# --8<-- [end:options]


# --8<-- [start:data]
class Noisy(Dataset):
    """(noisy image, clean image) pairs: the auto-encoder learns to take the noise out.
    The noise is drawn where the sample is loaded, in a DataLoader worker process."""

    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image, _ = self.data[index]
        return image + 0.3 * torch.randn_like(image), image


dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(Noisy(train_set), batch_size=32, shuffle=True, num_workers=args.num_workers)
# --8<-- [end:data]


# --8<-- [start:model]
class LitDenoiser(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        noisy, clean = batch
        loss = F.mse_loss(self(noisy.flatten(1)), clean.flatten(1))
        self.log("train_loss", loss, on_epoch=True)
        return loss
# --8<-- [end:model]


# --8<-- [start:seed]
if __name__ == "__main__":  # DataLoader workers re-import this file under spawn (macOS, Windows)
    pl.seed_everything(0, workers=args.seed_workers)  # Python, NumPy and torch; workers=True: each worker too
    model = LitDenoiser()
    trainer = pl.Trainer(max_epochs=2, deterministic=True,  # deterministic algorithms only
                         logger=False, enable_checkpointing=False, enable_progress_bar=False)
    trainer.fit(model, train_loader)
    trainer.save_checkpoint(args.out)
    print(f"train_loss {trainer.callback_metrics['train_loss_epoch']:.6f}, weights saved to {args.out}")
# --8<-- [end:seed]
