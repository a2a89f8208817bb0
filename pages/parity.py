"""The parity page (docs/parity.md): its benchmark run, and the figures, tables and verdict drawn
at build from the parity.json the benchmark writes into its working directory::

    from pages import parity
    report = parity.load(parity.benchmark.result())
    print(parity.configurations_table(report))
"""

from __future__ import annotations

import html
import json

from pages import from_pytorch_to_lightning as core
from snippet_runner import Result, Run
from snippet_runner.figures import figure, inline_svg
from snippet_runner.memo import memoized

SCRIPT = "snippets/parity/benchmark.py"
TIMEOUT = 1500  # seconds: about 2-3 minutes on an idle 2-core machine, far more when it is busy
# The benchmark also starts the core page's two scripts (for their memory): an edit to either re-runs it.
benchmark = Run(SCRIPT, uses=(core.train_pytorch.script, core.train_lightning.script), timeout=TIMEOUT)

# What each configuration of the benchmark is, in the page's words (a test checks that every one is here).
DESCRIPTIONS = {
    "pytorch": "the core page's plain PyTorch loop",
    "site": "the core page's `Trainer`, every default on",
    "progress bar every 10 steps": "`TQDMProgressBar(refresh_rate=10)`",
    "no progress bar": "`enable_progress_bar=False`",
    "no model summary": "`enable_model_summary=False`",
    "log every step": "`log_every_n_steps=1` (default 50)",
    "no logger": "`logger=False`",
    "no checkpointing": "`enable_checkpointing=False`",
    "bare: all four off": "no progress bar, summary, logger or checkpoints",
    "pytorch, 2 DataLoader workers": "`num_workers=2`",
    "site, 2 DataLoader workers": "`num_workers=2`",
    "pytorch, 2 torch threads": "`torch.set_num_threads(2)`",
    "site, 2 torch threads": "`torch.set_num_threads(2)`",
    "pytorch, batch size 128": "`batch_size=128`",
    "site, batch size 128": "`batch_size=128`",
    "pytorch, batch size 400": "`batch_size=400`",
    "site, batch size 400": "`batch_size=400`",
}

# Everything the page reads from parity.json; the tests check that the reduced run writes all of it.
CONFIG_FIELDS = (
    "epoch_s",
    "epoch_q1_s",
    "epoch_q3_s",
    "epochs_measured",
    "setup_s",
    "finish_s",
    "ratio",
    "losses_agree",
    "loss_diff",
    "max_weight_diff",
    "train_loss",
    "val_loss",
    "baseline",
)
LIGHTNING_FIELDS = ("trainer_s", "sanity_check_s")
REQUIRED = {
    "machine": (
        "cpu",
        "cores",
        "usable_cores",
        "memory_gib",
        "load_before",
        "load_after",
        "torch_threads",
        "python",
        "torch",
        "lightning",
    ),
    "settings": (
        "quick",
        "runs",
        "epochs",
        "pair_runs",
        "pair_epochs",
        "train_samples",
        "steps_per_epoch",
        "val_steps_per_epoch",
    ),
    "imports": ("torch_s", "lightning_s", "torch_mib", "lightning_mib"),
    "scripts": ("train_pytorch.py", "train_lightning.py"),
    "profile": ("pytorch", "site"),
    "first_runs": ("pytorch", "site"),
    "controls": ("0.001", "1e-05"),
}
KNOB_ORDER = (
    "site",
    "progress bar every 10 steps",
    "no progress bar",
    "no model summary",
    "log every step",
    "no logger",
    "no checkpointing",
    "bare: all four off",
)
PAIRS = ("2 DataLoader workers", "2 torch threads", "batch size 128", "batch size 400")


def load(benchmark_run: Result) -> dict:
    return json.loads((benchmark_run.workdir / "parity.json").read_text())


