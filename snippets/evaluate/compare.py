# Run after evaluate_pytorch.py and evaluate_lightning.py, in the same folder, with the
# checkpoint that evaluate_lightning.py printed: python compare.py lightning_logs/.../epoch=4-step=500.ckpt
# --8<-- [start:compare]
import sys

import torch

pytorch_best = torch.load("best.pt", map_location="cpu", weights_only=True)
lightning_best = torch.load(sys.argv[1], map_location="cpu", weights_only=True)["state_dict"]
same_weights = all(torch.equal(weight, lightning_best[name]) for name, weight in pytorch_best.items())
print(f"best.pt and {sys.argv[1]} hold the same weights, bit for bit: {same_weights}")
pytorch_codes = torch.load("codes_pytorch.pt", map_location="cpu", weights_only=True)
lightning_codes = torch.load("codes_lightning.pt", map_location="cpu", weights_only=True)
print(f"the 1,000 codes are the same, bit for bit: {torch.equal(pytorch_codes, lightning_codes)}")
# --8<-- [end:compare]
