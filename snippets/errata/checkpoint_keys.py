import torch

checkpoint = torch.load("autoencoder.ckpt")
print(checkpoint.keys())
encoder_weights = checkpoint["encoder"]
decoder_weights = checkpoint["decoder"]
