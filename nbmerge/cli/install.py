"""`nbmerge install`, `uninstall`, `status` and `doctor`: thin click commands over nbmerge.gitconfig and nbmerge.doctor."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import click

from ..git import install as gc
from ..git.doctor import doctor, status, winning_line
from .group import command


def scope_options(command):
    """--global / --system / --attributes, shared by install and uninstall."""
    command = click.option("--attributes", "attributes", type=click.Path(dir_okay=False),
                           help="Attributes file to write (default: .gitattributes at the top "
                                "of the work tree; for --global, git's global attributes file).")(command)
    command = click.option("--system", "scope", flag_value=gc.Scope.SYSTEM.value,
                           help="Every user of this machine (git config --system).")(command)
    command = click.option("--global", "scope", flag_value=gc.Scope.GLOBAL.value,
                           help="Every repository of this user (git config --global).")(command)
    return command


def _target(scope_name: Optional[str], attributes: Optional[str]) -> gc.Target:
    scope = gc.Scope(scope_name or gc.Scope.REPO.value)
    repo = (gc.find_repository(Path.cwd(), os.environ.get("GIT_CEILING_DIRECTORIES", ""))
            if scope is gc.Scope.REPO else None)
    attrs = Path(attributes).absolute() if attributes else gc.attributes_file(scope, repo, os.environ)
    return gc.Target(scope, gc.config_file(scope, repo, os.environ), attrs)


def _echo_changes(changes: List[gc.Change]) -> None:
    """Changes grouped by file, so the user sees where each line went."""
    for where in dict.fromkeys(change.where for change in changes):
        click.echo(f"{where}:")
        for change in changes:
            if change.where == where:
                click.echo(f"  {change.action:<9} {change.what}")


@command("install")
@scope_options
@click.option("--filter", "with_filter", is_flag=True,
              help="Also register the clean filter (filter=nbmerge) that strips volatile data on commit.")
@click.option("--rich-diff", is_flag=True,
              help="Also make `git diff` run nbmerge's own diff (diff.nbmerge.command); "
                   "the default textconv already shows notebooks cell by cell.")
def install_command(scope, attributes, with_filter, rich_diff):
    """Register nbmerge as git's merge and diff driver for *.ipynb.

    Writes merge.nbmerge.* and diff.nbmerge.textconv, each running this Python by its full
    path, and one `*.ipynb merge=nbmerge diff=nbmerge` line in an attributes file. Running
    it again changes nothing; `nbmerge uninstall` takes out exactly what it added.

    Example: nbmerge install            (this repository; commit .gitattributes)
    """
    target = _target(scope, attributes)
    python = sys.executable
    settings = gc.desired_config(
        python, version=gc.git_version(), rich_diff=rich_diff,
        filter_config=gc.filter_config(python) if with_filter else None)
    changes = gc.install(target, settings, gc.attribute_line(with_filter))
    _echo_changes(changes)
    if target.scope is gc.Scope.REPO:
        state = status(Path.cwd(), os.environ)
        if state.active:
            click.echo(f"active: git merges and diffs {state.probe} with nbmerge")
            if target.attributes.name == ".gitattributes" and any(
                    c.where == target.attributes and c.action in ("added", "updated") for c in changes):
                click.echo(f"commit {target.attributes.name} so teammates get the same line "
                           "(they run `nbmerge install` once)")
        else:
            origin = winning_line(state.repo, state.probe, os.environ, "merge")
            where = f" ({origin.path}:{origin.lineno} wins)" if origin else ""
            click.echo(f"warning: git check-attr says merge={state.check.get('merge')} for "
                       f"{state.probe}{where}; run `nbmerge doctor`", err=True)


@command("uninstall")
@scope_options
def uninstall_command(scope, attributes):
    """Remove what `nbmerge install` added at the same scope, and nothing else.

    Example: nbmerge uninstall --global
    """
    changes = gc.uninstall(_target(scope, attributes))
    _echo_changes([c for c in changes if c.action != "unchanged"] or
                  [gc.Change("unchanged", _target(scope, attributes).config, "nothing to remove")])


@command("status")
@click.argument("notebook", required=False)
def status_command(notebook):
    """Show what is configured at each scope; exit 0 when git merges notebooks with nbmerge, 1 when not.

    NOTEBOOK is the path git check-attr is asked about (default: notebook.ipynb here).

    Example: nbmerge status analysis/report.ipynb
    """
    state = status(Path.cwd(), os.environ, notebook)
    click.echo(f"repository: {state.repo.workdir if state.repo else '(none here)'}")
    for scope, values in state.config.items():
        if not values:
            click.echo(f"{scope.value:<7} config: not configured")
            continue
        files = sorted({str(path) for _, path in values.values()})
        click.echo(f"{scope.value:<7} config: {', '.join(files)}")
        for key, (value, _) in values.items():
            click.echo(f"  {key} = {value}")
    for line in state.attribute_lines:
        click.echo(f"attributes: {line.path}:{line.lineno}: {line.text.strip()}")
    if state.check:
        shown = " ".join(f"{name}={value}" for name, value in state.check.items())
        click.echo(f"git check-attr {state.probe}: {shown}")
    gone = state.missing_driver_program
    if gone:
        click.echo(f"merge.nbmerge.driver runs {gone}, which no longer exists "
                   "(run `nbmerge install` again from the environment you use)")
    click.echo("active: git merges notebooks with nbmerge" if state.active
               else "inactive: git does not merge notebooks with nbmerge (see `nbmerge doctor`)")
    sys.exit(0 if state.active else 1)


@command("doctor")
@click.argument("notebook", required=False)
def doctor_command(notebook):
    """Find and explain what stops git from using nbmerge; exit 1 when a problem is found.

    Looks for other tools' drivers winning for *.ipynb (nbdime, nbdev, nbstripout), driver
    commands whose interpreter is gone, attributes kept only in an unshared file, a git too
    old for a feature, and an `nbmerge` on PATH that is not this one.

    Example: nbmerge doctor
    """
    findings = doctor(Path.cwd(), os.environ, gc.git_version(), notebook)
    for finding in findings:
        click.echo(f"{'problem' if finding.problem else 'note'}: {finding.message}")
    problems = sum(f.problem for f in findings)
    click.echo(f"{problems} problem{'s' if problems != 1 else ''} found" if problems else "no problems found")
    sys.exit(1 if problems else 0)
