"""The Cheat sheet page: every piece of code in its table is part of a line of the script section
its row names, as the scripts are today; every link lands on an anchor of the built site; a row
that names a missing script, section, line or anchor stops the build; the page shows every row."""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser

import pytest

from conftest import REPO
from pages import cheat_sheet
from pages.cheat_sheet import PYTORCH, ROWS, CheatSheetError, Code, Row

PAGE = "cheat-sheet/index.html"


def codes(row: Row) -> list[Code]:
    return [
        part
        for cell in (row.pytorch, row.lightning, row.fabric)
        for part in cheat_sheet.parts(cell)
        if isinstance(part, Code)
    ]


def section_text(script: str, section: str) -> list[str]:
    """The section's lines, read here with a regex of its own (not with the page module's reader)."""
    name = re.escape(section)
    text = (REPO / script).read_text()
    blocks = re.findall(rf"^[ \t]*# --8<-- \[start:{name}\]\n(.*?)^[ \t]*# --8<-- \[end:{name}\]", text, re.S | re.M)
    return [line for block in blocks for line in block.splitlines()]


CODES = [(row.what, code) for row in ROWS for code in codes(row)]


@pytest.mark.parametrize(("what", "code"), CODES, ids=[f"{what}: {code.script}:{code.section}" for what, code in CODES])
def test_every_piece_of_code_is_part_of_a_line_of_its_section_today(what, code):
    lines = section_text(code.script, code.section)
    assert lines, f"{code.script} has no section {code.section!r}"
    shown = cheat_sheet.lines(code)
    assert shown
    for piece in shown:
        assert piece.strip() == piece and piece, f"{what}: {piece!r}"
        assert any(piece in line for line in lines), f"{what}: {piece!r} is in no line of {code.script}:{code.section}"


def test_the_rows_cover_what_a_training_script_has():
    covered = " ".join(row.what for row in ROWS).lower()
    for thing in (
        "imports", "device", "model", "optimizer", "loaders", "epoch", "eval()", "backward", "validation",
        "logging", "clipping", "accumulation", "scheduler", "precision", "early stopping", "save",
        "resume", "predict", "ddp", "seed",
    ):  # fmt: skip
        assert thing in covered, thing


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            Row("x", "index.md", Code(PYTORCH, "no-such-section", r"torch"), "", ""),
            r"train_pytorch\.py has no section 'no-such-section'",
        ),
        (
            Row("x", "index.md", "", Code(PYTORCH, "imports", r"^import nothing_like_this$"), ""),
            r"no line of .*train_pytorch\.py, section 'imports', matches",
        ),
        (
            Row("x", "index.md", "", "", Code("snippets/fabric/no_such_script.py", "fit", r".")),
            r"no_such_script\.py does not exist",
        ),
        (Row("x", "checkpoints.md#no-such-anchor", "", "", ""), r"docs/checkpoints\.md has no \{ #no-such-anchor \}"),
        (Row("x", "index.md", "[y](no-such-page.md#x)", "", ""), r"docs/no-such-page\.md does not exist"),
    ],
    ids=["section", "line", "script", "anchor", "page in words"],
)
def test_a_row_that_names_what_is_not_there_stops_the_build(row, error):
    with pytest.raises(CheatSheetError, match=error):
        cheat_sheet.table([row])


def test_a_trailing_comment_goes_and_a_hash_in_a_string_stays():
    assert cheat_sheet.without_comment('print("a # b")  # c') == 'print("a # b")'
    assert cheat_sheet.without_comment("trainer = pl.Trainer(  # opens a bracket") == "trainer = pl.Trainer("
    assert cheat_sheet.without_comment("x = 1") == "x = 1"


def test_a_group_shows_only_the_part_it_matched():
    clip = Code("snippets/training-loop/clipping_lightning.py", "fit", r"(gradient_clip_val=[^,)]+)")
    assert cheat_sheet.lines(clip) == ["gradient_clip_val=0.02"]


class Table(HTMLParser):
    """The cheat sheet's table: per row, each cell's text and the links in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <div class="cheat-sheet">: how many open divs deep
        self.rows: list[list[tuple[str, list[str]]]] = []
        self.cell: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and (self.depth or "cheat-sheet" in (attrs.get("class") or "").split()):
            self.depth += 1
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ["", []]
        elif tag == "a" and self.cell is not None:
            self.cell[1].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append((self.cell[0], self.cell[1]))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[0] += data


@pytest.fixture(scope="module")
def table(built_site):
    parser = Table()
    parser.feed((built_site / PAGE).read_text())
    assert parser.rows, f"no table in a <div class='cheat-sheet'> on {PAGE}"
    return parser.rows


def test_the_page_shows_every_row_with_its_code(table):
    header, *body = table
    assert [text for text, _ in header] == ["What", "PyTorch", "Lightning", "Fabric"]
    assert len(body) == len(ROWS)
    for row, cells in zip(ROWS, body, strict=True):
        assert cells[0][0] == row.what.replace("`", ""), cells[0][0]
        for cell, (text, _) in zip((row.pytorch, row.lightning, row.fabric), cells[1:], strict=True):
            for piece in cheat_sheet.code_lines(cell):
                assert piece in text, f"{row.what}: {piece!r} not in {text!r}"


def test_every_link_lands_on_an_anchor_of_the_built_site(table, built_site):
    links = [href for row in table for _, hrefs in row for href in hrefs]
    assert len(links) >= len(ROWS)  # each row links its section at least
    for href in links:
        assert not re.match(r"[a-z]+:|/", href), f"{href}: the cheat sheet links only within the site"
        path, _, anchor = href.partition("#")
        assert not path.endswith(".md"), f"{href}: a link left as Markdown"
        target = built_site / posixpath.normpath(posixpath.join(posixpath.dirname(PAGE), path)) / "index.html"
        assert target.is_file(), f"{href}: no page {target}"
        assert anchor, f"{href}: each row links a section, not a whole page"
        assert re.search(rf'\bid="{re.escape(anchor)}"', target.read_text()), f"{href}: no id={anchor!r} on {target}"
