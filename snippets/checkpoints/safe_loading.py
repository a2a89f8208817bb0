# --8<-- [start:untrusted]
import argparse
import datetime
import io
import pickle
import re
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn

from autoencoder import LitAutoEncoder, train_loader, val_loader

pl.seed_everything(0)


class Payload:
    """Unpickling this calls print(...). It could as well call os.system(...)."""

    def __reduce__(self):
        return (print, ("!!! code hidden in untrusted.ckpt ran while it was being loaded",))


checkpoint = torch.load("checkpoints/last.ckpt", map_location="cpu", weights_only=True)
checkpoint["hyper_parameters"]["lr"] = Payload()  # a real checkpoint, one value poisoned
torch.save(checkpoint, "untrusted.ckpt")
# --8<-- [end:untrusted]

# --8<-- [start:unsafe]
torch.load("untrusted.ckpt", map_location="cpu", weights_only=False)  # full unpickling runs what the file says
# --8<-- [end:unsafe]


# --8<-- [start:refused]
def refused_global(error):
    """The name that torch's long UnpicklingError message says it refused."""
    return re.search(r"Unsupported global: GLOBAL (\S+)", str(error)).group(1)


def resume_from_untrusted():
    trainer = pl.Trainer(max_epochs=6, default_root_dir="untrusted_run")
    trainer.fit(LitAutoEncoder(), train_loader, val_loader, ckpt_path="untrusted.ckpt")


loaders = {
    "torch.load(weights_only=True)": lambda: torch.load("untrusted.ckpt", map_location="cpu",
                                                      weights_only=True),
    "LitAutoEncoder.load_from_checkpoint": lambda: LitAutoEncoder.load_from_checkpoint(
        "untrusted.ckpt"),
    "trainer.fit(ckpt_path=...)": resume_from_untrusted,
}
for name, load in loaders.items():
    try:
        load()
    except pickle.UnpicklingError as error:
        print(f"{name}: refused, unsupported global {refused_global(error)}")
# --8<-- [end:refused]


# --8<-- [start:numpy-hparam]
def train_one_batch(model, folder):
    """Train on one batch; return the checkpoint Lightning saved, model.hparams included."""
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=1, limit_val_batches=1,
                         default_root_dir=folder, logger=False, enable_model_summary=False)
    trainer.fit(model, train_loader, val_loader)
    return trainer.checkpoint_callback.best_model_path


lr = np.logspace(-4, -2, 3)[1]  # from a learning-rate sweep: a numpy.float64, not a float
numpy_lr_checkpoint = train_one_batch(LitAutoEncoder(lr=lr), "numpy_lr")
try:
    LitAutoEncoder.load_from_checkpoint(numpy_lr_checkpoint)
except pickle.UnpicklingError as error:
    lines = str(error).splitlines()
    print(lines[0])
    print(next(line.strip() for line in lines if "Unsupported global" in line))
# --8<-- [end:numpy-hparam]

# --8<-- [start:fix]
float_lr_checkpoint = train_one_batch(LitAutoEncoder(lr=float(lr)), "float_lr")
model = LitAutoEncoder.load_from_checkpoint(float_lr_checkpoint)
print(f"{float_lr_checkpoint} loads: {dict(model.hparams)}")
# --8<-- [end:fix]

# --8<-- [start:types]
for value in [3, 1e-3, "adam", True, None, [64, 3], (64, 3), {"sizes": [64, 3]},
              torch.tensor(1e-3), Path("data"), argparse.Namespace(lr=1e-3),
              np.float64(1e-3), np.array([64, 3]), nn.ReLU(), datetime.date(2024, 1, 31)]:
    buffer = io.BytesIO()
    torch.save({"hyper_parameters": {"value": value}}, buffer)
    buffer.seek(0)
    try:
        torch.load(buffer, map_location="cpu", weights_only=True)
        verdict = "loads"
    except pickle.UnpicklingError as error:
        verdict = f"UnpicklingError, unsupported global {refused_global(error)}"
    print(f"{type(value).__module__ + '.' + type(value).__qualname__:34} {verdict}")
# --8<-- [end:types]
