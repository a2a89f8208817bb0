# Run in a folder holding the core page's autoencoder_pytorch.pt and this page's Lightning checkpoint.
# --8<-- [start:compare]
import torch

core = torch.load("autoencoder_pytorch.pt", map_location="cpu", weights_only=True)  # the core page's plain loop
checkpoint = torch.load("lightning_logs/version_0/checkpoints/epoch=4-step=500.ckpt",
                        map_location="cpu", weights_only=True)
organized = checkpoint["state_dict"]  # the DataModule and the callback

assert core.keys() == organized.keys()
largest = max((weight - organized[name]).abs().max().item() for name, weight in core.items())
count = sum(weight.numel() for weight in core.values())
print(f"largest difference over all {count:,} weights: {largest:.1e}")
# --8<-- [end:compare]
