# Run in a folder holding the core page's autoencoder_pytorch.pt and the autoencoder_fabric.ckpt
# that train_fabric.py saved on one process.
# --8<-- [start:compare]
import torch

pytorch_weights = torch.load("autoencoder_pytorch.pt", map_location="cpu", weights_only=True)
fabric_weights = torch.load("autoencoder_fabric.ckpt", map_location="cpu", weights_only=True)["model"]

assert pytorch_weights.keys() == fabric_weights.keys()
for name, weight in pytorch_weights.items():
    print(f"{name:18} equal: {torch.equal(weight, fabric_weights[name])}")
largest = max((w - fabric_weights[n]).abs().max().item() for n, w in pytorch_weights.items())
count = sum(w.numel() for w in pytorch_weights.values())
print(f"largest difference over all {count:,} weights: {largest:.1e}")
# --8<-- [end:compare]
