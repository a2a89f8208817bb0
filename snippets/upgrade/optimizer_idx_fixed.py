# python optimizer_idx_fixed.py — Lightning 2.x: a module with two optimizers steps them itself
# (manual optimization), in the order Lightning 1.x used
import pytorch_lightning as pl
import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits as bce
from torch.utils.data import DataLoader, TensorDataset


class LitGAN(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False  # training_step steps the optimizers itself
        self.generator = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 784), nn.Tanh())
        self.discriminator = nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))

    def training_step(self, batch, batch_idx):  # no optimizer_idx
        opt_g, opt_d = self.optimizers()
        real = batch[0]
        ones = torch.ones(real.size(0), 1, device=self.device)
        zeros = torch.zeros(real.size(0), 1, device=self.device)
        z = torch.randn(real.size(0), 16, device=self.device)
        # the generator: make the discriminator say "real" (optimizer_idx == 0 in 1.x)
        self.toggle_optimizer(opt_g)  # only the generator's weights get gradients
        g_loss = bce(self.discriminator(self.generator(z)), ones)
        self.manual_backward(g_loss)
        opt_g.step()
        opt_g.zero_grad()
        self.untoggle_optimizer(opt_g)
        z = torch.randn(real.size(0), 16, device=self.device)  # 1.x drew z again in the second call
        # the discriminator: real images are real, generated ones fake (optimizer_idx == 1)
        self.toggle_optimizer(opt_d)
        fake = self.generator(z).detach()
        d_loss = (bce(self.discriminator(real), ones) + bce(self.discriminator(fake), zeros)) / 2
        self.manual_backward(d_loss)
        opt_d.step()
        opt_d.zero_grad()
        self.untoggle_optimizer(opt_d)

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
