"""Lighthouse scores of the built site on a phone: every page of the nav, served compressed.

    .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--fail-under 95] [--pages parity ...]
                                              [--reports DIR] [--details]

`make lighthouse` builds the site, installs Lighthouse (benchmarks/lighthouse/package.json, an
npm folder of its own, so that `make test`'s `npm ci` never installs it) and runs this.

- The site (site/) is served on 127.0.0.1 from a thread of this process, with gzip on text
  types and a 10-minute Cache-Control, as GitHub Pages serves it (snippet_runner/static_site.py);
  it stops when this script ends, however it ends.
- Lighthouse runs with its defaults: the mobile form factor (a Moto G Power-sized screen) and
  simulated throttling (slow 4G, a 4x slower CPU), in Debian's Chromium (CHROME_PATH,
  headless); no tool downloads a browser.
- Each page is measured --runs times, the runs interleaved (page 1, 2, ... then again) so that
  a busy moment of the machine spreads over all pages; the table shows the median of each
  figure. Total Blocking Time is the main-thread work of the page's own CPU time multiplied by
  the throttling, so a busy machine raises it: the load average is printed with the table.

Exit status: 1 (naming the page) when Lighthouse fails on a page or returns no score; 3 when
--fail-under is given and a median score is under it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pages import nav_pages
from snippet_runner.static_site import serve

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "site"
LIGHTHOUSE = REPO / "benchmarks" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"  # --no-sandbox: run as root
CATEGORIES = {"performance": "perf", "accessibility": "a11y", "best-practices": "bp", "seo": "seo"}
RUN_TIMEOUT = 300  # seconds for one Lighthouse run


def page_urls() -> list[tuple[str, str]]:
    """(slug, URL path) of every page of the nav, in order: ("index", ""), ("parity", "parity/")."""
    return [(slug, "" if slug == "index" else slug + "/") for slug in nav_pages()]


def lighthouse(url: str, name: str, report: Path) -> dict:
    """One Lighthouse run of ``url`` (mobile, simulated throttling); its JSON report, parsed."""
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        "--only-categories=" + ",".join(CATEGORIES),
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        sys.exit(f"Lighthouse failed on page {name!r} ({url}): no result after {RUN_TIMEOUT} s")
    if result.returncode != 0 or not report.is_file():
        sys.exit(
            f"Lighthouse failed on page {name!r} ({url}), exit status {result.returncode}:\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    data = json.loads(report.read_text())
    problem = data.get("runtimeError", {}).get("message")
    missing = [key for key in CATEGORIES if data["categories"].get(key, {}).get("score") is None]
    if problem or missing:
        sys.exit(f"Lighthouse failed on page {name!r} ({url}): {problem or 'no score for ' + ', '.join(missing)}")
    return data


def figures(data: dict) -> dict[str, float]:
    """The figures of one run the table shows: the four scores, and the metrics behind performance."""
    audits = data["audits"]
    row = {short: round(data["categories"][key]["score"] * 100) for key, short in CATEGORIES.items()}
    row["FCP s"] = audits["first-contentful-paint"]["numericValue"] / 1000
    row["LCP s"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    row["TBT ms"] = audits["total-blocking-time"]["numericValue"]
    row["CLS"] = audits["cumulative-layout-shift"]["numericValue"]
    row["SI s"] = audits["speed-index"]["numericValue"] / 1000
    row["main s"] = audits["mainthread-work-breakdown"]["numericValue"] / 1000
    row["DOM"] = audits["dom-size"]["numericValue"] if "dom-size" in audits else float("nan")
    return row


FORMATS = {"CLS": "{:.3f}", "FCP s": "{:.1f}", "LCP s": "{:.1f}", "SI s": "{:.1f}", "main s": "{:.1f}"}


def table(rows: dict[str, dict[str, float]]) -> str:
    columns = list(next(iter(rows.values())))
    width = max(len(name) for name in rows)
    lines = [f"{'page':<{width}}  " + "  ".join(f"{c:>6}" for c in columns)]
    for name, row in rows.items():
        cells = [FORMATS.get(c, "{:.0f}").format(row[c]) for c in columns]
        lines.append(f"{name:<{width}}  " + "  ".join(f"{cell:>6}" for cell in cells))
    return "\n".join(lines)


def short_url(url: str) -> str:
    """A script's file name, or a page's path: ".../bundle.f1a2.min.js", ".../parity/" -> "parity/"."""
    parts = url.split("/", 3)
    return url.rsplit("/", 1)[-1] or (parts[3] if len(parts) > 3 else url) or "/"


def details(name: str, data: dict) -> str:
    """Where the main thread's time went on one run (simulated slow CPU): by kind, by script, long tasks."""
    audits = data["audits"]
    out = [f"--- {name}: main thread {audits['mainthread-work-breakdown']['displayValue']}"]
    for item in audits["mainthread-work-breakdown"]["details"]["items"][:6]:
        out.append(f"    {item['groupLabel']:<28} {item['duration']:7.0f} ms")
    out.append("  by script (total / script evaluation / parse+compile):")
    for item in audits["bootup-time"]["details"]["items"][:6]:
        out.append(
            f"    {short_url(item['url'])[:40]:<40} {item['total']:6.0f} {item['scripting']:6.0f} "
            f"{item['scriptParseCompile']:6.0f} ms"
        )
    tasks = audits.get("long-tasks", {}).get("details", {}).get("items", [])
    if tasks:
        out.append("  long tasks (start, duration, from):")
        for task in tasks[:8]:
            out.append(f"    {task['startTime']:7.0f} {task['duration']:6.0f} ms  {short_url(task['url'])[:50]}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the table shows medians (default 3)")
    parser.add_argument("--pages", nargs="+", metavar="PAGE", help="only these pages (index, parity, ...)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default site/, from make build)")
    parser.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 3 when a median score is under this")
    parser.add_argument("--reports", type=Path, metavar="DIR", help="keep every run's JSON report here")
    parser.add_argument("--details", action="store_true", help="print where the main thread's time went")
    args = parser.parse_args()

    for needed, hint in (
        (LIGHTHOUSE, "`make lighthouse` installs it (npm ci in benchmarks/lighthouse)"),
        (Path(CHROMIUM), "`make browser-setup` installs Debian's chromium"),
        (args.site / "index.html", "build the site first: `make build`"),
    ):
        if not needed.exists():
            sys.exit(f"{needed} is missing: {hint}")
    pages = page_urls()
    if args.pages:
        unknown = set(args.pages) - {name for name, _ in pages}
        if unknown:
            sys.exit(f"not in the nav: {', '.join(sorted(unknown))}")
        pages = [page for page in pages if page[0] in args.pages]

    reports = args.reports or Path(tempfile.mkdtemp(prefix="lighthouse-"))
    reports.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {name: [] for name, _ in pages}
    load_before = os.getloadavg()
    started = time.perf_counter()
    try:
        with serve(args.site) as base:
            for run in range(1, args.runs + 1):
                for name, path in pages:
                    report = reports / f"{name.replace('/', '_')}-{run}.json"
                    runs[name].append(lighthouse(base + path, name, report))
                    print(
                        f"run {run}/{args.runs} {name}: {figures(runs[name][-1])['perf']}", file=sys.stderr, flush=True
                    )
    finally:
        if args.reports is None:
            shutil.rmtree(reports, ignore_errors=True)
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()

    rows = {}
    for name, datas in runs.items():
        each = [figures(data) for data in datas]
        rows[name] = {key: statistics.median(row[key] for row in each) for key in each[0]}
    version = next(iter(runs.values()))[0]["lighthouseVersion"]
    print(
        f"Lighthouse {version}, mobile, simulated throttling; median of {args.runs} run(s) per page; "
        f"{len(pages) * args.runs} runs in {seconds:.0f} s"
    )
    print(
        f"load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; {os.cpu_count()} CPUs"
    )
    print(table(rows))
    if args.details:
        for name, datas in runs.items():
            median_run = sorted(datas, key=lambda d: d["audits"]["total-blocking-time"]["numericValue"])[
                len(datas) // 2
            ]
            print(details(name, median_run))
    if args.fail_under is not None:
        under = [
            f"{name}: {short} {row[short]:.0f}"
            for name, row in rows.items()
            for short in CATEGORIES.values()
            if row[short] < args.fail_under
        ]
        if under:
            print(f"under {args.fail_under:g}: " + "; ".join(under), file=sys.stderr)
            sys.exit(3)


if __name__ == "__main__":
    main()
