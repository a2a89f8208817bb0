import pytorch_lightning as pl

trainer = pl.Trainer(limit_train_batches=100, max_epochs=1, gpus=4)
