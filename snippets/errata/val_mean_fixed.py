import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
# 3 batches of 32 random stand-ins for MNIST images
mnist_val = DataLoader(TensorDataset(torch.rand(96, 1, 28, 28), torch.zeros(96)), batch_size=32)

with torch.no_grad():
    val_loss = []
    for val_batch in mnist_val :
        x, y = val_batch
        x = x.view(x.size(0), -1)
        z = encoder(x)
        x_hat = decoder(z)
        loss = F.mse_loss(x_hat, x)
        val_loss.append(loss)
    val_loss = torch.mean(torch.tensor(val_loss))  # after the loop, not inside it
print(f"val_loss, the mean over 3 batches: {val_loss:.4f}")
