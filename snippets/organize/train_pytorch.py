# --8<-- [start:imports]
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
from torchvision.utils import save_image
# --8<-- [end:imports]


# --8<-- [start:data]
def prepare_data(root="data"):
    # Download to disk. With several processes, one per machine should, while the others wait.
    datasets.MNIST(root, train=True, download=True)


def make_datasets(root="data"):
    dataset = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
    generator = torch.Generator().manual_seed(0)
    return random_split(dataset, [3200, 800], generator=generator)


def make_loaders(train_set, val_set, batch_size=32):
    return DataLoader(train_set, batch_size=batch_size, shuffle=True), DataLoader(val_set, batch_size=200)
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
    losses = []
    for x, _ in loader:
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()


def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()
# --8<-- [end:model]


# --8<-- [start:train]
prepare_data()
train_set, val_set = make_datasets()
train_loader, val_loader = make_loaders(train_set, val_set)

torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

images = torch.stack([val_set[i][0] for i in range(8)])  # the same 8 digits every epoch
Path("samples").mkdir(exist_ok=True)
best, bad_epochs = float("inf"), 0
for epoch in range(5):
    started = time.perf_counter()  # timing,
    train_loss = train_one_epoch(model, train_loader, optimizer)
    val_loss = validate(model, val_loader)
    with torch.no_grad():  # saving samples,
        reconstructions = model(images.view(8, -1).to(device)).view(8, 1, 28, 28)
    path = f"samples/epoch_{epoch}.png"
    save_image(torch.cat([images, reconstructions.cpu()]), path, nrow=8)
    seconds = time.perf_counter() - started  # printing,
    print(f"epoch {epoch}: train_loss {train_loss:.6f}  val_loss {val_loss:.6f}  ({seconds:.2f} s)")
    # and stopping early: after 3 epochs without a lower val_loss, or at once when it is nan or inf
    best, bad_epochs = (val_loss, 0) if val_loss < best else (best, bad_epochs + 1)
    if bad_epochs == 3 or not math.isfinite(val_loss):
        break

torch.save(model.state_dict(), "autoencoder_pytorch.pt")
# --8<-- [end:train]
