# --8<-- [start:versions]
import sys

import torch
import torchvision
import pytorch_lightning as pl

print(f"Python            {sys.version.split()[0]}")
print(f"torch             {torch.__version__}")
print(f"torchvision       {torchvision.__version__}")
print(f"pytorch-lightning {pl.__version__}")
# --8<-- [end:versions]

# --8<-- [start:smoke-test]
from torch.utils.data import DataLoader, TensorDataset


class Tiny(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch[0]).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


pl.seed_everything(0)
data = DataLoader(TensorDataset(torch.randn(8, 4)), batch_size=4)  # 8 random samples
trainer = pl.Trainer(fast_dev_run=True, enable_model_summary=False)  # one training step, then stop
trainer.fit(Tiny(), data)
print(f"a Trainer ran {trainer.global_step} training step on {trainer.strategy.root_device}")
# --8<-- [end:smoke-test]
