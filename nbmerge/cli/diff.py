"""The `nbmerge diff`, `textconv` and `diff-driver` click commands.

The common invocations (two files; git's external diff and textconv) usually never get
here: cli.main runs their plain-argv twins first (cli/diff_plain.py, git/textconv.py), and
click only for the rest (revisions, help, errors in the arguments).

Errors (NbmergeError) become one line naming the file or revision, exit code 2 (cli.group);
`--exit-code` makes 1 mean "the notebooks differ", as with `git diff` and `diff(1)`. Over
revisions, a notebook that cannot be read does not stop the rest: it is shown as
`unreadable: LABEL: PROBLEM` in its place in every view, said on stderr, and the command
ends with 2 once everything is written (as `diff -r` and `nbmerge check` do).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Callable

import click

from ..diff import diff_notebooks, unreadable_diff
from ..errors import EXIT_ERROR, PathError, UsageError
from ..git.external_diff import external_diff
from ..git.revisions import in_repo, load_pair, load_pair_or_problem, revision_pairs
from ..notebook import write_file_atomic
from ..render_diff import DEV_NULL
from . import quiet_broken_pipe
from .diff_plain import (COLORS, DEFAULT_CONTEXT, VIEW_FLAGS, diff_options, differs, file_pair, stdout,
                         want_color, write_diffs)
from .group import Command, command


# ---------------------------------------------------------------- shared options


def view_options(func: Callable) -> Callable:
    """The options every diff view shares: what to show and how."""
    options = [click.option("--color", "color", type=click.Choice(COLORS), default="auto", show_default=True,
                            help="Colour and word highlighting; auto honours NO_COLOR.")]
    options += [click.option(flag, name, is_flag=True, help=text) for flag, (name, text) in VIEW_FLAGS.items()]
    options.append(click.option("-U", "--unified", "context", type=click.IntRange(0), default=DEFAULT_CONTEXT,
                                show_default=True, help="Lines of context around source changes."))
    for option in reversed(options):
        func = option(func)
    return func


def _quiet_broken_pipe(func: Callable) -> Callable:
    """`nbmerge diff ... | head` must end quietly when head stops reading."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            quiet_broken_pipe()
            sys.exit(0)

    return wrapper


# ---------------------------------------------------------------- nbmerge diff


class _PathsAfterDashDash(Command):
    """Keeps what follows `--` apart: `diff REV -- PATH` must tell revisions from paths."""

    def parse_args(self, ctx, args):
        if "--" in args:
            cut = args.index("--")
            ctx.meta["nbmerge.paths"] = args[cut + 1:]
            args = args[:cut]
        return super().parse_args(ctx, args)


@command("diff", cls=_PathsAfterDashDash)
@click.argument("args", nargs=-1)
@view_options
@click.option("--stat", is_flag=True, help="One line per notebook: cells added, removed, modified, moved.")
@click.option("--json", "as_json", is_flag=True, help="JSON for tools (schema: docs/diff.md).")
@click.option("--format", "view", type=click.Choice(["text", "json", "markdown", "html"]), default=None,
              help="text (the default), json (= --json), markdown (a summary for CI), html (the page).")
@click.option("--html", "html_path", metavar="PATH",
              help="Write the diff as one self-contained HTML page to PATH ('-': standard output).")
