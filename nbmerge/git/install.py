"""Git plumbing for `nbmerge install`: the repository, config files at each scope, attribute files.

  find_repository(start)               -> Repo (work tree, git dir), or a named error
  config_file(scope, repo, env)        -> the config file git writes for that scope
  attributes_file(scope, repo, env)    -> the attributes file install writes by default
  desired_config(python, ...)          -> {key: value} install writes (full interpreter path)
  install(target, settings, line)      -> [Change]: all written, or nothing (rolled back)
  uninstall(target)                    -> [Change]: removes exactly what install added

The read-only `nbmerge status` and `nbmerge doctor` inspection lives in nbmerge.doctor.

Nothing here prints or uses click; the environment is passed in.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..errors import (AttributeConflictError, BareRepositoryError, NbmergeError, NotARepositoryError,
                      UntrustedRepositoryError, WriteError)
from .repository import open_repository

DRIVER = "nbmerge"  # the name in merge.<name>, diff.<name>, filter.<name> and the attributes
DISTRIBUTION = "nbmerge-driver"  # what to pip install; PyPI's "nbmerge" is an unrelated project
OUR_SECTIONS = (f"merge.{DRIVER}", f"diff.{DRIVER}", f"filter.{DRIVER}", f"mergetool.{DRIVER}")
MERGETOOL_KEYS = (f"mergetool.{DRIVER}.cmd", f"mergetool.{DRIVER}.trustExitCode")
FILTER_KEYS = tuple(f"filter.{DRIVER}.{key}" for key in ("clean", "smudge", "process", "required"))
OUR_KEYS = (f"merge.{DRIVER}.name", f"merge.{DRIVER}.driver", f"diff.{DRIVER}.textconv",
            f"diff.{DRIVER}.cachetextconv", f"diff.{DRIVER}.command") + FILTER_KEYS + MERGETOOL_KEYS
# What this config's install added to an attributes file, so uninstall removes only that: in a
# clone of a repository whose .gitattributes the team committed, install added nothing.
RECORD_ADDED = f"{DRIVER}.attributesadded"      # the attributes file install wrote its line to
RECORD_CREATED = f"{DRIVER}.attributescreated"  # "true" when install created that file
RECORD_KEYS = (RECORD_ADDED, RECORD_CREATED)
FILTER_ATTRIBUTE = f"*.ipynb filter={DRIVER}"  # routes notebooks to nbmerge.git.filter
ATTRIBUTE_MARKER = "# nbmerge: merge and diff notebooks cell by cell (added by `nbmerge install`)"
# on a file install created, so uninstall knows to delete the file rather than leave it empty
CREATED_MARKER = ATTRIBUTE_MARKER[:-1] + ", which created this file)"
LABELS_GIT = (2, 44)  # %S %X %Y in merge drivers


class Scope(str, Enum):
    """Where git config is written, as `git config --local/--global/--system`."""

    REPO = "repo"
    GLOBAL = "global"
    SYSTEM = "system"


@dataclass(frozen=True)
class Repo:
    """A non-bare repository: its work tree, its git dir, and the dir holding its config."""

    workdir: Path
    gitdir: Path
    commondir: Path


@dataclass(frozen=True)
class Target:
    """Where one install goes: a config file and an attributes file."""

    scope: Scope
    config: Path
    attributes: Path


@dataclass(frozen=True)
class Change:
    """One thing install or uninstall did (or found already done), and where."""

    action: str  # "set" | "updated" | "unchanged" | "removed" | "added" | "kept"
    where: Path
    what: str


# ---------------------------------------------------------------- discovery and scopes


def find_repository(start: Path, ceiling: str = "") -> Repo:
    """The repository containing start, found the way git finds it (pygit2)."""
    import pygit2

    args = (str(start), False, ceiling) if ceiling else (str(start),)
    gitdir = pygit2.discover_repository(*args)
    if gitdir is None:
        raise NotARepositoryError(f"{start}: not inside a git repository "
                                  "(run inside one, or use --global)")
    repo = open_repository(gitdir, UntrustedRepositoryError)
    gitdir_path = Path(repo.path)
    if repo.is_bare or repo.workdir is None:
        raise BareRepositoryError(f"{gitdir_path}: bare repository, no work tree to merge in "
                                  "(use --global or --system to install for a user or machine)")
    common = gitdir_path
    common_file = gitdir_path / "commondir"  # a linked worktree shares the main config
    if common_file.is_file():
        common = (gitdir_path / common_file.read_text().strip()).resolve()
    return Repo(Path(repo.workdir), gitdir_path, common)


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def _xdg_git(env: Mapping[str, str]) -> Path:
    return Path(env.get("XDG_CONFIG_HOME") or _home(env) / ".config") / "git"


def system_dir() -> Path:
    """The directory of git's system-wide config and attributes files."""
    import pygit2

    level = pygit2.enums.ConfigLevel.SYSTEM
    return Path((pygit2.settings.search_path[level] or "/etc").split(os.pathsep)[0])


