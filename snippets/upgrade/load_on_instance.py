# python load_on_instance.py — `load_from_checkpoint` called on a model instance: Lightning 1.x
# returned a new model and left this one untouched; Lightning 2.x raises a TypeError
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
        return nn.functional.cross_entropy(self.model(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
trained = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(trained, train_dataloaders=DataLoader(train_set, batch_size=32))
trainer.save_checkpoint("model.ckpt")
print(f"trained model: first weight {trained.model[0].weight[0, 0]:.6f}")

model = LitClassifier()
model.load_from_checkpoint("model.ckpt")
print(f"loaded model:  first weight {model.model[0].weight[0, 0]:.6f}")
