# Run: python train_pytorch.py  (beside denoiser_pytorch.py; reads MNIST under ./data; writes denoiser.pt)
# --8<-- [start:fit]
import torch
from denoiser_pytorch import DenoisingAutoEncoder, device, train_one_epoch, validate
from denoiser_pytorch import train_loader, train_set, val_loader

pixels = torch.stack([image for image, _ in train_set])  # the 3,200 training images
print(f"training set: mean {pixels.mean():.6f}, std {pixels.std():.6f}")
torch.manual_seed(0)
model = DenoisingAutoEncoder(mean=pixels.mean().item(), std=pixels.std().item()).to(device)  # buffers too
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    train_one_epoch(model, train_loader, optimizer)
    print(f"epoch {epoch}: val_loss {validate(model, val_loader):.6f}")
torch.save(model.state_dict(), "denoiser.pt")
# --8<-- [end:fit]

# --8<-- [start:checkpoint]
state_dict = torch.load("denoiser.pt", map_location="cpu", weights_only=True)
print(f"saved: {list(state_dict)}")
loaded = DenoisingAutoEncoder()  # mean 0.0, std 1.0, until the file says otherwise
loaded.load_state_dict(state_dict)
print(f"loaded: mean {loaded.mean:.6f}, std {loaded.std:.6f}, inside {loaded.inside.sum().item()} pixels")
# --8<-- [end:checkpoint]
