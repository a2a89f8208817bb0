# --8<-- [start:train]
from pathlib import Path

import pytorch_lightning as pl

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
model = LitAutoEncoder()
# No checkpoint code: the Trainer saves one at the end of every epoch, under default_root_dir.
trainer = pl.Trainer(max_epochs=2, default_root_dir="runs")
trainer.fit(model, train_loader, val_loader)
# --8<-- [end:train]

# --8<-- [start:files]
for path in sorted(Path("runs").rglob("*")):
    if path.is_file():
        print(path)
print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:files]
