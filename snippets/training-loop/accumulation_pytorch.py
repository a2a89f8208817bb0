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
device = "cuda" if torch.cuda.is_available() else "cpu"


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()


torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
# --8<-- [end:model]


# --8<-- [start:accumulate]
def train_one_epoch(model, loader, optimizer, accumulate):
    model.train()
    steps = 0
    for i, (x, _) in enumerate(loader):
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        # The gradients add up: divide each loss so that their sum is a mean.
        (loss / accumulate).backward()
        # Step after every `accumulate` batches, and after the last one.
        if (i + 1) % accumulate == 0 or i + 1 == len(loader):
            optimizer.step()
            optimizer.zero_grad()
            steps += 1
    return steps
# --8<-- [end:accumulate]


# --8<-- [start:fit]
steps = 0
for epoch in range(3):
    steps += train_one_epoch(model, train_loader, optimizer, accumulate=3)
    print(f"epoch {epoch}: val_loss {validate(model, val_loader):.6f}  optimizer steps so far: {steps}")
torch.save(model.state_dict(), "accumulation_pytorch.pt")
# --8<-- [end:fit]
