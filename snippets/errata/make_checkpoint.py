import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitAutoEncoder(pl.LightningModule):
    def __init__(self, learning_rate=1e-3):
        super().__init__()
        self.save_hyperparameters()  # stores learning_rate in the checkpoint
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def training_step(self, batch, batch_idx):
        x, y = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self.decoder(self.encoder(x)), x)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.learning_rate)


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.rand(64, 1, 28, 28), torch.zeros(64)), batch_size=32)
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False
)
trainer.fit(LitAutoEncoder(learning_rate=1e-3), train_dataloaders=train_loader)
trainer.save_checkpoint("autoencoder.ckpt")  # the whole training state: weights, optimizer, loops
print("wrote autoencoder.ckpt")
