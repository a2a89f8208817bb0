# --8<-- [start:usage]
"""Lightning vs PyTorch, measured: the core page's auto-encoder, plain loop against Trainer.

    python snippets/parity/benchmark.py           # the whole benchmark: 2-3 minutes on 2 cores
    python snippets/parity/benchmark.py --quick   # everything once, 1 epoch on 384 digits (tests)

Run it from a folder that holds data/MNIST (the repository root does). It prints a summary
and writes every figure into parity.json in the working directory.
"""
# --8<-- [end:usage]

# --8<-- [start:imports]
import argparse
import collections
import contextlib
import cProfile
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]

# --8<-- [start:options]
parser = argparse.ArgumentParser(description="Lightning vs PyTorch on the core page's model")
parser.add_argument("--quick", action="store_true", help="all once, 1 epoch on 384 digits")
parser.add_argument("--runs", type=int, default=5, help="timed runs of each configuration")
parser.add_argument("--epochs", type=int, default=5, help="epochs per run (the core page's 5)")
args = parser.parse_args()
if args.quick:
    args.runs, args.epochs = 1, 1
torch.set_num_threads(1)  # as the site's build runs every script (a knob below measures 2)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # the core page's choice
CORE_SCRIPTS = Path(__file__).resolve().parent.parent / "from-pytorch-to-lightning"
# --8<-- [end:options]

# --8<-- [start:data]
# The core page's data: 3,200 training and 800 validation digits, same split, same order.
dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
train_set, val_set = random_split(dataset, [3200, 800], generator=torch.Generator().manual_seed(0))
if args.quick:
    train_set, val_set = Subset(train_set, range(384)), Subset(val_set, range(200))


def loaders(workers=0, batch_size=32):
    sampler = DistributedSampler(train_set, num_replicas=1, rank=0, shuffle=True, seed=0)
    return (DataLoader(train_set, batch_size=batch_size, sampler=sampler, num_workers=workers),
            DataLoader(val_set, batch_size=200, num_workers=workers))
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
        self.losses = []  # (train loss, validation loss) of each epoch

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

    def on_train_epoch_end(self):  # the core page prints these; here they are kept
        metrics = self.trainer.callback_metrics
        self.losses.append((metrics["train_loss_epoch"].item(), metrics["val_loss"].item()))

    def backward(self, loss, *args, **kwargs):
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss is {loss.item()} at step {self.global_step}")
        loss.backward(*args, **kwargs)
# --8<-- [end:models]


# --8<-- [start:pytorch-loop]
def fit_pytorch(epochs, workers=0, batch_size=32):
    """The core page's plain loop, reading the clock as each epoch starts and as training ends."""
    train_loader, val_loader = loaders(workers, batch_size)
    started = time.perf_counter()
    torch.manual_seed(0)
    model = AutoEncoder().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ticks, losses = [], []
    for epoch in range(epochs):
        ticks.append(time.perf_counter())
        train_loader.sampler.set_epoch(epoch)
        model.train()
        train_losses = []
        for x, _ in train_loader:
            x = x.view(x.size(0), -1).to(device)
            loss = F.mse_loss(model(x), x)
            optimizer.zero_grad()
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss is {loss.item()}")
            loss.backward()
            optimizer.step()
            train_losses.append(loss.detach())
        model.eval()
        val_losses = []
        with torch.no_grad():
            for x, _ in val_loader:
                x = x.view(x.size(0), -1).to(device)
                val_losses.append(F.mse_loss(model(x), x))
        losses.append((torch.stack(train_losses).mean().item(),
                       torch.stack(val_losses).mean().item()))
    ticks.append(time.perf_counter())
    torch.save(model.state_dict(), os.path.join(TRAINER_FILES, "autoencoder_pytorch.pt"))  # as the core script does
    return timings(model, losses, started, ticks, finished=time.perf_counter())
# --8<-- [end:pytorch-loop]


