# --8<-- [start:imports]
import argparse
import os
import random

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:options]
parser = argparse.ArgumentParser()
parser.add_argument("--out", default="weights.pt", help="where to save the trained weights")
parser.add_argument("--num-workers", type=int, default=2)
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


def seed_worker(worker_id):
    # PyTorch seeds torch in each worker (base seed + worker id); seed Python's and NumPy's from it too.
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(Noisy(train_set), batch_size=32, shuffle=True, num_workers=args.num_workers,
                          worker_init_fn=seed_worker, generator=torch.Generator().manual_seed(0))
# --8<-- [end:data]


# --8<-- [start:model]
class Denoiser(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
# --8<-- [end:model]


# --8<-- [start:seed]
if __name__ == "__main__":  # DataLoader workers re-import this file under spawn (macOS, Windows)
    random.seed(0)  # Python,
    np.random.seed(0)  # NumPy
    torch.manual_seed(0)  # and torch, in this process
    torch.use_deterministic_algorithms(True)  # deterministic algorithms only
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"  # which CUDA's matrix products need for it
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Denoiser().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(2):  # two epochs
        losses = []
        for noisy, clean in train_loader:
            noisy, clean = noisy.to(device), clean.to(device)
            loss = F.mse_loss(model(noisy.flatten(1)), clean.flatten(1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
    torch.save(model.state_dict(), args.out)
    print(f"train_loss {torch.stack(losses).mean():.6f}, weights saved to {args.out}")
# --8<-- [end:seed]
