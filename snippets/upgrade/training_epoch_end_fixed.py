# python training_epoch_end_fixed.py — Lightning 2.x: `on_train_epoch_end` averages the step losses
# that `training_step` kept in a list on the module
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.step_losses = []  # what 1.x collected into `outputs`

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.step_losses.append(loss.detach())
        return loss

    def on_train_epoch_end(self):  # instead of training_epoch_end(self, outputs)
        mean = torch.stack(self.step_losses).mean()
        print(f"epoch {self.current_epoch}: mean training loss {mean:.6f}")
        self.step_losses.clear()  # start the next epoch empty

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
