# --8<-- [start:imports]
import time
from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping
from torchvision.utils import save_image

from autoencoder import LitAutoEncoder
from datamodule import MNISTDataModule
# --8<-- [end:imports]


# --8<-- [start:callback]
class EpochReport(pl.Callback):
    """Times each epoch, prints its losses and saves the reconstructions of 8 validation digits."""

    def on_fit_start(self, trainer, pl_module):
        self.images = torch.stack([trainer.datamodule.val_set[i][0] for i in range(8)])
        Path("samples").mkdir(exist_ok=True)

    def on_train_epoch_start(self, trainer, pl_module):
        self.started = time.perf_counter()

    def on_validation_epoch_end(self, trainer, pl_module):
        if trainer.sanity_checking:  # the validation before training calls this hook too
            return
        reconstructions = pl_module(self.images.view(8, -1).to(pl_module.device)).view(8, 1, 28, 28)
        path = f"samples/epoch_{trainer.current_epoch}.png"
        save_image(torch.cat([self.images, reconstructions.cpu()]), path, nrow=8)

    def on_train_epoch_end(self, trainer, pl_module):
        seconds = time.perf_counter() - self.started
        metrics = trainer.callback_metrics  # what the module logged; val_loss once validated
        print(f"epoch {trainer.current_epoch}: train_loss {metrics['train_loss_epoch']:.6f}  "
              f"val_loss {metrics.get('val_loss', float('nan')):.6f}  ({seconds:.2f} s)")
# --8<-- [end:callback]


# --8<-- [start:fit]
datamodule = MNISTDataModule()  # loads nothing yet: the Trainer calls its hooks
pl.seed_everything(0)
model = LitAutoEncoder()
# Stops after 3 epochs without a lower val_loss, or at once when val_loss is nan or inf.
early_stopping = EarlyStopping(monitor="val_loss", patience=3, check_finite=True)
trainer = pl.Trainer(max_epochs=5, accelerator="auto", devices=1,
                     callbacks=[EpochReport(), early_stopping])
trainer.fit(model, datamodule=datamodule)
print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:fit]