def missing_fields(report: dict) -> list[str]:
    """The fields the page needs that ``report`` lacks (empty when it has them all)."""
    missing = [key for key in ("goal_ratio", "lightning_functions") if key not in report]
    for section, keys in REQUIRED.items():
        missing += [f"{section}.{key}" for key in keys if key not in report.get(section, {})]
    configs = report.get("configs", {})
    wanted = ["pytorch", *KNOB_ORDER, *(f"{loop}, {pair}" for pair in PAIRS for loop in ("pytorch", "site"))]
    for name in wanted:
        if name not in configs:
            missing.append(f"configs.{name}")
            continue
        fields = CONFIG_FIELDS + (LIGHTNING_FIELDS if not name.startswith("pytorch") else ())
        missing += [f"configs.{name}.{field}" for field in fields if field not in configs[name]]
    for script in REQUIRED["scripts"]:
        found = report.get("scripts", {}).get(script, {})
        missing += [f"scripts.{script}.{key}" for key in ("wall_s", "peak_mib") if key not in found]
    for shift in REQUIRED["controls"]:
        found = report.get("controls", {}).get(shift, {})
        missing += [
            f"controls.{shift}.{key}" for key in ("losses_agree", "loss_diff", "max_weight_diff") if key not in found
        ]
    return missing


# ---- numbers in words -------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def steps(report: dict) -> int:
    """Training steps plus validation steps in one epoch."""
    return report["settings"]["steps_per_epoch"] + report["settings"]["val_steps_per_epoch"]


def overhead_per_step(report: dict, name: str) -> float:
    """Seconds Lightning adds per step (training or validation) in configuration ``name``."""
    row = report["configs"][name]
    base = report["configs"][row["baseline"]]
    return (row["epoch_s"] - base["epoch_s"]) / steps(report)


def goal_met(report: dict) -> bool:
    return report["configs"]["site"]["ratio"] <= report["goal_ratio"]


def machine_line(report: dict) -> str:
    m = report["machine"]
    usable = f" ({m['usable_cores']} usable)" if m["usable_cores"] != m["cores"] else ""
    return (
        f"{m['cpu']}, {m['cores']} cores{usable}, {m['memory_gib']:.0f} GiB of memory, "
        f"{m['torch_threads']} torch thread; Python {m['python']}, torch {m['torch']}, "
        f"pytorch-lightning {m['lightning']}. Load average (1 min) {m['load_before'][0]:.1f} when the "
        f"benchmark started, {m['load_after'][0]:.1f} when it ended"
    )


def verdict(report: dict) -> str:
    """The page's answer, in a few sentences of Markdown."""
    c, s = report["configs"], report["settings"]
    site, plain = c["site"], c["pytorch"]
    goal = report["goal_ratio"]
    met = goal_met(report)
    box = "success" if met else "warning"
    title = (
        f"Goal met: {ratio(site['ratio'])} ≤ {ratio(goal)}"
        if met
        else f"Goal not met: {ratio(site['ratio'])}, above the {ratio(goal)} goal"
    )
    same = (
        "The final losses agree to 5 decimals"
        if site["losses_agree"]
        else "**The final losses do not agree to 5 decimals**"
    )
    weights = (
        "and the weights are bit-identical"
        if site["max_weight_diff"] == 0
        else f"and the weights differ by at most {site['max_weight_diff']:.1e}"
    )
    quick = (
        "\n\n    This build ran the benchmark's reduced mode (`--quick`): the figures check the fields, "
        "they are not a measurement."
        if s["quick"]
        else ""
    )
    why = (
        ""
        if met
        else "\n\n    Where the extra time goes is [measured below](#what-the-overhead-is-made-of), "
        "and so is [what would close the gap](#what-would-close-the-gap)."
    )
    return (
        f'!!! {box} "{title}"\n\n'
        f"    With the configuration the core page teaches, an epoch took **{ms(site['epoch_s'])}** with "
        f"the Trainer and **{ms(plain['epoch_s'])}** with the plain loop: Lightning took "
        f"**{ratio(site['ratio'])}** the time (median of {plural(site['epochs_measured'], 'epoch')} each: "
        f"{plural(s['runs'], 'interleaved run')} of {plural(s['epochs'], 'epoch')}). {same}, {weights}.{why}{quick}\n"
    )


# ---- tables -----------------------------------------------------------------------------------------------


def _row(name: str, row: dict) -> str:
    if name.startswith("pytorch"):  # the reference itself
        same = "—"
    else:
        weights = "identical weights" if row["max_weight_diff"] == 0 else f"weights ±{row['max_weight_diff']:.0e}"
        same = f"yes, {weights}" if row["losses_agree"] else f"**no**, {weights}"
    return (
        f"| {html.escape(name)} | {DESCRIPTIONS.get(name, '')} | {ms(row['epoch_s'])} "
        f"<small>({ms(row['epoch_q1_s'])}–{ms(row['epoch_q3_s'])})</small> | {ratio(row['ratio'])} | "
        f"{ms(row['setup_s'])} | {same} |"
    )


