# --8<-- [start:usage]
"""Lightning vs PyTorch, measured: the core page's auto-encoder, trained by its plain loop and
by its Trainer, one epoch per fit, in interleaved rounds.

    python snippets/parity/benchmark.py              # under a minute
    python snippets/parity/benchmark.py --rounds 30  # narrower intervals, in a few minutes
    python snippets/parity/benchmark.py --quick      # seconds, on a few digits: checks, not figures

Run it from a folder that holds data/MNIST (the repository root does). It prints a summary and
writes every figure into parity.json in the working directory.
"""
# --8<-- [end:usage]

# --8<-- [start:imports]
import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.utilities import grad_norm
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:configurations]
# Every configuration, with what it changes. The first is the core page's plain loop; the
# second the core page's Trainer(max_epochs=5, accelerator="auto", devices=1), every default
# on; each one after it changes one thing about that Trainer (the Trainer's options are given).
PLAIN, TAUGHT, BAREBONES = "plain PyTorch", "Trainer as taught", "barebones"
CONFIGURATIONS = {
    PLAIN: ("the core page's plain loop", None),
    TAUGHT: ("the core page's `Trainer`, every default on", {}),
    "no progress bar": ("`enable_progress_bar=False`", {"enable_progress_bar": False}),
    "no model summary": ("`enable_model_summary=False`", {"enable_model_summary": False}),
    "log every step": ("`log_every_n_steps=1` (the default is 50)", {"log_every_n_steps": 1}),
    "no logger": ("`logger=False`", {"logger": False}),
    "no checkpointing": ("`enable_checkpointing=False`", {"enable_checkpointing": False}),
    BAREBONES: ("`barebones=True`: all of the above off, no sanity check, `self.log` does nothing",
                {"barebones": True}),
}
# The core page trains with batches of 32. Longer steps: the plain loop, the Trainer as taught
# and the barebones Trainer also train with bigger batches (fewer, longer steps per epoch).
BATCH_SIZES = (32, 64, 128, 256, 512)
ALONG_THE_BATCH_SIZES = (PLAIN, TAUGHT, BAREBONES)
CONFIDENCE = 0.95  # at least, for every interval reported
# --8<-- [end:configurations]


# --8<-- [start:data]
def core_page_data(quick):
    """The core page's split: 3,200 training and 800 validation digits (--quick: 384 and 200)."""
    dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
    dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
    train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
    if quick:
        return Subset(train_set, range(384)), Subset(val_set, range(200))
    return train_set, val_set


def loaders(data, batch_size):
    """The core page's DataLoaders, with training batches of ``batch_size`` (32 on that page)."""
    train_set, val_set = data
    return DataLoader(train_set, batch_size=batch_size, shuffle=True), DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:models]
class AutoEncoder(nn.Module):  # the core page's model, 784 → 64 → 3 → 64 → 784
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


class LitAutoEncoder(pl.LightningModule):  # the core page's LightningModule: same layers, steps
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))
        self.losses = []  # (training loss, validation loss) of each epoch

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        loss = F.mse_loss(self(x), x)
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.log("val_loss", F.mse_loss(self(x), x))

    def on_train_epoch_end(self):
        # The core page prints the epoch's losses; here they are kept. (With barebones=True,
        # self.log does nothing, and there are none.)
        metrics = self.trainer.callback_metrics
        if metrics:
            self.losses.append((metrics["train_loss_epoch"].item(), metrics["val_loss"].item()))

    def on_before_optimizer_step(self, optimizer):
        # The gradients are there, not yet used: log their norms, when there is a logger, on the
        # steps it writes (grad_norm copies each norm to the CPU: on a GPU, a wait).
        if self.logger and (self.global_step + 1) % self.trainer.log_every_n_steps == 0:
            self.log_dict(grad_norm(self, norm_type=2))
# --8<-- [end:models]


# --8<-- [start:fits]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # the core page's choice


def now():
    """Two clocks: the CPU time this process has used, which the figures are made of (other
    programs on a busy machine barely change it), and the wall-clock time. (On a GPU, the GPU's
    work is not CPU time: compare wall-clock times there, on a quiet machine.)"""
    return time.process_time(), time.perf_counter()


