# Run after metrics_pytorch.py and metrics_lightning.py, in the same folder: python compare.py
# --8<-- [start:compare]
import torch

pytorch = torch.load("classifier_pytorch.pt", map_location="cpu", weights_only=True)
lightning = torch.load("classifier_lightning.pt", map_location="cpu", weights_only=True)
# The LightningModule holds the same nn.Sequential as self.model: its names start with "model."
same = all(torch.equal(weight, lightning[f"model.{name}"]) for name, weight in pytorch.items())
print(f"{len(pytorch)} tensors, {len(lightning)} in the LightningModule's state_dict")
print(f"classifier_pytorch.pt and classifier_lightning.pt hold the same weights, bit for bit: {same}")
# --8<-- [end:compare]
