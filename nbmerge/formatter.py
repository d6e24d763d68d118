"""The repository's code formatter (black or ruff), found and run only when a layout merge needs it.

  FORMATTERS                          -> the names `formatter =` accepts: auto, black, ruff, none
  detect_formatter(folder)            -> "black", "ruff" or None, read off the repository's settings
  find_program(name)                  -> the formatter's executable, or None
  Formatter(folder, name)             -> a function code -> formatted code (None when it cannot)

How the formatter is found: `formatter = "black" | "ruff"` in `[tool.nbmerge]` names it;
`"auto"` (the default) looks from the notebook's folder up to the repository's root for
`[tool.black]` or `[tool.ruff...]` in a pyproject.toml, a ruff.toml / .ruff.toml, or a
black / ruff-format hook in .pre-commit-config.yaml (nearest folder first). The program is
the one installed next to the running Python, else the first on PATH; it runs in the folder
its settings were found in, so it reads them. Neither is a dependency of nbmerge: without
the program, merges are laid out without it. Nothing here runs on a clean merge: a
Formatter looks for its program on its first call, and only a layout merge calls it.
"""

from __future__ import annotations

import os
import sys

FORMATTERS = ("auto", "black", "ruff", "none")
FORMAT_TIMEOUT = 30.0
_PYPROJECT_SIGNS = (("[tool.black]", "black"), ("[tool.ruff", "ruff"))
_PRE_COMMIT_SIGNS = (("ruff-format", "ruff"), ("id: black", "black"))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _signs_in(folder: str):
    """The formatter a folder's settings name, or None."""
    pyproject = _read(os.path.join(folder, "pyproject.toml"))
    for line in pyproject.splitlines():
        for sign, name in _PYPROJECT_SIGNS:
            if line.strip().startswith(sign):
                return name
    if any(os.path.isfile(os.path.join(folder, f)) for f in ("ruff.toml", ".ruff.toml")):
        return "ruff"
    pre_commit = _read(os.path.join(folder, ".pre-commit-config.yaml"))
    for sign, name in _PRE_COMMIT_SIGNS:
        if sign in pre_commit:
            return name
    return None


def detect_formatter(folder: str):
    """(name, folder its settings are in) from the nearest settings up to the repository root."""
    from .config import folders_up_to_repository  # config imports this module

    for folder in folders_up_to_repository(folder):
        name = _signs_in(folder)
        if name:
            return name, folder
    return None, None


def find_program(name: str):
    """The executable for name: next to the running Python first, then on PATH."""
    import shutil

    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which(name)


class Formatter:
    """Formats Python code with black or ruff as the repository configures it; None on failure.

    name "auto" detects the formatter from the settings found from folder upwards; "none"
    never formats. Results are remembered, since a merge asks for the same text twice.
    """

    def __init__(self, folder: str, name: str = "auto"):
        self.folder = folder
        self.name = name
        self._command = None  # resolved on first use
        self._cwd = folder
        self._memo = {}

    def command(self):
        """The argv that formats stdin to stdout, or () when there is no formatter to run."""
        if self._command is None:
            name, cwd = self.name, self.folder
            if name == "auto":
                name, found_in = detect_formatter(self.folder)
                cwd = found_in or cwd
            program = find_program(name) if name in ("black", "ruff") else None
            if program is None:
                self._command = ()
            elif name == "ruff":
                self._command = (program, "format", "--quiet", "--stdin-filename", "cell.py", "-")
            else:
                self._command = (program, "--quiet", "--stdin-filename", "cell.py", "-")
            self._cwd = cwd
        return self._command

    def __call__(self, code: str):
        if code in self._memo:
            return self._memo[code]
        command = self.command()
        result = None
        if command:
            import subprocess

            try:
                done = subprocess.run(command, input=code.encode("utf-8"), capture_output=True,
                                      cwd=self._cwd, timeout=FORMAT_TIMEOUT)
                if done.returncode == 0:
                    result = done.stdout.decode("utf-8")
            except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
                result = None
        self._memo[code] = result
        return result

    def __repr__(self):
        return f"Formatter({self.folder!r}, {self.name!r})"

    def __eq__(self, other):
        return isinstance(other, Formatter) and (self.folder, self.name) == (other.folder, other.name)

    def __hash__(self):
        return hash((self.folder, self.name))
