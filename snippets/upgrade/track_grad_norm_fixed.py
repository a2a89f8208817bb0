# python track_grad_norm_fixed.py — the Lightning 2.x form: log grad_norm() in on_before_optimizer_step
import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities import grad_norm
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.log("train_loss", loss)
        return loss

    def on_before_optimizer_step(self, optimizer):  # instead of Trainer(track_grad_norm=2)
        self.log_dict(grad_norm(self, norm_type=2))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
model = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
train_loader = DataLoader(train_set, batch_size=32)
trainer = pl.Trainer(
    max_epochs=2,
    logger=False,
    enable_checkpointing=False,
    enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(model, train_dataloaders=train_loader)
print(f"last step: total gradient 2-norm {trainer.callback_metrics['grad_2.0_norm_total']:.4f}")
print(f"epoch {trainer.current_epoch}, step {trainer.global_step}, loss {trainer.callback_metrics['train_loss']:.6f}")
