# Run: python epoch_results_pytorch.py  (reads MNIST under ./data, downloading it if missing;
# writes errors_pytorch.pt). Trains the auto-encoder for 3 epochs, summarizes each epoch's 800 validation errors.
# --8<-- [start:imports]
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
val_loader = DataLoader(val_set, batch_size=128)  # 6 batches of 128, then one of 32
# --8<-- [end:data]


# --8<-- [start:summarize]
def summarize(errors, labels):
    """What the epoch's per-image errors say: needs all of them at once."""
    per_digit = torch.stack([errors[labels == digit].mean() for digit in range(10)])
    worst = per_digit.argmax()
    return (
        f"{len(errors)} images, mean {errors.mean():.9g}, median {errors.median():.9g}, "
        f"90th percentile {errors.quantile(0.9):.9g}, worst digit {worst} ({per_digit[worst]:.9g})"
    )
# --8<-- [end:summarize]


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
# --8<-- [end:model]


# --8<-- [start:collect]
def validate(model, loader):
    model.eval()
    errors, labels = [], []  # a new list each epoch: it lives in this call
    with torch.no_grad():
        for x, y in loader:
            x = x.view(x.size(0), -1).to(device)
            errors.append(F.mse_loss(model(x), x, reduction="none").mean(dim=1))  # one error per image
            labels.append(y.to(device))
    # --8<-- [end:collect]
    # --8<-- [start:epoch-end]
    return torch.cat(errors), torch.cat(labels)  # after the last batch: the whole epoch at once
    # --8<-- [end:epoch-end]


# --8<-- [start:fit]
torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    train_one_epoch(model, train_loader, optimizer)
    errors, labels = validate(model, val_loader)
    print(f"epoch {epoch}: {summarize(errors, labels)}")
torch.save(errors.cpu(), "errors_pytorch.pt")  # the last epoch's 800 errors, for compare.py
# --8<-- [end:fit]
