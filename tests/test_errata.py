"""The errata page: each old form fails (or misbehaves) the way the page says, and each fix works.

The page prints every erratum from one table (``pages.errata.TABLE``) with ``errata.entry()``;
the scripts run through the build's own runner and cache, with exactly the options the entries
pass to ``show()`` (``errata.old_options``, ``errata.fixed_options``), so each test reads the
very run that the page shows."""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

import pytest

from conftest import REPO
from pages import errata
from snippet_runner import clean
from snippet_runner.pairs import EXCEPTION_LINE  # the page's filter: the final exception line

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

PAGE = REPO / "docs" / "errata.md"
FOLDER = REPO / "snippets" / "errata"
# What `.cuda(0)` raises where no GPU can be used: a CUDA build of torch without a driver (the
# build machine), with a driver but no visible GPU, and a CPU-only build of torch.
NO_GPU = (
    "RuntimeError: Found no NVIDIA driver on your system",
    "RuntimeError: No CUDA GPUs are available",
    "AssertionError: Torch not compiled with CUDA enabled",
)

# Each old form that raises, with the start of its final exception line.
RAISES = {
    "encoder_name": "NameError: name 'encoder' is not defined",
    "cuda_loop": NO_GPU,
    "adam_params": "TypeError: optimizer can only optimize Tensors, but one of the params is Module.parameters",
    "optim_adam": "NameError: name 'optim' is not defined",
    "model_name": "NameError: name 'model' is not defined",
    "f_import": "NameError: name 'F' is not defined",
    "zero_grad": "NameError: name 'optimize' is not defined",
    "val_mean": "AttributeError: 'Tensor' object has no attribute 'append'",
    "cuda_validation_step": NO_GPU,
    "mse_error": "AttributeError: module 'torch.nn.functional' has no attribute 'mse_error'",
    "init_args": "TypeError: LitAutoEncoder.__init__() takes 1 positional argument but 3 were given",
    "fit_name": "NameError: name 'autoencoder' is not defined",
    "no_forward": 'NotImplementedError: Module [LitAutoEncoder] is missing the required "forward" function',
    "load_hparams": "NameError: name 'checkpoint' is not defined",
    "checkpoint_keys": "KeyError: 'encoder'",
}
# Old forms that run to the end and print a wrong result (checked one by one below).
MISBEHAVES = ["dataset_loop", "no_val_loader", "default_root_dir"]
ERRATA = [*RAISES, *MISBEHAVES]

# What each fixed script must print (regular expressions, each matching a whole line).
FIXED_PRINTS = {
    "encoder_name": [r"encoder on (cpu|cuda:0), decoder on \1"],
    "cuda_loop": [r"batch on (cpu|cuda:0), x_hat\.shape = \(32, 784\)"],
    "adam_params": [r"Adam updates 8 tensors, 101,651 numbers"],
    "optim_adam": [r"trained 2 steps with Adam"],
    "model_name": [
        r"model\.training = True, encoder\.training = True",
        r"after model\.eval\(\): encoder\.training = False, decoder\.training = False",
    ],
    "dataset_loop": [r"one batch: x\.shape = \(32, 784\)", r"optimizer steps in one epoch: 20"],
    "f_import": [r"loss = 0\.\d{4}"],
    "zero_grad": [r"one step done, loss = 0\.\d{4}"],
    "val_mean": [r"val_loss, the mean over 3 batches: 0\.\d{4}"],
    "cuda_validation_step": [r"val_loss = 0\.\d{4}, computed on (cpu|cuda:0)"],
    "mse_error": [r"val_loss = 0\.\d{4}"],
    "init_args": [r"LitAutoEncoder with 101,651 parameters"],
    "fit_name": [r"trained 1 epoch, 2 steps"],
    "no_val_loader": [r"logged: \['train_loss', 'val_loss'\]"],
    "default_root_dir": [
        r"monitored metric: val_loss",
        r"best: some/path/lightning_logs/version_0/checkpoints/epoch=\d-step=\d\.ckpt \(val_loss 0\.\d{4}\)",
    ],
    "no_forward": [r"y_hat\.shape = \(1, 784\)"],
    "load_hparams": [r"\{'learning_rate': 0\.001\}"],
    "checkpoint_keys": [
        r"encoder: \['0\.weight', '0\.bias', '2\.weight', '2\.bias'\]",
        r"<All keys matched successfully>",
    ],
}

