# python test_epoch_end_fixed.py — Lightning 2.x: `on_test_epoch_end` averages the test accuracy
# from the batch accuracies that `test_step` kept in a list on the module
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.test_accuracies = []  # what 1.x collected into `outputs`

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.model(x), y)

    def test_step(self, batch, batch_idx):
        x, y = batch
        accuracy = (self.model(x).argmax(dim=1) == y).float().mean()
        self.test_accuracies.append(accuracy)

    def on_test_epoch_end(self):  # instead of test_epoch_end(self, outputs)
        accuracy = torch.stack(self.test_accuracies).mean()
        print(f"test accuracy {accuracy:.6f} over {len(self.test_accuracies)} batches")
        self.test_accuracies.clear()  # a second trainer.test() starts empty

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
model = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
test_set = TensorDataset(torch.randn(128, 784), torch.randint(0, 3, (128,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
trainer.test(model, dataloaders=DataLoader(test_set, batch_size=32))
