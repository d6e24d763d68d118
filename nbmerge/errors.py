"""Every named error of nbmerge and the exit code it ends a command with.

  EXIT_OK, EXIT_FOUND, EXIT_ERROR -> 0; 1 (conflicts left, findings, notebooks differ);
                                     2 (bad input, a file that cannot be read or written)
  NbmergeError(message)           -> base class; `exit_code` (a class attribute) is the contract
  PathError(path, problem)        -> one file (or revision) at fault: "path: problem"
    NotebookReadError, UnreadableFile, FixError, NothingToFix, ConfigError
  UsageError, ProtocolError       -> a command line or a git protocol we cannot follow
    UnknownConflict, BadResolution
  RepositoryError                 -> git's library refused the repository (another user's) or a file in it
  SetupError                      -> `nbmerge install` could not do its work: exit 1, as documented
    NotARepositoryError, BareRepositoryError, UntrustedRepositoryError, WriteError, AttributeConflictError

The CLI turns each into one line and its exit_code: the click commands through one adapter
(nbmerge.cli.group.Command), the plain-argv entries through nbmerge.cli.run_plain. Standard
library only: the merge driver imports this.
"""

EXIT_OK = 0
EXIT_FOUND = 1  # a result the user must look at: conflicts left, findings, notebooks differ
EXIT_ERROR = 2  # git merge-file's habit: 1 must keep meaning "conflicts", so errors are 2


class NbmergeError(Exception):
    """An expected failure with a one-line message."""

    exit_code = EXIT_ERROR


class PathError(NbmergeError):
    """Something is wrong with one file (or revision): the message names it first."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self):  # it travels back from `check`'s pool workers; Exception's default loses args
        return type(self), (self.path, self.problem)

    def __eq__(self, other):
        return type(other) is type(self) and (self.path, self.problem) == (other.path, other.problem)

    __hash__ = Exception.__hash__


class NotebookReadError(PathError):
    """A file could not be read as a Jupyter notebook."""


class UnreadableFile(PathError):
    """A path could not be read at all (missing, a directory, no permission)."""


class FixError(PathError):
    """A conflicted notebook could not be taken apart into versions that parse."""


class NothingToFix(FixError):
    """The file holds no git conflict markers."""


class ConfigError(PathError):
    """The [tool.nbmerge] table could not be read or holds a bad key or value."""


class UsageError(NbmergeError):
    """A command line that nbmerge cannot follow."""


class UnknownConflict(UsageError):
    """A conflict id that names no conflict in the notebook (or more than one)."""


class BadResolution(UsageError):
    """Hand-written text that cannot stand in for a conflict (not JSON, not a cell type)."""


class RepositoryError(NbmergeError):
    """libgit2 could not read the repository or a file in its working tree; its reason follows."""


class ProtocolError(NbmergeError):
    """git sent something the long-running filter protocol does not allow."""


class SetupError(NbmergeError):
    """`nbmerge install` or `uninstall` could not do its work; nothing was changed."""

    exit_code = EXIT_FOUND  # documented as 1 since install first shipped


class NotARepositoryError(SetupError):
    """The directory is not inside a git work tree."""


class BareRepositoryError(SetupError):
    """The repository has no work tree, so no merge or diff runs in it."""


class UntrustedRepositoryError(SetupError):
    """git (and libgit2) refuse the repository: another user's, not in safe.directory."""


class WriteError(SetupError):
    """A config or attributes file could not be written; nothing was changed."""


class AttributeConflictError(SetupError):
    """An attributes file already gives notebooks another tool's merge driver or filter."""
