"""Run a script as if this machine had more CPU cores: Lightning's few-workers warning needs 3 or more.

    python with_cores.py 16 few_workers.py

Lightning counts the cores it may use with os.sched_getaffinity(0) (os.cpu_count() where that is
missing). This script makes both report the number given, then runs the script as __main__.
"""

import os
import runpy
import sys
from pathlib import Path

cores, script = int(sys.argv[1]), Path(__file__).with_name(sys.argv[2])
os.sched_getaffinity = lambda pid: set(range(cores))
os.cpu_count = lambda: cores
sys.argv = [str(script)]
runpy.run_path(str(script), run_name="__main__")
