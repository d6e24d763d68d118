"""Read-only inspection behind `nbmerge status` and `nbmerge doctor`: what git sees for a notebook.
Owns the Status of each scope's config and attribute lines, and the Diagnoses that explain it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .install import (DISTRIBUTION, DRIVER, LABELS_GIT, OUR_KEYS, AttributeLine, BareRepositoryError,
                        NotARepositoryError, Repo, Scope, attributes_file, config_file,
                        find_repository, global_config_files, parse_attributes, pattern_matches,
                        read_config_files, read_config_value, system_dir)

ZDIFF3_GIT = (2, 35)


# ---------------------------------------------------------------- what git sees


def check_attr(cwd: Path, path: str, names: Sequence[str] = ("merge", "diff", "filter")) -> Dict[str, str]:
    """`git check-attr` for path (relative to cwd): {attribute: value or "unspecified"}."""
    result = subprocess.run(["git", "check-attr", "-z", *names, "--", path], cwd=cwd,
                            capture_output=True)
    if result.returncode != 0:
        return {}
    fields = result.stdout.decode("utf-8", "replace").split("\0")
    return {fields[i + 1]: fields[i + 2] for i in range(0, len(fields) - 2, 3)}


# ---------------------------------------------------------------- status and doctor


@dataclass
class Status:
    """What is configured at each scope and what git decides for one notebook path."""

    repo: Optional[Repo]
    probe: str
    config: Dict[Scope, Dict[str, Tuple[str, Path]]]  # scope -> key -> (value, file)
    attribute_lines: List[AttributeLine]  # lines naming nbmerge, in every file git reads
    check: Dict[str, str]  # git check-attr for probe ({} outside a repository)

    def effective(self, key: str) -> Optional[Tuple[str, Path]]:
        """The value git uses for key: the repository's, else global, else system."""
        for scope in (Scope.REPO, Scope.GLOBAL, Scope.SYSTEM):
            if key in self.config.get(scope, {}):
                return self.config[scope][key]
        return None

    @property
    def active(self) -> bool:
        """git will run nbmerge to merge the probe notebook (and the driver's program exists)."""
        driver = self.effective("merge.nbmerge.driver")
        if driver is None or missing_program(driver[0]) is not None:
            return False
        if self.repo is None:
            return any(l.attrs.get("merge") == DRIVER for l in self.attribute_lines)
        return self.check.get("merge") == DRIVER

    @property
    def missing_driver_program(self) -> Optional[str]:
        """The merge driver's program when it no longer exists (a deleted virtualenv)."""
        driver = self.effective("merge.nbmerge.driver")
        return missing_program(driver[0]) if driver else None


