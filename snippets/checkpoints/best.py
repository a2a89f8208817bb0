# --8<-- [start:callback]
import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint

from autoencoder import LitAutoEncoder, train_loader, val_loader

checkpoint_callback = ModelCheckpoint(
    dirpath="checkpoints",                 # instead of lightning_logs/version_N/checkpoints
    filename="{epoch}-{val_loss:.4f}",     # the monitored value goes into the file name
    monitor="val_loss",                    # a key that the model logs with self.log
    mode="min",                            # lower is better
    save_top_k=2,                          # keep the two best files, delete the others
    save_last=True,                        # and always last.ckpt, to resume from
)
# --8<-- [end:callback]

# --8<-- [start:fit]
pl.seed_everything(0)
model = LitAutoEncoder()
trainer = pl.Trainer(max_epochs=5, callbacks=[checkpoint_callback], default_root_dir="best")
trainer.fit(model, train_loader, val_loader)
# --8<-- [end:fit]

# --8<-- [start:best]
print(f"best_model_path: {checkpoint_callback.best_model_path}")
print(f"best_model_score: {checkpoint_callback.best_model_score.item():.6f}")
for path, score in checkpoint_callback.best_k_models.items():
    print(f"kept: {path}  val_loss {score.item():.6f}")
print(f"last_model_path: {checkpoint_callback.last_model_path}")
# --8<-- [end:best]
