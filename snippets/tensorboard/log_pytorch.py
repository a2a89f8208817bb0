# --8<-- [start:imports]
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torch.utils.tensorboard import SummaryWriter
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)  # 100 steps per epoch
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
# --8<-- [end:model]


# --8<-- [start:training]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
writer = SummaryWriter("runs/autoencoder")  # default: runs/<date>_<host>/
global_step = 0
for epoch in range(5):
    model.train()
    for x, _ in train_loader:
        x = x.view(x.size(0), -1).to(device)
        x_hat = model(x)
        loss = F.mse_loss(x_hat, x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        writer.add_scalar("Loss/train", loss.item(), global_step)
        writer.add_scalar("MAE/train", F.l1_loss(x_hat, x).item(), global_step)
        global_step += 1
    # --8<-- [end:training]

    # --8<-- [start:validation]
    model.eval()
    val_loss = val_mae = 0.0
    with torch.no_grad():
        for x, _ in val_loader:
            x = x.view(x.size(0), -1).to(device)
            x_hat = model(x)
            val_loss += F.mse_loss(x_hat, x).item()
            val_mae += F.l1_loss(x_hat, x).item()
    val_loss /= len(val_loader)
    val_mae /= len(val_loader)
    writer.add_scalar("Loss/val", val_loss, epoch)
    writer.add_scalar("MAE/val", val_mae, epoch)
    print(f"epoch {epoch}: train loss {loss.item():.6f} (last step)  "
          f"val loss {val_loss:.6f}  val MAE {val_mae:.6f}")
    # --8<-- [end:validation]

# --8<-- [start:fit]
writer.close()  # writes the last points to the event file
print(f"logs in {writer.log_dir}")
# --8<-- [end:fit]