@click.option("--open", "open_page", is_flag=True, help="Open the HTML page in the default browser.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the notebooks differ, 0 when not.")
@click.pass_context
@_quiet_broken_pipe
def diff_command(ctx, args, color, full, sources_only, no_outputs, no_metadata, context, stat, as_json, view,
                 html_path, open_page, exit_code):
    """Show what changed between two notebooks, cell by cell.

    \b
    nbmerge diff old.ipynb new.ipynb          two files ('-' reads standard input)
    nbmerge diff -- analysis.ipynb            the index against the working tree
    nbmerge diff HEAD~1 -- analysis.ipynb     a revision against the working tree
    nbmerge diff main feature -- notebooks/   two revisions
    nbmerge diff HEAD~3 HEAD                  every notebook changed between two revisions
    nbmerge diff main feature --html diff.html --open      the page, for review in a browser
    nbmerge diff main feature --format markdown            a summary for CI
    """
    paths = ctx.meta.get("nbmerge.paths")
    two_files = paths is None and len(args) == 2 and any(a == "-" or os.path.exists(a) for a in args)
    if two_files:
        pairs = [file_pair(*args)]
    elif paths is None and len(args) == 2 and not in_repo():
        raise PathError(args[0] if not os.path.exists(args[0]) else args[1], "no such file")
    else:
        if len(args) > 2:
            raise UsageError("give at most two revisions (paths go after `--`)")
        pairs = revision_pairs(list(args), paths or [])
    if view == "html" and html_path is None:
        html_path = "-"
    if (as_json and view in ("text", "markdown")) or (stat and view == "markdown"):
        raise UsageError(f"--format {view} and --{'json' if as_json else 'stat'} are two views; choose one")
    other_view = stat or as_json or view in ("text", "json", "markdown")
    if html_path == "-" and (other_view or open_page):
        raise UsageError("the page and another view (or --open) cannot share standard output")
    if open_page and html_path is None:
        html_path = _page_to_open()
        sys.stderr.write(f"nbmerge diff: the page is {html_path}\n")
    options = diff_options(full, sources_only, no_outputs, no_metadata, context)
    # Two files: one that cannot be read ends the command (exit 2, no page). Revisions: the
    # other notebooks still deserve their review, so such a pair is shown as unreadable.
    notebooks, results = [], []
    for old, new in pairs:
        a, b, problem = (*load_pair(old, new), "") if two_files else load_pair_or_problem(old, new)
        if problem:
            sys.stderr.write(f"error: {problem}\n")
        notebooks.append((old, new, a, b))
        results.append((old, new, unreadable_diff(problem) if problem else diff_notebooks(a, b, options)))
    out = stdout()
    title = "nbmerge diff " + " ".join(args + tuple(["--", *paths] if paths else ()))
    if html_path is not None:
        _write_page(html_path, title, notebooks, results, options)
    if view == "markdown":
        from ..render_summary import write_summary

        write_summary([(_name(old), _name(new), d) for old, new, d in results], out, title=title)
    elif html_path is None or other_view:
        write_diffs(results, out, stat=stat, as_json=as_json or view == "json", color=want_color(color, sys.stdout),
                    many=paths is not None or len(args) != 2 or len(results) != 1)
    out.flush()
    if open_page:
        import webbrowser

        if not webbrowser.open(Path(html_path).resolve().as_uri()):
            sys.stderr.write(f"nbmerge diff: no browser to open; the page is {html_path}\n")
    if any(d.unreadable for _, _, d in results):
        ctx.exit(EXIT_ERROR)  # wins over --exit-code's 1: part of the range was not diffed
    if exit_code and any(differs(old, new, d) for old, new, d in results):
        ctx.exit(1)


def _name(side) -> str:
    """A notebook's path without the revision, for the summary."""
    return (side.name or side.label) if side.data is not None else DEV_NULL


def _page_to_open() -> str:
    """A file for `--open` without `--html`: kept, since the browser reads it after we exit."""
    import tempfile

    handle, path = tempfile.mkstemp(prefix="nbmerge-diff-", suffix=".html")
    os.close(handle)
    return path


def _write_page(path: str, title: str, notebooks, results, options) -> None:
    """The HTML page to path ('-': standard output), written whole or not at all."""
    import io

    from ..render_html import FileDiff, write_html

    page = io.StringIO()
    write_html([FileDiff(old.shown_label, new.shown_label, a, b, d) for (old, new, a, b), (_, _, d) in zip(notebooks, results)],
               page, options, title=title)
    if path == "-":
        stdout().write(page.getvalue())
        return
    try:
        if os.path.exists(path) and not os.path.isfile(path):  # /dev/null, a pipe: never replace those
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(page.getvalue())
        else:
            write_file_atomic(path, page.getvalue().encode("utf-8"))
    except OSError as exc:
        raise PathError(path, f"cannot write the page: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- git's textconv and external diff


@command("textconv")
@click.option("--index/--no-index", default=False, show_default=True,
              help="Put cell positions in headers (off by default: one inserted cell would change "
                   "every later header in git diff).")
@click.argument("path")
def textconv_command(index, path):
    """Print a notebook as readable text, for git's diff.<driver>.textconv; exit 0 for any file.

    `nbmerge install` registers it. By hand, run it by the full path of the Python that has
    nbmerge (a bare `nbmerge` may be nbdime's, or gone outside the virtualenv):

    \b
    git config diff.nbmerge.textconv '"/path/to/python" -m nbmerge textconv'
    git config diff.nbmerge.cachetextconv true
    echo '*.ipynb diff=nbmerge' >> .gitattributes
    """
    from ..git.textconv import run_textconv

    sys.exit(run_textconv((["--index"] if index else []) + [path]))


@command("diff-driver", context_settings={"ignore_unknown_options": True})
@view_options
@click.argument("git_args", nargs=-1, type=click.UNPROCESSED)
@_quiet_broken_pipe
def diff_driver_command(git_args, color, full, sources_only, no_outputs, no_metadata, context):
    """git's external diff command: `path old-file old-hex old-mode new-file new-hex new-mode`.

    `nbmerge install --rich-diff` registers it. By hand, run it by the full path of the
    Python that has nbmerge (a bare `nbmerge` may be nbdime's, or gone outside the virtualenv):

    \b
    git config diff.nbmerge.command '"/path/to/python" -m nbmerge diff-driver'
    echo '*.ipynb diff=nbmerge' >> .gitattributes
    git diff            (git log -p and git show need --ext-diff)
    """
    options = diff_options(full, sources_only, no_outputs, no_metadata, context)
    external_diff(git_args, options, want_color(color, sys.stdout), stdout())
