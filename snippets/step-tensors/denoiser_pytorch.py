# Imported by train_pytorch.py: put both in one folder. Reads MNIST under ./data.
# --8<-- [start:data]
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
# --8<-- [end:data]


# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class DenoisingAutoEncoder(nn.Module):
    def __init__(self, mean: float = 0.0, std: float = 1.0):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        # Buffers: tensors that are not trained and go wherever the module goes (.to(), .double()).
        # The training set's pixel mean and std: in the state dict (persistent, the default).
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))
        # The central 20×20 pixels, where the digits are: rebuilt here, so left out of the state dict.
        inside = torch.zeros(28, 28, dtype=torch.bool)
        inside[4:24, 4:24] = True
        self.register_buffer("inside", inside.flatten(), persistent=False)

    def forward(self, x):
        return self.decoder(self.encoder((x - self.mean) / self.std))
    # --8<-- [end:model]

    # --8<-- [start:corrupt]
    def corrupt(self, x):
        noise = 0.5 * torch.randn_like(x)  # like x: its shape, device and dtype
        keep = torch.rand(x.shape, device=x.device) > 0.25  # made from a shape: on x's device
        return (x + noise * self.inside) * keep.type_as(x)  # 1.0 or 0.0, in x's dtype
    # --8<-- [end:corrupt]


# --8<-- [start:step]
def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, _ in loader:
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(model.corrupt(x)), x)  # the clean image is the target
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(model.corrupt(x)), x))
    return torch.stack(losses).mean().item()
# --8<-- [end:step]