# --8<-- [start:lightning-fit]
class Clock(pl.Callback):
    """Reads the clock as the Trainer starts its sanity check and each epoch, and as it ends."""

    def __init__(self):
        self.ticks, self.sanity = [], []

    def on_sanity_check_start(self, trainer, pl_module):
        self.sanity.append(time.perf_counter())

    def on_sanity_check_end(self, trainer, pl_module):
        self.sanity.append(time.perf_counter())

    def on_train_epoch_start(self, trainer, pl_module):
        self.ticks.append(time.perf_counter())

    def on_train_end(self, trainer, pl_module):
        self.ticks.append(time.perf_counter())


def fit_lightning(epochs, workers=0, batch_size=32, perturb=0.0, **trainer_options):
    """The core page's Trainer: with no ``trainer_options`` exactly what the page teaches.
    ``perturb`` shifts the first layer before training (a deliberately different model)."""
    train_loader, val_loader = loaders(workers, batch_size)
    started = time.perf_counter()
    pl.seed_everything(0, verbose=False)
    model = LitAutoEncoder()
    if perturb:
        with torch.no_grad():
            model.encoder[0].weight += perturb
    clock = Clock()
    callbacks = [*trainer_options.pop("callbacks", []), clock]
    trainer = pl.Trainer(max_epochs=epochs, accelerator="auto", devices=1, **trainer_options,
                         callbacks=callbacks, default_root_dir=TRAINER_FILES)
    built = time.perf_counter()
    trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
    result = timings(model, model.losses, started, clock.ticks, finished=time.perf_counter())
    result["trainer_s"] = built - started
    result["sanity_check_s"] = clock.sanity[1] - clock.sanity[0] if clock.sanity else 0.0
    return result
# --8<-- [end:lightning-fit]


# --8<-- [start:timings]
def timings(model, losses, started, ticks, finished):
    """A run's wall-clock time: set-up, each epoch (train, validate, all around them), finish."""
    return {
        "setup_s": ticks[0] - started,
        "epochs_s": [end - start for start, end in zip(ticks, ticks[1:])],
        "finish_s": finished - ticks[-1],
        "train_loss": losses[-1][0],
        "val_loss": losses[-1][1],
        "weights": torch.cat([p.detach().flatten() for p in model.parameters()]),
    }


def agreement(run, reference):
    """Same final losses to 5 decimals? (The weights are compared too, to say how close.)"""
    loss_diff = max(abs(run["train_loss"] - reference["train_loss"]),
                    abs(run["val_loss"] - reference["val_loss"]))
    return {"losses_agree": loss_diff < 5e-6, "loss_diff": loss_diff,
            "max_weight_diff": (run["weights"] - reference["weights"]).abs().max().item()}
# --8<-- [end:timings]


# --8<-- [start:configurations]
# The Trainer's knobs, each measured against the same plain-loop runs. "site" is what the
# core page teaches: Trainer(max_epochs=5, accelerator="auto", devices=1) and its defaults.
BARE = dict(enable_progress_bar=False, enable_model_summary=False, logger=False,
            enable_checkpointing=False)
TRAINER_KNOBS = {
    "site": {},
    "progress bar every 10 steps": {"callbacks": [pl.callbacks.TQDMProgressBar(refresh_rate=10)]},
    "no progress bar": {"enable_progress_bar": False},
    "no model summary": {"enable_model_summary": False},
    "log every step": {"log_every_n_steps": 1},
    "no logger": {"logger": False},
    "no checkpointing": {"enable_checkpointing": False},
    "bare: all four off": BARE,
}
# Knobs that change both loops, each measured as its own pairs of runs, A B A B, of one epoch:
# on a small, busy machine two torch threads can make every step many times slower.
BOTH_LOOPS = {"2 DataLoader workers": {"workers": 2}, "2 torch threads": {"threads": 2},
              "batch size 128": {"batch_size": 128}, "batch size 400": {"batch_size": 400}}
# --8<-- [end:configurations]


