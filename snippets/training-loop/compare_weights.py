# Compares the weights a PyTorch script saved with those of a Lightning checkpoint:
# python compare_weights.py clipping_pytorch.pt lightning_logs/version_0/checkpoints/epoch=2-step=300.ckpt
# --8<-- [start:compare]
import sys

import torch

pytorch_file, lightning_file = sys.argv[1], sys.argv[2]
pytorch_weights = torch.load(pytorch_file, map_location="cpu", weights_only=True)
lightning_weights = torch.load(lightning_file, map_location="cpu", weights_only=True)["state_dict"]
assert pytorch_weights.keys() == lightning_weights.keys()
largest = max((w - lightning_weights[name]).abs().max().item() for name, w in pytorch_weights.items())
identical = all(torch.equal(w, lightning_weights[name]) for name, w in pytorch_weights.items())
print(f"{pytorch_file} against {lightning_file}")
print(f"largest difference over all weights: {largest:.1e}, bit-identical: {identical}")
# --8<-- [end:compare]
