import torch

# the checkpoint's path, instead of the variable `checkpoint`
checkpoint = torch.load("autoencoder.ckpt", map_location=lambda storage, loc: storage)
print(checkpoint["hyper_parameters"])
