# Run: python offline_flag.py  (no network, no W&B account: it fails on purpose, with W&B's error)
# --8<-- [start:offline-flag]
import wandb
from pytorch_lightning.loggers import WandbLogger

# W&B already used once in this process, as in a notebook after another cell's run:
wandb.init(project="autoencoder", dir=".", mode="offline", settings=wandb.Settings(quiet=True)).finish()

logger = WandbLogger(project="autoencoder", save_dir=".", offline=True, settings=wandb.Settings(quiet=True))
run = logger.experiment  # starts the run: offline=True sets WANDB_MODE=dryrun now; W&B read it at its first use
# --8<-- [end:offline-flag]
