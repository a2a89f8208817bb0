# Run after train_pytorch.py and train_lightning.py, in the same folder, with the checkpoint that
# train_lightning.py printed: python compare.py lightning_logs/version_0/checkpoints/epoch=2-step=300.ckpt
# --8<-- [start:compare]
import sys

import torch

pytorch = torch.load("denoiser.pt", map_location="cpu", weights_only=True)
lightning = torch.load(sys.argv[1], map_location="cpu", weights_only=True)["state_dict"]
print(f"the same names: {list(pytorch) == list(lightning)}")
same = all(torch.equal(tensor, lightning[name]) for name, tensor in pytorch.items())
print(f"denoiser.pt and {sys.argv[1]} hold the same tensors, bit for bit: {same}")
print(f"largest difference: {max((t - lightning[n]).abs().max().item() for n, t in pytorch.items()):.3g}")
# --8<-- [end:compare]
