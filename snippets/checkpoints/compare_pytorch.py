# --8<-- [start:straight]
import torch

from autoencoder_pytorch import AutoEncoder, device, train_one_epoch, validate
from autoencoder_pytorch import sampler, train_loader, val_loader

# The loop of save_pytorch.py, 4 epochs in one go, saving to straight.pt.
torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
for epoch in range(4):
    sampler.set_epoch(epoch)
    train_one_epoch(model, train_loader, optimizer)
    scheduler.step()
    print(f"epoch {epoch}: val_loss {validate(model, val_loader):.6f}")
    torch.save({
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
    }, "straight.pt")

straight = torch.load("straight.pt", map_location="cpu", weights_only=True)
resumed = torch.load("checkpoint.pt", map_location="cpu", weights_only=True)  # resume_pytorch.py's
largest = max((straight["model"][name] - weights).abs().max().item()
              for name, weights in resumed["model"].items())
print(f"epoch: straight {straight['epoch']}, resumed {resumed['epoch']}")
print(f"largest weight difference, straight vs resumed: {largest}")
# --8<-- [end:straight]
