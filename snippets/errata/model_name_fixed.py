import torch
from torch import nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AutoEncoder()  # one module holds the encoder and the decoder

# train loop
model.train()
print(f"model.training = {model.training}, encoder.training = {model.encoder.training}")
model.eval()
print(f"after model.eval(): encoder.training = {model.encoder.training}, "
      f"decoder.training = {model.decoder.training}")
