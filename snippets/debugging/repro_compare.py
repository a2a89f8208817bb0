# Run in a folder holding the weights that the runs of repro_pytorch.py and repro_lightning.py saved.
# --8<-- [start:compare]
import torch


def largest_difference(a, b):
    return max((a[name] - b[name]).abs().max().item() for name in a)


def pytorch(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def lightning(path):
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


seeded = lightning("lightning_1.ckpt")
unseeded = lightning("no_seed_workers_1.ckpt")
pairs = {
    "PyTorch by hand, run 1 and run 2": (pytorch("pytorch_1.pt"), pytorch("pytorch_2.pt")),
    "Lightning, run 1 and run 2": (seeded, lightning("lightning_2.ckpt")),
    "Lightning without workers=True, run 1 and run 2": (unseeded, lightning("no_seed_workers_2.ckpt")),
    "Lightning with and without workers=True": (seeded, unseeded),
    "Lightning with 2 workers and with 3 workers": (seeded, lightning("three_workers.ckpt")),
}
for label, (a, b) in pairs.items():
    print(f"{label:48}  max |difference| = {largest_difference(a, b):.1e}")
# --8<-- [end:compare]
