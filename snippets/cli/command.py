"""How the build runs this page's commands: as a reader does, in one folder with the downloads.

    python snippets/cli/command.py cli_lightning.py fit --config config.yaml

copies cli_lightning.py and the YAML files beside this script into the current folder, then runs
`python cli_lightning.py fit --config config.yaml` there and exits with its exit code.
"""

# --8<-- [start:launch]
import shutil
import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
script, *arguments = sys.argv[1:]
for path in [here / script, *sorted(here.glob("*.yaml"))]:
    shutil.copy(path, path.name)  # the page's downloads, in one folder
sys.exit(subprocess.run([sys.executable, script, *arguments]).returncode)
# --8<-- [end:launch]
