"""The errata page: each old form fails (or misbehaves) the way the page says, and each fix works.

The scripts run through the build's own runner and cache, with exactly the options the page's
blocks pass to ``show()`` (read from the page itself), so each test reads the very run that the
page shows."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

from conftest import REPO
from pages import errata
from snippet_runner import clean

# The build's own runs, made up front and side by side (conftest.all_runs), before any test reads one.
pytestmark = pytest.mark.usefixtures("all_runs")

PAGE = REPO / "docs" / "errata.md"
FOLDER = REPO / "snippets" / "errata"
# The page's filter for a script that ends with an exception: the final exception line.
EXCEPTION_LINE = r"^\w+(Error|Exception)\b"
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
    "backward_hook": (
        "TypeError: LitAutoEncoder.backward() missing 2 required positional arguments: 'optimizer' and 'optimizer_idx'"
    ),
    "init_args": "TypeError: LitAutoEncoder.__init__() takes 1 positional argument but 3 were given",
    "fit_name": "NameError: name 'autoencoder' is not defined",
    "gpus": "TypeError: Trainer.__init__() got an unexpected keyword argument 'gpus'",
    "no_forward": 'NotImplementedError: Module [LitAutoEncoder] is missing the required "forward" function',
    "load_hparams": "NameError: name 'checkpoint' is not defined",
    "apex": "TypeError: Trainer.__init__() got an unexpected keyword argument 'amp_backend'",
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
    "backward_hook": [r"backward at step 0, loss 0\.\d{4}", r"backward at step 1, loss 0\.\d{4}"],
    "init_args": [r"LitAutoEncoder with 101,651 parameters"],
    "fit_name": [r"trained 1 epoch, 2 steps"],
    "no_val_loader": [r"logged: \['train_loss', 'val_loss'\]"],
    "gpus": [r"(CPUAccelerator|CUDAAccelerator), [1-9]\d* device\(s\), \w+Strategy"],
    "default_root_dir": [
        r"monitored metric: val_loss",
        r"best: some/path/lightning_logs/version_0/checkpoints/epoch=\d-step=\d\.ckpt \(val_loss 0\.\d{4}\)",
    ],
    "no_forward": [r"y_hat\.shape = \(1, 784\)"],
    "load_hparams": [r"\{'learning_rate': 0\.001\}"],
    "apex": [r"precision: (bf16-mixed|16-mixed)"],
    "checkpoint_keys": [
        r"encoder: \['0\.weight', '0\.bias', '2\.weight', '2\.bias'\]",
        r"<All keys matched successfully>",
    ],
}

# Lines quoted from the notes that the old script does not run as written, and why.
QUOTED_NOT_RUN = {
    "fit-name": {"model = LitAutoEncoder(encoder, decoder)"},  # erratum 13: the script builds it correctly
    "no-val-loader": {  # the notes' name, erratum 14: the script passes model=model
        "trainer.fit(model=autoencoder, train_dataloaders=train_loader) # pass data to the trainer"
    },
    "checkpoint-location": {'trainer = Trainer(default_root_dir="some/path/")'},  # pl.Trainer, with max_epochs=3
    "no-forward": {'model = MyLightningModule.load_from_checkpoint("/path/to/checkpoint.ckpt")'},  # a fresh model
    "checkpoint-keys": {'checkpoint = torch.load("path")'},  # the real file's path
    "apex": {  # the comment's claim is what the script tests, through the flag that chose apex
        "# automatically restores model, epoch, step, LR schedulers, apex, etc...",
        'trainer.fit(model, ckpt_path="some/path/to/my_checkpoint.ckpt")',
    },
}


def page_text() -> str:
    return PAGE.read_text()


def page_calls() -> dict[str, dict]:
    """Script stem -> the render options (``keep``, ``title``) its block on the page passes to ``show()``."""
    calls: dict[str, dict] = {}
    for stem, arguments in re.findall(r'errata\.RUNS\["(\w+)"\]\.show\((.*)\)\)$', page_text(), re.M):
        assert stem not in calls, f"{stem}.py is shown twice on the page"
        call = ast.parse(f"show({arguments})").body[0].value
        calls[stem] = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    assert calls
    return calls


CALLS = page_calls()


def page_run(snippet, stem: str):
    """The run the page shows for ``snippets/errata/<stem>.py``: its declaration in pages/errata.py."""
    return errata.RUNS[stem].result()


def shown(snippet, stem: str) -> list[str]:
    """The lines the page shows for a script: its cleaned output, through the block's ``keep`` filter."""
    text = clean(page_run(snippet, stem))
    keep = CALLS[stem].get("keep")
    lines = text.split("\n")
    return [line for line in lines if re.search(keep, line)] if keep else lines


