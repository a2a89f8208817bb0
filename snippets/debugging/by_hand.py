# --8<-- [start:example]
import itertools
import time

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
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def train(model, optimizer, batches):
    model.train()
    losses = []
    for x, _ in batches:
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()


def validate(model, batches):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in batches:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()


torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
# --8<-- [end:example]

# --8<-- [start:fast-dev-run]
# One training batch and one validation batch: the whole script, end to end, in a second.
train_loss = train(model, optimizer, itertools.islice(train_loader, 1))
val_loss = validate(model, itertools.islice(val_loader, 1))
print(f"fast dev run: train_loss {train_loss:.6f}, val_loss {val_loss:.6f}")
# --8<-- [end:fast-dev-run]

# --8<-- [start:sanity-check]
# Two validation batches before training: a bug in the validation code shows before the first epoch.
print(f"sanity check: val_loss {validate(model, itertools.islice(val_loader, 2)):.6f}")
# --8<-- [end:sanity-check]

# --8<-- [start:limit-batches]
for epoch in range(2):
    train_loss = train(model, optimizer, itertools.islice(train_loader, 10))  # 10 of the 100 batches
    val_loss = validate(model, itertools.islice(val_loader, 2))  # 2 of the 4
    print(f"limited epoch {epoch}: train_loss {train_loss:.6f}, val_loss {val_loss:.6f}")
# --8<-- [end:limit-batches]

# --8<-- [start:overfit]
batch = next(iter(train_loader))  # one batch, kept
for _ in range(200):
    train_loss = train(model, optimizer, [batch])
print(f"overfit one batch: train_loss {train_loss:.6f} after 200 steps")
# --8<-- [end:overfit]

# --8<-- [start:anomaly]
with torch.autograd.detect_anomaly():  # every backward pass checks its results for NaN
    train_loss = train(model, optimizer, itertools.islice(train_loader, 1))
print(f"with anomaly detection: train_loss {train_loss:.6f}")
# --8<-- [end:anomaly]

# --8<-- [start:profile]
loading = stepping = 0.0
model.train()
started = time.perf_counter()
for x, _ in train_loader:
    loaded = time.perf_counter()
    x = x.view(x.size(0), -1).to(device)
    loss = F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    finished = time.perf_counter()
    loading += loaded - started
    stepping += finished - loaded
    started = finished
print(f"one epoch: {loading:.2f} s loading batches, {stepping:.2f} s in training steps")
# --8<-- [end:profile]
