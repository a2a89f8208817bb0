import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
encoder.to(device)  # instead of encoder.cuda(0)
decoder.to(device)  # instead of decoder.cuda(0)
x = torch.rand(32, 1, 28, 28)  # one batch of 32 images, as a DataLoader gives it

x = x.to(device)  # instead of x.cuda(0)
x = x.view(x.size(0), -1)
x_hat = decoder(encoder(x))
print(f"batch on {x.device}, x_hat.shape = {tuple(x_hat.shape)}")
