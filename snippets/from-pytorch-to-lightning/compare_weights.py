# Run after train_pytorch.py and train_lightning.py, in the same folder:
#     python compare_weights.py <the checkpoint path train_lightning.py printed>
# --8<-- [start:load]
import sys

import torch

pytorch_weights = torch.load("autoencoder_pytorch.pt", map_location="cpu", weights_only=True)
checkpoint = torch.load(sys.argv[1], map_location="cpu", weights_only=True)  # the path train_lightning.py printed
lightning_weights = checkpoint["state_dict"]
# --8<-- [end:load]

# --8<-- [start:compare]
assert pytorch_weights.keys() == lightning_weights.keys()
for name, weight in pytorch_weights.items():
    difference = (weight - lightning_weights[name]).abs().max().item()
    print(f"{name:18} {str(tuple(weight.shape)):10} max |difference| = {difference:.1e}")

largest = max((w - lightning_weights[n]).abs().max().item() for n, w in pytorch_weights.items())
count = sum(w.numel() for w in pytorch_weights.values())
print(f"largest difference over all {count:,} weights: {largest:.1e}")
# --8<-- [end:compare]
