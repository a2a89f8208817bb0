# Run: python bar_pytorch.py  (reads MNIST under ./data)
# --8<-- [start:imports]
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
from tqdm import tqdm
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


def train_step(model, optimizer, x):
    x = x.view(x.size(0), -1).to(device)
    loss = F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()
# --8<-- [end:model]


# --8<-- [start:bar]
torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
val_loss = None
for epoch in range(2):
    model.train()
    # miniters=10, mininterval=0: redraw every 10 batches, however long they take
    bar = tqdm(total=len(train_loader), desc=f"Epoch {epoch}", miniters=10, mininterval=0)
    for x, _ in train_loader:
        train_loss = train_step(model, optimizer, x)
        shown = {"train_loss": train_loss} | ({} if val_loss is None else {"val_loss": val_loss})
        bar.set_postfix(shown, refresh=False)  # drawn with the next update
        bar.update()
    val_loss = validate(model, val_loader)
    bar.set_postfix(train_loss=train_loss, val_loss=val_loss)  # redraws the epoch's line
    bar.close()  # leaves the line as it is; the next epoch starts a new one
# --8<-- [end:bar]

# --8<-- [start:no-bar]
torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    model.train()
    for x, _ in train_loader:  # no tqdm: nothing drawn
        train_step(model, optimizer, x)
    val_loss = validate(model, val_loader)
    print(f"epoch {epoch}: val_loss {val_loss:.6f}")  # a line an epoch instead of a bar
# --8<-- [end:no-bar]
