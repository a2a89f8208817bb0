# python auto_scale_batch_size.py — Lightning 1.x code: Trainer(auto_scale_batch_size="binsearch") and
# trainer.tune() pick the batch size; Lightning 2.x refuses `auto_scale_batch_size` with a TypeError
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self, train_set):
        super().__init__()
        self.train_set = train_set
        self.batch_size = 2  # the batch-size finder changes it
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size)


torch.manual_seed(0)
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
model = LitClassifier(train_set)
trainer = pl.Trainer(
    auto_scale_batch_size="binsearch",
    max_epochs=2,
    logger=False,
    enable_checkpointing=False,
    enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.tune(model, scale_batch_size_kwargs={"init_val": 2, "max_trials": 3})
print(f"batch size: {model.batch_size}")
trainer.fit(model)
print(f"epoch {trainer.current_epoch}, step {trainer.global_step}, loss {trainer.callback_metrics['train_loss']:.6f}")
