# Run: python rich_bar.py  (fails here on purpose: rich is not installed; `pip install rich` fixes it)
# --8<-- [start:rich]
import pytorch_lightning as pl
from pytorch_lightning.callbacks import RichProgressBar

trainer = pl.Trainer(max_epochs=2, callbacks=[RichProgressBar()])
# --8<-- [end:rich]
