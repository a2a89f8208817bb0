# Run: python train_lightning.py  (beside denoiser_lightning.py; reads MNIST under ./data; writes lightning_logs/)
# --8<-- [start:fit]
import pytorch_lightning as pl
import torch
from denoiser_lightning import LitDenoiser, train_loader, train_set, val_loader

pixels = torch.stack([image for image, _ in train_set])  # the 3,200 training images
print(f"training set: mean {pixels.mean():.6f}, std {pixels.std():.6f}")
pl.seed_everything(0)
model = LitDenoiser(mean=pixels.mean().item(), std=pixels.std().item())
trainer = pl.Trainer(max_epochs=3, accelerator="auto", devices=1)  # moves the buffers with the weights
trainer.fit(model, train_loader, val_loader)
path = trainer.checkpoint_callback.best_model_path
print(f"checkpoint: {path}")
# --8<-- [end:fit]

# --8<-- [start:checkpoint]
state_dict = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
print(f"saved: {list(state_dict)}")
loaded = LitDenoiser.load_from_checkpoint(path, map_location="cpu")  # built with mean 0.0, std 1.0, then loaded
print(f"loaded: mean {loaded.mean:.6f}, std {loaded.std:.6f}, inside {loaded.inside.sum().item()} pixels")
# --8<-- [end:checkpoint]