def missing_program(command: str) -> Optional[str]:
    """The program a configured command runs, when it is not there to run; else None."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return None  # doctor reports a command that does not parse
    if not argv:
        return None
    program = argv[0]
    found = program if os.sep in program or "/" in program else shutil.which(program)
    return None if found and os.access(found, os.X_OK) else program


def config_files(scope: Scope, repo: Optional[Repo], env: Mapping[str, str]) -> List[Path]:
    """Every file git reads for scope, lowest precedence first."""
    if scope is Scope.GLOBAL:
        return global_config_files(env)
    if scope is Scope.SYSTEM:
        return [] if env.get("GIT_CONFIG_NOSYSTEM") else [config_file(scope, None, env)]
    return [config_file(scope, repo, env)] if repo else []


def attribute_sources(repo: Optional[Repo], probe: str, env: Mapping[str, str]) -> List[Tuple[Path, str]]:
    """(attributes file, probe relative to it) for every file git reads, lowest precedence first."""
    sources = []
    if not env.get("GIT_ATTR_NOSYSTEM"):
        sources.append((system_dir() / "gitattributes", probe))
    sources.append((attributes_file(Scope.GLOBAL, repo, env), probe))
    if repo is not None:
        parts = probe.split("/")
        for depth in range(len(parts)):
            folder = repo.workdir.joinpath(*parts[:depth])
            sources.append((folder / ".gitattributes", "/".join(parts[depth:])))
        sources.append((repo.commondir / "info" / "attributes", probe))
    return sources


def status(cwd: Path, env: Mapping[str, str], probe: Optional[str] = None) -> Status:
    """Read every scope's config and attributes, and ask git about a notebook path."""
    try:
        repo: Optional[Repo] = find_repository(cwd, env.get("GIT_CEILING_DIRECTORIES", ""))
    except (NotARepositoryError, BareRepositoryError):
        repo = None
    if repo is not None:
        relative = os.path.relpath(cwd.resolve(), repo.workdir.resolve()).replace(os.sep, "/")
        probe = probe or ("notebook.ipynb" if relative == "." else f"{relative}/notebook.ipynb")
    probe = probe or "notebook.ipynb"
    config = {}
    for scope in Scope:
        values: Dict[str, Tuple[str, Path]] = {}
        for path, found in read_config_files(config_files(scope, repo, env), OUR_KEYS):
            values.update({key: (value, path) for key, value in found.items()})
        config[scope] = values
    lines = []
    for path, _ in attribute_sources(repo, probe, env):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            lines += [l for l in parse_attributes(text, path) if DRIVER in l.attrs.values()]
    check = {}
    if repo is not None:
        check = check_attr(repo.workdir, probe)
    return Status(repo, probe, config, lines, check)


@dataclass(frozen=True)
class Diagnosis:
    """Something doctor noticed: a problem (git will not use nbmerge as meant) or a note."""

    problem: bool
    message: str


TOOL_HINTS = {
    "nbdime": "nbdime (`git-nbmergedriver config --disable`, `git-nbdiffdriver config --disable`)",
    "nbdev": "nbdev (its `.gitconfig` include and `**/*.ipynb merge=nbdev-merge` line)",
    "nbstripout": "nbstripout (`nbstripout --uninstall`)",
    "jupytext": "jupytext",
}


def identify_tool(name: str, command: str = "") -> str:
    """Which tool a driver name and command belong to, as far as can be told."""
    text = f"{name} {command}".lower()
    if name == DRIVER and "nbdime" not in text:
        return "nbmerge"
    for tool, marks in (("nbdime", ("nbdime", "git-nbmergedriver", "git-nbdiffdriver")),
                        ("nbdev", ("nbdev",)), ("nbstripout", ("nbstripout",)),
                        ("jupytext", ("jupytext",))):
        if any(mark in text for mark in marks):
            return tool
    if name == "jupyternotebook":
        return "nbdime or nbdev"
    return "another tool"


def _whose(origin: Optional[AttributeLine]) -> str:
    return f"{origin.path}:{origin.lineno} (`{origin.text.strip()}`)" if origin else "an attributes file"


def winning_line(repo: Optional[Repo], probe: str, env: Mapping[str, str], name: str) -> Optional[AttributeLine]:
    """The attribute line that decides name for probe: the last match in the last file."""
    found = None
    for path, relative in attribute_sources(repo, probe, env):
        if not path.is_file():
            continue
        for entry in parse_attributes(path.read_bytes().decode("utf-8", "replace"), path):
            if name in entry.attrs and pattern_matches(entry.pattern, relative):
                found = entry
    return found


