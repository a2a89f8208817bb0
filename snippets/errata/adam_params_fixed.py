import torch
from torch import nn

encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

# parameters: one flat list of tensors, not a list of two generators
params = [*encoder.parameters(), *decoder.parameters()]
optimizer = torch.optim.Adam(params, lr=1e-3)

tensors = optimizer.param_groups[0]["params"]
print(f"Adam updates {len(tensors)} tensors, {sum(p.numel() for p in tensors):,} numbers")
