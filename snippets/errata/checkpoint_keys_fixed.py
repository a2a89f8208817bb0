import torch
from torch import nn

checkpoint = torch.load("autoencoder.ckpt", map_location="cpu")
print(checkpoint.keys())
# The weights are all in "state_dict", each name prefixed with the attribute that holds it.
weights = checkpoint["state_dict"]
encoder_weights = {
    k.removeprefix("encoder."): w for k, w in weights.items() if k.startswith("encoder.")
}
decoder_weights = {
    k.removeprefix("decoder."): w for k, w in weights.items() if k.startswith("decoder.")
}
print(f"encoder: {list(encoder_weights)}")

encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
print(encoder.load_state_dict(encoder_weights))
