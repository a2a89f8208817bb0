# python monitor_checkpoint_fixed.py — the module logs "val_loss", the key ModelCheckpoint watches
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
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
        self.log("val_loss", nn.functional.cross_entropy(self.model(x), y))  # the key the callback monitors

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,))), batch_size=32)
val_loader = DataLoader(TensorDataset(torch.randn(64, 784), torch.randint(0, 3, (64,))), batch_size=32)
checkpoint = ModelCheckpoint(monitor="val_loss", mode="min")
trainer = pl.Trainer(
    max_epochs=2, logger=False, callbacks=[checkpoint], enable_model_summary=False, enable_progress_bar=False
)
trainer.fit(LitClassifier(), train_loader, val_loader)
print(f"best checkpoint: {checkpoint.best_model_path.split('/')[-1]}, val_loss {checkpoint.best_model_score:.6f}")