# Lines quoted from the notes that the old script does not run as written, and why.
QUOTED_NOT_RUN = {
    "fit-name": {"model = LitAutoEncoder(encoder, decoder)"},  # erratum init-args: the script builds it correctly
    "no-val-loader": {  # the notes' name, erratum fit-name: the script passes model=model
        "trainer.fit(model=autoencoder, train_dataloaders=train_loader) # pass data to the trainer"
    },
    "checkpoint-location": {'trainer = Trainer(default_root_dir="some/path/")'},  # pl.Trainer, with max_epochs=3
    "no-forward": {'model = MyLightningModule.load_from_checkpoint("/path/to/checkpoint.ckpt")'},  # a fresh model
    "checkpoint-keys": {'checkpoint = torch.load("path")'},  # the real file's path
}


def page_text() -> str:
    return PAGE.read_text()


def page_run(stem: str):
    """The run the page shows for ``snippets/errata/<stem>.py``: its declaration in pages/errata.py."""
    return errata.RUNS[stem].result()


def options(stem: str) -> dict:
    """The options the page's entry passes to ``show()`` for a script."""
    if stem == "make_checkpoint":
        return {}
    if stem.endswith("_fixed"):
        return errata.fixed_options(errata.BY_STEM[stem.removesuffix("_fixed")])
    return errata.old_options(errata.BY_STEM[stem])


def shown(stem: str) -> list[str]:
    """The lines the page shows for a script: its cleaned output, through the block's ``keep`` filter."""
    text = clean(page_run(stem))
    keep = options(stem).get("keep")
    lines = text.split("\n")
    return [line for line in lines if re.search(keep, line)] if keep else lines


def entry_blocks() -> list[tuple[str, str]]:
    """(stem, the page's Markdown from its ``entry()`` block to the next one), in page order."""
    text = page_text()
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'print\(errata\.entry\("(\w+)"\)\)', text)]
    ends = [start for start, _ in starts[1:]] + [text.index("{ #prose }")]
    return [(stem, text[start:end]) for (start, stem), end in zip(starts, ends)]


# --- the table, the page and the scripts belong together --------------------------------------


def test_every_erratum_has_an_old_and_a_fixed_script_and_the_page_prints_each_once_in_table_order():
    scripts = {p.stem for p in FOLDER.glob("*.py")}
    assert scripts == {*ERRATA, *(f"{e}_fixed" for e in ERRATA), "make_checkpoint"}
    assert set(errata.RUNS) == scripts
    assert [e.stem for e in errata.TABLE] == list(errata.ERRATA)
    assert sorted(errata.ERRATA) == sorted(ERRATA)
    assert [stem for stem, _ in entry_blocks()] == [e.stem for e in errata.TABLE]


def test_each_entry_is_followed_by_both_scripts_in_full_in_a_collapsed_block():
    for stem, block in entry_blocks():
        details = re.search(r'^\?\?\? \w+ "(.*)"\n((?:(?:    .*)?\n)+)', block, re.M)
        assert details, f"{stem}: no collapsed block after the entry"
        included = re.findall(r'^    --8<-- "snippets/errata/(\w+)\.py"$', details.group(2), re.M)
        expected = [stem, f"{stem}_fixed"]
        if stem == "load_hparams":
            expected = ["make_checkpoint", *expected]
        assert included == expected, f"{stem}: the collapsed block includes {included}"


