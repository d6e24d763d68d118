"""Every command has help text and is named in the README, as `nbmerge <command>`."""

import pytest

from conftest import ROOT, cli_runner
from nbmerge.cli import COMMANDS, load
from nbmerge.cli.group import build_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_and_is_documented(name):
    command = load(COMMANDS[name].click)
    assert (command.help or "").strip(), f"{name} has no help text"
    assert f"nbmerge {name}" in README, f"README does not mention `nbmerge {name}`"


def test_top_level_help_lists_every_command():
    result = cli_runner().invoke(build_cli(COMMANDS, load), ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(name for name, entry in COMMANDS.items() if entry.plain))
def test_plain_argv_twin_loads(name):
    assert callable(load(COMMANDS[name].plain))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_never_suggests_a_bare_command_in_git_config(name):
    """A `git config` line in --help runs nbmerge by the interpreter's full path, as install
    does: a bare `nbmerge` may be nbdime's, and a bare `python` may lack nbmerge."""
    import re

    result = cli_runner().invoke(build_cli(COMMANDS, load), [name, "--help"])
    text = " ".join(result.output.split())  # click wraps lines
    assert not re.findall(r"""git config \S+ ["'](?:nbmerge|python3?) [^"']*""", text)
