import pytorch_lightning as pl

# accelerator="gpu", devices=4 asks for exactly four GPUs (and fails where there are fewer);
# "auto" takes every GPU there is, and the CPU where there is none, like this build machine.
trainer = pl.Trainer(limit_train_batches=100, max_epochs=1, accelerator="auto", devices="auto")
accelerator, strategy = type(trainer.accelerator).__name__, type(trainer.strategy).__name__
print(f"{accelerator}, {trainer.num_devices} device(s), {strategy}")
