# --8<-- [start:overfit]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
trainer = pl.Trainer(
    overfit_batches=1,  # train on the same single batch every epoch (and validate on one batch)
    max_epochs=200,
    enable_progress_bar=False,
    enable_checkpointing=False,
    logger=False,
)
trainer.fit(LitAutoEncoder(), train_loader, val_loader)
# --8<-- [end:overfit]
