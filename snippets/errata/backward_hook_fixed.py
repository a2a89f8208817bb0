import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def training_step(self, batch, batch_idx):
        x, y = batch
        x = x.view(x.size(0), -1)
        x_hat = self.decoder(self.encoder(x))
        return nn.functional.mse_loss(x_hat, x)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def backward(self, loss, *args, **kwargs):  # instead of (self, loss, optimizer, optimizer_idx)
        print(f"backward at step {self.global_step}, loss {loss.item():.4f}")
        loss.backward(*args, **kwargs)  # no retain_graph=True: nothing uses the graph twice


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.rand(64, 1, 28, 28), torch.zeros(64)), batch_size=32)
trainer = pl.Trainer(
    max_epochs=1, logger=False, enable_checkpointing=False, enable_model_summary=False
)
trainer.fit(LitAutoEncoder(), train_dataloaders=train_loader)
