# python lightning_lite_fixed.py — Lightning 2.x: LightningLite is Fabric, used without a subclass:
# the same loop, with `fabric.` where it had `self.`
import torch
from lightning.fabric import Fabric
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

fabric = Fabric(accelerator="auto", devices=1)  # instead of class Lite(LightningLite) and run()
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model, optimizer = fabric.setup(model, optimizer)
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
train_loader = fabric.setup_dataloaders(DataLoader(train_set, batch_size=32))
for epoch in range(2):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        fabric.backward(loss)
        optimizer.step()
    print(f"epoch {epoch}: last batch loss {loss.item():.6f}")
