# --8<-- [start:data]
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
# --8<-- [end:data]


# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(
            nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, _ in loader:
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()
# --8<-- [end:model]
