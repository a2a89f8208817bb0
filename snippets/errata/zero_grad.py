import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
x = torch.rand(32, 28 * 28)  # one batch of 32 flattened images

z = encoder(x)
x_hat = decoder(z)
loss = F.mse_loss(x_hat, x)
loss.backward()
optimizer.step()
optimize.zero_grad()
