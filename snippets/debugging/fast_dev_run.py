# --8<-- [start:fast-dev-run]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
trainer = pl.Trainer(fast_dev_run=True)  # 1 training batch, 1 validation batch, then stop
trainer.fit(LitAutoEncoder(), train_loader, val_loader)
# --8<-- [end:fast-dev-run]
