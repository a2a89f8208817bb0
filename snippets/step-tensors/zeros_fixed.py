# Run: python zeros_fixed.py  (beside denoiser_lightning.py; reads MNIST under ./data): zeros.py with
# its one line fixed, the black image made like x.
# --8<-- [start:step]
import pytorch_lightning as pl
import torch
from denoiser_lightning import LitDenoiser, train_loader, val_loader


class LitDenoiserZeros(LitDenoiser):
    def corrupt(self, x):  # the same corruption, written into a black image
        noisy = x.new_zeros(x.shape)  # like x: its device and its dtype
        keep = torch.rand(x.shape, device=self.device) > 0.25
        noisy[keep] = (x + 0.5 * torch.randn_like(x) * self.inside)[keep]
        return noisy
# --8<-- [end:step]


# --8<-- [start:trainer]
pl.seed_everything(0)
trainer = pl.Trainer(precision="64-true", fast_dev_run=2, enable_progress_bar=False, enable_model_summary=False)
trainer.fit(LitDenoiserZeros(), train_loader, val_loader)
print(f'Trainer(precision="64-true"): LitDenoiserZeros trained {trainer.global_step} steps')
# --8<-- [end:trainer]

# --8<-- [start:by-hand]
x, y = next(iter(train_loader))
batch = (x.double(), y)  # as precision="64-true" hands a batch to a step
model = LitDenoiser().double()  # the page's module: every floating-point parameter and buffer to float64
loss = model.training_step(batch, 0)
print(f"LitDenoiser in float64: loss {loss.dtype}, mean {model.mean.dtype}, inside {model.inside.dtype}")
model = LitDenoiserZeros().double()
loss = model.training_step(batch, 0)
print(f"LitDenoiserZeros in float64: loss {loss.dtype}")
# --8<-- [end:by-hand]
