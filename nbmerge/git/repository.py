"""Opening a repository with pygit2, and libgit2's refusals as one line instead of a traceback.

  open_repository(gitdir, error=RepositoryError) -> pygit2.Repository, or error(message) raised
  refusal(exc)                                   -> the one-line message for a pygit2.GitError

libgit2 refuses what git refuses: a repository owned by another user (git's
safe.directory check), a working-tree file it cannot open. pygit2 is imported by the
caller that needs it; this module imports nothing heavy.
"""

from __future__ import annotations

from ..errors import RepositoryError


def refusal(exc: Exception) -> str:
    """`git cannot read the repository: REASON`, with git's own way out when it is ownership."""
    hint = " (git config --global --add safe.directory PATH trusts it)" if "not owned" in str(exc) else ""
    return f"git cannot read the repository: {exc}{hint}"


def open_repository(gitdir: str, error=RepositoryError):
    """pygit2's Repository at gitdir; a refusal is raised as error(one line)."""
    import pygit2

    try:
        return pygit2.Repository(gitdir)
    except pygit2.GitError as exc:
        raise error(refusal(exc)) from None
