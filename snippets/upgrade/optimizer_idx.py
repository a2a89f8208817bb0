# python optimizer_idx.py — Lightning 1.x code: a GAN with two optimizers, and Lightning calls
# `training_step` once per optimizer with `optimizer_idx`; Lightning 2.x refuses it with a RuntimeError
import pytorch_lightning as pl
import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits as bce
from torch.utils.data import DataLoader, TensorDataset


class LitGAN(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.generator = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 784), nn.Tanh())
        self.discriminator = nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))

    def training_step(self, batch, batch_idx, optimizer_idx):
        real = batch[0]
        ones = torch.ones(real.size(0), 1, device=self.device)
        zeros = torch.zeros(real.size(0), 1, device=self.device)
        z = torch.randn(real.size(0), 16, device=self.device)
        if optimizer_idx == 0:  # the generator: make the discriminator say "real"
            g_loss = bce(self.discriminator(self.generator(z)), ones)
            return g_loss
        if optimizer_idx == 1:  # the discriminator: real images are real, generated ones fake
            fake = self.generator(z).detach()
            d_loss = (bce(self.discriminator(real), ones) + bce(self.discriminator(fake), zeros)) / 2
            return d_loss

    def configure_optimizers(self):
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        return [opt_g, opt_d]


torch.manual_seed(0)
model = LitGAN()
train_set = TensorDataset(torch.rand(256, 784) * 2 - 1)  # "images" scaled to [-1, 1]
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False,
)
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
print(f"optimizer steps: {trainer.global_step}")
print(f"generator weight sum: {model.generator[0].weight.sum():.6f}")
print(f"discriminator weight sum: {model.discriminator[0].weight.sum():.6f}")
