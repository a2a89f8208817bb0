# Run after metrics_pytorch.py, in the same folder: python average.py  (reads classifier_pytorch.pt and MNIST under ./data)
# --8<-- [start:predictions]
import torch
from torch import nn
from torch.utils.data import Subset, random_split
from torchmetrics import Accuracy
from torchmetrics.classification import MulticlassAccuracy
from torchmetrics.functional.classification import multiclass_accuracy
from torchvision import datasets, transforms

dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # the same 800 validation digits as both tabs
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))

# The PyTorch tab's classifier, after its 3 epochs
model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))
model.load_state_dict(torch.load("classifier_pytorch.pt", map_location="cpu", weights_only=True))
model.eval()
x = torch.stack([image for image, _ in val_set])
target = torch.tensor([label for _, label in val_set])
with torch.no_grad():
    preds = model(x).argmax(dim=1)
# --8<-- [end:predictions]

# --8<-- [start:averages]
print(f"correct / total, by hand:                             {(preds == target).float().mean():.6f}")
print(f"MulticlassAccuracy(num_classes=10):                   {MulticlassAccuracy(num_classes=10)(preds, target):.6f}")
print(f'MulticlassAccuracy(num_classes=10, average="micro"):  '
      f'{MulticlassAccuracy(num_classes=10, average="micro")(preds, target):.6f}')
print(f'Accuracy(task="multiclass", num_classes=10):          '
      f'{Accuracy(task="multiclass", num_classes=10)(preds, target):.6f}')
print(f"multiclass_accuracy(preds, target, num_classes=10):   {multiclass_accuracy(preds, target, num_classes=10):.6f}")
# --8<-- [end:averages]

# --8<-- [start:per-class]
per_class = MulticlassAccuracy(num_classes=10, average=None)(preds, target)
print("digit     " + "".join(f"{digit:>7}" for digit in range(10)))
print("samples   " + "".join(f"{n:>7}" for n in torch.bincount(target, minlength=10).tolist()))
print("accuracy  " + "".join(f"{a:>7.3f}" for a in per_class.tolist()))
print(f"mean of the 10 per-class accuracies (macro): {per_class.mean():.6f}")
# --8<-- [end:per-class]
