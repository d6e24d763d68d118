"""The house rules, as tests: which room may import which, and what the per-file paths load.

- the core (nbmerge/*.py) never imports nbmerge.git or nbmerge.cli; nbmerge.git never
  imports nbmerge.cli (read off every import statement, function-level ones included);
- the commands git runs once per file, and `nbmerge diff A B`, start without the heavy
  modules: checked by running them for real under `python -S` and reading sys.modules.
"""

import ast
import os
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

PACKAGE = ROOT / "nbmerge"
EXAMPLES = PACKAGE / "examples"

# Modules a per-file command must not load: each costs start-up time on every file git
# hands us. The HTML page's libraries and modules load only for --html and --format markdown.
HEAVY = ("typing", "dataclasses", "click", "nbformat", "pygit2", "argparse", "jsonschema",
         "fastjsonschema", "deepdiff", "nh3", "mistune", "nbmerge.render_html", "nbmerge.html_cells",
         "nbmerge.render_summary")

# Core modules the per-file paths import (or will: the driver reports conflicts through
# them); importing each must load nothing in HEAVY. Add new ones here.
LIGHT_MODULES = ("nbmerge.conflicts", "nbmerge.resolve", "nbmerge.markers", "nbmerge.config")

# The per-file entries, as `nbmerge` arguments ({a}/{b}/{c}: three notebooks, {out}: a copy
# of {b} the driver may overwrite). `conflicts` and `resolve --take` run right after a merge,
# from editors and scripts: they start like the driver.
FAST_COMMANDS = {
    "conflicts": ["conflicts", "--json", "{b}"],
    "resolve --take": ["resolve", "{out}", "--take", "theirs", "--all"],
    "resolve --take --add": ["resolve", "{out}", "--take", "theirs", "--all", "--add"],
    "merge-driver": ["merge-driver", "{a}", "{out}", "{c}", "7", "nb.ipynb"],
    "textconv": ["textconv", "{b}"],
    "diff": ["diff", "--color=never", "{a}", "{b}"],
    "diff --stat": ["diff", "--stat", "{a}", "{b}"],
    "diff-driver": ["diff-driver", "nb.ipynb", "{a}", "0" * 40, "100644", "{b}", "1" * 40, "100644"],
}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path):
    """Absolute names of every module path imports, wherever the import statement sits."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import cli`
    return found


def _room(module):
    parts = module.split(".")
    if parts[0] != "nbmerge":
        return None
    if len(parts) > 1 and parts[1] in ("git", "cli"):
        return parts[1]
    return "core"


ALLOWED = {"core": {"core"}, "git": {"core", "git"}, "cli": {"core", "git", "cli"}}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rooms_import_only_inward(path):
    room = _room(_module_name(path))
    if path.name == "__main__.py":
        room = "cli"  # `python -m nbmerge` is the entry point: it may start the CLI
    wrong = sorted(m for m in _imports(path)
                   if _room(m) not in (None, *ALLOWED[room]) and m not in ("nbmerge.__version__",))
    assert not wrong, f"{path.relative_to(ROOT)} ({room}) imports {wrong}"


def test_import_walk_sees_a_violation(tmp_path):
    """The walk must catch a core module reaching into git/, even from inside a function."""
    fake = PACKAGE / "_house_probe.py"
    fake.write_text("def f():\n    from .git.driver import merge_bytes\n")
    try:
        assert "nbmerge.git.driver" in _imports(fake)
        assert _room("nbmerge.git.driver") not in ALLOWED[_room(_module_name(fake))]
    finally:
        fake.unlink()


def test_room_packages_are_empty_but_cli():
    assert (PACKAGE / "git" / "__init__.py").read_text().strip() == ""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


PROBE = """
import json, sys
sys.path.insert(0, {root!r})
{pre}
from nbmerge.cli import main
try:
    main({argv!r})
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sys.stderr.write("\\nLOADED " + json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)) + "\\n")
"""


@pytest.mark.parametrize("name", sorted(FAST_COMMANDS))
def test_per_file_commands_start_without_heavy_modules(name, tmp_path):
    """Run the command for real under `python -S` (no site: no editable-install finder)."""
    files = {key: tmp_path / f"{key}.ipynb" for key in ("a", "b", "c", "out")}
    for key, side in zip("abc", ("base", "ours", "theirs")):
        shutil.copy(EXAMPLES / f"{side}.ipynb", files[key])
    shutil.copy(EXAMPLES / "ours.ipynb", files["out"])
    argv = [arg.format(**{k: str(v) for k, v in files.items()}) for arg in FAST_COMMANDS[name]]
    if "--add" in argv:  # `git add` needs a repository
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    probe = PROBE.format(root=str(ROOT), argv=argv, heavy=HEAVY, pre="")
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    loaded = json.loads(result.stderr.rpartition("LOADED ")[2])
    assert loaded == [], f"nbmerge {' '.join(FAST_COMMANDS[name])} loads {loaded}"
    # it did its work, not just exit early
    assert result.stdout or name == "merge-driver" or "no conflicts left" in result.stderr


def test_start_up_probe_sees_a_heavy_import(tmp_path):
    """The probe must notice a heavy module: nbmerge.check (not on a per-file path) loads typing.

    Third-party heavy modules cannot even be imported under -S (no site-packages): a
    per-file path that reached for one would fail the Traceback assertion above.
    """
    notebook = tmp_path / "a.ipynb"
    shutil.copy(EXAMPLES / "base.ipynb", notebook)
    probe = PROBE.format(root=str(ROOT), argv=["textconv", str(notebook)], heavy=HEAVY,
                         pre="import nbmerge.check")
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path)
    assert "typing" in json.loads(result.stderr.rpartition("LOADED ")[2])


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_light_modules_import_without_heavy_modules(module, tmp_path):
    probe = PROBE.format(root=str(ROOT), argv=["--version"], heavy=HEAVY, pre=f"import {module}")
    probe = probe.replace("    main(", "    (lambda argv: None)(")  # import only; no command
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert json.loads(result.stderr.rpartition("LOADED ")[2]) == [], f"import {module} loads heavy modules"


def test_ci_workflow_runs_the_readme_commands():
    """The users' CI (.github/workflows/ci.yml) runs exactly the README's two opening commands."""
    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert [step.get("run") for step in job["steps"] if step.get("name", "").startswith("README")] == commands
    assert set(job["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert job["strategy"]["matrix"]["python"] == ["3.9", "3.10", "3.11", "3.12", "3.13"]


def test_readme_module_map_names_every_module():
    """The README's module map matches the tree: every module is named there, in its room."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Modules", 1)[1].split("\n## ", 1)[0]
    named = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            named.update(row.split("|")[1].split("`")[1::2])  # the `names` in the first column
    modules = {str(p.relative_to(PACKAGE).with_suffix("")).replace(os.sep, "/")
               for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    modules.add("cli/__init__")
    assert sorted(modules - named) == []


def test_every_command_goes_through_the_error_adapter():
    from nbmerge.cli import COMMANDS, load
    from nbmerge.cli.group import Command

    for name, entry in COMMANDS.items():
        assert isinstance(load(entry.click), Command), f"{name}: use nbmerge.cli.group.command"


def test_architecture_picture_names_every_git_module():
    """docs/architecture.md's picture lists the git room's modules, as the README's map does."""
    picture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").split("```")[1]
    modules = {p.stem for p in (PACKAGE / "git").glob("*.py")} - {"__init__"}
    assert sorted(m for m in modules if m not in picture) == []