def test_the_groups_come_in_page_order():
    order = [e.group for e in errata.TABLE]
    assert order == sorted(order, key=list(errata.GROUPS).index), "a group's errata must stand together"
    text = page_text()
    headings = re.findall(r"^## (.*) \{ #([-a-z0-9]+) \}$", text, re.M)
    assert [(h, a) for h, a in headings if a != "prose"] == [(h, a) for a, h in errata.GROUPS.values()]
    for e in errata.TABLE:  # each entry sits under its group's heading
        before = text[: text.index(f'errata.entry("{e.stem}")')]
        assert re.findall(r"^## .* \{ #([-a-z0-9]+) \}$", before, re.M)[-1] == errata.GROUPS[e.group][0], e.stem


def test_old_forms_that_raise_are_shown_by_their_exception_line_and_the_others_in_full_or_filtered():
    for stem in RAISES:
        assert errata.RUNS[stem].returncode == 1, f"{stem}: the run must expect the exception (returncode=1)"
        assert options(stem)["keep"] in (EXCEPTION_LINE, r"^(dict_keys|\w+(Error|Exception)\b)"), stem
    for stem in [*MISBEHAVES, *(f"{e}_fixed" for e in ERRATA), "make_checkpoint"]:
        assert errata.RUNS[stem].returncode == 0, stem


def test_the_cuda_errata_run_with_no_gpu_visible_so_the_page_is_the_same_on_any_build_machine():
    for stem in ("cuda_loop", "cuda_validation_step"):
        assert errata.RUNS[stem].env == {"CUDA_VISIBLE_DEVICES": ""}, stem


def test_the_summary_lists_every_erratum_in_order_with_the_exception_each_raises():
    assert "print(errata.summary())" in page_text()[: page_text().index("## Device calls")]
    rows = []
    for line in re.findall(r"^\| \d+ \|.*$", errata.summary(), re.M):
        number, _quoted, happens, fix = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows.append((number, happens, re.fullmatch(r"\[.*\]\(#([-a-z]+)\)", fix).group(1)))
    anchors = [e.anchor for e in errata.TABLE] + ["prose"]
    assert [anchor for _, _, anchor in rows] == anchors
    assert [int(n) for n, _, _ in rows] == list(range(1, len(anchors) + 1))
    assert f"## {len(anchors)}. " in page_text()  # the prose section's number follows the table's
    said = {anchor: column for _, column, anchor in rows}
    for stem in RAISES:
        anchor = errata.BY_STEM[stem].anchor
        exception_type = re.search(EXCEPTION_LINE, final_exception(stem)).group(0)
        assert f"`{exception_type}`" in said[anchor], f"{anchor}: the summary says {said[anchor]!r}"


def quoted_code(e) -> list[str]:
    return [
        line.strip()
        for part in e.quote
        if not isinstance(part, errata.Prose)
        for line in part.splitlines()
        if line.strip() and line.strip() != "..."
    ]


def test_every_line_quoted_from_the_notes_is_run_as_written_by_the_old_script():
    for e in errata.TABLE:
        quoted = quoted_code(e)
        assert quoted, e.anchor
        script_lines = {line.strip() for line in (FOLDER / f"{e.stem}.py").read_text().splitlines()}
        for line in quoted:
            if line in QUOTED_NOT_RUN.get(e.anchor, set()):
                continue
            assert line in script_lines, (
                f"{e.anchor}: {line!r} is quoted from the notes but {e.stem}.py does not run it"
            )


