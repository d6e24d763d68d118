"""Every command has help text and is named in the README, as `nbmerge <command>`."""

import pytest
from click.testing import CliRunner

from conftest import ROOT
from nbmerge.cli import COMMANDS, _load
from nbmerge.cli.group import build_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_and_is_documented(name):
    command = _load(*COMMANDS[name])
    assert command is not None, f"{name}: {COMMANDS[name]} does not load"
    assert (command.help or "").strip(), f"{name} has no help text"
    assert f"nbmerge {name}" in README, f"README does not mention `nbmerge {name}`"


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(build_cli(COMMANDS, _load), ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
