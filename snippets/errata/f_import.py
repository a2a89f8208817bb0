import torch
from torch import nn

torch.manual_seed(0)
x = torch.rand(32, 28 * 28)
x_hat = torch.rand(32, 28 * 28)

loss = F.mse_loss(x_hat, x)