def sections() -> dict[str, str]:
    """Erratum anchor -> the Markdown of its section (from its heading to the next heading)."""
    text = page_text()
    found = {}
    for match in re.finditer(r"^#{2,3} \d+\. [^\n]*\{ #([-a-z]+) \}\n(.*?)(?=^#{2,3} )", text, re.M | re.S):
        found[match.group(1)] = match.group(2)
    return found


def section_of(stem: str) -> tuple[str, str]:
    for anchor, body in sections().items():
        if f'errata.RUNS["{stem}"].show(' in body:
            return anchor, body
    raise AssertionError(f"{stem}.py is not run in any erratum's section")


# --- the page and its scripts belong together ------------------------------------------------


def test_every_erratum_has_an_old_and_a_fixed_script_and_the_page_runs_both():
    scripts = {p.stem for p in FOLDER.glob("*.py")}
    assert scripts == {*ERRATA, *(f"{e}_fixed" for e in ERRATA), "make_checkpoint"}
    assert set(errata.RUNS) == set(CALLS) == scripts
    for stem in ERRATA:
        old_anchor, _ = section_of(stem)
        fixed_anchor, _ = section_of(f"{stem}_fixed")
        assert old_anchor == fixed_anchor, f"{stem}: the old form and its fix are in different sections"


def test_old_forms_that_raise_are_shown_by_their_exception_line_and_the_others_in_full_or_filtered():
    for stem in RAISES:
        assert errata.RUNS[stem].returncode == 1, f"{stem}: the run must expect the exception (returncode=1)"
        assert CALLS[stem]["keep"] in (EXCEPTION_LINE, r"^(dict_keys|\w+(Error|Exception)\b)"), stem
    for stem in [*MISBEHAVES, *(f"{e}_fixed" for e in ERRATA), "make_checkpoint"]:
        assert errata.RUNS[stem].returncode == 0, stem


def test_the_cuda_errata_run_with_no_gpu_visible_so_the_page_is_the_same_on_any_build_machine():
    for stem in ("cuda_loop", "cuda_validation_step"):
        assert errata.RUNS[stem].env == {"CUDA_VISIBLE_DEVICES": ""}, stem


def test_the_summary_lists_every_erratum_in_order_with_the_exception_each_raises(snippet):
    text = page_text()
    summary = text[text.index("## Summary") : text.index("## The model")]
    rows = []
    for line in re.findall(r"^\| \d+ \|.*$", summary, re.M):
        number, _quoted, happens, fix = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows.append((number, happens, re.fullmatch(r"\[.*\]\(#([-a-z]+)\)", fix).group(1)))
    anchors = re.findall(r"^#{2,3} \d+\. .*\{ #([-a-z]+) \}$", text, re.M)
    assert [anchor for _, _, anchor in rows] == anchors
    assert [int(n) for n, _, _ in rows] == list(range(1, len(anchors) + 1))
    said = {anchor: column for _, column, anchor in rows}
    for stem in RAISES:
        anchor, _ = section_of(stem)
        exception_type = re.search(EXCEPTION_LINE, final_exception(snippet, stem)).group(0)
        assert f"`{exception_type}`" in said[anchor], f"{anchor}: the summary says {said[anchor]!r}"


def test_every_line_quoted_from_the_notes_is_run_as_written_by_the_old_script():
    for stem in ERRATA:
        anchor, body = section_of(stem)
        quote = re.search(r'!!! quote "In the notes"\n(.*?)\n(?=\S)', body, re.S).group(1)
        quoted = [
            line.strip()
            for fence in re.findall(r"```\{\.python notest\}\n(.*?)```", quote, re.S)
            for line in fence.splitlines()
            if line.strip() and line.strip() != "..."
        ]
        assert quoted, anchor
        script_lines = {line.strip() for line in (FOLDER / f"{stem}.py").read_text().splitlines()}
        for line in quoted:
            if line in QUOTED_NOT_RUN.get(anchor, set()):
                continue
            assert line in script_lines, f"{anchor}: {line!r} is quoted from the notes but {stem}.py does not run it"


def slugs(page: Path) -> set[str]:
    """The anchors a page's headings get: explicit ``{ #id }`` or the toc extension's slug."""
    found = set()
    for heading in re.findall(r"^#{1,6} (.*)$", page.read_text(), re.M):
        explicit = re.search(r"\{ #([-\w]+) \}", heading)
        if explicit:
            found.add(explicit.group(1))
        else:
            words = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
            found.add(re.sub(r"[-\s]+", "-", words))
    return found


