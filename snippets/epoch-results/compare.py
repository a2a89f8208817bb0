# Run: python compare.py  (after epoch_results_pytorch.py, in its folder: reads errors_pytorch.pt)
# Recomputes what self.log(..., on_epoch=True) averaged from the last epoch's 800 validation errors.
# --8<-- [start:compare]
import torch

errors = torch.load("errors_pytorch.pt", map_location="cpu", weights_only=True)  # 800 images, last epoch
batches = errors.split(128)  # the validation loader's batches: 6 of 128, then one of 32
sizes = [len(batch) for batch in batches]


def lightning_epoch_mean(values, weights):
    """What self.log(..., on_epoch=True) does with one value per batch: sum value × weight and the
    weights (in float32, as Lightning does), then divide at the end of the epoch."""
    total, count = torch.tensor(0.0), torch.tensor(0)
    for value, weight in zip(values, weights):
        total, count = total + value * weight, count + weight
    return total / count


means = [batch.mean() for batch in batches]
medians = [batch.median() for batch in batches]
print(f"batch sizes {sizes}")
print(f"mean of the 800 errors {errors.mean():.9g}")
print(f"batch means weighted by batch size {lightning_epoch_mean(means, sizes):.9g}")
print(f"batch means weighing 1 each {lightning_epoch_mean(means, [1] * len(means)):.9g}")
print(f"median of the 800 errors {errors.median():.9g}")
print(f"batch medians weighted by batch size {lightning_epoch_mean(medians, sizes):.9g}")
# --8<-- [end:compare]