# --8<-- [start:measure]
# The Trainers' logs and checkpoints go to a scratch folder of the benchmark's own, emptied
# after every run: nothing of the reader's is touched.
TRAINER_FILES = tempfile.mkdtemp(prefix="parity-trainer-files-")


@contextlib.contextmanager
def to_log(path="runs.log"):
    """Send all a run prints (progress bars, Lightning's messages) to a file, as a CI log."""
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a") as log:
        os.dup2(log.fileno(), 1), os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])


def one_run(fit, epochs, threads=1, **options):
    torch.set_num_threads(threads)
    try:
        with to_log():
            return fit(epochs, **options)
    finally:
        torch.set_num_threads(1)
        shutil.rmtree(TRAINER_FILES, ignore_errors=True)
        os.makedirs(TRAINER_FILES)


def record(runs, name, result, reference):
    kept = {key: value for key, value in result.items() if key != "weights"}
    runs.setdefault(name, []).append({**kept, **agreement(result, reference)})


runs = {}
load_before = os.getloadavg()
# Warm-up: a loop's first run pays one-time costs (lazy imports, file cache): kept apart.
first_runs = {"pytorch": one_run(fit_pytorch, args.epochs),
              "site": one_run(fit_lightning, args.epochs)}
reference = first_runs["pytorch"]
for round_ in range(args.runs):  # A B C … A B C …: each configuration meets the same load
    record(runs, "pytorch", one_run(fit_pytorch, args.epochs), reference)
    for name, options in TRAINER_KNOBS.items():
        record(runs, name, one_run(fit_lightning, args.epochs, **options), reference)
    print(f"round {round_ + 1} of {args.runs} done", flush=True)

pair_runs = min(args.runs, 2)
for knob, options in BOTH_LOOPS.items():
    for round_ in range(pair_runs):
        plain = one_run(fit_pytorch, 1, **options)
        record(runs, f"pytorch, {knob}", plain, plain)
        record(runs, f"site, {knob}", one_run(fit_lightning, 1, **options), plain)
    print(f"{knob}: done", flush=True)

# Controls: a check that always says "same" proves nothing. These Lightning models start with
# the first layer shifted, a little and very little; the check must see a difference.
controls = {f"{shift:g}": agreement(one_run(fit_lightning, args.epochs, perturb=shift), reference)
            for shift in (1e-3, 1e-5)}
# --8<-- [end:measure]

# --8<-- [start:start-up]
# Start-up and memory, each in a fresh process. Memory is the peak resident set size: the
# most RAM the process held at once. The child reads it itself (Linux: VmHWM), because a
# child's ru_maxrss seen from the parent also counts the parent's memory when it started it.
PEAK = """
import json, resource, sys, time
def peak_mib():
    try:
        with open("/proc/self/status") as status:
            return int(status.read().split("VmHWM:")[1].split()[0]) / 1024
    except OSError:  # not Linux: getrusage's figure (in bytes on macOS, KiB elsewhere)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 1024)
"""
IMPORTS = PEAK + """
start = time.perf_counter()
import torch, torchvision
torch_s, torch_mib = time.perf_counter() - start, peak_mib()
import pytorch_lightning
print(json.dumps({"torch_s": torch_s, "torch_mib": torch_mib, "lightning_mib": peak_mib(),
                  "lightning_s": time.perf_counter() - start - torch_s}))
"""
SCRIPT = PEAK + """
import atexit, runpy
atexit.register(lambda: print(json.dumps({"peak_mib": peak_mib()}), file=sys.stderr))
runpy.run_path(sys.argv[1], run_name="__main__")  # the script, as `python script.py` runs it
"""
env = {**os.environ, "OMP_NUM_THREADS": "1"}
imports = [json.loads(subprocess.run([sys.executable, "-c", IMPORTS], env=env, check=True,
                                     capture_output=True, text=True).stdout)
           for _ in range(1 if args.quick else 3)]


