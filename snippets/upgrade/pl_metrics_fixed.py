# python pl_metrics_fixed.py — the metrics live in the torchmetrics package (a dependency of
# Lightning), and Accuracy now needs its task
import pytorch_lightning as pl
import torch
from torchmetrics import Accuracy  # instead of pytorch_lightning.metrics
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.val_acc = Accuracy(task="multiclass", num_classes=3)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.val_acc(self.model(x).argmax(dim=1), y)
        self.log("val_acc", self.val_acc)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
model = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
val_set = TensorDataset(torch.randn(128, 784), torch.randint(0, 3, (128,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(
    model,
    train_dataloaders=DataLoader(train_set, batch_size=32),
    val_dataloaders=DataLoader(val_set, batch_size=32),
)
print(f"val_acc after {trainer.current_epoch} epochs: {trainer.callback_metrics['val_acc']:.6f}")
