import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
x = torch.rand(32, 28 * 28)  # one batch of 32 flattened images

optimizer.zero_grad()  # instead of optimize.zero_grad() after the step
z = encoder(x)
x_hat = decoder(z)
loss = F.mse_loss(x_hat, x)
loss.backward()
optimizer.step()
print(f"one step done, loss = {loss.item():.4f}")
