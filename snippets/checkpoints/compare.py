# --8<-- [start:straight]
import pytorch_lightning as pl
import torch

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)
model = LitAutoEncoder()
trainer = pl.Trainer(max_epochs=4, default_root_dir="straight")  # 4 epochs in one go
trainer.fit(model, train_loader, val_loader)

straight = torch.load(trainer.checkpoint_callback.best_model_path,
                      map_location="cpu", weights_only=True)
# The checkpoint resume.py printed.
resumed = torch.load("resumed/lightning_logs/version_0/checkpoints/epoch=3-step=400.ckpt",
                     map_location="cpu", weights_only=True)
largest = max((straight["state_dict"][name] - weights).abs().max().item()
              for name, weights in resumed["state_dict"].items())
print(f"global step: straight {straight['global_step']}, resumed {resumed['global_step']}")
print(f"largest weight difference, straight vs resumed: {largest}")
# --8<-- [end:straight]
