# Run after gan_pytorch.py and gan_lightning.py, in the same folder, with the checkpoint that
# gan_lightning.py printed: python compare.py lightning_logs/version_0/checkpoints/epoch=9-step=2000.ckpt
# --8<-- [start:compare]
import sys

import torch

pytorch = torch.load("gan_pytorch.pt", map_location="cpu", weights_only=True)
lightning = torch.load(sys.argv[1], map_location="cpu", weights_only=True)["state_dict"]
print(f"the same parameter names: {sorted(pytorch) == sorted(lightning)}")
for network in ("generator", "discriminator"):
    names = [name for name in pytorch if name.startswith(network + ".")]
    largest = max((pytorch[name] - lightning[name]).abs().max().item() for name in names)
    same = all(torch.equal(pytorch[name], lightning[name]) for name in names)
    print(f"{network}: {len(names)} tensors, largest difference {largest}, bit-identical: {same}")
samples_pytorch = torch.load("samples_pytorch.pt", map_location="cpu", weights_only=True)
samples_lightning = torch.load("samples_lightning.pt", map_location="cpu", weights_only=True)
print(f"the 40 generated digits, bit-identical: {torch.equal(samples_pytorch, samples_lightning)}")
# --8<-- [end:compare]
