"""The Debugging page (docs/debugging.md): the debugging flags, two real bugs they catch, the
same things by hand in PyTorch, and seeded runs compared weight by weight."""

from snippet_runner import Run

FOLDER = "snippets/debugging"

# In page order. The bug scripts fail on purpose (returncode=1): the page shows their error.
by_hand = Run(f"{FOLDER}/by_hand.py")
fast_dev_run = Run(f"{FOLDER}/fast_dev_run.py")
shape_bug = Run(f"{FOLDER}/shape_bug.py", returncode=1)
shape_bug_no_sanity = Run(f"{FOLDER}/shape_bug.py", args=("--num-sanity-val-steps", "0"), returncode=1)
shape_bug_fast_dev_run = Run(f"{FOLDER}/shape_bug.py", args=("--fast-dev-run",), returncode=1)
limit_batches = Run(f"{FOLDER}/limit_batches.py")
overfit = Run(f"{FOLDER}/overfit.py")
nan_bug = Run(f"{FOLDER}/nan_bug.py")
nan_bug_anomaly = Run(f"{FOLDER}/nan_bug.py", args=("--detect-anomaly",), returncode=1)
profiler = Run(f"{FOLDER}/profiler.py")

# Reproducibility: each script twice, in two processes, each saving its weights under its own name.
repro_pytorch_1 = Run(f"{FOLDER}/repro_pytorch.py", args=("--out", "pytorch_1.pt"))
repro_pytorch_2 = Run(f"{FOLDER}/repro_pytorch.py", args=("--out", "pytorch_2.pt"))
repro_lightning_1 = Run(f"{FOLDER}/repro_lightning.py", args=("--out", "lightning_1.ckpt"))
repro_lightning_2 = Run(f"{FOLDER}/repro_lightning.py", args=("--out", "lightning_2.ckpt"))
no_seed_workers_1 = Run(f"{FOLDER}/repro_lightning.py", args=("--out", "no_seed_workers_1.ckpt", "--no-seed-workers"))
no_seed_workers_2 = Run(f"{FOLDER}/repro_lightning.py", args=("--out", "no_seed_workers_2.ckpt", "--no-seed-workers"))
three_workers = Run(f"{FOLDER}/repro_lightning.py", args=("--out", "three_workers.ckpt", "--num-workers", "3"))
REPRO_RUNS = (
    repro_pytorch_1,
    repro_pytorch_2,
    repro_lightning_1,
    repro_lightning_2,
    no_seed_workers_1,
    no_seed_workers_2,
    three_workers,
)
# Reads the weights of all seven: its folder starts as a copy of theirs.
repro_compare = Run(f"{FOLDER}/repro_compare.py", starts_from=REPRO_RUNS)
# Two CPU processes each, with two DataLoader workers per process.
worker_seeds_unseeded = Run(f"{FOLDER}/worker_seeds.py", args=("--no-seed-workers",), timeout=180)
worker_seeds = Run(f"{FOLDER}/worker_seeds.py", timeout=180)

# The page's notebook (snippet_runner/notebooks.py): a script that stops with an error on purpose
# keeps its error there too (its cells are tagged raises-exception). The profiler's report is
# timings, other on every run; the reproducibility runs compare seven runs' files and start
# worker processes: they stay scripts.
NOTEBOOK = [by_hand, fast_dev_run, shape_bug, limit_batches, overfit, nan_bug]
