"""The click group behind `nbmerge`, listing commands without importing them."""

from __future__ import annotations

import click

from .. import __version__


def build_cli(commands, load):
    """A click group over commands: {name: (module, attribute)}, loaded by load()."""

    class LazyGroup(click.Group):
        def list_commands(self, ctx):
            return sorted(name for name in commands if self.get_command(ctx, name) is not None)

        def get_command(self, ctx, name):
            if name not in commands:
                return None
            return load(*commands[name])

    @click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="nbmerge")
    def cli():
        """Merge, diff and clean Jupyter notebooks cell by cell, as git drivers or by hand.

        Example: nbmerge merge base.ipynb ours.ipynb theirs.ipynb -o merged.ipynb
        """

    return cli


class UnreadableInput(click.ClickException):
    """An input could not be read as a notebook, or an output not written: exit 2."""

    exit_code = 2
