"""`nbmerge merge`, `nbmerge merge-driver` and `nbmerge example`: thin click commands over the driver."""

from __future__ import annotations

import sys
from importlib import resources

import click

from ..config import load_settings, merge_options
from ..errors import EXIT_FOUND
from ..formatter import FORMATTERS
from ..git.attributes import conflict_marker_size
from ..git.driver import describe_conflicts, describe_merge, formatter_near, merge_bytes, run_merge_driver
from ..errors import PathError, UsageError
from ..notebook import read_file, source_text, write_file_atomic
from .group import command
from ..policy import ConflictStyle, MergeOptions, Strategy


@command("merge")
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("ours", type=click.Path(dir_okay=False))
@click.argument("theirs", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.option("--conflict-style", type=click.Choice([s.value for s in ConflictStyle]), default="merge",
              show_default=True, help="diff3/zdiff3 also show the base lines of a conflict.")
@click.option("--marker-size", type=click.IntRange(min=1),
              help="Length of the conflict markers (default: git's conflict-marker-size for the "
                   "output path, or for OURS when printing; 7 outside a repository).")
@click.option("--strategy", type=click.Choice([s.value for s in Strategy]), default="markers",
              show_default=True, help="Resolve conflicting hunks by taking a side, or both (union).")
@click.option("--strip-outputs", is_flag=True, help="Write the merged notebook without outputs.")
@click.option("--no-layout-merge", is_flag=True,
              help="Leave conflicts that are only layout (spacing, wrapping) as conflicts.")
@click.option("--formatter", type=click.Choice(FORMATTERS),
              help="Lays out layout merges (default: formatter in [tool.nbmerge], else auto: "
                   "the repository's black/ruff settings).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a report of the merge as JSON on stdout (needs -o); schema in docs/merge.md.")
def merge_command(base, ours, theirs, output, conflict_style, marker_size, strategy, strip_outputs,
                  no_layout_merge, formatter, as_json):
    """Merge three versions of a notebook, cell by cell.

    Exit 0 when clean, 1 when conflicts remain (marked inside the cells concerned),
    2 when an input is not a readable notebook. An empty BASE means both sides added
    the file. Settings: [tool.nbmerge], as the merge driver reads them (`nbmerge config`).

    Example: nbmerge merge base.ipynb ours.ipynb theirs.ipynb -o merged.ipynb
    """
    if as_json and not output:
        raise UsageError("--json needs -o FILE: stdout carries the report")
    if marker_size is None:  # as git would write them there, so `conflicts` and `check` find them
        marker_size = conflict_marker_size(output or ours)
    options = merge_options(load_settings(), conflict_style=ConflictStyle(conflict_style),
                            marker_size=marker_size,
                            strategy=Strategy(strategy), strip_outputs=True if strip_outputs else None,
                            layout_merge=False if no_layout_merge else None)
    if formatter or options.formatter is None:
        options = options._replace(formatter=formatter_near(ours, formatter or "auto"))
    merged = merge_bytes(read_file(base), read_file(ours), read_file(theirs), options,
                         names=(base, ours, theirs))
    if output:
        try:
            write_file_atomic(output, merged.data)
        except OSError as exc:
            raise PathError(output, f"cannot write: {exc.strerror}") from None
    else:
        sys.stdout.buffer.write(merged.data)
        sys.stdout.flush()
    if merged.notes:
        click.echo(f"nbmerge: malformed parts merged as their nearest valid value: {merged.notes}", err=True)
    if merged.upgraded:
        click.echo(f"nbmerge: {ours}: {merged.upgraded}", err=True)
    summary = describe_merge(merged.result)
    if summary:
        click.echo(f"nbmerge: {summary}", err=True)
    if as_json:
        click.echo(merge_report_json(merged.result, output))
    if merged.result.conflicts:
        sys.exit(EXIT_FOUND)


def merge_report_json(result, output: str) -> str:
    """The --json report of a merge (docs/merge.md): what is left, and what layout resolved."""
    import json

    report = {
        "schema": "nbmerge-merge", "version": 1,
        "output": output,
        "clean": not result.conflicts,
        "conflicts": [{"kind": c.kind.value, "field": c.field, "cell_index": c.cell_index,
                       "cell_id": c.cell_id, "hunks": c.hunks} for c in result.conflicts],
        "resolved_by_layout": sum(s.hunks for s in result.layout),
        "layout": [{"cell_index": s.cell_index, "cell_id": s.cell_id, "resolved": s.hunks}
                   for s in result.layout],
    }
    return json.dumps(report, indent=1)


@command("merge-driver", context_settings={"ignore_unknown_options": True,
                                                  "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def merge_driver_command(args):
    """git merge driver: nbmerge merge-driver %O %A %B %L %P (see --help)."""
    sys.exit(run_merge_driver(list(args)))


@command("example")
def example_command():
    """Merge the built-in example notebooks and show the result, cell by cell.

    Both sides edited the same notebook: ours changed a line of the plot cell and re-ran
    it, theirs renamed a variable, added a markdown cell and edited the same plot line.
    """
    folder = resources.files("nbmerge") / "examples"
    names = [str(folder / f"{side}.ipynb") for side in ("base", "ours", "theirs")]
    merged = merge_bytes(*(read_file(n) for n in names), MergeOptions(), names=tuple(names))
    for index, cell in enumerate(merged.result.notebook["cells"]):
        click.secho(f"── cell {index + 1} · {cell['cell_type']} · id {cell.get('id', '-')} "
                    f"· {len(cell.get('outputs', []))} outputs", bold=True)
        click.echo(source_text(cell))
    click.echo()
    if merged.result.conflicts:
        click.echo(describe_conflicts(merged.result))
    else:
        click.echo("merged cleanly")
    click.echo("Inputs: " + ", ".join(names))
