# --8<-- [start:names]
import lightning as L
import lightning_fabric
import pytorch_lightning as pl
import torch

# The same classes, as this site names them (pytorch-lightning) and as Lightning's docs do (lightning).
pairs = [
    (pl.LightningModule, L.LightningModule),
    (pl.Trainer, L.Trainer),
    (pl.LightningDataModule, L.LightningDataModule),
    (pl.callbacks.ModelCheckpoint, L.pytorch.callbacks.ModelCheckpoint),
    (pl.loggers.TensorBoardLogger, L.pytorch.loggers.TensorBoardLogger),
    (lightning_fabric.Fabric, L.Fabric),
]
for ours, theirs in pairs:
    print(f"{ours.__module__ + '.' + ours.__qualname__:62} {theirs.__module__}.{theirs.__qualname__}")
# --8<-- [end:names]


# --8<-- [start:mixing]
class TinyModule(pl.LightningModule):  # a pytorch_lightning module ...
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)


try:
    L.Trainer(logger=False).fit(TinyModule())  # ... given to a lightning Trainer
except TypeError as error:
    print(f"TypeError: {error}")
# --8<-- [end:mixing]
