# --8<-- [start:read-back]
import torch

from autoencoder import LitAutoEncoder

checkpoint = torch.load("checkpoints/last.ckpt", map_location="cpu", weights_only=True)
print(f"hyper_parameters: {checkpoint['hyper_parameters']}")
# --8<-- [end:read-back]

# --8<-- [start:hparams]
model = LitAutoEncoder.load_from_checkpoint("checkpoints/last.ckpt")  # no arguments needed
print(f"model.hparams: {dict(model.hparams)}, code size {model.encoder[-1].out_features}")
# --8<-- [end:hparams]

# --8<-- [start:override]
# A keyword argument overrides what the file says: a smaller learning rate, to fine-tune.
model = LitAutoEncoder.load_from_checkpoint("checkpoints/last.ckpt", lr=1e-4)
print(f"overridden: {dict(model.hparams)}")

# An override that changes a layer's shape cannot work: the saved weights no longer fit.
try:
    LitAutoEncoder.load_from_checkpoint("checkpoints/last.ckpt", code_size=2)
except RuntimeError as error:
    print(*str(error).splitlines()[:2], sep="\n")
# --8<-- [end:override]

# --8<-- [start:yaml]
# The logger keeps a copy beside its logs (best.py's: under its default_root_dir), for people
# and tools that read YAML.
print(open("best/lightning_logs/version_0/hparams.yaml").read().strip())
# --8<-- [end:yaml]
