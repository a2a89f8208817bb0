# --8<-- [start:load]
import sys

import torch
import torch.nn.functional as F

from autoencoder import LitAutoEncoder, test_set

checkpoint_path = sys.argv[1]  # the best_model_path that best.py printed
model = LitAutoEncoder.load_from_checkpoint(checkpoint_path)
model.eval()  # evaluation mode: dropout off, batch norm uses its running statistics
print(f"loaded {checkpoint_path}")
print(f"training mode: {model.training}, hyperparameters: {dict(model.hparams)}")
# --8<-- [end:load]

# --8<-- [start:predict]
images = torch.stack([test_set[i][0] for i in range(8)])  # 8 digits it never trained on
labels = [test_set[i][1] for i in range(8)]
x = images.view(len(images), -1).to(model.device)  # where the weights were saved, if this machine has it
with torch.no_grad():  # no gradients needed to predict
    x_hat = model(x)  # calls forward(): decoder(encoder(x))
print(f"input {tuple(x.shape)} -> reconstruction {tuple(x_hat.shape)}")
errors = F.mse_loss(x_hat, x, reduction="none").mean(dim=1)
for label, error in zip(labels, errors):
    print(f"digit {label}: reconstruction error (MSE) {error:.4f}")
reconstructions = x_hat.view_as(images).cpu()
torch.save({"images": images, "reconstructions": reconstructions, "labels": labels},
           "predictions.pt")
# --8<-- [end:predict]