def global_config_files(env: Mapping[str, str]) -> List[Path]:
    """The global config files git reads, lowest precedence first."""
    if env.get("GIT_CONFIG_GLOBAL"):
        return [Path(env["GIT_CONFIG_GLOBAL"])]
    return [_xdg_git(env) / "config", _home(env) / ".gitconfig"]


def config_file(scope: Scope, repo: Optional[Repo], env: Mapping[str, str]) -> Path:
    """The file `git config --<scope>` writes: git's own choice, env overrides included."""
    if scope is Scope.REPO:
        assert repo is not None
        return repo.commondir / "config"
    if scope is Scope.SYSTEM:
        return Path(env.get("GIT_CONFIG_SYSTEM") or system_dir() / "gitconfig")
    xdg, home = global_config_files(env)[0], _home(env) / ".gitconfig"
    if env.get("GIT_CONFIG_GLOBAL"):
        return xdg
    # git writes ~/.gitconfig unless only the XDG file exists
    return xdg if xdg.is_file() and not home.is_file() else home


def attributes_file(scope: Scope, repo: Optional[Repo], env: Mapping[str, str]) -> Path:
    """Where install writes attribute lines by default: the shared file for a repository."""
    if scope is Scope.REPO:
        assert repo is not None
        return repo.workdir / ".gitattributes"
    if scope is Scope.SYSTEM:
        return system_dir() / "gitattributes"
    configured = read_config_value(global_config_files(env), "core.attributesFile")
    if configured:
        return _home(env) / configured[2:] if configured.startswith("~/") else Path(configured)
    return _xdg_git(env) / "attributes"


def git_version() -> Tuple[int, ...]:
    """The version of the git on PATH, e.g. (2, 39, 5); (0,) when git is missing."""
    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return (0,)
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(n) for n in match.groups() if n is not None) if match else (0,)


# ---------------------------------------------------------------- what install writes


def quote_interpreter(python_exe: str, *, windows: Optional[bool] = None) -> str:
    """The interpreter path quoted for the `sh -c` git runs drivers with.

    Git for Windows runs drivers with its own sh too, which reads `C:/Users/...` as the
    same file and `\\` as an escape: a Windows path is written with forward slashes.
    windows: whether python_exe is a Windows path (default: whether we run on Windows).
    """
    if windows if windows is not None else os.name == "nt":
        python_exe = python_exe.replace("\\", "/")
    return '"' + re.sub(r'([\\"$`])', r"\\\1", python_exe) + '"'


