# python lightning_lite.py — Lightning 1.x code: a plain PyTorch loop accelerated by LightningLite;
# Lightning 2.x has no `pytorch_lightning.lite` (ModuleNotFoundError)
import torch
from pytorch_lightning.lite import LightningLite
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Lite(LightningLite):
    def run(self):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        model, optimizer = self.setup(model, optimizer)
        train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
        train_loader = self.setup_dataloaders(DataLoader(train_set, batch_size=32))
        for epoch in range(2):
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(x), y)
                self.backward(loss)
                optimizer.step()
            print(f"epoch {epoch}: last batch loss {loss.item():.6f}")


Lite(accelerator="auto", devices=1).run()
