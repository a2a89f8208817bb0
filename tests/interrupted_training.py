"""Train the Checkpoints page's auto-encoder in a process of its own, for the interrupted-run test.

    python tests/interrupted_training.py MODE      (in a folder with the MNIST data at ./data)

MODE is one of
- ``until-killed``: trains toward 4 epochs with ``ModelCheckpoint(dirpath="checkpoints",
  save_last=True)``; in the middle of epoch 2 it writes ``mid-epoch.json`` (epoch, step) and
  waits, still inside the epoch, for the test to kill it;
- ``resume``: ``fit(..., ckpt_path="checkpoints/last.ckpt")`` to 4 epochs;
- ``straight``: 4 epochs, never interrupted.

``resume`` and ``straight`` write ``<mode>.json`` (epoch and global step when fit returned) and
``<mode>-weights.pt`` (the final state_dict).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snippets" / "checkpoints"))

import pytorch_lightning as pl  # noqa: E402
import torch  # noqa: E402
from autoencoder import LitAutoEncoder, train_loader, val_loader  # noqa: E402
from pytorch_lightning.callbacks import Callback, ModelCheckpoint  # noqa: E402

KILL_EPOCH, KILL_BATCH = 2, 50
WAIT_TO_BE_KILLED = 300  # seconds; the test kills it long before


class WaitMidEpoch(Callback):
    """Tell the test that training is in the middle of an epoch, then hold still there."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.current_epoch == KILL_EPOCH and batch_idx == KILL_BATCH:
            ready = Path("mid-epoch.json.partial")
            ready.write_text(json.dumps({"epoch": trainer.current_epoch, "step": trainer.global_step}))
            os.replace(ready, "mid-epoch.json")
            time.sleep(WAIT_TO_BE_KILLED)
            raise SystemExit("was not killed")


def main(mode: str) -> None:
    pl.seed_everything(0)
    model = LitAutoEncoder()
    callbacks = [ModelCheckpoint(dirpath="checkpoints", save_last=True)]
    if mode == "until-killed":
        callbacks.append(WaitMidEpoch())
    trainer = pl.Trainer(
        max_epochs=4, callbacks=callbacks, logger=False, enable_progress_bar=False, enable_model_summary=False
    )
    ckpt_path = "checkpoints/last.ckpt" if mode == "resume" else None
    trainer.fit(model, train_loader, val_loader, ckpt_path=ckpt_path)
    Path(f"{mode}.json").write_text(json.dumps({"epoch": trainer.current_epoch, "step": trainer.global_step}))
    torch.save(model.state_dict(), f"{mode}-weights.pt")


if __name__ == "__main__":
    main(sys.argv[1])
