# What fit, validate, test and predict do around your steps: the model's mode, gradients, logging.
# --8<-- [start:probe]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.loggers import CSVLogger
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

test_set = datasets.MNIST("data", train=False, download=True, transform=transforms.ToTensor())
loader = DataLoader(Subset(test_set, range(400)), batch_size=200)  # two batches are enough here


class Probe(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def loss(self, batch):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)

    def report(self, hook, batch_idx):
        if batch_idx == 0 and not self.trainer.sanity_checking:
            print(f"{self.trainer.state.fn.value:9} {hook:16} training={self.training!s:5}  "
                  f"grad enabled={torch.is_grad_enabled()!s:5}  inference mode={torch.is_inference_mode_enabled()}")

    def training_step(self, batch, batch_idx):
        self.report("training_step", batch_idx)
        loss = self.loss(batch)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        self.report("validation_step", batch_idx)
        self.log("val_loss", self.loss(batch))

    def test_step(self, batch, batch_idx):
        self.report("test_step", batch_idx)
        self.log("test_loss", self.loss(batch))

    def predict_step(self, batch, batch_idx):
        self.report("predict_step", batch_idx)
        return self.loss(batch)
# --8<-- [end:probe]


# --8<-- [start:calls]
pl.seed_everything(0)
model = Probe()
# A CSV logger, so that this script can print what reached the logger.
trainer = pl.Trainer(max_epochs=1, logger=CSVLogger("logs"), log_every_n_steps=1,
                     enable_progress_bar=False, enable_model_summary=False)
trainer.fit(model, loader, loader)
print(f"after fit: model.training={model.training}")
print(f"validate returns {trainer.validate(model, loader, verbose=False)}, model.training={model.training}")
print(f"test returns {trainer.test(model, loader, verbose=False)}, model.training={model.training}")
print(f"predict returns {trainer.predict(model, loader)}, model.training={model.training}")
# --8<-- [end:calls]

# --8<-- [start:predict-log]
class LoggingInPredict(Probe):
    def predict_step(self, batch, batch_idx):
        self.log("predict_loss", self.loss(batch))


try:
    trainer.predict(LoggingInPredict(), loader)
except Exception as error:
    print(f"self.log in predict_step: {type(error).__name__}: {error}")
# --8<-- [end:predict-log]

# --8<-- [start:logged]
print(open(f"{trainer.logger.log_dir}/metrics.csv").read())
# --8<-- [end:logged]
