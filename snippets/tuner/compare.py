# Run: python compare.py  (after lr_find_pytorch.py and lr_find_lightning.py, in their folder)
# --8<-- [start:compare]
import json

with open("lr_find_pytorch.json") as file:
    by_hand = json.load(file)
with open("lr_find_lightning.json") as file:
    tuner = json.load(file)
print(f"points: {len(by_hand['lr'])} by hand, {len(tuner['lr'])} from lr_find")
print(f"same learning rates, bit for bit: {by_hand['lr'] == tuner['lr']}")
print(f"same smoothed losses, bit for bit: {by_hand['loss'] == tuner['loss']}")
print(f"same suggestion: {by_hand['suggestion'] == tuner['suggestion']} ({tuner['suggestion']:.6g})")
# --8<-- [end:compare]
