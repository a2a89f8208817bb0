# --8<-- [start:bug]
import argparse

import pytorch_lightning as pl
import torch.nn.functional as F

from autoencoder import LitAutoEncoder, train_loader, val_loader


class BuggyAutoEncoder(LitAutoEncoder):
    def validation_step(self, batch, batch_idx):
        x, _ = batch  # bug: x is never flattened to 784 numbers, as training_step does
        self.log("val_loss", F.mse_loss(self(x), x))

    def on_validation_start(self):
        print(f"validation starts after {self.global_step} training steps")
# --8<-- [end:bug]


# --8<-- [start:fit]
parser = argparse.ArgumentParser()
parser.add_argument("--num-sanity-val-steps", type=int, default=2)  # the Trainer's default
parser.add_argument("--fast-dev-run", action="store_true")
args = parser.parse_args()

pl.seed_everything(0)
trainer = pl.Trainer(
    max_epochs=5,
    num_sanity_val_steps=args.num_sanity_val_steps,
    fast_dev_run=args.fast_dev_run,
)
trainer.fit(BuggyAutoEncoder(), train_loader, val_loader)
# --8<-- [end:fit]
