# --8<-- [start:versions]
import sys

import torch
import torchvision
import pytorch_lightning as pl

print(f"Python            {sys.version.split()[0]}")
print(f"torch             {torch.__version__}")
print(f"torchvision       {torchvision.__version__}")
print(f"pytorch-lightning {pl.__version__}")
# --8<-- [end:versions]

# --8<-- [start:accelerators]
from pytorch_lightning.accelerators import CUDAAccelerator, MPSAccelerator

print(f"CUDA GPUs available: {CUDAAccelerator.auto_device_count() if CUDAAccelerator.is_available() else 0}")
print(f"Apple MPS available: {MPSAccelerator.is_available()}")
print(f"CPU threads torch will use: {torch.get_num_threads()}")
# --8<-- [end:accelerators]

# --8<-- [start:smoke-test]
# One training step of a tiny model on random data: the install works end to end.
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = model(torch.randn(8, 4)).pow(2).mean()
loss.backward()
optimizer.step()
print(f"one training step ran, loss = {loss.item():.4f}")
# --8<-- [end:smoke-test]
