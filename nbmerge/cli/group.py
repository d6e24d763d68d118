"""The click group behind `nbmerge`, and the one adapter from nbmerge's errors to click's.

  build_cli(commands, load) -> the group, listing commands without importing them
  Command                   -> click.Command whose NbmergeError becomes one line and its exit_code
  command(name, **kwargs)   -> click.command(name, cls=Command, ...): every nbmerge command uses it
"""

from __future__ import annotations

import click

from .. import __version__
from ..errors import NbmergeError


class Failed(click.ClickException):
    """An NbmergeError on its way out: click prints `Error: message` and exits with its code."""

    def __init__(self, error: NbmergeError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class Command(click.Command):
    """A command whose library errors (NbmergeError) end it with one line and their exit_code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NbmergeError as exc:
            raise Failed(exc) from None


def command(name: str, **kwargs):
    """click.command with the error adapter; the commands' decorator."""
    return click.command(name, cls=kwargs.pop("cls", Command), **kwargs)


def build_cli(commands, load):
    """A click group over commands: {name: Entry}, each click twin loaded by load()."""

    class LazyGroup(click.Group):
        def list_commands(self, ctx):
            return sorted(commands)

        def get_command(self, ctx, name):
            if name not in commands:
                return None
            return load(commands[name].click)

    @click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="nbmerge")
    def cli():
        """Merge, diff and clean Jupyter notebooks cell by cell, as git drivers or by hand.

        Example: nbmerge merge base.ipynb ours.ipynb theirs.ipynb -o merged.ipynb
        """

    return cli
