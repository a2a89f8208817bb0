# --8<-- [start:keys]
import torch
from torch import nn

from autoencoder import LitAutoEncoder, test_set

checkpoint = torch.load("checkpoints/last.ckpt", map_location="cpu", weights_only=True)
print(f"keys: {list(checkpoint)}")
print(f"epoch {checkpoint['epoch']}, global_step {checkpoint['global_step']}, "
      f"pytorch-lightning {checkpoint['pytorch-lightning_version']}")
# --8<-- [end:keys]

# --8<-- [start:state-dict]
for name, tensor in checkpoint["state_dict"].items():
    print(f"{name:18} {tuple(tensor.shape)}")
print(f"'encoder' in checkpoint: {'encoder' in checkpoint}")  # all weights are in state_dict
# --8<-- [end:state-dict]

# --8<-- [start:encoder]
# The encoder's weights are the state_dict entries named encoder.*, without that prefix.
state_dict = checkpoint["state_dict"]
encoder_weights = {name.removeprefix("encoder."): tensor
                   for name, tensor in state_dict.items() if name.startswith("encoder.")}
hidden_size = checkpoint["hyper_parameters"]["hidden_size"]
code_size = checkpoint["hyper_parameters"]["code_size"]
encoder = nn.Sequential(
    nn.Linear(28 * 28, hidden_size), nn.ReLU(), nn.Linear(hidden_size, code_size))
encoder.load_state_dict(encoder_weights)  # strict: fails if a name or a shape differs
print(f"plain encoder loaded: {sorted(encoder_weights)}")
# --8<-- [end:encoder]

# --8<-- [start:same-codes]
x = torch.stack([image for image, _ in test_set]).view(len(test_set), -1)  # 1,000 digits
# map_location="cpu": on the CPU beside the plain encoder, even from a checkpoint saved on a GPU.
model = LitAutoEncoder.load_from_checkpoint("checkpoints/last.ckpt", map_location="cpu").eval()
with torch.no_grad():
    plain_codes, lightning_codes = encoder(x), model.encoder(x)
print(f"codes {tuple(plain_codes.shape)}, identical: {torch.equal(plain_codes, lightning_codes)}")
print(f"first digit's code: {[round(value, 4) for value in plain_codes[0].tolist()]}")
# --8<-- [end:same-codes]
