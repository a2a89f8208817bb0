# A notebook cell (python in_a_notebook.py ddp_notebook_cell_fixed.py): "ddp_notebook" forks 2 processes from it
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.log("train_loss", loss, sync_dist=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
dataset = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
train_loader = DataLoader(dataset, batch_size=32)
trainer = pl.Trainer(
    accelerator="cpu",
    devices=2,
    strategy="ddp_notebook",  # instead of "ddp"
    max_epochs=2,
    logger=False,
    enable_checkpointing=False,
    enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(LitClassifier(), train_loader)
print(f"{trainer.world_size} processes, train_loss {trainer.callback_metrics['train_loss']:.6f}")
