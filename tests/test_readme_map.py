"""The README's "Where things are" map is complete and every entry in it exists."""

import argparse
import re
from pathlib import Path

import pytest

from specbound.claims import CLAIM_MODULES, all_claims
from specbound.cli import build_parser
from specbound.figures import all_figures
from specbound.figures.pair import PAIR_FIGURES

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "specbound"
README = (ROOT / "README.md").read_text()
COLUMNS = ("topic", "modules", "claims", "tests", "figures", "command")


def _map_rows() -> list[dict[str, list[str]]]:
    section = README.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")][2:]  # header, rule
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(COLUMNS), line
        rows.append({k: re.findall(r"`([^`]+)`", v) for k, v in zip(COLUMNS, cells, strict=True)})
    return rows


ROWS = _map_rows()


def _column(name: str) -> list[str]:
    return [entry for row in ROWS for entry in row[name]]


def test_map_has_a_row_per_topic():
    assert len(ROWS) >= 6


@pytest.mark.parametrize("entry", _column("modules"))
def test_every_listed_module_exists(entry):
    assert (PACKAGE / entry).exists(), f"README map names specbound/{entry}, which is missing"


def test_every_module_is_on_the_map():
    listed = _column("modules")
    folders = tuple(e for e in listed if e.endswith("/"))
    missing = [
        rel
        for rel in (p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("*.py")))
        if rel not in listed and not rel.startswith(folders)
    ]
    assert not missing, f"modules missing from the README map: {missing}"


def test_every_claim_and_claim_module_is_on_the_map():
    prefixes = {e.removesuffix(".*") for e in _column("claims")}
    ids = {c.id for c in all_claims()}
    assert {i.split(".", 1)[0] for i in ids} == prefixes
    listed = set(_column("modules"))
    for module in CLAIM_MODULES:
        rel = module.removeprefix("specbound.").replace(".", "/") + ".py"
        assert rel in listed, f"claim module {module} missing from the README map"


def test_every_test_file_is_on_the_map():
    listed = set(_column("tests"))
    present = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("test_*.py")}
    assert listed == present


def test_every_figure_is_on_the_map():
    pair = {f"pair/{name}" for name, _ in PAIR_FIGURES}
    assert set(_column("figures")) == {f.name for f in all_figures()} | pair


def test_every_command_is_on_the_map():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    listed = {e.removeprefix("specbound ") for e in _column("command")}
    assert listed == set(sub.choices)
