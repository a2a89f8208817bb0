# python hparams_assign_fixed.py — Lightning 2.x: `save_hyperparameters()` stores the arguments of
# `__init__` in `self.hparams` and in every checkpoint
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self, hidden=64, lr=0.1):  # instead of (self, hparams)
        super().__init__()
        self.save_hyperparameters()  # instead of self.hparams = hparams
        self.model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


torch.manual_seed(0)
model = LitClassifier(hidden=64, lr=0.1)
print(f"model.hparams: {dict(model.hparams)}")
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
trainer.save_checkpoint("model.ckpt")
print(f"in model.ckpt: {torch.load('model.ckpt', weights_only=True)['hyper_parameters']}")
