# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import ModelCheckpoint
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)
# The 1,000 test digits: never trained on, never used to pick a checkpoint.
test_set = datasets.MNIST("data", train=False, download=True, transform=transforms.ToTensor())
test_loader = DataLoader(test_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
class LitAutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        return F.mse_loss(self(x), x)

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x))

    def on_train_epoch_end(self):
        print(f"epoch {self.current_epoch}: val_loss {self.trainer.callback_metrics['val_loss']:.6f}")
    # --8<-- [end:model]

    # --8<-- [start:test]
    def test_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        # Lightning runs eval() and inference_mode, and averages over the set (weighted by batch size).
        self.log("test_loss", F.mse_loss(self(x), x))
    # --8<-- [end:test]

    # --8<-- [start:predict]
    def predict_step(self, batch, batch_idx):
        x, _ = batch
        return self.encoder(x.view(x.size(0), -1))  # trainer.predict collects one output per batch
    # --8<-- [end:predict]


# --8<-- [start:fit]
pl.seed_everything(0)
model = LitAutoEncoder()
checkpoint = ModelCheckpoint(monitor="val_loss", mode="min")  # keep the best epoch's weights
trainer = pl.Trainer(max_epochs=5, callbacks=[checkpoint])
trainer.fit(model, train_loader, val_loader)
print(f"best: {checkpoint.best_model_path}")
# --8<-- [end:fit]

# --8<-- [start:run-test]
results = trainer.test(model, test_loader, ckpt_path="best")  # loads the best checkpoint first
print(f"test_loss {results[0]['test_loss']:.6f}")
# --8<-- [end:run-test]

# --8<-- [start:run-predict]
codes = torch.cat(trainer.predict(model, test_loader, ckpt_path="best"))
print(f"codes {tuple(codes.shape)}, first digit's code {[round(v, 4) for v in codes[0].tolist()]}")
torch.save(codes, "codes_lightning.pt")
# --8<-- [end:run-predict]
