# --8<-- [start:bug]
import argparse

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from autoencoder import LitAutoEncoder, train_loader, val_loader


class SquareRootAutoEncoder(LitAutoEncoder):
    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        x_hat = self(x)
        # Compare square roots, which weigh faint strokes more. The output can be negative, so the
        # square root is taken only where it is positive: the loss is a number, but not its gradient.
        root = torch.where(x_hat > 0, x_hat.sqrt(), torch.zeros_like(x_hat))
        loss = F.mse_loss(root, x.sqrt())
        if batch_idx < 3:
            print(f"step {self.global_step}: loss {loss.item():.6f}")
        self.log("train_loss", loss, on_epoch=True)
        return loss
# --8<-- [end:bug]


# --8<-- [start:fit]
parser = argparse.ArgumentParser()
parser.add_argument("--detect-anomaly", action="store_true")
args = parser.parse_args()

pl.seed_everything(0)
model = SquareRootAutoEncoder()
trainer = pl.Trainer(max_epochs=1, detect_anomaly=args.detect_anomaly)
trainer.fit(model, train_loader, val_loader)
print(f"every weight a number: {all(torch.isfinite(p).all().item() for p in model.parameters())}")
# --8<-- [end:fit]
