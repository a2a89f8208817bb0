# python monitor_early_stopping.py — EarlyStopping watches "val_loss"; validation_step returns it, but never logs it
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,))), batch_size=32)
val_loader = DataLoader(TensorDataset(torch.randn(64, 784), torch.randint(0, 3, (64,))), batch_size=32)
early_stopping = EarlyStopping(monitor="val_loss", mode="min", patience=2)
trainer = pl.Trainer(
    max_epochs=20,
    logger=False,
    callbacks=[early_stopping],
    enable_checkpointing=False,
    enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(LitClassifier(), train_loader, val_loader)
print(f"stopped at epoch {early_stopping.stopped_epoch} (counting from 0) of max_epochs=20")
print(f"best val_loss {early_stopping.best_score:.6f}")
