from pathlib import Path

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def training_step(self, batch, batch_idx):
        x, y = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self.decoder(self.encoder(x)), x)

    def validation_step(self, val_batch, batch_idx):
        x, y = val_batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self.decoder(self.encoder(x)), x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.rand(64, 1, 28, 28), torch.zeros(64)), batch_size=32)
val_loader = DataLoader(TensorDataset(torch.rand(64, 1, 28, 28), torch.zeros(64)), batch_size=32)

# saves checkpoints to 'some/path/' at every epoch end
trainer = pl.Trainer(default_root_dir="some/path/", max_epochs=3, enable_model_summary=False)
trainer.fit(LitAutoEncoder(), train_dataloaders=train_loader, val_dataloaders=val_loader)

print("checkpoint files after 3 epochs:")
for path in sorted(Path("some/path").rglob("*.ckpt")):
    print(f"  {path}")
print(f"monitored metric: {trainer.checkpoint_callback.monitor}")
