"""The "Progress bars and the model summary" page: the bars redraw where the page says, end each
epoch showing the same values in both tabs, vanish with enable_progress_bar=False; RichProgressBar
fails without rich with the error the page shows; and the summaries list what the page says."""

from __future__ import annotations

import importlib.util
import re

import pytest

from conftest import REPO
from pages import progress_bars
from snippet_runner import clean, sections

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

FOLDER = REPO / "snippets" / "progress-bars"


def output(run) -> str:
    return clean(run.result())


# ---------------------------------------------------------------- the scripts


def test_the_pairs_have_the_same_sections_in_the_same_order():
    assert sections.names(FOLDER / "bar_pytorch.py") == sections.names(FOLDER / "bar_lightning.py")
    assert sections.names(FOLDER / "bar_pytorch.py") == ["imports", "data", "model", "bar", "no-bar"]
    assert sections.names(FOLDER / "summary_pytorch.py") == sections.names(FOLDER / "summary_lightning.py")
    assert sections.names(FOLDER / "summary_pytorch.py") == ["model", "summary"]


def test_every_script_says_how_to_run_it_before_its_first_section():
    for script in sorted(FOLDER.glob("*.py")):
        head = script.read_text().split("# --8<-- [start:")[0]
        assert head.startswith("# Run"), script.name


# ---------------------------------------------------------------- the bars


@pytest.mark.parametrize("run", [progress_bars.bar_pytorch, progress_bars.bar_lightning], ids=["pytorch", "lightning"])
@pytest.mark.parametrize("epoch", [0, 1])
def test_the_bar_is_redrawn_every_10_batches(run, epoch):
    assert progress_bars.redrawn_at(run.result(), epoch) == list(range(0, 101, 10))


def test_both_bars_end_each_epoch_showing_the_same_values():
    mine = [progress_bars.shown_values(f) for f in progress_bars.last_frames(progress_bars.bar_pytorch.result())]
    theirs = [progress_bars.shown_values(f) for f in progress_bars.last_frames(progress_bars.bar_lightning.result())]
    assert len(mine) == len(theirs) == 2
    for values_p, values_l in zip(mine, theirs):
        assert set(values_p) == {"train_loss", "val_loss"}
        assert values_l == {"v_num": "0", **values_p}
    assert mine[0] != mine[1]
    table = progress_bars.agreement()
    assert table.count("| yes |") == 2 and "**no**" not in table


def test_the_bar_shows_the_validation_loss_the_plain_loop_printed():
    """The bar's val_loss, rounded to 3 significant digits, is the epoch's val_loss."""
    printed = re.findall(r"^epoch (\d): val_loss ([0-9.]+)$", output(progress_bars.bar_pytorch), re.M)
    assert [e for e, _ in printed] == ["0", "1"]
    for frame, (_, loss) in zip(progress_bars.last_frames(progress_bars.bar_lightning.result()), printed):
        assert progress_bars.shown_values(frame)["val_loss"] == f"{float(loss):.3g}"


def test_the_frame_count_the_note_gives_is_what_the_outputs_hold():
    sentence = progress_bars.frame_counts()
    counts = [int(n) for n in re.findall(r"\b(\d+)\b", sentence)][2:]  # after "2 epochs of 100 batches"
    assert counts == [
        len(progress_bars.frames(progress_bars.bar_lightning.result())),
        len(progress_bars.frames(progress_bars.bar_pytorch.result())),
    ]
    assert min(counts) > 22  # more than the 2 × 11 redraws: a log file holds every frame


def test_the_built_page_shows_the_bars_that_the_cleaned_output_leaves_out():
    raw = progress_bars.bar_lightning.result().output
    assert "100/100" in raw and "100/100" not in output(progress_bars.bar_lightning)
    assert "100/100" in progress_bars.bar_block(progress_bars.bar_lightning)


# ---------------------------------------------------------------- no bar, RichProgressBar


def test_enable_progress_bar_false_draws_nothing_and_trains_the_same():
    raw = progress_bars.bar_lightning.result().output
    first, second = raw.split("Seed set to 0")[1:]
    assert "it/s" in first and "Total params" in first
    assert "it/s" not in second and "%|" not in second  # no bar at all, not even the sanity check's
    assert "Total params" not in second  # enable_model_summary=False
    text = output(progress_bars.bar_lightning)
    assert "progress bar: None" in text
    lightning = re.search(r"^val_loss ([0-9.]+)$", text, re.M).group(1)
    assert re.search(rf"^epoch 1: val_loss {lightning}$", output(progress_bars.bar_pytorch), re.M)


def test_rich_progress_bar_without_rich_says_how_to_install_it():
    assert importlib.util.find_spec("rich") is None, "rich is installed: the page's error section no longer holds"
    assert output(progress_bars.rich_bar).splitlines()[-1] == (
        "ModuleNotFoundError: `RichProgressBar` requires `rich` >= 10.2.2. Install it by running `pip install -U rich`."
    )


# ---------------------------------------------------------------- the model summary


ROW = re.compile(r"^\d+ \| ([\w.]+) +\| (\w+) +\| ([\d.]+ ?K?|\d+) +\|", re.M)


def test_the_default_summary_lists_the_top_level_modules_only():
    summary = output(progress_bars.bar_lightning).split("Total Flops")[0]
    assert ROW.findall(summary) == [("encoder", "Sequential", "50.4 K"), ("decoder", "Sequential", "51.2 K")]


def test_max_depth_2_lists_the_layers_inside_and_the_counts_agree_with_the_plain_sums():
    text = output(progress_bars.summary_lightning)
    rows = ROW.findall(text)
    assert [name for name, _, _ in rows] == [
        "encoder", "encoder.0", "encoder.1", "encoder.2", "decoder", "decoder.0", "decoder.1", "decoder.2",
    ]  # fmt: skip
    assert "Skipping setting a default `ModelSummary` callback" in text
    assert "In sizes" in text and "201 K     Total Flops" in text  # from example_input_array
    plain = output(progress_bars.summary_pytorch)
    encoder = int(re.search(r"^encoder: ([\d,]+) parameters$", plain, re.M).group(1).replace(",", ""))
    decoder = int(re.search(r"^decoder: ([\d,]+) parameters$", plain, re.M).group(1).replace(",", ""))
    assert (encoder, decoder) == (50_435, 51_216)
    assert dict((n, c) for n, _, c in rows)["encoder"] == f"{encoder / 1000:.1f} K"
    assert dict((n, c) for n, _, c in rows)["decoder"] == f"{decoder / 1000:.1f} K"
    assert "0.407 MB in float32" in plain and "0.407     Total estimated model params size (MB)" in text


def test_summarize_without_a_trainer_and_max_depth_minus_one():
    """What the page says without a run: summarize(model, max_depth=1) is the default table, and
    max_depth=-1 is max_depth=2 for this two-level model."""
    from pytorch_lightning.utilities.model_summary import summarize

    namespace: dict = {}
    exec(sections.text(FOLDER / "summary_lightning.py", "model"), namespace)  # noqa: S102 (our own snippet)
    model = namespace["model"]
    one, two, every = (str(summarize(model, max_depth=depth)) for depth in (1, 2, -1))
    assert [row[0] for row in ROW.findall(one)] == ["encoder", "decoder"]
    assert every == two and "decoder.2" in two