def run_script(script):
    """One of the core page's scripts, start to finish in a fresh process: time, peak memory."""
    with tempfile.TemporaryDirectory() as scratch:
        os.symlink(Path("data").resolve(), Path(scratch, "data"))
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", SCRIPT, script], cwd=scratch, env=env,
                               text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{child.stderr[-3000:]}")
    return {"wall_s": seconds, **json.loads(child.stderr.strip().splitlines()[-1])}


scripts = {name: run_script(CORE_SCRIPTS / name)
           for name in ("train_pytorch.py", "train_lightning.py")}
# --8<-- [end:start-up]

# --8<-- [start:profile]
# What the time goes to: one run of each loop under cProfile (set-up included, divided by the
# epochs). A function's own time goes to the library its code is in; time in Python's built-ins
# and standard library goes to whoever called them (the isinstance checks and context managers
# around Lightning's hooks count as Lightning's). The profiler slows Python code more than
# torch's C++, so it over-weights the Python parts: read it as a split, not as timings.
GROUPS = {
    "progress bar": ("/tqdm/", "/callbacks/progress/"),
    "logging": ("/logger_connector/", "/loggers/", "/tensorboard", "/google/protobuf/"),
    "checkpointing": ("/model_checkpoint.py", "/checkpoint_connector.py", "/serialization.py",
                      "/cloud_io.py", "/fsspec/"),
    "Lightning's loop": ("/pytorch_lightning/", "/lightning_fabric/", "/lightning_utilities/",
                         "/torchmetrics/"),
    "data loading": ("/torchvision/", "/PIL/", "/torch/utils/data/", "/numpy/"),
    "torch": ("/torch/", "torch."),
    "this script": (__file__,),
}


def owner(function):
    """The group a function's code belongs to; None for built-ins and the standard library."""
    file, _, name = function
    where = name if file == "~" else file  # a built-in has only a name: <built-in method torch.…>
    for group, markers in GROUPS.items():
        if any(marker in where for marker in markers):
            return group
    return "other" if "-packages" in file else None


def profile(fit):
    """Seconds per epoch charged to each group, and to each function that pays its group's."""
    profiler = cProfile.Profile()
    with to_log():
        profiler.runcall(fit, args.epochs)
    shutil.rmtree(TRAINER_FILES, ignore_errors=True)
    os.makedirs(TRAINER_FILES)
    stats = pstats.Stats(profiler).stats  # function: (calls, calls, own time, total, callers)
    payers = {}

    def pay(function, path=()):
        """Who pays a function's own time: itself if it has a group, else its callers, pro rata."""
        if function not in payers:
            callers = {caller: edge[2] for caller, edge in stats[function][4].items()
                       if caller in stats and caller not in path}
            if owner(function) or not callers:
                payers[function] = {function: 1.0}
            else:
                total = sum(callers.values())
                payers[function] = collections.Counter()
                for caller, own_time in callers.items():
                    share = own_time / total if total else 1 / len(callers)
                    for payer, part in pay(caller, (*path, function)).items():
                        payers[function][payer] += part * share
        return payers[function]

    charged = collections.Counter()
    for function, (_, _, own_time, _, _) in stats.items():
        for payer, part in pay(function).items():
            charged[payer] += own_time * part / args.epochs
    seconds = dict.fromkeys([*GROUPS, "other"], 0.0)
    for function, spent in charged.items():
        seconds[owner(function) or "other"] += spent
    loop = [(f"{file.split('-packages/')[-1]}:{name}", spent)  # pytorch_lightning/…/call.py:…
            for (file, line, name), spent in charged.most_common()
            if owner((file, line, name)) == "Lightning's loop"]
    return seconds, loop


(plain_profile, _), (site_profile, lightning_functions) = map(profile, (fit_pytorch, fit_lightning))
profiles = {"pytorch": plain_profile, "site": site_profile}
load_after = os.getloadavg()
# --8<-- [end:profile]