def train_one_epoch(model, loader, optimizer):  # the core page's, unchanged
    model.train()
    losses = []
    for x, _ in loader:
        x = x.view(x.size(0), -1).to(device)
        x_hat = model(x)
        loss = F.mse_loss(x_hat, x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()


def validate(model, loader):  # the core page's, unchanged
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            x_hat = model(x)
            losses.append(F.mse_loss(x_hat, x))
    return torch.stack(losses).mean().item()


def fit_pytorch(data, batch_size, epochs, folder):
    """The core page's plain loop, reading the clocks as it starts, as each epoch starts and as
    the last one ends."""
    train_loader, val_loader = loaders(data, batch_size)
    started = now()
    torch.manual_seed(0)
    model = AutoEncoder().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch_starts, losses = [], []
    for _ in range(epochs):
        epoch_starts.append(now())
        train_loss = train_one_epoch(model, train_loader, optimizer)
        val_loss = validate(model, val_loader)
        losses.append((train_loss, val_loss))
    epochs_end = now()
    torch.save(model.state_dict(), Path(folder, "autoencoder_pytorch.pt"))  # as the core page's script
    return summary(model, losses, epochs, started, epoch_starts[0], epochs_end, now())


class Clock(pl.Callback):
    """Reads the clocks where fit_pytorch reads them: as each epoch starts and as the last one ends."""

    def __init__(self):
        self.epoch_starts, self.epochs_end = [], None

    def on_train_epoch_start(self, trainer, pl_module):
        self.epoch_starts.append(now())

    def on_train_end(self, trainer, pl_module):
        self.epochs_end = now()


def fit_lightning(data, batch_size, epochs, folder, shift=0.0, **trainer_options):
    """The core page's Trainer; with no ``trainer_options``, exactly what the page teaches.
    ``shift`` is added to the first layer's weights before training (a deliberately different model)."""
    train_loader, val_loader = loaders(data, batch_size)
    started = now()
    pl.seed_everything(0, verbose=False)
    model = LitAutoEncoder()
    if shift:
        with torch.no_grad():
            model.encoder[0].weight += shift
    clock = Clock()
    trainer = pl.Trainer(max_epochs=epochs, accelerator="auto", devices=1, callbacks=[clock],
                         default_root_dir=folder, **trainer_options)
    trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
    return summary(model, model.losses, epochs, started, clock.epoch_starts[0], clock.epochs_end, now())


def summary(model, losses, epochs, started, first_epoch, epochs_end, finished):
    """A fit's CPU time per epoch and outside the epochs (set-up before them, wind-down after),
    its wall-clock time per epoch, and its final losses and weights."""
    (cpu0, _), (cpu1, wall1), (cpu2, wall2), (cpu3, _) = started, first_epoch, epochs_end, finished
    return {
        "epoch_s": (cpu2 - cpu1) / epochs,
        "fixed_s": (cpu1 - cpu0) + (cpu3 - cpu2),
        "wall_epoch_s": (wall2 - wall1) / epochs,
        "losses": losses[-1] if losses else None,
        "weights": torch.cat([p.detach().flatten() for p in model.parameters()]),
    }


@contextmanager
def quietly(log):
    """Send everything a fit prints (progress bar, Lightning's messages) to a file, as a CI log."""
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(log.fileno(), 1), os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush(), sys.stderr.flush()
        os.dup2(saved[0], 1), os.dup2(saved[1], 2)
        os.close(saved[0]), os.close(saved[1])


def fit(name, batch_size, data, epochs, log, shift=0.0):
    """One fit of configuration ``name``, in a folder of its own that is deleted afterwards."""
    options = CONFIGURATIONS[name][1]
    with tempfile.TemporaryDirectory() as folder, quietly(log):
        if options is None:
            return fit_pytorch(data, batch_size, epochs, folder)
        return fit_lightning(data, batch_size, epochs, folder, shift=shift, **options)
# --8<-- [end:fits]


# --8<-- [start:same-training]
def agreement(run, reference):
    """How far a fit ended from the reference: its final losses (None when it logged none: barebones)
    and its weights (the largest difference between two matching weights)."""
    loss_diff = None
    if run["losses"] is not None:
        loss_diff = max(abs(a - b) for a, b in zip(run["losses"], reference["losses"]))
    return {"loss_diff": loss_diff, "losses_agree": loss_diff is not None and loss_diff < 5e-6,
            "max_weight_diff": (run["weights"] - reference["weights"]).abs().max().item()}


def largest(agreements):
    """The largest differences from the reference in several fits of one configuration."""
    logged = [found for found in agreements if found["loss_diff"] is not None]
    return {"losses_agree": all(found["losses_agree"] for found in logged) if logged else None,
            "max_loss_diff": max((found["loss_diff"] for found in logged), default=None),
            "max_weight_diff": max(found["max_weight_diff"] for found in agreements)}


def controls(data, epochs, log):
    """A check that always says "same" proves nothing: Lightning models whose first layer starts
    shifted, a little and very little, must come out different from the plain loop's."""
    reference = fit(PLAIN, 32, data, epochs, log)
    return {f"{shift:g}": agreement(fit(TAUGHT, 32, data, epochs, log, shift=shift), reference)
            for shift in (1e-3, 1e-5)}
# --8<-- [end:same-training]


# --8<-- [start:rounds]
def measure(data, rounds, epochs, log):
    """Interleaved rounds. Each round fits every configuration at batch size 32, and the plain
    loop, the Trainer as taught and barebones at every other batch size, once each: in blocks of
    the fits that are compared with each other (one block per batch size), the blocks and the
    fits in each block in a new random order every round. A slow moment of the machine falls on
    a different fit each round, and the fits compared with each other run close together.
    Returns each fit's times, round by round, and the largest difference any Lightning fit
    showed from the plain loop's fit of its round and batch size."""
    blocks = [[(name, 32) for name in CONFIGURATIONS]]
    blocks += [[(name, size) for name in ALONG_THE_BATCH_SIZES] for size in BATCH_SIZES[1:]]
    shuffle = random.Random(0)
    times = {f: {"epoch_s": [], "fixed_s": [], "wall_epoch_s": []} for block in blocks for f in block}
    agreements = {f: [] for f in times if f[0] != PLAIN}
    for round_ in range(rounds):
        results = {}
        for block in shuffle.sample(blocks, len(blocks)):
            for name, size in shuffle.sample(block, len(block)):
                results[name, size] = fit(name, size, data, epochs, log)
                for key, found in times[name, size].items():
                    found.append(results[name, size][key])
        for (name, size), found in agreements.items():
            found.append(agreement(results[name, size], results[PLAIN, size]))
        print(f"round {round_ + 1} of {rounds} done", flush=True)
    return times, {f: largest(found) for f, found in agreements.items()}
# --8<-- [end:rounds]


# --8<-- [start:statistics]
def coverage(n, k):
    """The probability that the k-th smallest and the k-th largest of n values enclose the true
    median: each value falls below it with even odds, so the count below it is binomial."""
    return 1 - 2 * sum(math.comb(n, below) for below in range(k)) / 2**n


def interval(values):
    """The median of ``values``, and an interval that holds the true median with a probability of
    at least CONFIDENCE, assuming nothing about how the values are spread (the sign test's): from
    the k-th smallest value to the k-th largest, for the largest k that keeps that probability.
    With fewer than 6 values no k does, and the interval is their whole range."""
    ordered, k = sorted(values), 1
    while k < len(values) // 2 and coverage(len(values), k + 1) >= CONFIDENCE:
        k += 1
    return {"median": statistics.median(ordered), "low": ordered[k - 1], "high": ordered[-k],
            "confidence": coverage(len(values), k)}


def measured(values):
    """``interval(values)``, and whether it is a measurable difference from zero: whether the
    interval leaves out zero (with fewer than 6 rounds no interval is sure enough, and nothing is)."""
    found = interval(values)
    outside = found["low"] > 0 or found["high"] < 0
    return {**found, "measurable": outside and found["confidence"] >= CONFIDENCE}


def difference(a, b):
    """a - b, round by round."""
    return measured([x - y for x, y in zip(a, b)])


def against_plain(times, name, steps):
    """Configuration ``name`` against the plain loop, round by round. At each batch size: the ratio
    of their times per epoch, and Lightning's extra time per epoch. Over the batch sizes: how that
    extra time splits into a part per training step and a part per epoch, as the slope and the
    intercept of a straight line through extra time against training steps per epoch."""
    def per_epoch(loop, size):
        return times[loop, size]["epoch_s"]

    extra = [[a - b for a, b in zip(per_epoch(name, size), per_epoch(PLAIN, size))] for size in BATCH_SIZES]
    lines = [statistics.linear_regression(steps, round_) for round_ in zip(*extra)]
    return {
        "ratio": [interval([a / b for a, b in zip(per_epoch(name, size), per_epoch(PLAIN, size))])
                  for size in BATCH_SIZES],
        "extra_epoch_s": [measured(found) for found in extra],
        "per_step_s": measured([line.slope for line in lines]),
        "per_epoch_s": measured([line.intercept for line in lines]),
    }


def analyse(times, data):
    """Every comparison the page shows, from the times of every fit, round by round."""
    steps = [len(loaders(data, size)[0]) for size in BATCH_SIZES]  # training steps per epoch
    return {
        "steps": steps,
        "epoch_s": {name: [statistics.median(times[name, size]["epoch_s"]) for size in BATCH_SIZES]
                    for name in ALONG_THE_BATCH_SIZES},
        "fixed_s": {name: statistics.median(times[name, 32]["fixed_s"]) for name in CONFIGURATIONS},
        "against_plain": {name: against_plain(times, name, steps) for name in ALONG_THE_BATCH_SIZES[1:]},
        # Each change to the Trainer, against the Trainer as taught: its time per epoch.
        "knobs": {name: difference(times[name, 32]["epoch_s"], times[TAUGHT, 32]["epoch_s"])
                  for name in list(CONFIGURATIONS)[2:]},
    }
# --8<-- [end:statistics]


# --8<-- [start:machine]
def machine(load_before, times):
    """Where it ran, and how busy it was: the load average (which counts this benchmark too), and
    the wall-clock time the epochs took for each second of CPU time they used (1.0: never waited)."""
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").exists():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()  # not on macOS
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable,
            "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "wall_per_cpu_s": sum(sum(t["wall_epoch_s"]) for t in times.values())
            / sum(sum(t["epoch_s"]) for t in times.values()),
            "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
            "torch": torch.__version__, "lightning": pl.__version__}
