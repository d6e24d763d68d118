"""`nbmerge config`: the effective [tool.nbmerge] settings and where each came from."""

from __future__ import annotations

import click

from .clean import run_settings
from .group import command


@command("config")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def config_command(fmt):
    """Print the effective [tool.nbmerge] settings and where each one came from.

    The table is read from the nearest pyproject.toml that has one, from the current
    directory up to the repository root; unknown keys are an error.

    Example: nbmerge config
    """
    import json

    from ..config import KEYS, describe

    found = run_settings()
    if fmt == "json":
        click.echo(json.dumps({"path": str(found.path) if found.path else None,
                               "settings": {k.name: {"value": list(found[k.name]) if isinstance(
                                   found[k.name], tuple) else found[k.name],
                                   "source": found.sources[k.name], "help": k.help} for k in KEYS}},
                              indent=1))
        return
    where = found.path or "none found (no pyproject.toml with [tool.nbmerge] from here up)"
    click.echo(f"# [tool.nbmerge] from: {where}")
    for line in describe(found):
        click.echo(line)
