# Run in the folder where train_fabric.py saved autoencoder_fabric.ckpt.
# --8<-- [start:setup]
import hashlib

import torch
from lightning_fabric import Fabric
from torch import nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


fabric = Fabric(accelerator="auto", devices=1)
model = AutoEncoder()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
model, optimizer = fabric.setup(model, optimizer)
# --8<-- [end:setup]

# --8<-- [start:load]
state = {"model": model, "optimizer": optimizer}
remainder = fabric.load("autoencoder_fabric.ckpt", state)  # restores both in place
print(f"not in state, returned: {remainder}")
print(f"optimizer restored at step {optimizer.state_dict()['state'][0]['step']:.0f}")
digest = hashlib.sha256(b"".join(p.detach().cpu().numpy().tobytes() for p in model.parameters()))
print(f"weights sha256 {digest.hexdigest()[:16]}")
# --8<-- [end:load]
