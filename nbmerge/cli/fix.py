"""`nbmerge fix`: rebuild a notebook git's text merge filled with conflict markers.

Exit codes: 0 no conflicts left, 1 conflicts left inside cells, 2 the file cannot be rebuilt
or is not a notebook.
"""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FOUND, NothingToFix, PathError
from .clean import run_settings
from .group import command


@command("fix")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the rebuilt notebook here instead of over NOTEBOOK.")
def fix_command(notebook, output):
    """Rebuild a notebook that git's text merge filled with <<<<<<< markers.

    In a merge git stopped, the index's three versions of the file are merged, as the
    merge driver would have; otherwise (or when the file was edited since) the marked-up
    JSON is split into ours, base and theirs. What can be resolved is, the rest becomes
    conflicts inside the cells concerned.
    Exit 0 when no conflicts remain, 1 when some do, 2 when the file cannot be rebuilt
    or is not a notebook.

    Example: nbmerge fix analysis.ipynb && git add analysis.ipynb
    """
    from ..fix import fix_text
    from ..git.stages import conflict_stages
    from ..notebook import serialize_notebook, write_file_atomic

    settings = run_settings()
    try:
        with open(notebook, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise PathError(notebook, exc.strerror or str(exc)) from None
    try:
        fixed = fix_text(data, notebook, settings, conflict_stages(notebook))
    except NothingToFix as exc:
        click.echo(f"{exc}; nothing to fix", err=True)
        return
    target = output or notebook
    try:
        write_file_atomic(target, serialize_notebook(fixed.notebook, fixed.format))
    except OSError as exc:
        raise PathError(target, exc.strerror or str(exc)) from None
    for note in fixed.notes:
        click.echo(f"{notebook}: note: {note}", err=True)
    left = len(fixed.conflicts)
    plural = "s" * (fixed.hunks != 1)
    if left:
        cells = sorted({c.cell_index + 1 for c in fixed.conflicts if getattr(c, "cell_index", None) is not None})
        where = f" (cell{'s' * (len(cells) != 1)} {', '.join(map(str, cells))})" if cells else ""
        click.echo(f"{target}: rebuilt from {fixed.hunks} git conflict{plural}; {left} conflict"
                   f"{'s' * (left != 1)} left{where}; see `nbmerge check {target}`", err=True)
        sys.exit(EXIT_FOUND)
    click.echo(f"{target}: rebuilt from {fixed.hunks} git conflict{plural}; no conflicts left", err=True)
