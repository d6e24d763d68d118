"""The `nbmerge diff`, `textconv` and `diff-driver` commands: a thin click layer over diff and render_diff.

Errors from the core (NbmergeError) become one line naming the file or revision, exit code 2;
`--exit-code` makes 1 mean "the notebooks differ", as with `git diff` and `diff(1)`.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from typing import IO, Callable, List, Optional, Sequence, Tuple

import click

from .diff import DiffOptions, NotebookDiff, diff_notebooks
from .errors import NbmergeError
from .notebook import empty_notebook, parse_notebook, read_file
from .render_diff import diff_to_json, write_json, write_stat, write_text

DEV_NULL = "/dev/null"


class DiffError(click.ClickException):
    """A diff that could not be made; exit 2 so that 1 keeps meaning 'different'."""

    exit_code = 2


@dataclass(frozen=True)
class Side:
    """One version of a notebook: a label for people, and its bytes (None: it does not exist)."""

    label: str
    data: Optional[bytes]
    name: str = ""  # the notebook's path, for --stat; the label when empty


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


def diff_options(full: bool, sources_only: bool, no_outputs: bool, no_metadata: bool,
                 context: int) -> DiffOptions:
    """DiffOptions from the command-line flags."""
    return DiffOptions(outputs=not (sources_only or no_outputs), metadata=not (sources_only or no_metadata),
                       volatile=full, context=context)


def want_color(choice: str, stream: IO) -> bool:
    """--color=always|never win; auto means a terminal (or git's pager) and no NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    # git sets GIT_PAGER_IN_USE when it pipes a diff (and our driver's output) through less -R.
    return stream.isatty() or os.environ.get("GIT_PAGER_IN_USE", "").lower() in ("1", "true")


def _stdout() -> IO[str]:
    if hasattr(sys.stdout, "reconfigure"):  # notebooks hold any text; never die on a terminal's codec
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    return sys.stdout


def _load(side: Side) -> dict:
    if side.data is None:
        return empty_notebook()
    return parse_notebook(side.data, side.label)


def _quiet_broken_pipe(func: Callable) -> Callable:
    """`nbmerge diff ... | head` must end quietly when head stops reading."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
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
            pairs = [_file_pair(*args)]
        elif paths is None and len(args) == 2 and not _in_repo():
            raise DiffError(f"{args[0] if not os.path.exists(args[0]) else args[1]}: no such file")
        else:
            if len(args) > 2:
                raise DiffError("give at most two revisions (paths go after `--`)")
            pairs = _revision_pairs(list(args), paths or [])
        options = diff_options(full, sources_only, no_outputs, no_metadata, context)
        results = [(old, new, diff_notebooks(_load(old), _load(new), options)) for old, new in pairs]
    except NbmergeError as exc:
        raise DiffError(str(exc)) from None
    out = _stdout()
    _write(results, out, stat=stat, as_json=as_json, color=want_color(color, sys.stdout),
           many=paths is not None or len(args) != 2 or len(results) != 1)
    out.flush()
    if exit_code and any(not d.identical for _, _, d in results):
        ctx.exit(1)


def _write(results: Sequence[Tuple[Side, Side, NotebookDiff]], out: IO[str], *, stat: bool,
           as_json: bool, color: bool, many: bool) -> None:
    if as_json:
        write_json((diff_to_json(d, old.label, new.label) for old, new, d in results), out)
        return
    if many and not results:
        out.write("no notebooks differ\n")
    for n, (old, new, d) in enumerate(results):
        if stat:
            side = new if new.data is not None else old
            write_stat(d, out, side.name or side.label)
            continue
        if n:
            out.write("\n")
        write_text(d, out, old.label if old.data is not None else DEV_NULL,
                   new.label if new.data is not None else DEV_NULL, color=color)


def _file_pair(old_path: str, new_path: str) -> Tuple[Side, Side]:
    if old_path == new_path == "-":
        raise DiffError("only one side can be read from standard input")
    return _file_side(old_path), _file_side(new_path)


def _file_side(path: str) -> Side:
    if path == "-":
        return Side("<stdin>", sys.stdin.buffer.read())
    return Side(path, read_file(path))


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
    changed = sorted({d.new_file.path for d in delta_source.deltas} | {d.old_file.path for d in delta_source.deltas})
    notebooks = [p for p in changed if p.endswith(".ipynb") and _selected(p, wanted)]
    for path, rel in zip(paths, wanted):
        if not _exists_anywhere(repo, trees, rel, workdir):
            raise DiffError(f"{path}: no such path in {' or '.join(revs) or 'the index'} or the working tree")
    old_read = _tree_reader(repo, trees[0], revs[0]) if trees else _index_reader(repo)
    new_read = _tree_reader(repo, trees[1], revs[1]) if len(trees) == 2 else _workdir_reader(workdir)
    return [(old_read(p), new_read(p)) for p in notebooks]


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
    from .textconv import run_textconv

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
    out = _stdout()
    # git(1), GIT_EXTERNAL_DIFF: "For a path that is unmerged, GIT_EXTERNAL_DIFF is called
    # with 1 parameter, <path>."
    if len(git_args) == 1:
        out.write(f"* Unmerged path {git_args[0]}\n")
        return
    if len(git_args) not in (7, 9):
        raise DiffError(f"expected git's 7 or 9 external-diff arguments, got {len(git_args)}")
    path, old_file, old_hex, _old_mode, new_file, new_hex, _new_mode = git_args[:7]
    new_path, info = (git_args[7], git_args[8]) if len(git_args) == 9 else (path, "")
    # An added file has old-file /dev/null (and old-hex "."); a deleted one, new-file /dev/null.
    try:
        old = Side(f"a/{path}", None if old_file == DEV_NULL else read_file(old_file))
        new = Side(f"b/{new_path}", None if new_file == DEV_NULL else read_file(new_file))
    except NbmergeError as exc:
        raise DiffError(str(exc)) from None
    out.write(f"diff --nbmerge a/{path} b/{new_path}\n")
    for line in info.splitlines():
        out.write(line + "\n")
    options = diff_options(full, sources_only, no_outputs, no_metadata, context)
    try:
        result = diff_notebooks(_load(old), _load(new), options)
    except NbmergeError as exc:
        # A non-zero exit makes git stop the whole diff ("external diff died"), so say what
        # is wrong in the diff itself, and show the files as plain text.
        click.echo(f"nbmerge diff-driver: {exc}", err=True)
        out.write(f"!! {exc}: shown as plain text\n")
        _plain_text_diff(old, new, out)
        return
    write_text(result, out, old.label if old.data is not None else DEV_NULL,
               new.label if new.data is not None else DEV_NULL, color=want_color(color, sys.stdout))
    out.flush()


def _plain_text_diff(old: Side, new: Side, out: IO[str]) -> None:
    import difflib

    def lines(side: Side) -> List[str]:
        return (side.data or b"").decode("utf-8", "replace").splitlines(keepends=True)

    for line in difflib.unified_diff(lines(old), lines(new), old.label, new.label):
        out.write(line if line.endswith("\n") else line + "\n")
