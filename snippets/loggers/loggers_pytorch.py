# Run: python loggers_pytorch.py  (reads MNIST under ./data; writes logs/, mlruns/ and wandb/, no network)
# --8<-- [start:imports]
import csv
import os
from pathlib import Path

import mlflow
import torch
import torch.nn.functional as F
import wandb
import yaml
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
from torchvision.utils import make_grid
# --8<-- [end:imports]

# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)  # 100 steps per epoch
val_loader = DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
hparams = {"hidden": 64, "lr": 1e-3}  # what each store gets as the run's hyperparameters


class AutoEncoder(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 3))
        self.decoder = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
# --8<-- [end:model]


# --8<-- [start:training]
def log_metrics(metrics, step, epoch):
    """One write to each store, as Lightning's loggers do for what self.log collected."""
    csv_writer.writerow({"epoch": epoch, "step": step, **metrics})
    mlflow.log_metrics(metrics, step=step)
    wandb_run.log(metrics, step=step)


def validate(model, loader):
    model.eval()
    total = torch.zeros((), device=device)
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            total += F.mse_loss(model(x), x) * len(x)  # each batch weighs its size
    return (total / len(loader.dataset)).item()
# --8<-- [end:training]


# --8<-- [start:image]
def log_reconstructions(model, x, step):
    model.eval()
    with torch.no_grad():
        x_hat = model(x.view(x.size(0), -1).to(device)).view(-1, 1, 28, 28)
    grid = make_grid(torch.cat([x.to(device), x_hat.clamp(0, 1)]), nrow=8)  # digits above, reconstructions below
    image = (grid * 255).round().byte().permute(1, 2, 0).cpu().numpy()  # height × width × 3, 0 to 255
    mlflow.log_image(image, key="reconstructions", step=step)
    wandb_run.log({"reconstructions": wandb.Image(image)}, step=step)
    # the CSV file: numbers only
# --8<-- [end:image]


# --8<-- [start:loggers]
# MLflow 3 refuses a ./mlruns folder unless told to accept it (see "maintenance mode" below).
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
log_dir = Path("logs/autoencoder/by-hand")
log_dir.mkdir(parents=True, exist_ok=True)
(log_dir / "hparams.yaml").write_text(yaml.safe_dump(hparams))
csv_file = open(log_dir / "metrics.csv", "w", newline="")
csv_writer = csv.DictWriter(csv_file, fieldnames=["epoch", "step", "train_loss", "val_loss"])
csv_writer.writeheader()

mlflow.set_tracking_uri("file:./mlruns")
mlflow.set_experiment("autoencoder")
mlflow_run = mlflow.start_run(run_name="by-hand")
mlflow.log_params(hparams)

# ./wandb/offline-run-…; quiet: no summary of the run printed at its end
wandb_run = wandb.init(
    project="autoencoder", dir=".", mode="offline", config=hparams, settings=wandb.Settings(quiet=True)
)
# --8<-- [end:loggers]

# --8<-- [start:fit]
torch.manual_seed(0)
model = AutoEncoder(hparams["hidden"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
images = torch.stack([val_set[i][0] for i in range(8)])  # the same 8 digits every epoch
step = 0
for epoch in range(2):
    model.train()
    for x, _ in train_loader:
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % 10 == 0:  # every 10th step, as Trainer(log_every_n_steps=10)
            log_metrics({"train_loss": loss.item()}, step, epoch)
        step += 1
    log_metrics({"val_loss": validate(model, val_loader)}, step - 1, epoch)
    log_reconstructions(model, images, step)

csv_file.close()
mlflow.end_run()
wandb_run.finish()
print(f"csv file: {log_dir}/metrics.csv")
run = mlflow.get_run(mlflow_run.info.run_id)
print(f"mlflow run: {run.info.run_name!r}, {run.info.status}, in {mlflow.get_tracking_uri()}")
print(f"wandb folder: {wandb_run.dir}")
# --8<-- [end:fit]
