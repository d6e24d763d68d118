"""The `nbmerge conflicts` and `nbmerge resolve` click commands.

Listing conflicts and `resolve --take` usually never get here: cli.main runs their
plain-argv twins first (cli/conflicts_plain.py). Click handles help, mistakes in the
arguments, and `resolve` without --take: the interactive walk (cli/walk.py).

Exit codes: 0 nothing left to resolve, 1 conflicts left, 2 a file that cannot be read or
written, or a command line that cannot be followed.
"""

from __future__ import annotations

import sys

import click

from ..conflicts import counted
from ..errors import UsageError
from .conflicts_plain import TAKES, list_conflicts, resolve_file
from .group import command


@command("conflicts")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="JSON for editors and bots (schema: docs/conflicts.md).")
def conflicts_command(paths, as_json):
    """List the conflicts left in notebooks, one line each, with the id `resolve` takes.

    Without PATH: every notebook git reports as unmerged in this repository; a folder
    stands for the notebooks under it.
    Exit 0 when nothing is left, 1 when something is, 2 when a file cannot be read.

    Example: nbmerge conflicts analysis.ipynb
    """
    sys.exit(list_conflicts(list(paths), as_json=as_json, out=sys.stdout, err=sys.stderr))


@command("resolve")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--take", type=click.Choice(TAKES),
              help="Settle with this side (both: ours, then theirs). Without it: ask, conflict by conflict.")
@click.option("--conflict", "ids", multiple=True, metavar="ID",
              help="A conflict to settle (an id from `nbmerge conflicts`, or its start); repeatable.")
@click.option("--all", "every", is_flag=True, help="Settle every conflict.")
@click.option("--add", is_flag=True, help="`git add` the file once nothing is left.")
@click.option("--web", is_flag=True, help="Settle them in the browser instead (see `mergetool --web`).")
@click.option("--no-browser", is_flag=True, help="With --web: print the page's address, open no browser.")
def resolve_command(path, take, ids, every, add, web, no_browser):
    """Settle the conflicts in a notebook: by flags, or one by one in the terminal.

    With --take, the chosen conflicts (--conflict ID ..., or --all) get that side; a
    delete/modify conflict keeps or deletes the cell, a metadata conflict sets the key.
    Without --take, in a terminal, each hunk is shown with ours, base and theirs: keys
    o t b a (ours, theirs, base, both), e edit, s skip, u undo, q quit, ? help. Every
    choice is written at once. With --web, the same in the browser (Save writes the file).
    Nothing outside the chosen conflicts changes.
    Exit 0 when nothing is left, 1 when conflicts remain, 2 on a bad file or command line.

    Example: nbmerge resolve analysis.ipynb --take theirs --all --add
    """
    if take is not None:
        sys.exit(resolve_file(path, take, ids, every, add=add, err=sys.stderr))
    if ids or every:
        raise UsageError("--conflict and --all choose what --take settles; give --take too")
    if web:
        from .conflicts_plain import report_left
        from .web import serve

        code = serve(path, {}, open_browser=not no_browser, idle_timeout=1800, err=sys.stderr)
        if code == 0 and add:
            code = report_left(path, [], add=True, err=sys.stderr)
        sys.exit(code)
    from .walk import walk_file

    sys.exit(walk_file(path, add=add))


@command("mergetool")
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("local", type=click.Path(dir_okay=False))
@click.argument("remote", type=click.Path(dir_okay=False))
@click.argument("merged", type=click.Path(dir_okay=False))
@click.option("--web", is_flag=True, help="Settle the conflicts in the browser (a page on 127.0.0.1).")
@click.option("--no-browser", is_flag=True, help="With --web: print the page's address, open no browser.")
@click.option("--idle-timeout", type=click.FloatRange(min=1), default=1800, show_default=True,
              help="With --web: stop after this many seconds without a request.")
def mergetool_command(base, local, remote, merged, web, no_browser, idle_timeout):
    """Merge three versions cell by cell into MERGED, then settle what is left.

    What `git mergetool --tool=nbmerge` runs (`nbmerge install` registers it, with
    trustExitCode), and Mercurial and Jujutsu as set up in docs/conflicts.md. MERGED is
    rebuilt from BASE, LOCAL and REMOTE; the conflicts left are walked one by one as by
    `nbmerge resolve MERGED` (without a terminal they stay marked in the cells), or with
    --web on a page at 127.0.0.1 showing each side rendered, where Save writes MERGED.
    Exit 0 only when nothing is left, 1 when conflicts remain, 2 when a version is not a
    notebook (MERGED is then left as it was).

    Example: git mergetool --tool=nbmerge analysis.ipynb
    """
    from ..git.mergetool import merge_into

    result = merge_into(base, local, remote, merged)
    if not result.conflicts:
        click.echo(f"{merged}: merged cell by cell, no conflicts left", err=True)
        sys.exit(0)
    count = counted(len(result.conflicts))
    if web:
        from .web import serve

        click.echo(f"{merged}: merged cell by cell; {count} to settle", err=True)
        versions = {"base": _version(base), "ours": _version(local), "theirs": _version(remote)}
        code = serve(merged, versions, open_browser=not no_browser, idle_timeout=idle_timeout, err=sys.stderr)
        sys.exit(_unless_hidden(result, merged, code))
    if not sys.stdin.isatty():  # run by a tool without a terminal: leave the markers, say so
        click.echo(f"{merged}: merged cell by cell; {count} left, marked inside the cells; "
                   f"settle them with `nbmerge resolve {merged}`", err=True)
        sys.exit(1)
    from .walk import walk_file

    click.echo(f"{merged}: merged cell by cell; {count} to settle", err=True)
    sys.exit(_unless_hidden(result, merged, walk_file(merged, by_git=True)))


def _unless_hidden(result, merged: str, code: int) -> int:
    """code, or 1 when the merge left markers in a cell tagged to show markers as text: no walk
    or page lists them, and exit 0 would have git mark the file resolved with them in it."""
    from ..conflicts import LINE_KINDS
    from .conflicts_plain import marker_rule

    rule, cells = marker_rule(merged), result.notebook.get("cells", [])
    hidden = [c for c in result.conflicts if c.kind in LINE_KINDS and c.cell_index is not None
              and rule.allows(cells[c.cell_index])]
    if not hidden:
        return code
    where = ", ".join(f"cell {c.cell_index + 1}" for c in hidden)
    click.echo(f"{merged}: the merge also left markers in {where}, tagged to show markers as text "
               "(allow-markers-tag), so nothing lists them: settle them in the file, then `git add` it",
               err=True)
    return 1


def _version(path: str):
    """One input version parsed, for showing its outputs; None if it is not a notebook."""
    from ..errors import NotebookReadError
    from ..notebook import parse_notebook, read_file

    try:
        return parse_notebook(read_file(path), path)
    except NotebookReadError:
        return None