def test_every_link_to_where_the_site_teaches_a_fix_names_an_existing_section():
    text = re.sub(r"`[^`\n]*`", "", page_text())  # code spans quote the notes' own (broken) links
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


def final_exception(snippet, stem: str) -> str:
    lines = shown(snippet, stem)
    exceptions = [line for line in lines if re.search(EXCEPTION_LINE, line)]
    assert exceptions, f"{stem}.py ended without an exception line:\n{clean(page_run(snippet, stem))}"
    return exceptions[-1]


@pytest.mark.parametrize("stem", list(RAISES))
def test_old_form_raises_what_the_page_shows(snippet, stem):
    last = final_exception(snippet, stem)
    expected = RAISES[stem]
    assert last.startswith(expected if isinstance(expected, tuple) else (expected,)), last
    assert "Traceback" not in "\n".join(shown(snippet, stem))


def test_cuda_errata_say_what_the_build_shows(snippet):
    """The page names the no-GPU errors; the one the build shows is among them."""
    text = page_text()
    for stem in ("cuda_loop", "cuda_validation_step"):
        last = final_exception(snippet, stem)
        assert last.startswith(NO_GPU), last
    for message in NO_GPU[1:]:
        assert message in text.replace("\n", " ")


def test_checkpoint_keys_shows_the_keys_then_fails_on_encoder(snippet):
    lines = shown(snippet, "checkpoint_keys")
    assert lines[0].startswith("dict_keys(['epoch', 'global_step', 'pytorch-lightning_version', 'state_dict'")
    assert "'encoder'" not in lines[0] and "'hyper_parameters'" in lines[0]
    assert lines[-1] == "KeyError: 'encoder'"


def test_iterating_the_data_set_trains_on_one_image_per_step(snippet):
    assert shown(snippet, "dataset_loop") == ["one batch: x.shape = (1, 784)", "optimizer steps in one epoch: 640"]


def test_fit_without_validation_data_never_validates(snippet):
    lines = shown(snippet, "no_val_loader")
    assert any(
        "You defined a `validation_step` but have no `val_dataloader`. Skipping val loop." in line for line in lines
    )
    assert lines[-1] == "logged: ['train_loss']"
    fixed = shown(snippet, "no_val_loader_fixed")
    assert fixed == ["logged: ['train_loss', 'val_loss']"], fixed


def test_default_checkpointing_keeps_one_file_three_folders_down_and_no_best(snippet):
    run = page_run(snippet, "default_root_dir")
    files = sorted(p.relative_to(run.workdir).as_posix() for p in run.workdir.rglob("*.ckpt"))
    assert files == ["some/path/lightning_logs/version_0/checkpoints/epoch=2-step=6.ckpt"]
    assert shown(snippet, "default_root_dir") == [
        "checkpoint files after 3 epochs:",
        "  some/path/lightning_logs/version_0/checkpoints/epoch=2-step=6.ckpt",
        "monitored metric: None",
    ]
    fixed = page_run(snippet, "default_root_dir_fixed")
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
def test_fix_runs_and_prints_what_shows_it_works(snippet, stem):
    output = clean(page_run(snippet, f"{stem}_fixed"))
    for pattern in FIXED_PRINTS[stem]:
        assert re.search(rf"^{pattern}$", output, re.M), f"{stem}_fixed.py did not print {pattern!r}:\n{output}"
    assert "Traceback" not in output


def test_the_checkpoint_the_errata_read_is_a_real_lightning_checkpoint(snippet):
    run = page_run(snippet, "make_checkpoint")
    assert "wrote autoencoder.ckpt" in clean(run)
    assert (run.workdir / "autoencoder.ckpt").is_file()
    for stem in ("load_hparams", "checkpoint_keys", "load_hparams_fixed", "checkpoint_keys_fixed"):
        assert errata.RUNS[stem].starts_from == (errata.make_checkpoint,), stem


# --- the built page --------------------------------------------------------------------------


def test_the_built_page_shows_each_exception_and_no_traceback(built_site, snippet):
    page = html.unescape(re.sub(r"<[^>]+>", "", (built_site / "errata" / "index.html").read_text()))
    assert "Traceback (most recent call last)" not in page
    for stem in RAISES:
        assert final_exception(snippet, stem) in page, stem
    for stem in [*ERRATA, *(f"{e}_fixed" for e in ERRATA), "make_checkpoint"]:
        assert f"Output of snippets/errata/{stem}.py, which ran in" in page, stem