# --8<-- [end:machine]


# --8<-- [start:main]
def main():
    parser = argparse.ArgumentParser(description="Lightning vs PyTorch on the core page's model")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds (default 6)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per fit (default 1)")
    parser.add_argument("--quick", action="store_true", help="2 rounds on 384 digits: checks, not figures")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 2
    torch.set_num_threads(1)  # as the site's build runs every script
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    data = core_page_data(args.quick)

    with tempfile.TemporaryFile("w") as log:
        # The first fit of each loop in a process also pays one-time costs (lazy imports, caches): kept apart.
        first = {name: fit(name, 32, data, args.epochs, log)["fixed_s"] for name in (PLAIN, TAUGHT)}
        times, differences = measure(data, args.rounds, args.epochs, log)
        checks = controls(data, args.epochs, log)

    report = {
        "machine": machine(load_before, times),
        "settings": {"quick": args.quick, "rounds": args.rounds, "epochs": args.epochs,
                     "train_samples": len(data[0]), "val_samples": len(data[1]), "batch_sizes": BATCH_SIZES,
                     "seconds": time.perf_counter() - started},
        "names": {"plain": PLAIN, "taught": TAUGHT, "barebones": BAREBONES},
        "configurations": {name: {"description": description, "trainer_options": options}
                           for name, (description, options) in CONFIGURATIONS.items()},
        **analyse(times, data),
        "first_fit_fixed_s": first,
        "same_training": {f"{name}, batch size {size}": found for (name, size), found in differences.items()},
        "controls": checks,
        "times": {f"{name}, batch size {size}": found for (name, size), found in times.items()},
    }
    Path("parity.json").write_text(json.dumps(report, indent=1))
    print_summary(report)


