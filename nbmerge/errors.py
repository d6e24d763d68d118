"""Named exceptions of nbmerge; the CLI turns each into one line that names the file."""


class NbmergeError(Exception):
    """Base class: an expected failure with a one-line message."""


class NotebookReadError(NbmergeError):
    """A file could not be read as a Jupyter notebook."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
