# --8<-- [start:limit-batches]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
trainer = pl.Trainer(
    max_epochs=2,
    limit_train_batches=0.1,  # a fraction: 10% of the 100 training batches, each epoch
    limit_val_batches=2,  # a count: 2 of the 4 validation batches
)
trainer.fit(LitAutoEncoder(), train_loader, val_loader)
# --8<-- [end:limit-batches]
