# python argparse_trainer_fixed.py --trainer.max_epochs 3 --model.hidden 32 — Lightning 2.x:
# LightningCLI makes the command line from the Trainer's and the module's arguments (--help lists them)
import pytorch_lightning as pl
import torch
from pytorch_lightning.cli import LightningCLI
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


cli = LightningCLI(  # instead of the parser, add_argparse_args and from_argparse_args
    LitClassifier,
    run=False,  # no subcommand: fit below, as before
    seed_everything_default=0,  # the CLI seeds (--seed_everything), as torch.manual_seed(0) did
    save_config_callback=None,  # don't write config.yaml next to the script
    trainer_defaults=dict(
        max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
        enable_progress_bar=False,
    ),
)
model, trainer = cli.model, cli.trainer
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
print(f"max_epochs: {trainer.max_epochs}, hidden: {model.hparams.hidden}, lr: {model.hparams.lr}")
print(f"first layer's weight sum: {model.model[0].weight.sum():.6f}")
