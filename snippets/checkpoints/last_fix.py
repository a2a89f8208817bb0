# --8<-- [start:fix]
import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint

from autoencoder import LitAutoEncoder, train_loader, val_loader

# One fixed folder for every run, with save_last=True. A first run leaves last.ckpt there...
pl.seed_everything(0)
model = LitAutoEncoder()
checkpoint_callback = ModelCheckpoint(dirpath="resumable", save_last=True)
trainer = pl.Trainer(max_epochs=2, callbacks=[checkpoint_callback])
trainer.fit(model, train_loader, val_loader)

# ...and a later run, with a new Trainer (as after a crash), finds it with "last".
model = LitAutoEncoder()
checkpoint_callback = ModelCheckpoint(dirpath="resumable", save_last=True)
trainer = pl.Trainer(max_epochs=4, callbacks=[checkpoint_callback])
trainer.fit(model, train_loader, val_loader, ckpt_path="last")
print(f"fix: finished at epoch {trainer.current_epoch}, global step {trainer.global_step}")
# --8<-- [end:fix]
