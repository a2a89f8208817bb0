# --8<-- [start:disable]
from pathlib import Path

import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
model = LitAutoEncoder()
trainer = pl.Trainer(max_epochs=1, default_root_dir="no_checkpoints", enable_checkpointing=False)
trainer.fit(model, train_loader, val_loader)
print(f"checkpoint_callback: {trainer.checkpoint_callback}")
print(f".ckpt files written: {sorted(Path('no_checkpoints').rglob('*.ckpt'))}")
for path in sorted(Path("no_checkpoints").rglob("*")):
    if path.is_file():
        print(path)
# --8<-- [end:disable]
