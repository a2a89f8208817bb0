"""On PYTHONPATH, this makes every interpreter start processes by spawning, as on macOS and
Windows (tests/test_spawn.py): Python imports ``sitecustomize`` when it starts, before the script."""

import multiprocessing

multiprocessing.set_start_method("spawn", force=True)
