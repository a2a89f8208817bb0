"""The Installation page (docs/installation.md): its one run."""

from snippet_runner import Run

check_install = Run("snippets/installation/check_install.py")
