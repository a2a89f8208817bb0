# python in_a_notebook.py <cell file> — runs the file (beside this script) as one notebook cell in a fresh
# Jupyter kernel (ipykernel, through nbclient), prints the cell's output, and exits 1 if the cell raised.
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

cell = nbformat.v4.new_code_cell(Path(__file__).with_name(sys.argv[1]).read_text())
notebook = nbformat.v4.new_notebook(cells=[cell])
client = NotebookClient(notebook, kernel_name="python3", timeout=120)
try:
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log; the cell's output comes back in outputs
    raised = False
except CellExecutionError:
    raised = True
for output in cell.outputs:
    if output.output_type == "stream":
        print(output.text, end="")
    elif output.output_type == "error":
        print(f"{output.ename}: {output.evalue}")
sys.exit(1 if raised else 0)
