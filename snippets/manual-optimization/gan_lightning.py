# Run: python gan_lightning.py  (reads MNIST under ./data; writes lightning_logs/ and samples_lightning.pt)
# --8<-- [start:imports]
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import get_total_norm
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:model]
Z = 16  # the generator turns 16 random numbers into an image


class LitGAN(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False  # training_step steps the two optimizers itself
        self.generator = nn.Sequential(nn.Linear(Z, 128), nn.ReLU(), nn.Linear(128, 28 * 28), nn.Sigmoid())
        # One logit per image: above 0 means "real", below 0 "generated".
        self.discriminator = nn.Sequential(nn.Linear(28 * 28, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
    # --8<-- [end:model]

    # --8<-- [start:optimizers]
    def configure_optimizers(self):
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        # Halve both learning rates every 4 epochs.
        sch_g = torch.optim.lr_scheduler.StepLR(opt_g, step_size=4, gamma=0.5)
        sch_d = torch.optim.lr_scheduler.StepLR(opt_d, step_size=4, gamma=0.5)
        return [opt_g, opt_d], [sch_g, sch_d]
    # --8<-- [end:optimizers]

    # --8<-- [start:training]
    def training_step(self, batch, batch_idx):
        opt_g, opt_d = self.optimizers()  # in the order configure_optimizers returned them
        x, _ = batch
        real = x.view(x.size(0), -1)
        z = torch.randn(real.size(0), Z, device=self.device)  # on the model's device
        fake = self.generator(z)

        # The discriminator: real images are real (1), generated ones fake (0).
        self.toggle_optimizer(opt_d)  # only the discriminator's weights require gradients
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake.detach())
        d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))) / 2
        self.manual_backward(d_loss)  # instead of d_loss.backward()
        norm = get_total_norm([p.grad for p in self.discriminator.parameters()])
        self.clip_gradients(opt_d, gradient_clip_val=1.0, gradient_clip_algorithm="norm")
        clipped = get_total_norm([p.grad for p in self.discriminator.parameters()])
        opt_d.step()
        opt_d.zero_grad()
        self.untoggle_optimizer(opt_d)

        # The generator: make the discriminator call its images real.
        self.toggle_optimizer(opt_g)  # the discriminator's weights get no gradient now
        fake_logits = self.discriminator(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        self.manual_backward(g_loss)
        opt_g.step()
        opt_g.zero_grad()
        self.untoggle_optimizer(opt_g)

        self.log_dict({"d_loss": d_loss, "g_loss": g_loss}, on_step=False, on_epoch=True, prog_bar=True)
        self.log("d_grad_norm", norm, on_step=False, on_epoch=True, reduce_fx="max")
        self.log("d_grad_norm_clipped", clipped, on_step=False, on_epoch=True, reduce_fx="max")
    # --8<-- [end:training]

    # --8<-- [start:epoch-end]
    def on_train_epoch_end(self):
        schedulers = self.lr_schedulers()  # Lightning steps no scheduler in manual optimization
        lr = schedulers[0].get_last_lr()[0]  # the rate this epoch trained with
        for scheduler in schedulers:
            scheduler.step()
        # Only to compare the two tabs line by line: the logger has these values already.
        m = self.trainer.callback_metrics
        print(f"epoch {self.current_epoch}: lr {lr:.6f}  d_loss {m['d_loss']:.6f}  g_loss {m['g_loss']:.6f}  "
              f"D's largest gradient norm {m['d_grad_norm']:.4f}, clipped to {m['d_grad_norm_clipped']:.4f}")
    # --8<-- [end:epoch-end]


# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
# --8<-- [end:data]

# --8<-- [start:init]
pl.seed_everything(0)
gan = LitGAN()
# --8<-- [end:init]

# --8<-- [start:fit]
trainer = pl.Trainer(max_epochs=10, accelerator="auto", devices=1)
trainer.fit(gan, train_dataloaders=train_loader)
print(f"global_step: {trainer.global_step}")  # two optimizer steps per batch
print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")
# --8<-- [end:fit]

# --8<-- [start:samples]
z = torch.randn(40, Z, generator=torch.Generator().manual_seed(1))  # the same 40 inputs in both tabs
with torch.no_grad():
    samples = gan.generator(z.to(gan.device)).view(-1, 28, 28).cpu()
torch.save(samples, "samples_lightning.pt")
print(f"samples: {tuple(samples.shape)}, mean pixel {samples.mean():.6f}")
# --8<-- [end:samples]
