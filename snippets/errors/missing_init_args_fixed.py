# python missing_init_args_fixed.py — save_hyperparameters() stores hidden_size in the checkpoint for loading
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self, hidden_size):
        super().__init__()
        self.save_hyperparameters()  # hidden_size goes into the checkpoint
        self.model = nn.Sequential(nn.Linear(784, hidden_size), nn.ReLU(), nn.Linear(hidden_size, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,))), batch_size=32)
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=False
)
trainer.fit(LitClassifier(hidden_size=64), train_loader)
trainer.save_checkpoint("classifier.ckpt")

model = LitClassifier.load_from_checkpoint("classifier.ckpt")
print(f"loaded: hidden_size {model.model[0].out_features}")
