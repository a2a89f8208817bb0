# --8<-- [start:trap]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

# runs/ holds automatic.py's 2 epochs. "last" looks only in *this* run's checkpoint folder,
# a new runs/lightning_logs/version_N/checkpoints, which is empty: training starts over.
pl.seed_everything(0)
model = LitAutoEncoder()
trainer = pl.Trainer(max_epochs=4, default_root_dir="runs")  # meant: carry on to 4 epochs
trainer.fit(model, train_loader, val_loader, ckpt_path="last")
print(f"trap: finished at epoch {trainer.current_epoch}, global step {trainer.global_step}")
# --8<-- [end:trap]
