import torch

checkpoint = torch.load("autoencoder.ckpt", map_location="cpu")
print(checkpoint.keys())
encoder_weights = checkpoint["encoder"]
decoder_weights = checkpoint["decoder"]
