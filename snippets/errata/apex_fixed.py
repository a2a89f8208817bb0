import pytorch_lightning as pl

# Mixed precision is PyTorch's own AMP now, chosen with one flag.
trainer = pl.Trainer(precision="16-mixed")
print(f"precision: {trainer.precision}")
