"""``python -m snippet_runner prune [--days N]``: drop cache entries no build has used for N days."""

from __future__ import annotations

import argparse

from snippet_runner import runner, settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m snippet_runner")
    commands = parser.add_subparsers(dest="command", required=True)
    prune = commands.add_parser("prune", help="drop cache entries that no build has used for a while")
    prune.add_argument("--days", type=float, default=settings.CACHE_KEEP_DAYS, help="default: %(default)s")
    options = parser.parse_args()
    if options.days < 0:
        parser.error("--days must be 0 or more")
    removed = runner.prune(older_than_days=options.days)
    print(f"pruned {len(removed)} cache entries unused for {options.days:g} days from {runner.cache_root().parent}")


if __name__ == "__main__":
    main()
