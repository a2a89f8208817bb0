# python clip_manual.py — a module that steps its optimizer itself (manual optimization, as a GAN
# must in 2.x) with `Trainer(gradient_clip_val=0.5)`: the Trainer refuses to clip for it
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
        self.largest_norm = 0.0

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.manual_backward(loss)
        norm = torch.nn.utils.get_total_norm([p.grad for p in self.parameters()])
        self.largest_norm = max(self.largest_norm, norm.item())
        opt.step()
        opt.zero_grad()

    def on_train_epoch_end(self):
        lr = self.optimizers().param_groups[0]["lr"]
        print(f"epoch {self.current_epoch}: largest gradient norm {self.largest_norm:.6f}, next lr {lr}")

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        return [optimizer], [scheduler]


torch.manual_seed(0)
model = LitClassifier()
train_set = TensorDataset(torch.randn(256, 784), torch.randint(0, 3, (256,)))
trainer = pl.Trainer(
    max_epochs=2, logger=False, enable_checkpointing=False, enable_model_summary=False,
    enable_progress_bar=False, gradient_clip_val=0.5,
)
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
