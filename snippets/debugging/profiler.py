# --8<-- [start:profiler]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
trainer = pl.Trainer(
    max_epochs=1,
    profiler="simple",  # after fit: a table of where the time went, by hook and step
    enable_checkpointing=False,  # a run to measure needs no checkpoint
)
trainer.fit(LitAutoEncoder(), train_loader, val_loader)
# --8<-- [end:profiler]
