# Run: python metrics_pytorch.py  (reads MNIST under ./data; writes classifier_pytorch.pt)
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
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
# 28 × 28 pixels in, 10 scores out: one per digit
model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)


def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
# --8<-- [end:model]


# --8<-- [start:accuracy]
def validate(model, loader):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            preds = model(x).argmax(dim=1)  # the digit with the highest score
            correct += (preds == y).sum().item()
            total += len(y)
    return correct / total  # over the whole set, not a mean of the batches' accuracies
# --8<-- [end:accuracy]


# --8<-- [start:fit]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    train_one_epoch(model, train_loader, optimizer)
    print(f"epoch {epoch}: val_acc {validate(model, val_loader):.6f}")
torch.save(model.state_dict(), "classifier_pytorch.pt")
# --8<-- [end:fit]
