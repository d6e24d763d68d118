"""The `nbmerge diff`, `textconv` and `diff-driver` commands: a thin click layer over diff_command.

The common invocations (two files; git's external diff) usually never get here: cli.main
runs diff_command's plain-argv entries first, and click only for the rest (revisions,
help, errors in the arguments).

Errors from the core (NbmergeError) become one line naming the file or revision, exit code 2;
`--exit-code` makes 1 mean "the notebooks differ", as with `git diff` and `diff(1)`.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Callable, List, Tuple

import click

from ..diff import diff_notebooks
from .diff_plain import (Side, diff_options, external_diff, file_pair, load, quiet_broken_pipe, stdout,
                           want_color, write_diffs)
from ..errors import NbmergeError
from ..notebook import read_file


class DiffError(click.ClickException):
    """A diff that could not be made; exit 2 so that 1 keeps meaning 'different'."""

    exit_code = 2


# ---------------------------------------------------------------- shared options


def view_options(func: Callable) -> Callable:
    """The options every diff view shares: what to show and how."""
    options = [
        click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, help="Colour and word highlighting; auto honours NO_COLOR."),
        click.option("--full", is_flag=True, help="Also show volatile fields: execution counts, "
                     "timings, kernel and language info."),
        click.option("--sources-only", is_flag=True, help="Show sources only: no outputs, no metadata."),
        click.option("--no-outputs", is_flag=True, help="Leave outputs out."),
        click.option("--no-metadata", is_flag=True, help="Leave metadata out."),
        click.option("-U", "--unified", "context", type=click.IntRange(0), default=3, show_default=True,
                     help="Lines of context around source changes."),
    ]
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


class _PathsAfterDashDash(click.Command):
    """Keeps what follows `--` apart: `diff REV -- PATH` must tell revisions from paths."""

    def parse_args(self, ctx, args):
        if "--" in args:
            cut = args.index("--")
            ctx.meta["nbmerge.paths"] = args[cut + 1:]
            args = args[:cut]
        return super().parse_args(ctx, args)


@click.command("diff", cls=_PathsAfterDashDash)
@click.argument("args", nargs=-1)
@view_options
@click.option("--stat", is_flag=True, help="One line per notebook: cells added, removed, modified, moved.")
@click.option("--json", "as_json", is_flag=True, help="JSON for tools (schema: docs/diff.md).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the notebooks differ, 0 when not.")
@click.pass_context
@_quiet_broken_pipe
def diff_command(ctx, args, color, full, sources_only, no_outputs, no_metadata, context, stat, as_json,
                 exit_code):
    """Show what changed between two notebooks, cell by cell.

    \b
    nbmerge diff old.ipynb new.ipynb          two files ('-' reads standard input)
    nbmerge diff -- analysis.ipynb            the index against the working tree
    nbmerge diff HEAD~1 -- analysis.ipynb     a revision against the working tree
    nbmerge diff main feature -- notebooks/   two revisions
    nbmerge diff HEAD~3 HEAD                  every notebook changed between two revisions
    """
    paths = ctx.meta.get("nbmerge.paths")
    try:
        if paths is None and len(args) == 2 and any(a == "-" or os.path.exists(a) for a in args):
            pairs = [file_pair(*args)]
        elif paths is None and len(args) == 2 and not _in_repo():
            raise DiffError(f"{args[0] if not os.path.exists(args[0]) else args[1]}: no such file")
        else:
            if len(args) > 2:
                raise DiffError("give at most two revisions (paths go after `--`)")
            pairs = _revision_pairs(list(args), paths or [])
        options = diff_options(full, sources_only, no_outputs, no_metadata, context)
        results = [(old, new, diff_notebooks(load(old), load(new), options)) for old, new in pairs]
    except NbmergeError as exc:
        raise DiffError(str(exc)) from None
    out = stdout()
    write_diffs(results, out, stat=stat, as_json=as_json, color=want_color(color, sys.stdout),
                many=paths is not None or len(args) != 2 or len(results) != 1)
    out.flush()
    if exit_code and any(not d.identical for _, _, d in results):
        ctx.exit(1)


# ---------------------------------------------------------------- revisions, with pygit2


def _in_repo() -> bool:
    import pygit2

    return pygit2.discover_repository(os.getcwd()) is not None


def _revision_pairs(revs: List[str], paths: List[str]) -> List[Tuple[Side, Side]]:
    """Sides for each notebook that differs, as `git diff [REV [REV]] [-- PATH...]` would pick."""
    import pygit2

    found = pygit2.discover_repository(os.getcwd())
    if found is None:
        raise DiffError("not in a git repository (give two files to compare them)")
    repo = pygit2.Repository(found)
    if repo.workdir is None and len(revs) < 2:
        raise DiffError("bare repository: give two revisions")
    workdir = os.path.realpath(repo.workdir) if repo.workdir else ""
    wanted = [_repo_path(p, workdir) for p in paths]
    trees = [_tree(repo, rev) for rev in revs]
    if len(trees) == 2:
        delta_source = repo.diff(trees[0], trees[1])
    elif len(trees) == 1:
        delta_source = trees[0].diff_to_workdir()
    else:
        delta_source = repo.diff()  # index against working tree, as plain `git diff`
    # A renamed notebook is one diff from its old path to its new one, as git shows it
    # (diff.renames, on by default since git 2.9).
    delta_source.find_similar(pygit2.enums.DiffFind.FIND_RENAMES)
    for path, rel in zip(paths, wanted):
        if not _exists_anywhere(repo, trees, rel, workdir):
            raise DiffError(f"{path}: no such path in {' or '.join(revs) or 'the index'} or the working tree")
    old_read = _tree_reader(repo, trees[0], revs[0]) if trees else _index_reader(repo)
    new_read = _tree_reader(repo, trees[1], revs[1]) if len(trees) == 2 else _workdir_reader(workdir)
    return [(old_read(old), new_read(new)) for old, new in _notebook_deltas(delta_source.deltas, wanted)]


def _notebook_deltas(deltas, wanted: List[str]) -> List[Tuple[str, str]]:
    """(old path, new path) of each notebook that differs, in path order.

    A rename keeps both paths when both are notebooks; a notebook renamed to another
    kind of file (or from one) is shown as removed (or added).
    """
    pairs = set()
    for delta in deltas:
        old, new = delta.old_file.path, delta.new_file.path
        notebooks = [p for p in (old, new) if p.endswith(".ipynb") and _selected(p, wanted)]
        if old != new and len(notebooks) == 2:
            pairs.add((old, new))
        else:
            pairs.update((p, p) for p in notebooks)
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def _repo_path(path: str, workdir: str) -> str:
    rel = os.path.relpath(os.path.realpath(path), workdir) if workdir else path
    if rel.startswith(".."):
        raise DiffError(f"{path}: outside the repository")
    return "" if rel == "." else rel.replace(os.sep, "/")


def _selected(path: str, wanted: List[str]) -> bool:
    return not wanted or any(w == "" or path == w or path.startswith(w.rstrip("/") + "/") for w in wanted)


def _tree(repo, rev: str):
    import pygit2

    try:
        obj = repo.revparse_single(rev)
    except (KeyError, ValueError, pygit2.GitError):
        raise DiffError(f"{rev}: unknown revision") from None
    try:
        return obj.peel(pygit2.Tree)
    except (pygit2.GitError, ValueError, TypeError):
        raise DiffError(f"{rev}: not a commit or tree") from None


def _exists_anywhere(repo, trees, rel: str, workdir: str) -> bool:
    if rel == "" or (workdir and os.path.exists(os.path.join(workdir, rel))):
        return True
    for tree in trees:
        try:
            tree[rel]
            return True
        except KeyError:
            pass
    return any(entry.path == rel or entry.path.startswith(rel.rstrip("/") + "/") for entry in repo.index)


def _tree_reader(repo, tree, rev: str) -> Callable[[str], Side]:
    def read(path: str) -> Side:
        try:
            return Side(f"{rev}:{path}", repo[tree[path].id].data, path)
        except KeyError:
            return Side(f"{rev}:{path}", None, path)

    return read


def _index_reader(repo) -> Callable[[str], Side]:
    def read(path: str) -> Side:
        try:
            return Side(f":{path}", repo[repo.index[path].id].data, path)
        except KeyError:
            return Side(f":{path}", None, path)

    return read


def _workdir_reader(workdir: str) -> Callable[[str], Side]:
    def read(path: str) -> Side:
        full = os.path.join(workdir, path)
        return Side(path, read_file(full) if os.path.exists(full) else None, path)

    return read


# ---------------------------------------------------------------- git's textconv and external diff


@click.command("textconv")
@click.option("--index/--no-index", default=False, show_default=True,
              help="Put cell positions in headers (off by default: one inserted cell would change "
                   "every later header in git diff).")
@click.argument("path")
def textconv_command(index, path):
    """Print a notebook as readable text, for git's diff.<driver>.textconv.

    \b
    git config diff.nbmerge.textconv "nbmerge textconv"
    echo '*.ipynb diff=nbmerge' >> .gitattributes
    """
    from ..git.textconv import run_textconv

    sys.exit(run_textconv((["--index"] if index else []) + [path]))


@click.command("diff-driver", context_settings={"ignore_unknown_options": True})
@view_options
@click.argument("git_args", nargs=-1, type=click.UNPROCESSED)
@_quiet_broken_pipe
def diff_driver_command(git_args, color, full, sources_only, no_outputs, no_metadata, context):
    """git's external diff command: `path old-file old-hex old-mode new-file new-hex new-mode`.

    \b
    git config diff.nbmerge.command "nbmerge diff-driver"
    echo '*.ipynb diff=nbmerge' >> .gitattributes
    git diff            (git log -p and git show need --ext-diff)
    """
    options = diff_options(full, sources_only, no_outputs, no_metadata, context)
    try:
        external_diff(git_args, options, color, stdout())
    except NbmergeError as exc:
        raise DiffError(str(exc)) from None
