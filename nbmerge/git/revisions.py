"""A notebook's versions as git holds them: in revisions, the index and the work tree (pygit2).

  Side(label, data, name)        -> one version: a label for people, its bytes (None: absent);
                                    .shown_label: /dev/null for an absent side
  load(side)                     -> its parsed notebook; an absent side is an empty notebook;
                                    malformed parts read as their nearest valid value, said on stderr
  load_pair(old, new)            -> both parsed; an absent side is empty, in the other's format
  load_pair_or_problem(old, new) -> (old, new, ""), or ({}, {}, "label: problem") when a version
                                    cannot be read: for diffs of many notebooks, which go on
  in_repo()                      -> whether the current directory is inside a git repository
  revision_pairs(revs, paths)    -> [(old Side, new Side)] of each notebook that differs, as
                                    `git diff [REV [REV]] [-- PATH...]` would pick them

pygit2 is imported inside the functions that need it: `nbmerge diff A B` and git's external
diff import Side from here and must start without it.
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple

from ..errors import PathError, RepositoryError, UsageError
from ..notebook import empty_notebook, read_file
from ..render_diff import DEV_NULL
from ..repair import describe_notes, parse_repaired
from .repository import refusal

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Callable, List, Tuple


class Side(namedtuple("Side", "label data name", defaults=("",))):
    """One version of a notebook: a label for people, and its bytes (None: it does not exist).

    name: the notebook's path, for --stat; the label when empty.
    """

    __slots__ = ()

    @property
    def shown_label(self) -> str:
        """The label, or DEV_NULL (as git writes it) for a side that does not exist."""
        return self.label if self.data is not None else DEV_NULL


def load(side: Side) -> dict:
    """The parsed notebook of one side; a side that does not exist is an empty notebook.

    Malformed parts (`"outputs": [42]`, `"metadata": null`) are diffed as their nearest
    valid value and said on stderr: one line per notebook, naming each such part.
    """
    if side.data is None:
        return empty_notebook()
    nb, notes, _ = parse_repaired(side.data, side.label)
    if notes:
        sys.stderr.write(f"nbmerge diff: {side.label}: unreadable part{'s' * (len(notes) > 1)} "
                         f"diffed as the nearest valid value: {describe_notes(notes)}\n")
    return nb


def load_pair(old: Side, new: Side) -> Tuple[dict, dict]:
    """Both sides parsed; a side that does not exist is an empty notebook with the other's
    nbformat and nbformat_minor, so an added notebook shows no made-up change of those."""
    return _same_format(old, new, load(old), load(new))


def load_pair_or_problem(old: Side, new: Side) -> Tuple[dict, dict, str]:
    """As load_pair, but a version that cannot be read is returned, not raised: ({}, {}, problem),
    the problem being "label: problem" for each such version ("; " between two)."""
    loaded, problems = [], []
    for side in (old, new):
        try:
            loaded.append(load(side))
        except PathError as exc:
            problems.append(str(exc))
    if problems:
        return {}, {}, "; ".join(problems)
    return (*_same_format(old, new, *loaded), "")


def _same_format(old: Side, new: Side, old_nb: dict, new_nb: dict) -> Tuple[dict, dict]:
    if old.data is None or new.data is None:
        present, absent = (new_nb, old_nb) if old.data is None else (old_nb, new_nb)
        for key in ("nbformat", "nbformat_minor"):
            if key in present:
                absent[key] = present[key]
    return old_nb, new_nb


def in_repo() -> bool:
    import pygit2

    return pygit2.discover_repository(os.getcwd()) is not None


def revision_pairs(revs: List[str], paths: List[str]) -> List[Tuple[Side, Side]]:
    """Sides for each notebook that differs, as `git diff [REV [REV]] [-- PATH...]` would pick."""
    import pygit2

    try:
        return _revision_pairs(pygit2, revs, paths)
    except pygit2.GitError as exc:
        # libgit2 refuses another user's repository (git's safe.directory) and stops at a
        # working-tree file it cannot open, as git itself does: one line, never a traceback.
        raise RepositoryError(refusal(exc)) from None


def _revision_pairs(pygit2, revs: List[str], paths: List[str]) -> List[Tuple[Side, Side]]:
    found = pygit2.discover_repository(os.getcwd())
    if found is None:
        raise UsageError("not in a git repository (give two files to compare them)")
    repo = pygit2.Repository(found)
    if repo.workdir is None and len(revs) < 2:
        raise UsageError("bare repository: give two revisions")
    workdir = os.path.realpath(repo.workdir) if repo.workdir else ""
    wanted = [_repo_path(p, workdir) for p in paths]
    trees = [_tree(repo, rev) for rev in revs]
    if len(trees) == 2:
        delta_source = repo.diff(trees[0], trees[1])
    elif len(trees) == 1:
        # As `git diff REV`: the index says what is tracked, so a notebook staged since REV is
        # new (libgit2's tree-to-workdir alone ignores the index and misses it).
        delta_source = trees[0].diff_to_index(repo.index)
        delta_source.merge(repo.diff())
    else:
        delta_source = repo.diff()  # index against working tree, as plain `git diff`
    # A renamed notebook is one diff from its old path to its new one, as git shows it
    # (diff.renames, on by default since git 2.9).
    delta_source.find_similar(pygit2.enums.DiffFind.FIND_RENAMES)
    for path, rel in zip(paths, wanted):
        if not _exists_anywhere(repo, trees, rel, workdir):
            raise PathError(path, f"no such path in {' or '.join(revs) or 'the index'} or the working tree")
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
        raise PathError(path, "outside the repository")
    return "" if rel == "." else rel.replace(os.sep, "/")


def _selected(path: str, wanted: List[str]) -> bool:
    return not wanted or any(w == "" or path == w or path.startswith(w.rstrip("/") + "/") for w in wanted)


def _tree(repo, rev: str):
    import pygit2

    try:
        obj = repo.revparse_single(rev)
    except (KeyError, ValueError, pygit2.GitError):
        raise PathError(rev, "unknown revision") from None
    try:
        return obj.peel(pygit2.Tree)
    except (pygit2.GitError, ValueError, TypeError):
        raise PathError(rev, "not a commit or tree") from None


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
        # gone, or a folder or dangling link in its place: deleted, as git shows it
        return Side(path, read_file(full) if os.path.isfile(full) else None, path)

    return read