def _command_findings(key: str, command: str, where: Path) -> List[Diagnosis]:
    """A configured command whose program is gone, or whose python cannot import nbmerge."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return [Diagnosis(True, f"{key} in {where} is not a valid shell command: {command}")]
    if not argv:
        return [Diagnosis(True, f"{key} in {where} is empty")]
    program = argv[0]
    found = program if os.sep in program or "/" in program else shutil.which(program)
    if missing_program(command) is not None:
        return [Diagnosis(True, f"{key} in {where} runs {program}, which no longer exists; "
                              "run `nbmerge install` again from the environment you use")]
    if argv[1:3] == ["-m", "nbmerge"]:
        probe = subprocess.run([found, "-c", "import nbmerge.cli"], capture_output=True)
        if probe.returncode != 0:
            return [Diagnosis(True, f"{key} in {where} runs {program}, which cannot import nbmerge; "
                                  f"install it there (`pip install {DISTRIBUTION}`: PyPI's `nbmerge` is "
                                  "an unrelated project) or run `nbmerge install` again from the "
                                  "environment you use")]
    elif program.endswith("nbmerge"):
        return foreign_nbmerge([os.path.dirname(found)], why=f"{key} in {where} runs it by name")
    return []


def foreign_nbmerge(path_dirs: Sequence[str], why: str = "typing `nbmerge` runs it") -> List[Diagnosis]:
    """An `nbmerge` program on PATH that is not this one (nbdime ships one)."""
    for folder in path_dirs:
        candidate = Path(folder or ".") / "nbmerge"
        if not candidate.is_file() or not os.access(candidate, os.X_OK):
            continue
        try:
            head = candidate.read_bytes()[:65536]
        except OSError:
            continue
        if b"nbdime" in head:
            return [Diagnosis(True, f"{candidate} is nbdime's nbmerge, not this one ({why}); "
                                  "nbmerge's git drivers run `python -m nbmerge`, which is unaffected")]
        return []  # the first nbmerge on PATH is ours, or a shim we cannot see through
    return []


def doctor(cwd: Path, env: Mapping[str, str], version: Tuple[int, ...], probe: Optional[str] = None) -> List[Diagnosis]:
    """Explain why git may not merge or diff notebooks with nbmerge, problems first."""
    state = status(cwd, env, probe)
    findings: List[Diagnosis] = []
    repo = state.repo
    for name, section in (("merge", "merge"), ("diff", "diff")):
        value = state.check.get(name) if repo else None
        if repo is None:
            continue
        origin = winning_line(repo, state.probe, env, name)
        if value == DRIVER:
            key = f"{section}.nbmerge.driver" if name == "merge" else f"{section}.nbmerge.textconv"
            if state.effective(key) is None and not (name == "diff" and state.effective("diff.nbmerge.command")):
                findings.append(Diagnosis(True, f"{_whose(origin)} sets {name}=nbmerge but no scope sets "
                                              f"{key}: git silently uses its line {name}; run `nbmerge install`"))
        elif value in (None, "unspecified", "set", "unset"):
            if name == "merge" or state.check.get("merge") == DRIVER:
                shown = {"unset": f"-{name} (binary)", "set": f"its built-in {name}"}.get(value or "", "no driver")
                findings.append(Diagnosis(name == "merge", f"{state.probe}: git uses {shown} for {name}"
                                        + (f", from {_whose(origin)}" if origin else "")
                                        + "; run `nbmerge install`"))
        else:
            command = _other_command(repo, env, section, value)
            tool = identify_tool(value, command)
            hint = TOOL_HINTS.get(tool, tool)
            findings.append(Diagnosis(True, f"{state.probe}: {name}={value} from {_whose(origin)} wins, so "
                                          f"git uses {hint} for notebooks, not nbmerge; remove that line"))
    if repo is not None:
        findings += _filter_findings(state, env)
    for scope, values in state.config.items():
        for key, (command, where) in values.items():
            if key.endswith((".driver", ".textconv", ".command", ".clean", ".process", ".cmd")):
                findings += _command_findings(key, command, where)
        driver = values.get("merge.nbmerge.driver")
        if driver and not all(p in driver[0].split() for p in ("%O", "%A", "%B")):
            findings.append(Diagnosis(True, f"merge.nbmerge.driver in {driver[1]} does not pass %O %A %B"))
        textconv = values.get("diff.nbmerge.textconv")
        if textconv and "diff.nbmerge.cachetextconv" not in values and not state.effective(
                "diff.nbmerge.cachetextconv"):
            findings.append(Diagnosis(False, f"diff.nbmerge.textconv in {textconv[1]} runs without "
                                           "diff.nbmerge.cachetextconv: `git log -p` starts Python "
                                           "once per notebook blob every time; run `nbmerge install` "
                                           "again to cache the text"))
    tool = state.effective("mergetool.nbmerge.cmd")
    trust = state.effective("mergetool.nbmerge.trustExitCode")
    if tool and (trust is None or trust[0].strip().lower() not in ("true", "yes", "on", "1")):
        # git then judges success by MERGED being newer than its backup, and the tool always writes it
        findings.append(Diagnosis(True, f"mergetool.nbmerge.cmd in {tool[1]} runs without "
                                      "mergetool.nbmerge.trustExitCode = true: git mergetool marks a "
                                      "notebook resolved with conflicts left in it; run `nbmerge install` again"))
    findings += foreign_nbmerge(env.get("PATH", "").split(os.pathsep))
    if repo is not None and state.check.get("merge") == DRIVER:
        origin = winning_line(repo, state.probe, env, "merge")
        shared = repo.workdir / ".gitattributes"
        if origin is not None and not origin.path.name == ".gitattributes" and _tracked(repo, ".gitattributes"):
            findings.append(Diagnosis(False, f"merge=nbmerge comes only from {origin.path}, which is not "
                                           f"shared; teammates get it once {shared} has the lines of "
                                           "gitattributes.example"))
    if version < LABELS_GIT:
        findings.append(Diagnosis(False, f"git {'.'.join(map(str, version))}: conflict labels are "
                                       "'ours'/'theirs'; git 2.44 passes branch names (%S %X %Y)"))
    style = read_config_value([p for s in (Scope.SYSTEM, Scope.GLOBAL, Scope.REPO)
                               for p in config_files(s, repo, env)], "merge.conflictStyle")
    if style and style.lower() == "zdiff3" and version < ZDIFF3_GIT:
        findings.append(Diagnosis(True, "merge.conflictStyle=zdiff3 needs git 2.35 or newer"))
    if env.get("GIT_CONFIG_NOSYSTEM") and state.config.get(Scope.SYSTEM):
        findings.append(Diagnosis(False, "GIT_CONFIG_NOSYSTEM is set: git ignores the system-wide install"))
    if not state.active and not any(f.problem for f in findings):
        findings.append(Diagnosis(True, "git does not merge notebooks with nbmerge at any scope here; "
                                      "run `nbmerge install` (or --global)"))
    return sorted(findings, key=lambda f: not f.problem)


def _filter_findings(state: Status, env: Mapping[str, str]) -> List[Diagnosis]:
    """Our filter configured but another wins, or another tool's filter alongside nbmerge."""
    value = state.check.get("filter")
    origin = winning_line(state.repo, state.probe, env, "filter")
    other = value not in (None, "unspecified", "set", "unset", DRIVER)
    tool = identify_tool(value, _other_command(state.repo, env, "filter", value)) if other else ""
    if state.effective("filter.nbmerge.process") or state.effective("filter.nbmerge.clean"):
        if value != DRIVER:
            return [Diagnosis(True, f"the nbmerge filter is configured but {state.probe} gets "
                                  f"filter={value}" + (f" ({tool})" if tool else "")
                                  + (f" from {_whose(origin)}" if origin else "")
                                  + "; run `nbmerge install --filter`")]
    elif other:
        return [Diagnosis(False, f"{state.probe}: filter={value} ({tool}) from {_whose(origin)} cleans "
                               "notebooks on add; nbmerge merges and diffs alongside it")]
    return []


def _other_command(repo: Repo, env: Mapping[str, str], section: str, name: str) -> str:
    keys = [f"{section}.{name}.{key}" for key in ("driver", "command", "textconv", "clean", "process")]
    files = [p for s in (Scope.SYSTEM, Scope.GLOBAL, Scope.REPO) for p in config_files(s, repo, env)]
    return " ".join(filter(None, (read_config_value(files, key) for key in keys)))


def _tracked(repo: Repo, path: str) -> bool:
    result = subprocess.run(["git", "ls-files", "--error-unmatch", "--", path], cwd=repo.workdir,
                            capture_output=True)
    return result.returncode == 0
