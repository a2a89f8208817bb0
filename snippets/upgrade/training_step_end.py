# python training_step_end.py — Lightning 1.x code: `training_step_end` / `validation_step_end` reduce
# each step's output; Lightning 2.x never calls them, so their lines never appear
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

    def training_step_end(self, step_output):
        # with strategy="dp", step_output held one loss per GPU: average them
        loss = step_output.mean()
        if self.global_step % 4 == 0:
            print(f"step {self.global_step}: training loss {loss:.6f}")
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def validation_step_end(self, step_output):
        loss = step_output.mean()
        print(f"step {self.global_step}: validation loss {loss:.6f}")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
model = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
val_set = TensorDataset(torch.randn(32, 784), torch.randint(0, 3, (32,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(
    model,
    train_dataloaders=DataLoader(train_set, batch_size=32),
    val_dataloaders=DataLoader(val_set, batch_size=32),
)
print(f"fit done: {trainer.current_epoch} epochs, {trainer.global_step} steps")
