# Run after run_length_pytorch.py and run_length_lightning.py, in the same folder:
# python compare.py  (sets each loop's <name>_pytorch.pt beside the Trainer's <name>_lightning.pt)
# --8<-- [start:compare]
import torch

# Not max_time: the two tabs stopped at different steps, wherever the clock ran out.
for name in ["max_epochs", "max_steps", "val_check_fraction", "val_check_count", "every_n_epochs",
             "across_epochs", "limits", "min_epochs"]:
    pytorch = torch.load(f"{name}_pytorch.pt", map_location="cpu", weights_only=True)
    lightning = torch.load(f"{name}_lightning.pt", map_location="cpu", weights_only=True)
    largest = max((w - lightning[key]).abs().max().item() for key, w in pytorch.items())
    identical = all(torch.equal(w, lightning[key]) for key, w in pytorch.items())
    print(f"{name}: largest difference {largest:.1e}, bit-identical: {identical}")
# --8<-- [end:compare]