# --8<-- [start:report]
def quartiles(values):
    """First quartile, median, third quartile."""
    if len(values) == 1:
        return values * 3
    return tuple(statistics.quantiles(values, n=4, method="inclusive"))


def configuration(name, results):
    epochs = [s for r in results for s in r["epochs_s"]]  # every epoch of every run
    q1, median, q3 = quartiles(epochs)
    row = {"epoch_s": median, "epoch_q1_s": q1, "epoch_q3_s": q3, "epochs_measured": len(epochs),
           "baseline": "pytorch" if name in TRAINER_KNOBS else name.replace("site", "pytorch"),
           "losses_agree": all(r["losses_agree"] for r in results),
           "train_loss": results[-1]["train_loss"], "val_loss": results[-1]["val_loss"]}
    for key in ("loss_diff", "max_weight_diff"):
        row[key] = max(r[key] for r in results)
    for key in ("setup_s", "finish_s", "trainer_s", "sanity_check_s"):
        if key in results[0]:
            row[key] = statistics.median(r[key] for r in results)
    return row


def cpu_model():
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


configs = {name: configuration(name, results) for name, results in runs.items()}
for row in configs.values():
    row["ratio"] = row["epoch_s"] / configs[row["baseline"]]["epoch_s"]
report = {
    "machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                "usable_cores": len(os.sched_getaffinity(0)),
                "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
                "load_before": load_before, "load_after": load_after,
                "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
                "torch": torch.__version__, "lightning": pl.__version__},
    "settings": {"quick": args.quick, "runs": args.runs, "epochs": args.epochs,
                 "pair_runs": pair_runs, "pair_epochs": 1, "train_samples": len(train_set),
                 "steps_per_epoch": len(loaders()[0]), "val_steps_per_epoch": len(loaders()[1])},
    "configs": configs,
    "controls": controls,
    "imports": {key: statistics.median(i[key] for i in imports) for key in imports[0]},
    "first_runs": {name: {"setup_s": r["setup_s"], "trainer_s": r.get("trainer_s")}
                   for name, r in first_runs.items()},
    "scripts": scripts,
    "profile": profiles,
    "lightning_functions": lightning_functions[:8],  # where the loop's own time goes, most first
    "goal_ratio": 1.10,
}
Path("parity.json").write_text(json.dumps(report, indent=1))
Path("runs.log").unlink(missing_ok=True)

machine = report["machine"]
print(f"\n{machine['cpu']}, {machine['cores']} cores, 1 torch thread; "
      f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
print(f"{'configuration':<32}{'s/epoch':>8}{'× PyTorch':>10}{'set-up s':>9}  same losses |Δw|")
for name, row in configs.items():
    same = "yes" if row["losses_agree"] else "NO"
    print(f"{name:<32}{row['epoch_s']:>8.3f}{row['ratio']:>10.2f}{row['setup_s']:>9.2f}  "
          f"{same:<4}{row['max_weight_diff']:.1e}")
print(f"imports: torch + torchvision {report['imports']['torch_s']:.2f} s, "
      f"then pytorch_lightning {report['imports']['lightning_s']:.2f} s")
for name, script in scripts.items():
    print(f"{name}: {script['wall_s']:.1f} s start to finish, "
          f"peak memory {script['peak_mib']:.0f} MiB")
for shift, control in controls.items():
    said = "agree" if control["losses_agree"] else "differ"
    print(f"control, first layer shifted by {shift}: final losses {said} "
          f"(Δ {control['loss_diff']:.1e}), max |Δw| {control['max_weight_diff']:.1e}")
site = configs["site"]
print(f"site configuration: {site['ratio']:.2f}× the plain loop per epoch "
      f"(goal ≤ {report['goal_ratio']:.2f}×); final losses "
      f"{'agree' if site['losses_agree'] else 'DIFFER'} to 5 decimals")
shutil.rmtree(TRAINER_FILES, ignore_errors=True)
# --8<-- [end:report]
