"""The README examples run: every python block is executed, every `$ specbound` line run."""

import re
import shlex
from pathlib import Path

import pytest

from specbound.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
CLI_LINES = [
    line[2:]
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S)
    for line in block.splitlines()
    if line.startswith("$ specbound ")
]


@pytest.mark.parametrize(
    "code", PYTHON_BLOCKS, ids=[f"python-{i}" for i in range(len(PYTHON_BLOCKS))]
)
def test_python_block_runs(code, capsys):
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("line", CLI_LINES)
def test_cli_line_runs(line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(line)[1:]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip()


def test_readme_has_examples():
    assert PYTHON_BLOCKS and CLI_LINES


def test_claim_status_table_lists_exactly_the_registry():
    from specbound.claims import all_claims

    section = README.split("## Claim status", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([\w.]+)` \|", section, flags=re.M)
    assert sorted(listed) == sorted(c.id for c in all_claims())