def desired_config(python_exe: str, *, version: Tuple[int, ...], rich_diff: bool = False,
                   filter_config: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The config keys install writes, each command run by the full interpreter path.

    The path is not resolved: a virtualenv's python is a link that must stay a link.
    """
    python = quote_interpreter(python_exe)
    driver = f"{python} -m nbmerge merge-driver"
    if version >= LABELS_GIT:
        # gitattributes(5): %S %X %Y are already quoted by git for the shell
        driver += " --label-base %S --label-ours %X --label-theirs %Y"
    settings = {
        "merge.nbmerge.name": "nbmerge: notebooks merged cell by cell",
        # `--`: git's files are files whatever they are called (a notebook `--strip-outputs`)
        "merge.nbmerge.driver": driver + " -- %O %A %B %L %P",
        "diff.nbmerge.textconv": f"{python} -m nbmerge textconv",
        # git-mergetool(1): the variables are set for the command, which git runs with sh
        # `--`: MERGED is the notebook's own path, `-a.ipynb` as well (click reads it as an option)
        "mergetool.nbmerge.cmd": f'{python} -m nbmerge mergetool -- "$BASE" "$LOCAL" "$REMOTE" "$MERGED"',
        "mergetool.nbmerge.trustExitCode": "true",  # exit 0 only when nothing is left
        # git keeps each blob's text in refs/notes/textconv/nbmerge: `git log -p` starts one
        # Python per blob only the first time
        "diff.nbmerge.cachetextconv": "true",
    }
    if rich_diff:
        settings["diff.nbmerge.command"] = f"{python} -m nbmerge diff-driver"
    if filter_config is not None:
        settings.update(filter_config)
    return settings


def filter_config(python_exe: str) -> Dict[str, str]:
    """The clean filter's keys (nbmerge.git.filter), run by the interpreter's full path.

    `process` serves everything from one process (git 2.11+); `clean` is what older git uses.
    `smudge = cat`: with `required`, git refuses a checkout when a required filter has no
    smudge ("smudge filter nbmerge failed"), and notebooks need no smudging.
    """
    command = f"{quote_interpreter(python_exe)} -m nbmerge filter"
    return dict(zip(FILTER_KEYS, (command, "cat", f"{command} --process", "true")))


def attribute_line(with_filter: bool = False) -> str:
    """The one attribute line install writes."""
    return f"*.ipynb merge={DRIVER} diff={DRIVER}" + (f" filter={DRIVER}" if with_filter else "")


# ---------------------------------------------------------------- config files


def read_config_value(paths: Sequence[Path], key: str) -> Optional[str]:
    """key's value in the last of paths that sets it (includes followed), else None."""
    found = None
    for path, values in read_config_files(paths, (key,)):
        if key in values:
            found = values[key]
    return found


def read_config_files(paths: Sequence[Path], keys: Sequence[str]) -> Iterator[Tuple[Path, Dict[str, str]]]:
    """For each existing file, the values it sets among keys."""
    import pygit2

    for path in paths:
        if not path.is_file():
            continue
        try:
            config = pygit2.Config(str(path))
            yield path, {key: config[key] for key in keys if key in config}
        except (pygit2.GitError, ValueError, OSError):
            yield path, {}


def _config_changes(path: Path, settings: Mapping[str, Optional[str]]) -> Tuple[dict, List[Change]]:
    """What writing settings (None = delete) would change in path."""
    current = dict(next(read_config_files([path], list(settings)), (path, {}))[1])
    todo, changes = {}, []
    for key, value in settings.items():
        old = current.get(key)
        if value is None:
            if old is not None:
                todo[key] = None
                changes.append(Change("removed", path, key))
        elif old == value:
            changes.append(Change("unchanged", path, key))
        else:
            todo[key] = value
            changes.append(Change("set" if old is None else "updated", path, f"{key} = {value}"))
    return todo, changes


def _write_config(path: Path, todo: Mapping[str, Optional[str]]) -> None:
    import pygit2

    if not todo:
        return
    lock = Path(str(path) + ".lock")
    if lock.exists():
        raise WriteError(f"{path}: locked by another git process (remove {lock} if none is running)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        config = pygit2.Config(str(path))
        for key, value in todo.items():
            if value is None:
                del config[key]
            else:
                config[key] = value
    except (pygit2.GitError, OSError, KeyError) as exc:
        raise WriteError(f"{path}: cannot write git config: {_reason(exc)}") from None
    _drop_empty_sections(path)
    if path.stat().st_size == 0:  # only our keys were there: install created the file
        path.unlink()


_SECTION = re.compile(r'^\s*\[\s*(?:(merge|diff|filter|mergetool)\s+"nbmerge"|nbmerge)\s*\]\s*$',
                      re.IGNORECASE)


def _drop_empty_sections(path: Path) -> None:
    """Remove our section headers left with no keys: libgit2 keeps them after a delete."""
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    keep = []
    for i, line in enumerate(lines):
        if _SECTION.match(line):
            rest = next((l for l in lines[i + 1:] if l.strip() and not l.lstrip().startswith(("#", ";"))), None)
            if rest is None or rest.lstrip().startswith("["):
                continue
        keep.append(line)
    if len(keep) != len(lines):
        path.write_bytes("".join(keep).encode("utf-8"))


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# ---------------------------------------------------------------- attribute files


@dataclass(frozen=True)
class AttributeLine:
    """One pattern line of an attributes file: {attribute: value}, value "set"/"unset"/... ."""

    path: Path
    lineno: int
    pattern: str
    attrs: Dict[str, str] = field(hash=False)
    text: str = ""


MACROS = {"binary": {"diff": "unset", "merge": "unset", "text": "unset"}}


def parse_attributes(text: str, path: Path) -> Iterator[AttributeLine]:
    """Pattern lines of a gitattributes file, in order (macro definitions skipped)."""
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("[attr]"):
            continue
        if line.startswith('"') and '"' in line[1:]:
            end = line.index('"', 1)
            pattern, rest = line[1:end], line[end + 1:]
        else:
            pattern, _, rest = line.partition(" ") if " " in line else line.partition("\t")
        attrs: Dict[str, str] = {}
        for token in rest.split():
            if token in MACROS:
                attrs.update(MACROS[token])
            elif token.startswith("-"):
                attrs[token[1:]] = "unset"
            elif token.startswith("!"):
                attrs[token[1:]] = "unspecified"
            elif "=" in token:
                name, _, value = token.partition("=")
                attrs[name] = value
            else:
                attrs[token] = "set"
        yield AttributeLine(path, lineno, pattern, attrs, raw)


def pattern_matches(pattern: str, relpath: str) -> bool:
    """Roughly git's wildmatch for a path relative to the attributes file's directory."""
    if "/" not in pattern.rstrip("/"):
        return fnmatch.fnmatchcase(relpath.rsplit("/", 1)[-1], pattern)
    pattern = pattern.lstrip("/")
    return fnmatch.fnmatchcase(relpath, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatchcase(relpath, pattern[3:]))


def read_attributes_text(path: Path) -> str:
    """An attributes file's text, or WriteError naming it (install cannot update it)."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise WriteError(f"{path}: cannot update attributes: {_reason(exc)}") from None
    except UnicodeDecodeError:
        raise WriteError(f"{path}: cannot update attributes: not UTF-8 text") from None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _managed_blocks(lines: List[str]) -> List[int]:
    """Indexes of our marker lines that are followed by an nbmerge attribute line."""
    return [i for i, line in enumerate(lines[:-1])
            if line.rstrip("\r\n") in (ATTRIBUTE_MARKER, CREATED_MARKER)
            and "merge=nbmerge" in lines[i + 1].split()]


def plan_attributes(path: Path, line: str) -> Tuple[Optional[str], List[Change]]:
    """The new text of path with our line in it (None: nothing to do), or AttributeConflictError."""
    exists = path.exists()
    text = read_attributes_text(path) if exists else ""
    wanted = dict(next(parse_attributes(line, path)).attrs)
    lines = text.splitlines(keepends=True)
    managed = {i + 1 for i in _managed_blocks(lines)}
    for entry in parse_attributes(text, path):
        if entry.lineno - 1 in managed or not pattern_matches(entry.pattern, "x.ipynb"):
            continue
        for name in ("merge", "filter"):
            value = entry.attrs.get(name)
            if name == "filter" and "filter" not in wanted:
                continue
            if value not in (None, "unset", "unspecified", "set", DRIVER):
                raise AttributeConflictError(
                    f"{path}:{entry.lineno}: `{entry.text.strip()}` already gives notebooks "
                    f"{name}={value}; remove that line, then run nbmerge install again")
        if entry.attrs.get("merge") == DRIVER and entry.attrs == wanted:
            return None, [Change("kept", path, f"line {entry.lineno}: {entry.text.strip()}")]
    newline = _newline(text)
    if managed:
        index = min(managed)
        if lines[index].rstrip("\r\n") == line:
            return None, [Change("unchanged", path, f"line {index + 1}: {line}")]
        ending = lines[index][len(lines[index].rstrip("\r\n")):]
        lines[index] = line + ending
        return "".join(lines), [Change("updated", path, f"line {index + 1}: {line}")]
    if text and not text.endswith("\n"):
        # keep the file without a final newline, so uninstall can give back the same bytes
        new = text + newline + ATTRIBUTE_MARKER + newline + line
    else:
        new = text + (ATTRIBUTE_MARKER if exists else CREATED_MARKER) + newline + line + newline
    lineno = new[:new.rindex(line)].count("\n") + 1
    return new, [Change("added", path, f"line {lineno}: {line}")]


def remove_attributes(text: str, removable=lambda block: True) -> Optional[str]:
    """text without the marker and line install added, byte for byte as before (None: no file).

    removable(block) says whether one block (marker line, attribute line) may go.
    """
    lines = text.splitlines(keepends=True)
    blocks = [i for i in _managed_blocks(lines)
              if removable((lines[i].rstrip("\r\n"), lines[i + 1].rstrip("\r\n")))]
    created = any(lines[i].rstrip("\r\n") == CREATED_MARKER for i in blocks)
    for i in reversed(blocks):
        last = i + 2 == len(lines)
        unterminated = last and not lines[i + 1].endswith("\n")
        del lines[i:i + 2]
        if unterminated and i > 0:
            lines[i - 1] = lines[i - 1].rstrip("\r\n")
    return None if created and not lines else "".join(lines)


def managed_blocks_of(text: str) -> List[Tuple[str, str]]:
    """The (marker line, attribute line) blocks install writes, as they appear in text."""
    lines = text.splitlines()
    return [(lines[i], lines[i + 1]) for i in _managed_blocks(lines)]


def committed_text(path: Path) -> Optional[str]:
    """path's text in HEAD of the repository around it; None when it is not committed there."""
    import pygit2

    try:
        gitdir = pygit2.discover_repository(str(path.parent))
        if gitdir is None:
            return None
        repo = pygit2.Repository(gitdir)
        if repo.workdir is None or repo.head_is_unborn:
            return None
        relative = os.path.relpath(os.path.realpath(path.parent), os.path.realpath(repo.workdir))
        if relative.startswith(".."):
            return None
        name = path.name if relative == "." else f"{relative}/{path.name}"
        entry = repo.head.peel(pygit2.Commit).tree[name.replace(os.sep, "/")]
        return repo[entry.id].data.decode("utf-8", "replace")
    except (KeyError, ValueError, pygit2.GitError, OSError):
        return None


def _write_attributes(path: Path, text: Optional[str]) -> None:
    """Write text to path; None removes the file (install created it)."""
    try:
        if text is None:
            if path.exists():
                path.unlink()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8"))
    except OSError as exc:
        raise WriteError(f"{path}: cannot update attributes: {_reason(exc)}") from None


# ---------------------------------------------------------------- install and uninstall


def _snapshot(path: Path) -> Optional[bytes]:
    return path.read_bytes() if path.is_file() else None


def _restore(path: Path, data: Optional[bytes]) -> None:
    try:
        if data is None:
            if path.is_file():
                path.unlink()
        else:
            path.write_bytes(data)
    except OSError:
        pass


def install(target: Target, settings: Mapping[str, str], line: str) -> List[Change]:
    """Write settings and the attribute line; on any failure, put both files back as they were.

    When it adds the line, it records that in the same config (RECORD_KEYS), for uninstall.
    """
    new_attributes, attr_changes = plan_attributes(target.attributes, line)
    wanted: Dict[str, Optional[str]] = {key: None for key in OUR_KEYS}
    wanted.update(settings)
    if any(change.action == "added" for change in attr_changes):
        wanted[RECORD_ADDED] = str(target.attributes)
        wanted[RECORD_CREATED] = "false" if target.attributes.exists() else "true"
    todo, changes = _config_changes(target.config, wanted)
    changes = [c for c in changes if not (c.action == "unchanged" and wanted.get(c.what) is None)
               and not c.what.startswith(RECORD_KEYS)]
    saved = _snapshot(target.config)
    try:
        _write_config(target.config, todo)
        if new_attributes is not None:
            _write_attributes(target.attributes, new_attributes)
    except NbmergeError:
        _restore(target.config, saved)
        raise
    return changes + attr_changes


def uninstall(target: Target) -> List[Change]:
    """Remove our config keys and the attribute lines this config's install added; keep the rest.

    A block goes only when install recorded adding it to this file and it is not committed in
    HEAD: a committed line is the team's, whoever wrote it. Each block kept says why.
    """
    recorded = dict(next(read_config_files([target.config], RECORD_KEYS), (None, {}))[1])
    ours = recorded.get(RECORD_ADDED) == str(target.attributes)
    text = read_attributes_text(target.attributes) if target.attributes.exists() else None
    committed = committed_text(target.attributes) if text is not None else None
    committed_blocks = set(managed_blocks_of(committed)) if committed is not None else set()

    def removable(block: Tuple[str, str]) -> bool:
        return ours and block not in committed_blocks

    new_text = remove_attributes(text, removable) if text is not None else ""
    if new_text is None and committed is not None:
        new_text = ""  # never delete a file HEAD has, even one install once created
    todo, changes = _config_changes(target.config, {key: None for key in OUR_KEYS + RECORD_KEYS})
    changes = [c for c in changes if not c.what.startswith(RECORD_KEYS)]
    saved = _snapshot(target.config)
    try:
        _write_config(target.config, todo)
        if text is not None and (new_text is None or new_text != text):
            _write_attributes(target.attributes, new_text)
            changes.append(Change("removed", target.attributes, attribute_line().split(" ", 1)[0]
                                  + " merge=nbmerge ... (and its comment)"
                                  + (", and the file it created" if new_text is None else "")))
    except NbmergeError:
        _restore(target.config, saved)
        raise
    if new_text:
        managed = {line for _, line in managed_blocks_of(new_text)}
        committed_lines = set((committed or "").splitlines())
        for entry in parse_attributes(new_text, target.attributes):
            if entry.attrs.get("merge") != DRIVER:
                continue
            if entry.text in committed_lines:
                why = "committed in HEAD: the team's line; remove it in a commit if they agree"
            elif entry.text in managed:
                why = ("not recorded as added by this repository's `nbmerge install`; "
                       "delete it and the comment above it by hand if it should go")
            else:
                why = "not added by install"
            changes.append(Change("kept", target.attributes,
                                  f"line {entry.lineno}: {entry.text.strip()} ({why})"))
    return changes
