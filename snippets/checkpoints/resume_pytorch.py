# --8<-- [start:resume]
import torch

from autoencoder_pytorch import AutoEncoder, device, train_one_epoch, validate
from autoencoder_pytorch import sampler, train_loader, val_loader

model = AutoEncoder().to(device)  # fresh weights, replaced below by the checkpoint's
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

# Left by save_pytorch.py, which trained for 2 epochs (epochs 0 and 1).
checkpoint = torch.load("checkpoint.pt", map_location="cpu", weights_only=True)
model.load_state_dict(checkpoint["model"])
optimizer.load_state_dict(checkpoint["optimizer"])
scheduler.load_state_dict(checkpoint["scheduler"])
start_epoch = checkpoint["epoch"] + 1

for epoch in range(start_epoch, 4):  # to epoch 3: 4 in all, not 4 more
    sampler.set_epoch(epoch)
    train_one_epoch(model, train_loader, optimizer)
    scheduler.step()
    print(f"epoch {epoch}: val_loss {validate(model, val_loader):.6f}")
    torch.save({
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
    }, "checkpoint.pt")
# --8<-- [end:resume]

# --8<-- [start:restored]
learning_rate = optimizer.param_groups[0]["lr"]
print(f"started at epoch {start_epoch}, finished after epoch {epoch}")
print(f"learning rate now {learning_rate:g} (1e-3, halved every 2 epochs)")
# --8<-- [end:restored]
