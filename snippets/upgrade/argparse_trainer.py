# python argparse_trainer.py --max_epochs 3 --hidden 32 — Lightning 1.x code: the Trainer's flags
# joined an argparse parser; Lightning 2.x has no `Trainer.add_argparse_args` (AttributeError)
from argparse import ArgumentParser

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self, hidden: int = 64, lr: float = 0.1):
        super().__init__()
        self.save_hyperparameters()
        self.model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


parser = ArgumentParser()
parser.add_argument("--hidden", type=int, default=64)
parser.add_argument("--lr", type=float, default=0.1)
parser = pl.Trainer.add_argparse_args(parser)
parser.set_defaults(max_epochs=2)
args = parser.parse_args()

torch.manual_seed(0)
model = LitClassifier(hidden=args.hidden, lr=args.lr)
trainer = pl.Trainer.from_argparse_args(
    args, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
print(f"max_epochs: {trainer.max_epochs}, hidden: {model.hparams.hidden}, lr: {model.hparams.lr}")
print(f"first layer's weight sum: {model.model[0].weight.sum():.6f}")
