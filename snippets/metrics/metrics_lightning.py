# Run: python metrics_lightning.py  (reads MNIST under ./data; writes classifier_lightning.pt and lightning_logs/)
# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchmetrics.classification import MulticlassAccuracy
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
class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        # 28 × 28 pixels in, 10 scores out: one per digit
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))
        # A Metric is a Module: as an attribute it moves to the model's device.
        # average="micro": correct / total. The default, "macro", is the mean of the per-class accuracies.
        self.val_acc = MulticlassAccuracy(num_classes=10, average="micro")

    def forward(self, x):
        return self.model(x)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self(x), y)
    # --8<-- [end:model]

    # --8<-- [start:accuracy]
    def validation_step(self, batch, batch_idx):
        x, y = batch
        preds = self(x).argmax(dim=1)  # the digit with the highest score
        self.val_acc(preds, y)  # adds this batch's counts to the metric's state
        # The Metric object, not a tensor: at the epoch's end Lightning calls compute() and reset().
        self.log("val_acc", self.val_acc)

    def on_train_epoch_end(self):
        # Only to compare the two tabs line by line: the logger has val_acc already.
        print(f"epoch {self.current_epoch}: val_acc {self.trainer.callback_metrics['val_acc']:.6f}")
    # --8<-- [end:accuracy]


# --8<-- [start:fit]
pl.seed_everything(0)
model = LitClassifier()
trainer = pl.Trainer(max_epochs=3)
trainer.fit(model, train_loader, val_loader)
torch.save(model.state_dict(), "classifier_lightning.pt")
# --8<-- [end:fit]
