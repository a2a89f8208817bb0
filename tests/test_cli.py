"""The Configuration and a command line page: LightningCLI prints the file's values with the
command line's override on top of its defaults, trains with exactly those values, saves them
beside its logs, and refuses a misspelt option; the argparse tab does the same by hand and trains
to the same losses."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO
from pages import cli
from snippet_runner import clean, sections

pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "cli"
EPOCH_LINE = re.compile(r"^epoch (\d+): val_loss ([0-9.]+)$", re.M)


def output(run) -> str:
    return clean(run.result())


def test_both_scripts_have_the_same_sections_in_the_same_order():
    assert sections.names(FOLDER / "cli_pytorch.py") == sections.names(FOLDER / "cli_lightning.py")
    assert sections.names(FOLDER / "cli_lightning.py") == ["imports", "data", "model", "cli"]


def test_each_command_ran_in_a_folder_holding_the_script_and_the_yaml_files_as_published():
    for run in (cli.lightning_print, cli.lightning_fit, cli.pytorch_print, cli.pytorch_fit):
        workdir = run.result().workdir
        script = run.arguments()[0]
        for name in (script, "config.yaml", "config_pytorch.yaml"):
            assert (workdir / name).read_text() == (FOLDER / name).read_text(), (run, name)


def test_the_printed_configuration_is_the_defaults_then_the_file_then_the_override():
    defaults = cli.printed_config(cli.lightning_defaults.result())
    printed = cli.printed_config(cli.lightning_print.result())
    file = yaml.safe_load((FOLDER / "config.yaml").read_text())
    assert cli.flat(printed) == cli.expected(defaults, file, {"trainer.max_epochs": 2})
    # The override won over the file, and the file over the defaults.
    assert file["trainer"]["max_epochs"] == 5 and printed["trainer"]["max_epochs"] == 2
    assert defaults["trainer"]["max_epochs"] is None
    assert (defaults["model"]["lr"], file["model"]["lr"], printed["model"]["lr"]) == (0.001, 0.002, 0.002)
    assert (defaults["data"]["batch_size"], printed["data"]["batch_size"]) == (32, 64)
    assert (defaults["seed_everything"], printed["seed_everything"]) == (True, 0)
    assert clean(cli.lightning_print.result()).startswith("# pytorch_lightning==2.6.6\n")


def test_the_pytorch_tab_prints_its_file_with_the_override():
    printed = cli.printed_config(cli.pytorch_print.result())
    file = yaml.safe_load((FOLDER / "config_pytorch.yaml").read_text())
    assert printed == {**file, "max_epochs": 2}
    assert file["max_epochs"] == 5
    # The two files hold the same hyperparameters under each tab's names.
    lightning = cli.flat(yaml.safe_load((FOLDER / "config.yaml").read_text()))
    for option, name in cli.SAME_OPTION.items():
        assert lightning[option] == file[name], option


def test_print_config_stops_before_training():
    for run in (cli.lightning_print, cli.lightning_defaults, cli.pytorch_print):
        assert not EPOCH_LINE.search(output(run)), run
        assert not (run.result().workdir / "lightning_logs").exists(), run


def test_the_fit_uses_the_printed_values_and_saves_them_beside_its_logs():
    fitted = cli.lightning_fit.result()
    printed = cli.printed_config(cli.lightning_print.result())
    saved = yaml.safe_load((fitted.workdir / "lightning_logs" / "version_0" / "config.yaml").read_text())
    assert saved == printed
    assert cli.used(fitted) == {"max_epochs": 2, "hidden": 64, "code": 3, "lr": 0.002, "batch_size": 64}
    assert cli.used(cli.pytorch_fit.result()) == cli.used(fitted)
    (checkpoint,) = (fitted.workdir / "lightning_logs" / "version_0" / "checkpoints").iterdir()
    assert checkpoint.name == "epoch=1-step=100.ckpt"  # 2 epochs of 3,200 images in batches of 64


def test_both_tabs_train_two_epochs_to_the_same_losses():
    pytorch, lightning = EPOCH_LINE.findall(output(cli.pytorch_fit)), EPOCH_LINE.findall(output(cli.lightning_fit))
    assert [epoch for epoch, _ in lightning] == ["0", "1"]
    assert pytorch == lightning
    assert float(lightning[1][1]) < float(lightning[0][1])
    assert "`Trainer.fit` stopped: `max_epochs=2` reached." in output(cli.lightning_fit)


def test_a_misspelt_option_stops_with_the_words_the_page_quotes():
    text = output(cli.lightning_typo)  # the run is declared with returncode=2: the build checked it
    assert cli.lightning_typo.returncode == 2
    assert re.search(r"^error: unrecognized arguments: --trainer\.max_epohcs 2$", text, re.M), text
    assert not EPOCH_LINE.search(text)


def test_the_tables_hold_what_the_runs_printed():
    table = cli.agreement()
    assert table.rstrip().endswith("equals defaults + file + override: **True**.")
    rows = {row.split(" | ")[0].strip("| `"): row.split(" | ") for row in table.splitlines() if row.startswith("| `")}
    assert rows["trainer.max_epochs"][1:6] == ["None", "5", "2", "**2**", "2"]
    assert rows["model.lr"][1:6] == ["0.001", "0.002", "—", "**0.002**", "0.002"]
    assert "| the other 43 options | as printed without a config | — | — | the same |" in table
    losses = cli.losses()
    assert losses.count("| True |") == 2 and "False" not in losses


def test_a_misspelt_key_in_the_file_stops_lightningcli_but_not_argparse():
    text = output(cli.lightning_typo_file)  # declared with returncode=2
    assert cli.lightning_typo_file.returncode == 2
    assert re.search(r"^error: Group 'trainer' does not accept option 'max_epohcs'$", text, re.M), text
    printed = cli.printed_config(cli.pytorch_typo_file.result())
    assert printed["max_epohcs"] == 2  # taken without a word
    assert printed["max_epochs"] == 5  # and the script would train with the default
