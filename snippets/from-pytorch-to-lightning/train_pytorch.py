# --8<-- [start:imports]
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:device]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
# --8<-- [end:device]


# --8<-- [start:model]
class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
# --8<-- [end:model]


# --8<-- [start:training]
def train_one_epoch(model, loader, optimizer):
    model.train()
    losses = []
    for x, _ in loader:
        x = x.view(x.size(0), -1).to(device)
        x_hat = model(x)
        loss = F.mse_loss(x_hat, x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()
# --8<-- [end:training]


# --8<-- [start:validation]
def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            x_hat = model(x)
            losses.append(F.mse_loss(x_hat, x))
    # The epoch's loss is the mean over all batches, taken after the loop.
    return torch.stack(losses).mean().item()
# --8<-- [end:validation]


# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]

# --8<-- [start:init]
torch.manual_seed(0)
model = AutoEncoder().to(device)
# --8<-- [end:init]
# --8<-- [start:optimizer]
# model.parameters() yields the encoder's and the decoder's parameters
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
# --8<-- [end:optimizer]

# --8<-- [start:fit]
for epoch in range(5):
    train_loss = train_one_epoch(model, train_loader, optimizer)
    val_loss = validate(model, val_loader)
    print(f"epoch {epoch}: train_loss {train_loss:.6f}  val_loss {val_loss:.6f}")

torch.save(model.state_dict(), "autoencoder_pytorch.pt")
# --8<-- [end:fit]
