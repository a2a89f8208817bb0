# --8<-- [start:hooks]
import inspect

import pytorch_lightning as pl
from pytorch_lightning.callbacks import LambdaCallback

from autoencoder import LitAutoEncoder
from datamodule import MNISTDataModule

# LambdaCallback takes one function per hook: here, every hook prints its name when it is called.
hooks = list(inspect.signature(LambdaCallback).parameters)
print_hooks = LambdaCallback(**{name: lambda *args, name=name, **kwargs: print(name) for name in hooks})

pl.seed_everything(0)
trainer = pl.Trainer(
    max_epochs=1,
    limit_train_batches=2,  # two training batches,
    limit_val_batches=1,  # one validation batch,
    num_sanity_val_steps=1,  # and one for the sanity check
    callbacks=[print_hooks],
    enable_progress_bar=False,
    enable_model_summary=False,
    logger=False,
)
trainer.fit(LitAutoEncoder(), datamodule=MNISTDataModule())
# --8<-- [end:hooks]
