"""The parity page (docs/parity.md): its benchmark run, and the tables and charts drawn at build
from the parity.json the benchmark writes into its working directory::

    from pages import parity
    report = parity.load(parity.benchmark.result())
    print(parity.answer_table(report))

The benchmark defines the configurations, their descriptions and every statistic; this module
only lays out what parity.json holds. The page's prose is in docs/parity.md.
"""

from __future__ import annotations

import html
import json

from snippet_runner import Result, Run
from snippet_runner.figures import figure, inline_svg
from snippet_runner.memo import memoized

SCRIPT = "snippets/parity/benchmark.py"
# About 45 s on an idle 2-core machine, half as fast again or slower on a busy one: a generous limit.
TIMEOUT = 600
benchmark = Run(SCRIPT, timeout=TIMEOUT, alone=True)  # it measures time: nothing runs beside it

PURPLE, ORANGE, GREY = "#5e35b1", "#ef6c00", "#9e9e9e"


def load(benchmark_run: Result) -> dict:
    return json.loads((benchmark_run.workdir / "parity.json").read_text())


# ---- numbers in words -------------------------------------------------------------------------------------


def _milliseconds(seconds: float, signed: bool) -> str:
    value = seconds * 1000
    digits = 0 if abs(value) >= 99.5 else 1 if abs(value) >= 0.995 else 2
    sign = "−" if value < 0 else "+" if signed else ""
    return f"{sign}{abs(value):.{digits}f}"


def ms(seconds: float, signed: bool = False) -> str:
    return f"{_milliseconds(seconds, signed)} ms"


def ms_interval(found: dict, signed: bool = True) -> str:
    """An interval in milliseconds: "−37 to +8.8 ms" for a difference, "0.94–1.5 ms" for a time."""
    if not signed and found["low"] >= 0:
        return f"{_milliseconds(found['low'], False)}–{ms(found['high'])}"
    return f"{_milliseconds(found['low'], True)} to {ms(found['high'], signed=True)}"


def times(value: float) -> str:
    return f"{value:.2f}×"


def times_interval(found: dict) -> str:
    return f"{found['low']:.2f}–{found['high']:.2f}×"


def ratio_cell(against: dict, i: int, bold: bool = False) -> str:
    """Lightning's ratio to the plain loop at the i-th batch size and its interval, or "no measurable
    difference" when the benchmark found no measurable extra time per epoch there."""
    found = against["ratio"][i]
    if not against["extra_epoch_s"][i]["measurable"]:
        return f"no measurable difference <small>({times_interval(found)})</small>"
    value = times(found["median"])
    return f"{f'**{value}**' if bold else value} <small>({times_interval(found)})</small>"


def ms_cell(found: dict, bold: bool = False, signed: bool = False) -> str:
    """A measured time and its interval; "no measurable difference" (from zero) when the benchmark found none."""
    if not found["measurable"]:
        return f"no measurable difference <small>({ms_interval(found)})</small>"
    value = ms(found["median"], signed=signed)
    return f"{f'**{value}**' if bold else value} <small>({ms_interval(found, signed=signed)})</small>"


def change(found: dict) -> str:
    """A difference from the Trainer as taught, or "no measurable difference" when its interval holds zero."""
    return ms_cell(found, bold=True, signed=True)


def extra(found: dict) -> str:
    """An extra time without its interval (a table column), or "none measurable"."""
    return ms(found["median"], signed=True) if found["measurable"] else "none measurable"


def label(name: str) -> str:
    """A configuration's name, as the benchmark spells it, for a Markdown table."""
    return html.escape(name)


def described(report: dict, name: str) -> str:
    """A configuration's name with the benchmark's description of it, for a table's heading."""
    return f"{label(name)}<br><small>{report['configurations'][name]['description']}</small>"


def confidence(report: dict) -> str:
    """How sure the intervals are (all of them: it depends on the number of rounds only)."""
    return f"{report['against_plain'][report['names']['taught']]['ratio'][0]['confidence']:.0%}"


# ---- the parts of the page ----------------------------------------------------------------------------------


def quick_note(report: dict) -> str:
    """A warning when the page was built from the reduced mode (nothing otherwise)."""
    if not report["settings"]["quick"]:
        return ""
    return (
        '!!! warning "Reduced mode"\n\n'
        "    This build ran the benchmark's reduced mode (`--quick`): the figures below check that every "
        "part of the page can be drawn; they are not a measurement.\n"
    )


def headline(report: dict) -> str:
    """The answer in one sentence of figures."""
    taught = report["names"]["taught"]
    found = report["against_plain"][taught]
    step, epoch, ratio = found["per_step_s"], found["per_epoch_s"], found["ratio"][0]

    def added(found: dict, where: str) -> str:
        if not found["measurable"]:
            return f"no time it could measure to every {where} <small>({ms_interval(found)})</small>"
        return f"**{ms(found['median'])}** to every {where} <small>({ms_interval(found, signed=False)})</small>"

    took = (
        f"**{times(ratio['median'])}** the plain loop's time"
        if found["extra_epoch_s"][0]["measurable"]
        else "no measurably longer than the plain loop's"
    )
    return (
        f"The {label(taught)} added {added(step, 'training step')} and {added(epoch, 'epoch')}: an epoch took "
        f"{took} <small>({times_interval(ratio)})</small>, with batches of {report['settings']['batch_sizes'][0]}. "
        f"Medians of {report['settings']['rounds']} rounds, with {confidence(report)} intervals.\n"
    )


