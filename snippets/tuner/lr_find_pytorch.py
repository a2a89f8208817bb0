# Run: python lr_find_pytorch.py  (reads MNIST under ./data; writes lr_find_pytorch.json)
# --8<-- [start:imports]
import copy
import json

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
# --8<-- [end:model]


# --8<-- [start:find]
def lr_range_test(model, loader, min_lr=1e-8, max_lr=1.0, num_steps=100, beta=0.98, stop_factor=4.0):
    """Train one step per learning rate, the rate growing exponentially from min_lr to max_lr, on a
    copy of the model; return the rates and the smoothed losses, stopping when the loss diverges."""
    model = copy.deepcopy(model)  # leave the caller's weights as they are
    optimizer = torch.optim.Adam(model.parameters(), lr=min_lr)
    gamma = (max_lr / min_lr) ** (1 / (num_steps - 1))  # min_lr to max_lr in num_steps rates
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma)
    lrs, losses, average, best = [], [], 0.0, float("inf")
    for step, (x, _) in enumerate(loader):
        if step == num_steps:
            break
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        average = beta * average + (1 - beta) * loss.item()  # a running mean: the raw loss is noisy
        smoothed = average / (1 - beta ** (step + 1))  # bias correction: the mean starts at 0
        lrs.append(scheduler.get_last_lr()[0])
        losses.append(smoothed)
        if smoothed > stop_factor * best:  # diverging: stop
            break
        best = min(best, smoothed)
        scheduler.step()  # lr *= gamma
    return lrs, losses


def suggestion(lrs, losses, skip_begin=10, skip_end=1):
    """The rate where the smoothed loss falls fastest (its gradient against the rate is the lowest)."""
    kept_lrs = torch.tensor(lrs[skip_begin:-skip_end])
    kept_losses = torch.tensor(losses[skip_begin:-skip_end])
    gradients = torch.gradient(kept_losses, spacing=[kept_lrs])[0]
    return lrs[skip_begin + gradients.argmin().item()]


torch.manual_seed(0)
model = AutoEncoder().to(device)
lrs, losses = lr_range_test(model, train_loader)
suggested = suggestion(lrs, losses)
print(f"steps run: {len(lrs)} of 100")
print(f"suggestion: {suggested:.6g}")
with open("lr_find_pytorch.json", "w") as file:
    json.dump({"lr": lrs, "loss": losses, "suggestion": suggested}, file)
# --8<-- [end:find]
