"""The Installation page (docs/installation.md): its runs."""

from snippet_runner import Run

check_install = Run("snippets/installation/check_install.py")
import_names = Run("snippets/installation/import_names.py")

# The page's notebook (snippet_runner/notebooks.py): these scripts, in page order.
NOTEBOOK = [check_install, import_names]