def configurations_table(report: dict) -> str:
    c = report["configs"]
    head = (
        "| configuration | what changes | time per epoch: median (middle half) | × plain loop | set-up "
        "| same final losses |\n"
        "| --- | --- | ---: | ---: | ---: | --- |\n"
    )
    rows = [_row(name, c[name]) for name in ("pytorch", *KNOB_ORDER)]
    rows.append("| *knobs that change both loops* | *each compared with the plain loop under the same knob* | | | | |")
    for pair in PAIRS:
        rows += [_row(f"pytorch, {pair}", c[f"pytorch, {pair}"]), _row(f"site, {pair}", c[f"site, {pair}"])]
    return head + "\n".join(rows) + "\n"


def startup_table(report: dict) -> str:
    i, sc, first = report["imports"], report["scripts"], report["first_runs"]
    site, plain = report["configs"]["site"], report["configs"]["pytorch"]
    fit_to_epoch = site["setup_s"] - site["trainer_s"]
    py, lit = sc["train_pytorch.py"], sc["train_lightning.py"]
    return (
        "| cost | plain PyTorch | Lightning | what it is |\n"
        "| --- | ---: | ---: | --- |\n"
        f"| imports | {i['torch_s']:.2f} s | {i['torch_s']:.2f} s + {i['lightning_s']:.2f} s | "
        "`import torch, torchvision`, then `import pytorch_lightning` on top, in a fresh process |\n"
        f"| set-up before the first epoch, first run in a process | {ms(first['pytorch']['setup_s'])} | "
        f"{ms(first['site']['setup_s'])} | the warm-up runs: the first model, `Trainer` and `fit` in the "
        "process |\n"
        f"| set-up before the first epoch, later runs | {ms(plain['setup_s'])} | {ms(site['setup_s'])} | "
        f"plain: build the model and optimizer; Lightning: `Trainer(...)` {ms(site['trainer_s'])}, then `fit` up "
        f"to the first epoch {ms(fit_to_epoch)}, of which the sanity check (2 validation batches) "
        f"{ms(site['sanity_check_s'])} |\n"
        f"| after the last epoch | {ms(plain['finish_s'])} | {ms(site['finish_s'])} | "
        "plain: `torch.save`; Lightning: `fit` winding down after `on_train_end` |\n"
        f"| the core page's script, start to finish | {py['wall_s']:.1f} s | {lit['wall_s']:.1f} s | "
        "`train_pytorch.py` and `train_lightning.py` in fresh processes: imports, data, 5 epochs, saving; "
        "their output discarded |\n"
        f"| peak memory of that script | {py['peak_mib']:.0f} MiB | {lit['peak_mib']:.0f} MiB | "
        "the most RAM the process held at once (peak resident set size) |\n"
        f"| peak memory after the imports alone | {i['torch_mib']:.0f} MiB | {i['lightning_mib']:.0f} MiB | "
        "the same measure, in a process that only imports the libraries |\n"
    )


def controls_text(report: dict) -> str:
    """The deliberately different models, and what the equality check said about each."""
    rows = []
    for shift, control in report["controls"].items():
        losses = "agree" if control["losses_agree"] else "**differ**"
        biggest = control["max_weight_diff"]
        weights = "identical" if biggest == 0 else f"**differ**, by up to {biggest:.1e}"
        rows.append(f"| first layer shifted by {shift} | {losses} (by {control['loss_diff']:.1e}) | {weights} |")
    site = report["configs"]["site"]
    losses = "agree" if site["losses_agree"] else "**differ**"
    weights = "identical" if site["max_weight_diff"] == 0 else f"differ, by up to {site['max_weight_diff']:.1e}"
    caught_by_weights_only = [
        shift for shift, c in report["controls"].items() if c["losses_agree"] and c["max_weight_diff"] > 0
    ]
    if caught_by_weights_only:
        note = (
            f"The shift by {caught_by_weights_only[0]} shows why the weights are the stricter check: the losses "
            "still agree to 5 decimals, the weights do not."
        )
    else:
        note = (
            "In this build every shift moved the final losses by more than the fifth decimal, and the weights "
            "differ too; on fewer steps (the tests' reduced run) the smallest shift can leave the losses equal "
            "while the weights differ."
        )
    return (
        "| Lightning model | final losses, to 5 decimals | weights after training |\n"
        "| --- | --- | --- |\n"
        f"| the core page's (site configuration) | {losses} (by {site['loss_diff']:.1e}) | {weights} |\n"
        + "\n".join(rows)
        + "\n\n"
        + note
        + "\n"
    )


