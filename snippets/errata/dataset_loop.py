import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

torch.manual_seed(0)
# 640 random stand-ins for MNIST images, with their labels
mnist_train = TensorDataset(torch.rand(640, 1, 28, 28), torch.zeros(640))
encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)

steps = 0
for train_batch in mnist_train :
    x,y = train_batch
    x = x.view(x.size(0), -1)
    z = encoder(x)
    x_hat = decoder(z)
    loss = F.mse_loss(x_hat, x)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    steps += 1
print(f"one batch: x.shape = {tuple(x.shape)}")
print(f"optimizer steps in one epoch: {steps}")
