# Run: python compile_pytorch.py  (reads MNIST under ./data; trains 5 epochs eager, then 5 compiled;
# writes autoencoder.pt; the first compile takes a while, later runs reuse inductor's on-disk cache)
# --8<-- [start:imports]
import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

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


# --8<-- [start:timed]
def fit(model, epochs=5):
    """Train and validate; return each epoch's time in seconds."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = []
    for epoch in range(epochs):
        started = time.perf_counter()
        train_one_epoch(model, train_loader, optimizer)
        val_loss = validate(model, val_loader)
        seconds.append(time.perf_counter() - started)
        print(f"epoch {epoch}: val_loss {val_loss:.6f}  ({seconds[-1]:.3f} s)")
    return seconds
# --8<-- [end:timed]


# --8<-- [start:eager]
torch.manual_seed(0)
eager_model = AutoEncoder().to(device)
print("eager:")
eager_seconds = fit(eager_model)
# --8<-- [end:eager]

# --8<-- [start:compile]
torch.manual_seed(0)
model = AutoEncoder().to(device)
compiled_model = torch.compile(model)  # compiles on its first call, not here
print("compiled:")
compiled_seconds = fit(compiled_model)
# The compiled wrapper's keys start with "_orig_mod.": save the module it wraps.
print(f"first key of compiled_model.state_dict(): {next(iter(compiled_model.state_dict()))}")
torch.save(model.state_dict(), "autoencoder.pt")
# --8<-- [end:compile]

# --8<-- [start:measure]
print(f"measured on {device}: {os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads")
eager_later = statistics.median(eager_seconds[1:])
compiled_later = statistics.median(compiled_seconds[1:])
print(f"first epoch: eager {eager_seconds[0]:.3f} s, compiled {compiled_seconds[0]:.3f} s")
print(f"later epochs, median: eager {eager_later:.3f} s, compiled {compiled_later:.3f} s "
      f"(compiled/eager {compiled_later / eager_later:.2f})")
difference = max((a - b).abs().max().item()
                 for a, b in zip(eager_model.state_dict().values(), model.state_dict().values()))
print(f"eager and compiled weights after 5 epochs: max |Δw| = {difference:.2e}")
# --8<-- [end:measure]
