# python tensor_device_fixed.py — the tensors follow the module: the class weights are a buffer, the noise
# is made like x; precision="64-true" turns them all to float64
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.register_buffer("class_weights", torch.tensor([1.0, 2.0, 1.0]))  # moves and casts with the module

    def training_step(self, batch, batch_idx):
        x, y = batch
        noisy = x + 0.1 * torch.randn_like(x)  # on x's device, in x's dtype
        loss = nn.functional.cross_entropy(self.model(noisy), y, weight=self.class_weights)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,))), batch_size=32)
model = LitClassifier()
trainer = pl.Trainer(
    precision="64-true",
    max_epochs=2,
    logger=False,
    enable_checkpointing=False,
    enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(model, train_loader)
print(f"module {model.dtype}, class_weights {model.class_weights.dtype}")
print(f"train_loss {trainer.callback_metrics['train_loss']:.6f}")
