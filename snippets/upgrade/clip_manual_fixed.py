# python clip_manual_fixed.py — Lightning 2.x: a module that steps its optimizer itself also clips
# the gradients and steps the learning-rate scheduler itself
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
        self.clip_gradients(opt, gradient_clip_val=0.5, gradient_clip_algorithm="norm")
        norm = torch.nn.utils.get_total_norm([p.grad for p in self.parameters()])
        self.largest_norm = max(self.largest_norm, norm.item())
        opt.step()
        opt.zero_grad()

    def on_train_epoch_end(self):
        self.lr_schedulers().step()  # Lightning steps no scheduler for manual optimization
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
    enable_progress_bar=False,  # no gradient_clip_val=0.5: clip_gradients() in training_step
)
trainer.fit(model, train_dataloaders=DataLoader(train_set, batch_size=32))