def profile_table(report: dict) -> str:
    p = report["profile"]
    rows = []
    for group in [g for g in PROFILE_ORDER if g in p["site"]] + [g for g in p["site"] if g not in PROFILE_ORDER]:
        a, b = p["pytorch"].get(group, 0.0), p["site"][group]
        rows.append(f"| {group} | {ms(a)} | {ms(b)} | {'+' if b >= a else '−'}{ms(abs(b - a))} |")
    total_a, total_b = sum(p["pytorch"].values()), sum(p["site"].values())
    rows.append(f"| **all** | **{ms(total_a)}** | **{ms(total_b)}** | **+{ms(total_b - total_a)}** |")
    return (
        "| where the time goes (per epoch, under the profiler) | plain PyTorch | Lightning (site) | difference |\n"
        "| --- | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n"
    )


def lightning_functions_table(report: dict) -> str:
    """The functions of Lightning's loop that the profile charged the most time to."""
    rows = [f"| `{name}` | {ms(seconds)} |" for name, seconds in report["lightning_functions"]]
    return (
        "| Lightning's loop: function (with the built-ins it calls) | per epoch, under the profiler |\n"
        "| --- | ---: |\n" + "\n".join(rows) + "\n"
    )


# ---- what the overhead is made of, and what would close it ----------------------------------------------


def feature_costs(report: dict) -> list[tuple[str, float]]:
    """Seconds per epoch that turning each feature off saved (negative: no saving could be measured)."""
    c = report["configs"]
    site = c["site"]["epoch_s"]
    return [
        ("the progress bar", site - c["no progress bar"]["epoch_s"]),
        ("the TensorBoard logger", site - c["no logger"]["epoch_s"]),
        ("checkpointing", site - c["no checkpointing"]["epoch_s"]),
    ]


def signed_ms(seconds: float) -> str:
    return f"{'−' if seconds < 0 else ''}{ms(abs(seconds))}"


def overhead_text(report: dict) -> str:
    c, s = report["configs"], report["settings"]
    site, plain, bare = c["site"], c["pytorch"], c["bare: all four off"]
    extra = site["epoch_s"] - plain["epoch_s"]
    n = steps(report)
    summary_setup = site["setup_s"] - c["no model summary"]["setup_s"]
    lines = [
        f"Per epoch, the Trainer took {ms(extra)} more than the plain loop: "
        f"{ms(overhead_per_step(report, 'site'))} for each of the epoch's {n} steps "
        f"({s['steps_per_epoch']} training, {s['val_steps_per_epoch']} validation), where a plain step took "
        f"{ms(plain['epoch_s'] / n)}. What turning each feature off saved, per epoch:",
        "",
    ]
    for feature, saved in feature_costs(report):
        lines.append(f"- {feature}: {signed_ms(saved)}")
    lines += [
        f"- the model summary: nothing per epoch, it is printed once; the set-up took {signed_ms(summary_setup)} "
        "less without it",
        "",
        f"With all four off (*bare*), an epoch took {ms(bare['epoch_s'])}: {ratio(bare['ratio'])} the plain loop, "
        f"{ms(overhead_per_step(report, 'bare: all four off'))} more a step. That rest is the loop itself: the "
        "hooks it calls around every step, `self.log`'s bookkeeping (it still runs without a logger) and moving "
        "each batch to the device, as the profile below shows. The savings are differences between medians, "
        "so on a busy machine small ones can come out negative, and they need not add up to the total.",
    ]
    return "\n".join(lines) + "\n"


