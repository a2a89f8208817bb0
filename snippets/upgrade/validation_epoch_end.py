# python validation_epoch_end.py — Lightning 1.x code: `validation_epoch_end(self, outputs)` averages
# the validation losses; Lightning 2.x refuses the hook with a NotImplementedError
import pytorch_lightning as pl
import torch
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

    def validation_epoch_end(self, outputs):
        mean = torch.stack(outputs).mean()
        when = "sanity check" if self.trainer.sanity_checking else f"epoch {self.current_epoch}"
        print(f"{when}: mean validation loss {mean:.6f} over {len(outputs)} batches")

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
