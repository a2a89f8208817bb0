# Run: python summary_pytorch.py  (builds the model and prints it; reads and writes nothing)
# --8<-- [start:model]
import torch
from torch import nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AutoEncoder()
# --8<-- [end:model]

# --8<-- [start:summary]
print(model)  # every layer, nested, without sizes or counts
for name, child in model.named_children():
    print(f"{name}: {sum(p.numel() for p in child.parameters()):,} parameters")
total = sum(p.numel() for p in model.parameters())
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"{trainable:,} trainable of {total:,} parameters, {total * 4 / 1e6:.3f} MB in float32")
print(f"output shape for one image: {tuple(model(torch.zeros(1, 28 * 28)).shape)}")
# --8<-- [end:summary]
