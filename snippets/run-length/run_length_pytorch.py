# Run: python run_length_pytorch.py  (reads MNIST under ./data; writes one <name>_pytorch.pt per loop)
# Nine short trainings, one per section of the page, each from the same seeded start.
# --8<-- [start:imports]
import itertools
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
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)  # 100 batches an epoch
val_loader = DataLoader(val_set, batch_size=200)  # 4 batches
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


def new_model():
    torch.manual_seed(0)
    model = AutoEncoder().to(device)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def train_step(model, optimizer, x):
    model.train()
    x = x.view(x.size(0), -1).to(device)
    loss = F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def validate(model, batches=val_loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in batches:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()


def report(name, model, step, validated_at):
    print(f"{name}: {step} steps, validated after steps {validated_at}")
    torch.save(model.state_dict(), f"{name}_pytorch.pt")
# --8<-- [end:model]


# --8<-- [start:max-epochs]
model, optimizer = new_model()
step, validated_at = 0, []
for _epoch in range(3):
    for x, _ in train_loader:
        train_step(model, optimizer, x)
        step += 1
    validate(model)  # after every epoch
    validated_at.append(step)
report("max_epochs", model, step, validated_at)
# --8<-- [end:max-epochs]

# --8<-- [start:max-steps]
model, optimizer = new_model()
step, validated_at = 0, []
while step < 250:
    for x, _ in train_loader:
        train_step(model, optimizer, x)
        step += 1
        if step == 250:
            break  # in the middle of the third epoch
    else:  # the epoch ran to its end
        validate(model)
        validated_at.append(step)
report("max_steps", model, step, validated_at)
# --8<-- [end:max-steps]

# --8<-- [start:val-check-fraction]
model, optimizer = new_model()
step, validated_at = 0, []
every = int(len(train_loader) * 0.25)  # 25 batches
for _epoch in range(2):
    for i, (x, _) in enumerate(train_loader):
        train_step(model, optimizer, x)
        step += 1
        if (i + 1) % every == 0:  # i counts the batches of this epoch
            validate(model)
            validated_at.append(step)
report("val_check_fraction", model, step, validated_at)
# --8<-- [end:val-check-fraction]

# --8<-- [start:val-check-count]
model, optimizer = new_model()
step, validated_at = 0, []
for _epoch in range(2):
    for i, (x, _) in enumerate(train_loader):
        train_step(model, optimizer, x)
        step += 1
        if (i + 1) % 40 == 0:  # after batches 40 and 80; not after the epoch's last, the 100th
            validate(model)
            validated_at.append(step)
report("val_check_count", model, step, validated_at)
# --8<-- [end:val-check-count]

# --8<-- [start:every-n-epochs]
model, optimizer = new_model()
step, validated_at = 0, []
for epoch in range(4):
    for x, _ in train_loader:
        train_step(model, optimizer, x)
        step += 1
    if (epoch + 1) % 2 == 0:  # after epochs 2 and 4
        validate(model)
        validated_at.append(step)
report("every_n_epochs", model, step, validated_at)
# --8<-- [end:every-n-epochs]

# --8<-- [start:across-epochs]
model, optimizer = new_model()
step, validated_at = 0, []
for _epoch in range(3):
    for x, _ in train_loader:
        train_step(model, optimizer, x)
        step += 1
        if step % 150 == 0:  # step counts across epochs
            validate(model)
            validated_at.append(step)
report("across_epochs", model, step, validated_at)
# --8<-- [end:across-epochs]

# --8<-- [start:limits]
model, optimizer = new_model()
step, validated_at = 0, []
with torch.random.fork_rng():  # only to match Lightning's shuffles: it puts the random state back
    validate(model, itertools.islice(val_loader, 2))  # the sanity check: 2 batches before training
for _epoch in range(2):
    for x, _ in itertools.islice(train_loader, int(len(train_loader) * 0.25)):  # 25 of 100 batches
        train_step(model, optimizer, x)
        step += 1
    validate(model, itertools.islice(val_loader, 2))  # 2 of 4 batches
    validated_at.append(step)
report("limits", model, step, validated_at)
# --8<-- [end:limits]

# --8<-- [start:min-epochs]
model, optimizer = new_model()
step, validated_at = 0, []
best, bad_epochs, stop = float("inf"), 0, False
for epoch in range(10):
    for x, _ in train_loader:
        train_step(model, optimizer, x)
        step += 1
    val_loss = validate(model)
    validated_at.append(step)
    print(f"epoch {epoch}: val_loss {val_loss:.6f}")
    if val_loss < best - 0.01:  # min_delta
        best, bad_epochs = val_loss, 0
    else:
        bad_epochs += 1
    stop = stop or bad_epochs >= 1  # patience; once asked, the stop stands
    if stop and epoch + 1 >= 4:  # min_epochs: never before 4 epochs
        break
report("min_epochs", model, step, validated_at)
# --8<-- [end:min-epochs]

# --8<-- [start:max-time]
model, optimizer = new_model()
step, validated_at = 0, []
start, out_of_time = time.monotonic(), False
while not out_of_time:
    for i, (x, _) in enumerate(train_loader):
        train_step(model, optimizer, x)
        step += 1
        out_of_time = time.monotonic() - start >= 1.0  # checked after every step
        if out_of_time or i + 1 == len(train_loader):
            validate(model)
            validated_at.append(step)
        if out_of_time:
            break
print(f"stopped after {time.monotonic() - start:.2f} s")
report("max_time", model, step, validated_at)
# --8<-- [end:max-time]
