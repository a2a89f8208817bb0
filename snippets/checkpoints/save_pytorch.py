# --8<-- [start:train]
import torch

from autoencoder_pytorch import AutoEncoder, device, train_one_epoch, validate
from autoencoder_pytorch import sampler, train_loader, val_loader

torch.manual_seed(0)
model = AutoEncoder().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
# Halve the learning rate every 2 epochs, as the Lightning module does.
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
for epoch in range(2):
    sampler.set_epoch(epoch)  # this epoch's order: seed + epoch
    train_one_epoch(model, train_loader, optimizer)
    scheduler.step()
    print(f"epoch {epoch}: val_loss {validate(model, val_loader):.6f}")
    # Everything needed to carry on, written over the previous epoch's file.
    torch.save({
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),  # with Adam's running averages
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
    }, "checkpoint.pt")
# --8<-- [end:train]

# --8<-- [start:files]
checkpoint = torch.load("checkpoint.pt", map_location="cpu", weights_only=True)
print(f"checkpoint.pt holds: {list(checkpoint)}")
print(f"epoch: {checkpoint['epoch']}")
print(f"learning rate: {checkpoint['optimizer']['param_groups'][0]['lr']:g}")
# --8<-- [end:files]
