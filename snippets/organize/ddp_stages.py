# --8<-- [start:ddp]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder
from datamodule import MNISTDataModule

pl.seed_everything(0)
trainer = pl.Trainer(
    accelerator="cpu",
    devices=2,  # two processes on this machine: this script runs again as the second one
    strategy="ddp",
    max_epochs=1,
    limit_train_batches=2,  # a glimpse is enough: this run is about who calls what
    limit_val_batches=1,
    enable_progress_bar=False,
    enable_model_summary=False,
    logger=False,
    enable_checkpointing=False,
)
trainer.fit(LitAutoEncoder(), datamodule=MNISTDataModule())
# --8<-- [end:ddp]
