import pytorch_lightning as pl

# Lightning 1.x restored (and configured) NVIDIA apex mixed precision like this:
trainer = pl.Trainer(amp_backend="apex", amp_level="O2")