def answer_table(report: dict) -> str:
    """The answer at the core page's batch size: time per epoch, the ratio, Lightning's extra time per
    training step and per epoch, and the time outside the epochs."""
    n = report["names"]
    plain, taught, bare = n["plain"], n["taught"], n["barebones"]
    against, epoch, fixed, first = (report[key] for key in ("against_plain", "epoch_s", "fixed_s", "first_fit_fixed_s"))
    return (
        f"| | {described(report, plain)} | {described(report, taught)} | {described(report, bare)} |\n"
        "| --- | ---: | ---: | ---: |\n"
        f"| time per epoch | {ms(epoch[plain][0])} | {ms(epoch[taught][0])} | {ms(epoch[bare][0])} |\n"
        f"| × the plain loop's time per epoch | 1.00× | {ratio_cell(against[taught], 0, bold=True)} | "
        f"{ratio_cell(against[bare], 0)} |\n"
        f"| Lightning's extra time per training step | — | {ms_cell(against[taught]['per_step_s'], bold=True)} | "
        f"{ms_cell(against[bare]['per_step_s'])} |\n"
        f"| … and per epoch, whatever the batch size | — | {ms_cell(against[taught]['per_epoch_s'])} | "
        f"{ms_cell(against[bare]['per_epoch_s'])} |\n"
        f"| time once per fit, outside the epochs | {ms(fixed[plain])} | {ms(fixed[taught])} | {ms(fixed[bare])} |\n"
        f"| … in the first fit of a process | {ms(first[plain])} | {ms(first[taught])} | |\n"
    )


def batch_size_table(report: dict) -> str:
    n = report["names"]
    plain, lightning = n["plain"], (n["taught"], n["barebones"])
    against = report["against_plain"]
    rows = []
    for i, size in enumerate(report["settings"]["batch_sizes"]):
        steps, epoch = report["steps"][i], report["epoch_s"][plain][i]
        cells = [f"{ratio_cell(against[name], i)} | {extra(against[name]['extra_epoch_s'][i])}" for name in lightning]
        rows.append(f"| {size} | {steps} | {ms(epoch)} | {ms(epoch / steps)} | {' | '.join(cells)} |")
    return (
        f"| batch size | training steps per epoch | {label(plain)}: per epoch | per step | "
        f"{label(lightning[0])}: × plain | extra per epoch | {label(lightning[1])}: × plain | extra per epoch |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n"
    )


def knobs_table(report: dict) -> str:
    """Each change to the Trainer against the Trainer as taught, with its description from the benchmark."""
    taught = report["names"]["taught"]
    configurations = report["configurations"]
    rows = [
        f"| {label(name)} | {configurations[name]['description']} | {change(found)} |"
        for name, found in report["knobs"].items()
    ]
    return (
        f"| configuration | what it changes | time per epoch, against the {label(taught)} |\n"
        "| --- | --- | --- |\n"
        f"| {label(taught)} | {configurations[taught]['description']} | {ms(report['epoch_s'][taught][0])} |\n"
        + "\n".join(rows)
        + "\n"
    )


def same_training_table(report: dict) -> str:
    """How far each Lightning fit ended from the plain loop's, and what the deliberately different models gave."""

    def losses(agree: bool | None, diff: float | None) -> str:
        if agree is None:
            return "none logged"
        return f"agree (by {diff:.1e})" if agree else f"**differ** (by {diff:.1e})"

    def weights(diff: float) -> str:
        return "identical" if diff == 0 else f"**differ**, by up to {diff:.1e}"

    rows = [
        f"| {label(name)} | {losses(found['losses_agree'], found['max_loss_diff'])} | "
        f"{weights(found['max_weight_diff'])} |"
        for name, found in report["same_training"].items()
    ]
    rows += [
        f"| {label(report['names']['taught'])}, first layer shifted by {shift} | "
        f"{losses(control['losses_agree'], control['loss_diff'])} | {weights(control['max_weight_diff'])} |"
        for shift, control in report["controls"].items()
    ]
    return (
        "| Lightning fit | final losses, to 5 decimals, against the plain loop's | weights after training |\n"
        "| --- | --- | --- |\n" + "\n".join(rows) + "\n"
    )


def machine_line(report: dict) -> str:
    """Where and how the benchmark ran, and how busy the machine was."""
    m, s = report["machine"], report["settings"]
    cores = f"{m['cores']} cores" + (f" ({m['usable_cores']} usable)" if m["usable_cores"] != m["cores"] else "")
    epochs = f"{s['epochs']} epoch" + ("s" if s["epochs"] != 1 else "")
    return (
        f"{m['cpu']}, {cores}, {m['memory_gib']:.1f} GiB of memory, {m['torch_threads']} torch thread; "
        f"load average {m['load_before']:.2f} before the benchmark and {m['load_after']:.2f} after it; "
        f"the epochs took {m['wall_per_cpu_s']:.2f} s of wall-clock time per second of CPU time. "
        f"{s['rounds']} rounds, each fitting every configuration once for {epochs}, on "
        f"{s['train_samples']:,} training and {s['val_samples']:,} validation digits: {s['seconds']:.0f} s in all. "
        f"Python {m['python']}, torch {m['torch']}, pytorch-lightning {m['lightning']}"
    )