def print_summary(report):
    m, s = report["machine"], report["settings"]
    print(f"{m['cpu']}, {m['cores']} cores, {m['torch_threads']} torch thread; load average "
          f"{m['load_before']:.1f} before, {m['load_after']:.1f} after; {s['rounds']} rounds in {s['seconds']:.0f} s, "
          f"{m['wall_per_cpu_s']:.2f} s of wall-clock time per CPU second")
    print("time per epoch: the plain loop, then Lightning's × the plain loop (median of the rounds)")
    print(f"{'batch size':>10}{'steps':>7}{'plain loop':>12}{TAUGHT:>19}{BAREBONES:>11}")
    for i, size in enumerate(s["batch_sizes"]):
        ratios = [report["against_plain"][name]["ratio"][i]["median"] for name in (TAUGHT, BAREBONES)]
        print(f"{size:>10}{report['steps'][i]:>7}{report['epoch_s'][PLAIN][i] * 1000:>9.0f} ms"
              f"{ratios[0]:>18.2f}×{ratios[1]:>10.2f}×")
    def said(found):
        return f"{found['median'] * 1000:+.2f} ms" if found["measurable"] else "no measurable time"

    for name, found in report["against_plain"].items():
        print(f"{name}: {said(found['per_step_s'])} per training step, {said(found['per_epoch_s'])} per epoch")
    knobs = report["knobs"]
    print(f"each change against the {TAUGHT}, per epoch ({knobs[BAREBONES]['confidence']:.0%} interval):")
    for name, d in knobs.items():
        difference = f"{d['median'] * 1000:+.1f} ms" if d["measurable"] else "no measurable difference"
        print(f"  {name:<18}{difference:<26}({d['low'] * 1000:+.1f} to {d['high'] * 1000:+.1f} ms)")
    worst = max(found["max_weight_diff"] for found in report["same_training"].values())
    print(f"largest weight difference of any Lightning fit from the plain loop's: {worst:.1e}")
    for shift, control in report["controls"].items():
        print(f"control, first layer shifted by {shift}: final losses "
              f"{'agree' if control['losses_agree'] else 'differ'} (by {control['loss_diff']:.1e}), "
              f"weights differ by up to {control['max_weight_diff']:.1e}")


if __name__ == "__main__":
    main()
# --8<-- [end:main]
