# --8<-- [start:resume]
import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

# The checkpoint automatic.py printed: 2 epochs (epochs 0 and 1, 100 steps each).
checkpoint_path = "runs/lightning_logs/version_0/checkpoints/epoch=1-step=200.ckpt"

pl.seed_everything(0)
model = LitAutoEncoder()  # fresh weights: fit() replaces them with the checkpoint's
trainer = pl.Trainer(max_epochs=4, default_root_dir="resumed")  # 4 in all, not 4 more
trainer.fit(model, train_loader, val_loader, ckpt_path=checkpoint_path)
# --8<-- [end:resume]

# --8<-- [start:restored]
learning_rate = trainer.optimizers[0].param_groups[0]["lr"]
print(f"finished at epoch {trainer.current_epoch}, global step {trainer.global_step}")
print(f"learning rate now {learning_rate:g} (1e-3, halved every 2 epochs)")
print(f"saved: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:restored]
