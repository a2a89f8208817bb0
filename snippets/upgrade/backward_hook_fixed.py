# python backward_hook_fixed.py — Lightning 2.x: the `backward` hook takes the loss and passes
# whatever else Lightning gives it on to `loss.backward`
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.backward_calls = 0

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def backward(self, loss, *args, **kwargs):  # instead of (self, loss, optimizer, optimizer_idx)
        self.backward_calls += 1
        loss.backward(*args, **kwargs)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
model = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
print(f"backward ran {model.backward_calls} times")
print(f"first layer's weight sum: {model.model[0].weight.sum():.6f}")