def test_each_entry_shows_the_fix_as_the_diff_of_the_two_scripts():
    for e in errata.TABLE:
        markdown = errata.entry(e.stem)
        assert markdown.startswith(f"### {errata.NUMBER[e.anchor]}. {e.title} {{ #{e.anchor} }}\n"), e.stem
        fence = re.search(r'^```diff title="(\w+)\.py → (\w+)\.py"\n(.*?)\n```$', markdown, re.M | re.S)
        assert fence and fence.group(1, 2) == (e.stem, f"{e.stem}_fixed"), e.stem
        old = (FOLDER / f"{e.stem}.py").read_text().splitlines()
        new = (FOLDER / f"{e.stem}_fixed.py").read_text().splitlines()
        shown_lines = fence.group(3).split("\n")
        for sign in "-+":  # every changed line, and only those
            changed = [line[2:] for line in difflib.ndiff(old, new) if line.startswith(f"{sign} ")]
            assert [line[1:] for line in shown_lines if line.startswith(sign)] == changed, (e.stem, sign)
        for quoted in quoted_code(e)[:1]:
            assert quoted in markdown, e.stem  # the quote is printed as written


def slugs(page: Path) -> set[str]:
    """The anchors a page's headings get: explicit ``{ #id }`` or the toc extension's slug."""
    found = set()
    text = page.read_text()
    if page == PAGE:
        text += "\n" + "\n".join(errata.entry(e.stem).split("\n", 1)[0] for e in errata.TABLE)
    for heading in re.findall(r"^#{1,6} (.*)$", text, re.M):
        explicit = re.search(r"\{ #([-\w]+) \}", heading)
        if explicit:
            found.add(explicit.group(1))
        else:
            words = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
            found.add(re.sub(r"[-\s]+", "-", words))
    return found


def test_every_link_to_where_the_site_teaches_a_fix_names_an_existing_section():
    markdown = page_text() + "".join(errata.refs(e.why) + errata.refs(e.fix) for e in errata.TABLE)
    markdown += errata.summary()
    text = re.sub(r"`[^`\n]*`", "", markdown)  # code spans quote the notes' own (broken) links
    for e in errata.TABLE:
        assert re.search(r"\]\([-a-z]+\.md#[-\w]+\)", e.fix), f"{e.anchor}: the fix links no section of the site"
    links = re.findall(r"\]\(([-a-z]+\.md)(?:#([-\w]+))?\)", text)
    assert links
    for target, anchor in links:
        page = REPO / "docs" / target
        assert page.is_file(), f"link to {target}, which does not exist"
        if anchor:
            assert anchor in slugs(page), f"link to {target}#{anchor}, which is no section of it"
    own = re.findall(r"\]\(#([-\w]+)\)", text)
    assert set(own) <= slugs(PAGE), set(own) - slugs(PAGE)


# --- each old form fails, or misbehaves, the way the page says -------------------------------


def final_exception(stem: str) -> str:
    lines = shown(stem)
    exceptions = [line for line in lines if re.search(EXCEPTION_LINE, line)]
    assert exceptions, f"{stem}.py ended without an exception line:\n{clean(page_run(stem))}"
    return exceptions[-1]


@pytest.mark.parametrize("stem", list(RAISES))
def test_old_form_raises_what_the_page_shows(stem):
    last = final_exception(stem)
    expected = RAISES[stem]
    assert last.startswith(expected if isinstance(expected, tuple) else (expected,)), last
    assert "Traceback" not in "\n".join(shown(stem))
    assert errata.error_type(errata.BY_STEM[stem]) == last.split(":")[0]


def test_cuda_errata_say_what_the_build_shows():
    """The page names the no-GPU errors; the one the build shows is among them."""
    text = errata.BY_STEM["cuda_loop"].why
    for stem in ("cuda_loop", "cuda_validation_step"):
        last = final_exception(stem)
        assert last.startswith(NO_GPU), last
    for message in NO_GPU[1:]:
        assert message in text


def test_checkpoint_keys_shows_the_keys_then_fails_on_encoder():
    lines = shown("checkpoint_keys")
    assert lines[0].startswith("dict_keys(['epoch', 'global_step', 'pytorch-lightning_version', 'state_dict'")
    assert "'encoder'" not in lines[0] and "'hyper_parameters'" in lines[0]
    assert lines[-1] == "KeyError: 'encoder'"


