"""The Configuration and a command line page (docs/cli.md): LightningCLI with a YAML file against
argparse and a YAML file read by hand, each run as a reader runs it (command.py puts the script
and the YAML files in the run's folder), and the table that checks the printed configuration
against the file and the override, key by key."""

from __future__ import annotations

import re

import yaml

from snippet_runner import Run
from snippet_runner.memo import memoized
from snippet_runner.output import clean
from snippet_runner.runner import Result

FOLDER = "snippets/cli"
LIGHTNING = ("cli_lightning.py", "config.yaml")
PYTORCH = ("cli_pytorch.py", "config_pytorch.yaml")
# The value the page overrides on the command line, on top of the file's.
OVERRIDE = ("--trainer.max_epochs", "2")
OVERRIDE_PYTORCH = ("--max_epochs", "2")
# The Lightning option -> the PyTorch tab's name for it.
SAME_OPTION = {
    "seed_everything": "seed",
    "trainer.max_epochs": "max_epochs",
    "model.hidden": "hidden",
    "model.code": "code",
    "model.lr": "lr",
    "data.batch_size": "batch_size",
}


def command(files: tuple[str, str], *arguments: str, returncode: int = 0) -> Run:
    """``python <script> <arguments>`` in a folder that holds the script and the YAML files."""
    script = files[0]
    return Run(
        f"{FOLDER}/command.py",
        args=(script, *arguments),
        uses=tuple(f"{FOLDER}/{name}" for name in files),
        returncode=returncode,
    )


def command_line(run: Run) -> str:
    """The command the run stands for, as a reader types it."""
    return " ".join(["python", *run.arguments()])


def shell(run: Run) -> str:
    """Markdown: the run's command line in a bash block."""
    return f"```bash\n{command_line(run)}\n```\n"


def show(run: Run, **options) -> str:
    """The run's output, titled with its command line."""
    return run.show(title=f"Output of {command_line(run)}", **options)


def printed_config(run: Result) -> dict:
    """The YAML that a --print_config run printed, parsed."""
    return yaml.safe_load(clean(run))


def flat(config: dict, prefix: str = "") -> dict:
    """``{"trainer": {"max_epochs": 2}}`` -> ``{"trainer.max_epochs": 2}``."""
    found = {}
    for key, value in config.items():
        if isinstance(value, dict):
            found.update(flat(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def config_file(name: str) -> dict:
    from snippet_runner.runner import ROOT

    return yaml.safe_load((ROOT / FOLDER / name).read_text())


def overrides(arguments: tuple[str, ...]) -> dict:
    """``("--a.b", "2")`` -> ``{"a.b": 2}``, the value read as YAML reads it."""
    return {arguments[i].removeprefix("--"): yaml.safe_load(arguments[i + 1]) for i in range(0, len(arguments), 2)}


def expected(defaults: dict, file: dict, override: dict) -> dict:
    """The defaults, then the file's values, then the command line's: what the CLI must print."""
    return {**flat(defaults), **flat(file), **override}


def used(run: Result) -> dict:
    """The values the run's objects got, from its ``used: key=value ...`` line."""
    line = re.search(r"^used: (.*)$", clean(run), re.M).group(1)
    return {key: yaml.safe_load(value) for key, value in re.findall(r"(\w+)=(\S+)", line)}


@memoized
def agreement_table(
    defaults: Result, lightning: Result, fitted: Result, pytorch: Result, pytorch_fitted: Result
) -> str:
    """Markdown: each option that config.yaml or the command line sets, with its default, the file's
    value, the override, what --print_config printed, what the fit used, and the PyTorch tab's."""
    default = flat(printed_config(defaults))
    file = flat(config_file(LIGHTNING[1]))
    override = overrides(OVERRIDE)
    shown = flat(printed_config(lightning))
    pytorch_shown = printed_config(pytorch)
    used_lightning, used_pytorch = used(fitted), used(pytorch_fitted)
    rows = [
        "| option | default | config.yaml | command line | `--print_config` printed | the run used "
        "| PyTorch tab: printed, used |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key in dict.fromkeys([*file, *override]):
        name = SAME_OPTION.get(key)
        leaf = key.rpartition(".")[2]
        theirs = "no such option" if name is None else f"`{name}`: {pytorch_shown[name]}, {used_pytorch.get(name, '—')}"
        rows.append(
            f"| `{key}` | {default[key]} | {file.get(key, '—')} | {override.get(key, '—')} | **{shown[key]}** "
            f"| {used_lightning.get(leaf, '—')} | {theirs} |"
        )
    rest = [key for key in shown if key not in file and key not in override]
    same = all(shown[key] == default[key] for key in rest)
    whole = shown == expected(printed_config(defaults), config_file(LIGHTNING[1]), override)
    rows.append(
        f"| the other {len(rest)} options | as printed without a config | — | — "
        f"| {'the same' if same else 'different'} | — | — |"
    )
    return "\n".join(rows) + f"\n\nThe whole printed configuration equals defaults + file + override: **{whole}**.\n"


def agreement() -> str:
    """The page's table, from the build's runs."""
    return agreement_table(
        lightning_defaults.result(),
        lightning_print.result(),
        lightning_fit.result(),
        pytorch_print.result(),
        pytorch_fit.result(),
    )


def epochs(run: Result) -> list[tuple[str, str]]:
    return re.findall(r"^epoch (\d+): val_loss ([0-9.]+)$", clean(run), re.M)


@memoized
def losses_table(pytorch: Result, lightning: Result) -> str:
    """Markdown: each epoch's val_loss, as each tab printed it."""
    rows = ["| epoch | PyTorch tab: val_loss | Lightning tab: val_loss | the same |", "| --- | --- | --- | --- |"]
    for (epoch, plain), (_, lit) in zip(epochs(pytorch), epochs(lightning), strict=True):
        rows.append(f"| {epoch} | {plain} | {lit} | {plain == lit} |")
    return "\n".join(rows) + "\n"


def losses() -> str:
    return losses_table(pytorch_fit.result(), lightning_fit.result())


# In page order.
pytorch_print = command(PYTORCH, "--config", PYTORCH[1], *OVERRIDE_PYTORCH, "--print_config")
lightning_print = command(LIGHTNING, "fit", "--config", LIGHTNING[1], *OVERRIDE, "--print_config")
lightning_defaults = command(LIGHTNING, "fit", "--print_config")
pytorch_fit = command(PYTORCH, "--config", PYTORCH[1], *OVERRIDE_PYTORCH)
lightning_fit = command(LIGHTNING, "fit", "--config", LIGHTNING[1], *OVERRIDE)
lightning_typo = command(LIGHTNING, "fit", "--config", LIGHTNING[1], "--trainer.max_epohcs", "2", returncode=2)
# A misspelt key in the file: argparse's set_defaults takes it; LightningCLI stops.
pytorch_typo_file = command(("cli_pytorch.py", "typo_pytorch.yaml"), "--config", "typo_pytorch.yaml", "--print_config")
lightning_typo_file = command(
    ("cli_lightning.py", "typo.yaml"), "fit", "--config", "typo.yaml", "--print_config", returncode=2
)