def steps_at(report: dict, batch_size: int) -> int:
    """Training plus validation steps in one epoch with training batches of ``batch_size``."""
    return -(-report["settings"]["train_samples"] // batch_size) + report["settings"]["val_steps_per_epoch"]


def closing_text(report: dict) -> str:
    """What would bring the taught configuration within the goal, from the measurements."""
    c = report["configs"]
    goal = report["goal_ratio"]
    per_step = overhead_per_step(report, "site")
    plain_step = c["pytorch"]["epoch_s"] / steps(report)
    b128, b400 = c["site, batch size 128"], c["site, batch size 400"]
    extra400 = b400["epoch_s"] - c["pytorch, batch size 400"]["epoch_s"]
    n400 = steps_at(report, 400)
    per_epoch = (
        " That is more per step than with batches of 32: part of the overhead is paid once per epoch, "
        "whatever the batch size (the validation loop's set-up, the epoch-end hooks, the checkpoint)."
        if extra400 / n400 > 1.2 * per_step
        else ""
    )
    plain_profile = report["profile"]["pytorch"]
    data_share = plain_profile["data loading"] / (sum(plain_profile.values()) or 1)
    lines = [
        f"The Trainer's extra time is paid per step, not per sample. Here a plain step took {ms(plain_step)} "
        f"and the Trainer added {ms(per_step)} to it; with that overhead, a step would have to take at least "
        f"{ms(per_step / (goal - 1))} ({ms(per_step)} ÷ {goal - 1:.2f}) for the Trainer to stay within "
        f"{ratio(goal)}.",
        "",
        f"- **Fewer, bigger steps.** With batches of 128 in both loops (a quarter of the steps) the Trainer took "
        f"{ratio(b128['ratio'])} the plain loop's time, with batches of 400 ({n400} steps an epoch) "
        f"{ratio(b400['ratio'])}: at 400 it added {signed_ms(extra400)} an epoch.{per_epoch} Data loading, "
        f"which bigger batches do not shorten, is {data_share:.0%} of the plain loop's profiled time. A bigger "
        "model's step does more work, and so does a GPU step that waits for the device, though a bigger "
        "model's checkpoint also takes longer to write.",
        f"- **Fewer features.** Without progress bar, logger, checkpointing and summary the Trainer took "
        f"{ratio(c['bare: all four off']['ratio'])}; the table shows each one alone. What remains is the loop "
        "itself, which no flag turns off.",
    ]
    # The ways to close the gap: a Trainer setting, or bigger steps (threads and workers are the machine's).
    candidates = (*KNOB_ORDER, "site, batch size 128", "site, batch size 400")
    within = [name for name in candidates if c[name]["ratio"] <= goal]
    if within:
        found = ", ".join(f"*{html.escape(name)}* ({ratio(c[name]['ratio'])})" for name in within)
        lines.append(f"- Measured within {ratio(goal)} in this build: {found}.")
    else:
        lines.append(f"- None of these was within {ratio(goal)} in this build.")
    return "\n".join(lines) + "\n"


def knobs_text(report: dict) -> str:
    """The progress bar's refresh rate and the knobs that change both loops, in numbers."""
    c = report["configs"]
    plain, site, bar10 = c["pytorch"], c["site"], c["progress bar every 10 steps"]
    threads, workers = c["pytorch, 2 torch threads"], c["pytorch, 2 DataLoader workers"]
    slower = lambda row: "slower" if row["epoch_s"] > plain["epoch_s"] else "faster"  # noqa: E731
    return (
        "\n".join(
            [
                f"- **Progress bar.** Redrawn every 10th step instead of every step, the site configuration took "
                f"{ms(bar10['epoch_s'])} an epoch against {ms(site['epoch_s'])}: {ratio(bar10['ratio'])} the plain "
                f"loop instead of {ratio(site['ratio'])}.",
                f"- **Torch threads.** With two threads the plain loop took {ms(threads['epoch_s'])} an epoch, "
                f"{slower(threads)} than the {ms(plain['epoch_s'])} with one, and the Trainer "
                f"{ms(c['site, 2 torch threads']['epoch_s'])}. The site's build runs every script with one thread.",
                f"- **DataLoader workers.** With two worker processes the plain loop took {ms(workers['epoch_s'])} an "
                f"epoch, {slower(workers)} than the {ms(plain['epoch_s'])} with none. Workers are started anew each "
                "epoch (unless `persistent_workers=True`), and each 28 × 28 image is little work to hand them; "
                'Lightning\'s warning that a loader "does not have many workers" is advice for bigger data.',
            ]
        )
        + "\n"
    )


# ---- charts ------------------------------------------------------------------------------------------------

LABELS = {"site": "site (as taught)"}
# Work both loops do first, then what Lightning adds, so that the two bars line up on the left.
PROFILE_ORDER = (
    "data loading",
    "torch",
    "this script",
    "Lightning's loop",
    "logging",
    "progress bar",
    "checkpointing",
    "other",
)
PROFILE_COLORS = ("#8d6e63", "#78909c", "#bdbdbd", "#5e35b1", "#1e88e5", "#ef6c00", "#43a047", "#d81b60")


@memoized
def ratio_chart(report: dict) -> str:
    c = report["configs"]
    goal = report["goal_ratio"]
    names = [*KNOB_ORDER, *(f"site, {pair}" for pair in PAIRS)]
    values = [c[n]["ratio"] for n in names]
    base = [c[c[n]["baseline"]]["epoch_s"] for n in names]
    low = [c[n]["epoch_q1_s"] / b for n, b in zip(names, base)]
    high = [c[n]["epoch_q3_s"] / b for n, b in zip(names, base)]
    fig, ax = figure(7.0, 0.36 * len(names) + 1.0)
    y = list(range(len(names)))[::-1]
    colors = ["#5e35b1" if v <= goal else "#ef6c00" for v in values]
    ax.barh(y, values, color=colors, height=0.62)
    ax.errorbar(
        values,
        y,
        xerr=[[max(0.0, v - lo) for v, lo in zip(values, low)], [max(0.0, hi - v) for v, hi in zip(values, high)]],
        fmt="none",
        ecolor="#212121",
        elinewidth=0.8,
        capsize=2.5,
    )
    ax.axvline(1.0, color="#212121", linewidth=0.8)
    ax.axvline(goal, color="#2e7d32", linewidth=1.2, linestyle="--")
    ax.annotate(
        f"goal {goal:.2f}×",
        (goal, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, 2),
        textcoords="offset points",
        color="#2e7d32",
        fontsize=9,
        va="bottom",
    )
    for yi, v, hi in zip(y, values, high):
        ax.annotate(f"{v:.2f}×", (max(v, hi), yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(y, [LABELS.get(n, n) for n in names], fontsize=9)
    ax.set_xlabel("Lightning's time per epoch ÷ the plain loop's  (1.00 = the same)", fontsize=9)
    ax.set_xlim(0, max(max(high) * 1.15, goal * 1.25))
    ax.tick_params(axis="x", labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    described = "; ".join(f"{LABELS.get(n, n)}: {v:.2f}×" for n, v in zip(names, values))
    return inline_svg(
        fig,
        title="Lightning's time per epoch relative to the plain PyTorch loop, per configuration",
        description=f"Bars: median ratio; whiskers: middle half of the epochs; dashed line: the {goal:.2f}× goal. "
        f"{described}.",
    )


@memoized
def profile_chart(report: dict) -> str:
    p = report["profile"]
    groups = [g for g in PROFILE_ORDER if g in p["site"]] + [g for g in p["site"] if g not in PROFILE_ORDER]
    fig, ax = figure(7.0, 2.6)
    for row, loop in enumerate(("pytorch", "site")):
        left = 0.0
        for color, group in zip(PROFILE_COLORS, groups):
            width = p[loop].get(group, 0.0) * 1000
            ax.barh(1 - row, width, left=left, color=color, height=0.6, label=group if row == 0 else None)
            left += width
    ax.set_yticks([1, 0], ["plain PyTorch", "Lightning (site)"], fontsize=9)
    ax.set_xlabel("milliseconds per epoch, under the profiler", fontsize=9)
    ax.tick_params(axis="x", labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    described = "; ".join(
        f"{g}: {p['pytorch'].get(g, 0) * 1000:.0f} ms plain, {p['site'][g] * 1000:.0f} ms Lightning" for g in groups
    )
    return inline_svg(
        fig,
        title="What an epoch's time is spent on, plain loop and Lightning, under cProfile",
        description=described + ".",
    )


def render_all(report: dict) -> str:
    """Every generated part of the page, in order (the tests render a reduced run with it)."""
    return "\n".join(
        [
            verdict(report),
            ratio_chart(report),
            configurations_table(report),
            overhead_text(report),
            profile_chart(report),
            profile_table(report),
            lightning_functions_table(report),
            startup_table(report),
            closing_text(report),
            knobs_text(report),
            controls_text(report),
            machine_line(report),
        ]
    )