def test_iterating_the_data_set_trains_on_one_image_per_step():
    assert shown("dataset_loop") == ["one batch: x.shape = (1, 784)", "optimizer steps in one epoch: 640"]


def test_fit_without_validation_data_never_validates():
    lines = shown("no_val_loader")
    assert any(
        "You defined a `validation_step` but have no `val_dataloader`. Skipping val loop." in line for line in lines
    )
    assert lines[-1] == "logged: ['train_loss']"
    fixed = shown("no_val_loader_fixed")
    assert fixed == ["logged: ['train_loss', 'val_loss']"], fixed


def test_default_checkpointing_keeps_one_file_three_folders_down_and_no_best():
    run = page_run("default_root_dir")
    files = sorted(p.relative_to(run.workdir).as_posix() for p in run.workdir.rglob("*.ckpt"))
    assert files == ["some/path/lightning_logs/version_0/checkpoints/epoch=2-step=6.ckpt"]
    assert shown("default_root_dir") == [
        "checkpoint files after 3 epochs:",
        "  some/path/lightning_logs/version_0/checkpoints/epoch=2-step=6.ckpt",
        "monitored metric: None",
    ]
    fixed = page_run("default_root_dir_fixed")
    kept = sorted(p.name for p in fixed.workdir.rglob("*.ckpt"))
    assert kept == ["epoch=0-step=2.ckpt", "epoch=1-step=4.ckpt", "epoch=2-step=6.ckpt"]


def test_the_notes_training_step_block_does_not_indent_like_a_method():
    """The prose erratum's claim, which no script can show (the runner must parse its scripts)."""
    notes_block = (
        "  def training_step(self, batch, batch_idx):\n    # training_step defines the train loop.\n    x, y = batch\n"
    )
    module = f"class LitAutoEncoder:\n    def __init__(self):\n        super().__init__()\n{notes_block}"
    with pytest.raises(IndentationError):
        compile(module, "pasted.py", "exec")


# --- each fix works ---------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ERRATA)
def test_fix_runs_and_prints_what_shows_it_works(stem):
    output = clean(page_run(f"{stem}_fixed"))
    for pattern in FIXED_PRINTS[stem]:
        assert re.search(rf"^{pattern}$", output, re.M), f"{stem}_fixed.py did not print {pattern!r}:\n{output}"
    assert "Traceback" not in output


def test_the_checkpoint_the_errata_read_is_a_real_lightning_checkpoint():
    run = page_run("make_checkpoint")
    assert "wrote autoencoder.ckpt" in clean(run)
    assert (run.workdir / "autoencoder.ckpt").is_file()
    for stem in ("load_hparams", "checkpoint_keys", "load_hparams_fixed", "checkpoint_keys_fixed"):
        assert errata.RUNS[stem].starts_from == (errata.make_checkpoint,), stem


# --- the built page --------------------------------------------------------------------------


def test_the_built_page_shows_each_exception_its_anchors_and_no_traceback(built_site):
    built = (built_site / "errata" / "index.html").read_text()
    page = html.unescape(re.sub(r"<[^>]+>", "", built))
    assert "Traceback (most recent call last)" not in page
    for stem in RAISES:
        assert final_exception(stem) in page, stem
    for stem in [*ERRATA, *(f"{e}_fixed" for e in ERRATA), "make_checkpoint"]:
        assert f"Output of snippets/errata/{stem}.py, which ran in" in page, stem
    for e in errata.TABLE:
        assert f'id="{e.anchor}"' in built, e.anchor
        assert f'href="#{e.anchor}"' in built, e.anchor  # in the summary and the table of contents
    for anchor, _ in errata.GROUPS.values():
        assert f'id="{anchor}"' in built, anchor
    assert built.count("<details") == len(errata.TABLE)  # the full scripts, collapsed
