# Run: python gan_pytorch.py  (reads MNIST under ./data; writes gan_pytorch.pt and samples_pytorch.pt)
# --8<-- [start:imports]
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import clip_grad_norm_, get_total_norm
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
Z = 16  # the generator turns 16 random numbers into an image


class GAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = nn.Sequential(nn.Linear(Z, 128), nn.ReLU(), nn.Linear(128, 28 * 28), nn.Sigmoid())
        # One logit per image: above 0 means "real", below 0 "generated".
        self.discriminator = nn.Sequential(nn.Linear(28 * 28, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
# --8<-- [end:model]


# --8<-- [start:optimizers]
def configure_optimizers(gan):
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    # Halve both learning rates every 4 epochs.
    sch_g = torch.optim.lr_scheduler.StepLR(opt_g, step_size=4, gamma=0.5)
    sch_d = torch.optim.lr_scheduler.StepLR(opt_d, step_size=4, gamma=0.5)
    return [opt_g, opt_d], [sch_g, sch_d]
# --8<-- [end:optimizers]


# --8<-- [start:training]
def train_one_epoch(gan, loader, opt_g, opt_d):
    gan.train()
    stats = {"d_loss": [], "g_loss": [], "d_grad_norm": [], "d_grad_norm_clipped": []}
    for x, _ in loader:
        real = x.view(x.size(0), -1).to(device)
        z = torch.randn(real.size(0), Z, device=device)
        fake = gan.generator(z)

        # The discriminator: real images are real (1), generated ones fake (0).
        real_logits, fake_logits = gan.discriminator(real), gan.discriminator(fake.detach())
        d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))) / 2
        opt_d.zero_grad()
        d_loss.backward()
        norm = clip_grad_norm_(gan.discriminator.parameters(), max_norm=1.0)  # returns the norm before
        clipped = get_total_norm([p.grad for p in gan.discriminator.parameters()])
        opt_d.step()

        # The generator: make the discriminator call its images real.
        fake_logits = gan.discriminator(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        opt_g.zero_grad()
        g_loss.backward()  # also fills the discriminator's .grad: opt_d.zero_grad() clears it first
        opt_g.step()

        for name, value in zip(stats, (d_loss, g_loss, norm, clipped)):
            stats[name].append(value.detach())
    return {name: torch.stack(values) for name, values in stats.items()}
# --8<-- [end:training]


# --8<-- [start:epoch-end]
def end_epoch(epoch, stats, schedulers):
    lr = schedulers[0].get_last_lr()[0]  # the rate this epoch trained with
    for scheduler in schedulers:
        scheduler.step()
    print(f"epoch {epoch}: lr {lr:.6f}  d_loss {stats['d_loss'].mean():.6f}  g_loss {stats['g_loss'].mean():.6f}  "
          f"D's largest gradient norm {stats['d_grad_norm'].max():.4f}, "
          f"clipped to {stats['d_grad_norm_clipped'].max():.4f}")
# --8<-- [end:epoch-end]


# --8<-- [start:data]
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
# --8<-- [end:data]

# --8<-- [start:init]
torch.manual_seed(0)
gan = GAN().to(device)
(opt_g, opt_d), schedulers = configure_optimizers(gan)
# --8<-- [end:init]

# --8<-- [start:fit]
for epoch in range(10):
    stats = train_one_epoch(gan, train_loader, opt_g, opt_d)
    end_epoch(epoch, stats, schedulers)

torch.save(gan.state_dict(), "gan_pytorch.pt")
# --8<-- [end:fit]

# --8<-- [start:samples]
z = torch.randn(40, Z, generator=torch.Generator().manual_seed(1))  # the same 40 inputs in both tabs
with torch.no_grad():
    samples = gan.generator(z.to(device)).view(-1, 28, 28).cpu()
torch.save(samples, "samples_pytorch.pt")
print(f"samples: {tuple(samples.shape)}, mean pixel {samples.mean():.6f}")
# --8<-- [end:samples]
