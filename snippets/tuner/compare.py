# Run: python compare.py  (after lr_find_pytorch.py and lr_find_lightning.py, in their folder; reads MNIST
# under ./data). Recomputes lr_find by hand, quirks included, and compares both tabs' results.
# --8<-- [start:setup]
import json

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms

# The data and the model of lr_find_pytorch.py, unchanged
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
# --8<-- [end:setup]


# --8<-- [start:reproduce]
def lr_find_by_hand(model, loader, min_lr=1e-8, max_lr=1.0, num_training=100, beta=0.98, stop_factor=4.0):
    """What Tuner.lr_find computes (pytorch_lightning/tuner/lr_finder.py), with its two quirks."""
    optimizer = torch.optim.Adam(model.parameters(), lr=min_lr)
    # Quirk 1, _ExponentialLR: step 0 uses min_lr, step i > 0 min_lr * (max_lr / min_lr) ** ((i + 1) / num_training),
    # so the rate of step 1 is two factors up, and the 100 rates end at max_lr
    schedule = [min_lr] + [min_lr * (max_lr / min_lr) ** ((i + 1) / num_training) for i in range(1, num_training)]
    lrs, losses, average, best = [], [], 0.0, 0.0
    for i, (x, _) in enumerate(loader):
        if i == num_training:
            break
        for group in optimizer.param_groups:
            group["lr"] = schedule[i]
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        average = beta * average + (1 - beta) * loss.item()
        # Quirk 2, _LRCallback: the bias correction uses trainer.global_step, already counting this step
        smoothed = average / (1 - beta ** (i + 2))
        lrs.append(schedule[i])
        losses.append(smoothed)
        if i > 0 and smoothed > stop_factor * best:
            break
        if smoothed < best or i == 0:
            best = smoothed
    return lrs, losses


def steepest(lrs, losses, skip_begin=10, skip_end=1):
    """The suggestion rule of lr_find and of lr_find_pytorch.py: the steepest gradient against the rate."""
    kept_lrs, kept_losses = torch.tensor(lrs[skip_begin:-skip_end]), torch.tensor(losses[skip_begin:-skip_end])
    gradients = torch.gradient(kept_losses, spacing=[kept_lrs])[0]
    return lrs[skip_begin + gradients.argmin().item()]


torch.manual_seed(0)  # as lr_find_lightning.py's pl.seed_everything(0)
lrs, losses = lr_find_by_hand(AutoEncoder().to(device), train_loader)
with open("lr_find_lightning.json") as file:
    tuner = json.load(file)
print(f"lr_find recomputed by hand, quirks included: {len(lrs)} points, {len(tuner['lr'])} from lr_find")
print(f"same learning rates, bit for bit: {lrs == tuner['lr']}")
print(f"same smoothed losses, bit for bit: {losses == tuner['loss']}")
print(f"same suggestion: {steepest(lrs, losses) == tuner['suggestion']} ({tuner['suggestion']:.6g})")
# --8<-- [end:reproduce]

# --8<-- [start:compare]
with open("lr_find_pytorch.json") as file:
    plain = json.load(file)
print(f"the PyTorch tab: {len(plain['lr'])} points, rates {plain['lr'][0]:.3g} to {plain['lr'][-1]:.6g}")
lr_ratios = [a / b for a, b in zip(plain["lr"], tuner["lr"])]
print(f"same learning rates: {plain['lr'] == tuner['lr']} (its rate / lr_find's, step by step: "
      f"{min(lr_ratios):.3f} to {max(lr_ratios):.3f})")
print(f"first smoothed loss: {plain['loss'][0]:.4f} by hand, {tuner['loss'][0]:.4f} from lr_find "
      f"(ratio {tuner['loss'][0] / plain['loss'][0]:.4f})")
loss_ratios = [a / b for a, b in zip(plain["loss"], tuner["loss"])]
apart = next((i for i in range(10, len(loss_ratios)) if abs(loss_ratios[i] - 1) > 0.1), len(loss_ratios))
gap = max(abs(r - 1) for r in loss_ratios[10:apart])
print(f"smoothed losses within {gap:.1%} of each other from step 10 to {apart - 1}")
if apart < len(loss_ratios):
    print(f"first step after that more than 10% apart: {apart}, at rate {plain['lr'][apart]:.3g}: "
          f"{plain['loss'][apart]:.4f} by hand, {tuner['loss'][apart]:.4f} from lr_find")
print(f"last smoothed loss: {plain['loss'][-1]:.4f} by hand, {tuner['loss'][-1]:.4f} from lr_find")
ratio = plain["suggestion"] / tuner["suggestion"]
print(f"suggestion: {plain['suggestion']:.6g} by hand, {tuner['suggestion']:.6g} from lr_find "
      f"({max(ratio, 1 / ratio):.3g} times apart)")
# --8<-- [end:compare]
