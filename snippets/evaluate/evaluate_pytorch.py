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
# The 1,000 test digits: never trained on, never used to pick a checkpoint.
test_set = datasets.MNIST("data", train=False, download=True, transform=transforms.ToTensor())
test_loader = DataLoader(test_set, batch_size=200)
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


# --8<-- [start:test]
def test(model, loader):
    model.eval()  # dropout off, batch norm on its running statistics
    total, count = 0.0, 0
    with torch.inference_mode():  # no gradients, no autograd bookkeeping
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            total += F.mse_loss(model(x), x).item() * len(x)  # each batch weighs its size
            count += len(x)
    return total / count  # the mean over the whole test set
# --8<-- [end:test]


# --8<-- [start:predict]
def predict(model, loader):
    model.eval()
    with torch.inference_mode():
        return [model.encoder(x.view(x.size(0), -1).to(device)) for x, _ in loader]  # one output per batch
# --8<-- [end:predict]


# --8<-- [start:fit]
torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
best_val_loss = float("inf")
for epoch in range(5):
    train_one_epoch(model, train_loader, optimizer)
    val_loss = validate(model, val_loader)
    print(f"epoch {epoch}: val_loss {val_loss:.6f}")
    if val_loss < best_val_loss:  # keep the weights of the best epoch so far
        best_val_loss = val_loss
        torch.save(model.state_dict(), "best.pt")
# --8<-- [end:fit]

# --8<-- [start:run-test]
model.load_state_dict(torch.load("best.pt", map_location="cpu", weights_only=True))  # the best epoch's weights
test_loss = test(model, test_loader)
print(f"test_loss {test_loss:.6f}")
# --8<-- [end:run-test]

# --8<-- [start:run-predict]
codes = torch.cat(predict(model, test_loader))
print(f"codes {tuple(codes.shape)}, first digit's code {[round(v, 4) for v in codes[0].tolist()]}")
torch.save(codes, "codes_pytorch.pt")
# --8<-- [end:run-predict]
