# python batch_size_inferred_fixed.py — self.log gets the batch size, so the epoch mean weighs each batch right
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, default_collate


def collate(samples):  # a batch as a dict, the image rows time-first as nn.GRU takes them by default
    images, labels = default_collate(samples)
    return {"rows": images.transpose(0, 1), "label": labels}  # rows: (28, batch, 28)


class LitRowClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(28, 32)
        self.head = nn.Linear(32, 3)

    def loss(self, batch):
        _, hidden = self.gru(batch["rows"])
        return nn.functional.cross_entropy(self.head(hidden[-1]), batch["label"])

    def training_step(self, batch, batch_idx):
        return self.loss(batch)

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.loss(batch), batch_size=len(batch["label"]))  # not inferred from "rows"

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
train_set = TensorDataset(torch.randn(256, 28, 28), torch.randint(0, 3, (256,)))
val_set = TensorDataset(torch.randn(80, 28, 28), torch.randint(0, 3, (80,)))  # batches of 32, 32 and 16
train_loader = DataLoader(train_set, batch_size=32, collate_fn=collate)
val_loader = DataLoader(val_set, batch_size=32, collate_fn=collate)
model = LitRowClassifier()
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=False
)
trainer.fit(model, train_loader, val_loader)
with torch.no_grad():
    mean_loss = model.loss(collate(list(val_set)))
print(f"val_loss logged:           {trainer.callback_metrics['val_loss']:.6f}")
print(f"mean loss over 80 samples: {mean_loss:.6f}")
