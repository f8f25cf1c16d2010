"""The documentation cannot drift: the CLI reference is generated, the README stays a front
door, and every relative link in README.md and docs/ leads to a file that exists."""

from __future__ import annotations

import importlib.util
import re

import pytest
from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def load_cli_docs():
    spec = importlib.util.spec_from_file_location("cli_docs", REPO / "tools" / "cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def relative_links(page):
    """Targets of the page's Markdown links outside code blocks, less web and in-page ones."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        yield target


def test_cli_reference_is_what_the_generator_writes():
    cli_docs = load_cli_docs()
    current = cli_docs.CLI_MD.read_text(encoding="utf-8")
    made_with = cli_docs.generated_with(current)
    if made_with != cli_docs.typer_version():
        pytest.skip(
            f"docs/cli.md was generated with typer {made_with}, this is typer "
            f"{cli_docs.typer_version()}: its help layout differs"
        )
    assert current == cli_docs.render(), "docs/cli.md is stale: run `python tools/cli_docs.py`"


def test_cli_reference_check_exits_1_when_stale(tmp_path, monkeypatch, capsys):
    cli_docs = load_cli_docs()
    monkeypatch.setattr(cli_docs, "CLI_MD", tmp_path / "cli.md")
    (tmp_path / "cli.md").write_text("# an old page\n", encoding="utf-8")
    assert cli_docs.main(["--check"]) == 1
    assert capsys.readouterr().err == "docs/cli.md is stale: run `python tools/cli_docs.py`\n"


def test_cli_reference_has_every_command_and_sub_command():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in ("score", "batch", "watch", "status", "serve", "user", "user add", "user list"):
        assert f"\n## `callreview {command}`\n" in text


def test_readme_is_at_most_300_lines():
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 300, f"README.md has {lines} lines: move the detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_points_to_a_file_that_exists(page):
    broken = [
        target
        for target in relative_links(page)
        if not (page.parent / target.split("#", 1)[0]).exists()
    ]
    assert broken == [], f"{page.relative_to(REPO)} links to files that do not exist: {broken}"
