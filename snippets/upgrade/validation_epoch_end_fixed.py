# python validation_epoch_end_fixed.py — Lightning 2.x: `on_validation_epoch_end` averages the
# validation losses that `validation_step` kept in a list on the module
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.val_losses = []  # what 1.x collected into `outputs`

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.val_losses.append(loss)

    def on_validation_epoch_end(self):  # instead of validation_epoch_end(self, outputs)
        mean = torch.stack(self.val_losses).mean()
        when = "sanity check" if self.trainer.sanity_checking else f"epoch {self.current_epoch}"
        print(f"{when}: mean validation loss {mean:.6f} over {len(self.val_losses)} batches")
        self.val_losses.clear()  # the sanity check's batches must not count in epoch 0

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