# ---- charts ------------------------------------------------------------------------------------------------


@memoized
def batch_size_chart(report: dict) -> str:
    n = report["names"]
    sizes = report["settings"]["batch_sizes"]
    against = report["against_plain"]
    fig, ax = figure(7.0, 3.4)
    for name, color, marker in ((n["taught"], PURPLE, "o"), (n["barebones"], ORANGE, "s")):
        found = against[name]["ratio"]
        values = [f["median"] for f in found]
        errors = [[v - f["low"] for v, f in zip(values, found)], [f["high"] - v for v, f in zip(values, found)]]
        ax.errorbar(sizes, values, yerr=errors, color=color, marker=marker, capsize=3, linewidth=1.4, label=name)
        # A hollow marker where the benchmark measured no extra time per epoch (the table says so too).
        hollow = [(x, v) for x, v, e in zip(sizes, values, against[name]["extra_epoch_s"]) if not e["measurable"]]
        if hollow:
            ax.plot(*zip(*hollow), linestyle="none", marker=marker, markerfacecolor="white", color=color, zorder=3)
    ax.axhline(1.0, color="#212121", linewidth=0.8)
    ax.set_xscale("log", base=2)
    plain_steps = [e / s for e, s in zip(report["epoch_s"][n["plain"]], report["steps"])]
    ax.set_xticks(sizes, [f"{size}\n{step * 1000:.1f} ms" for size, step in zip(sizes, plain_steps)], fontsize=9)
    ax.minorticks_off()
    ax.set_xlabel("batch size, and the plain loop's time per training step", fontsize=9)
    ax.set_ylabel("× the plain loop's time per epoch", fontsize=9)
    ax.tick_params(axis="y", labelsize=9)
    top = max(f["high"] for name in against for f in against[name]["ratio"])
    bottom = min(f["low"] for name in against for f in against[name]["ratio"])
    ax.set_ylim(min(bottom - 0.03, 0.9), max(top * 1.08, 1.2))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=9, frameon=False)
    described = "; ".join(
        f"{name}: " + ", ".join(f"{times(f['median'])} at {size}" for size, f in zip(sizes, against[name]["ratio"]))
        for name in against
    )
    return inline_svg(
        fig,
        title="Lightning's time per epoch relative to the plain loop, by batch size",
        description=f"Points: median of the rounds; whiskers: {confidence(report)} interval; hollow: no measurable "
        f"extra time per epoch. {described}.",
    )


@memoized
def knobs_chart(report: dict) -> str:
    knobs = report["knobs"]
    names = list(knobs)
    found = [knobs[name] for name in names]
    fig, ax = figure(7.0, 0.42 * len(names) + 1.0)
    y = list(range(len(names)))[::-1]
    for yi, f in zip(y, found):
        color = PURPLE if f["measurable"] else GREY
        ax.errorbar(
            [f["median"] * 1000],
            [yi],
            xerr=[[(f["median"] - f["low"]) * 1000], [(f["high"] - f["median"]) * 1000]],
            fmt="o",
            color=color,
            capsize=3,
        )
        said = ms(f["median"], signed=True) if f["measurable"] else "no measurable difference"
        ax.annotate(
            said,
            (f["high"] * 1000, yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="#212121" if f["measurable"] else "#616161",
        )
    ax.axvline(0.0, color="#212121", linewidth=0.8)
    ax.set_yticks(y, names, fontsize=9)
    low = min(f["low"] for f in found) * 1000
    high = max(f["high"] for f in found) * 1000
    span = max(high - low, 1.0)
    ax.set_xlim(min(low, 0) - 0.05 * span, max(high, 0) + 0.45 * span)
    ax.set_xlabel(f"change in time per epoch against the {report['names']['taught']} (ms)", fontsize=9)
    ax.tick_params(axis="x", labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    described = "; ".join(
        f"{name}: "
        + (f"{ms(f['median'], signed=True)}" if f["measurable"] else "no measurable difference")
        + f" ({ms_interval(f)})"
        for name, f in zip(names, found)
    )
    return inline_svg(
        fig,
        title=f"What each setting changes in the time per epoch, against the {report['names']['taught']}",
        description=f"Points: median of the per-round differences; whiskers: {confidence(report)} interval; "
        f"grey: the interval holds zero. {described}.",
    )


def render_all(report: dict) -> str:
    """Every generated part of the page, in order (the tests render a reduced run with it)."""
    return "\n".join(
        [
            quick_note(report),
            headline(report),
            answer_table(report),
            batch_size_chart(report),
            batch_size_table(report),
            knobs_chart(report),
            knobs_table(report),
            same_training_table(report),
            machine_line(report),
        ]
    )
