# --8<-- [start:imports]
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, random_split
from torch.utils.tensorboard import SummaryWriter
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
sampler = DistributedSampler(train_set, num_replicas=1, rank=0, shuffle=True, seed=0)
train_loader = DataLoader(train_set, batch_size=32, sampler=sampler)  # 100 steps per epoch
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def configure_optimizer(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3)
# --8<-- [end:model]


# --8<-- [start:training]
def train_one_epoch(model, optimizer, writer, epoch):
    model.train()
    maes = []
    for batch_idx, (x, _) in enumerate(train_loader):
        step = epoch * len(train_loader) + batch_idx  # the global step, counted from 0 as Lightning does
        x = x.view(x.size(0), -1)
        x_hat = model(x)
        loss = F.mse_loss(x_hat, x)
        mae = F.l1_loss(x_hat, x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % 10 == 0:  # what log_every_n_steps=10 does
            writer.add_scalar("train_loss", loss.item(), step)
            writer.add_scalar("train_mae_step", mae.item(), step)
        maes.append(mae.detach())
    # The epoch's mean, taken by hand and logged with the epoch as its x value.
    writer.add_scalar("train_mae_epoch", torch.stack(maes).mean().item(), epoch)
    return loss.item(), torch.stack(maes).mean().item()
# --8<-- [end:training]


# --8<-- [start:validation]
def validate(model, writer, epoch):
    model.eval()
    losses, maes = [], []
    with torch.no_grad():
        for x, _ in val_loader:
            x = x.view(x.size(0), -1)
            x_hat = model(x)
            losses.append(F.mse_loss(x_hat, x))
            maes.append(F.l1_loss(x_hat, x))
    val_loss, val_mae = torch.stack(losses).mean().item(), torch.stack(maes).mean().item()
    writer.add_scalar("val_loss", val_loss, epoch)
    writer.add_scalar("val_mae", val_mae, epoch)
    return val_loss, val_mae
# --8<-- [end:validation]


# --8<-- [start:fit]
torch.manual_seed(0)
model = AutoEncoder()
optimizer = configure_optimizer(model)
writer = SummaryWriter("runs/autoencoder")  # without a folder it picks runs/<date>_<host>/
for epoch in range(5):
    sampler.set_epoch(epoch)
    train_loss, train_mae = train_one_epoch(model, optimizer, writer, epoch)
    val_loss, val_mae = validate(model, writer, epoch)
    print(f"epoch {epoch}: train_loss {train_loss:.6f} (last step)  "
          f"train_mae_epoch {train_mae:.6f}  val_loss {val_loss:.6f}  val_mae {val_mae:.6f}")
writer.close()  # writes the last points to the event file
print(f"logs in {writer.log_dir}")
# --8<-- [end:fit]
