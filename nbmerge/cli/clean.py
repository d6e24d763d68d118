"""The `clean`, `check` and `filter` commands: parse, call the library, report.

Exit codes: 0 clean, 1 findings (check), 2 usage errors and files that cannot be read or
written. `rule_options` and `settings` are shared with `fix` and `config`.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import List

import click

from ..errors import EXIT_ERROR, EXIT_FOUND, NbmergeError, ProtocolError, UsageError
from .group import command

def rule_options(command):
    """Options that override [tool.nbmerge] for one run."""
    command = click.option("--keep-outputs", is_flag=True, default=None,
                           help="Keep outputs (sets strip-outputs = false).")(command)
    command = click.option("--keep-count", is_flag=True, default=None,
                           help="Keep execution counts (sets strip-execution-count = false).")(command)
    command = click.option("--keep-output-tag", metavar="TAG", default=None,
                           help="Cells with this tag keep their outputs (default keep_output).")(command)
    return command


def run_settings(keep_outputs=None, keep_count=None, keep_output_tag=None, **more):
    """[tool.nbmerge] with this run's rule_options applied."""
    from ..config import load_settings

    return load_settings().override(
        strip_outputs=False if keep_outputs else None,
        strip_execution_count=False if keep_count else None,
        keep_output_tag=keep_output_tag, **more)


def _notebooks(paths, settings) -> List[str]:
    from ..batch import find_notebooks

    return list(find_notebooks(paths, settings["exclude"]))


@command("clean")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@rule_options
@click.option("-q", "--quiet", is_flag=True, help="Do not list the notebooks changed.")
def clean_command(paths, quiet, **overrides):
    """Strip outputs, execution counts and volatile metadata from notebooks, in place.

    Directories are searched for *.ipynb; `-` reads standard input and writes standard
    output. Cells tagged keep_output keep their outputs. Settings: [tool.nbmerge].

    Example: nbmerge clean notebooks/ analysis.ipynb
    """
    from ..clean import clean_notebook
    from ..config import clean_options
    from ..notebook import detect_format, parse_notebook, serialize_notebook, write_file_atomic

    settings = run_settings(**overrides)
    options = clean_options(settings)
    if "-" in paths and len(paths) > 1:
        raise UsageError("`-` (standard input) cannot be combined with other paths")
    if paths == ("-",):
        data = sys.stdin.buffer.read()
        nb = parse_notebook(data, "<stdin>")
        cleaned = clean_notebook(nb, options)
        sys.stdout.buffer.write(serialize_notebook(cleaned.notebook, detect_format(data, nb))
                                if cleaned.changed else data)
        return
    trouble = False
    for path in _notebooks(paths, settings):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            nb = parse_notebook(data, path)
            cleaned = clean_notebook(nb, options)
            if cleaned.changed:
                write_file_atomic(path, serialize_notebook(cleaned.notebook, detect_format(data, nb)))
        except NbmergeError as exc:
            click.echo(f"error: {exc}", err=True)
            trouble = True
            continue
        except OSError as exc:
            click.echo(f"error: {path}: {exc.strerror or exc}", err=True)
            trouble = True
            continue
        if cleaned.changed and not quiet:
            counts = Counter(f.rule.value for f in cleaned.findings)
            click.echo(f"{path}: cleaned ({', '.join(f'{r} x{n}' for r, n in counts.items())})", err=True)
    if trouble:
        sys.exit(EXIT_ERROR)


@command("check")
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default=None,
              help="Output format; github when GITHUB_ACTIONS=true, else text.")
@click.option("--no-schema", is_flag=True, default=None, help="Skip the nbformat schema validation.")
@click.option("-j", "--jobs", type=int, default=0, help="Worker processes (default: one per CPU).")
@rule_options
def check_command(paths, fmt, no_schema, jobs, **overrides):
    """Report what clean would strip, conflicts left in cells, bad ids, broken JSON and schema errors.

    Exit 0 when every notebook is clean, 1 when there are findings, 2 when a file cannot be
    read as a notebook (missing, empty, binary, invalid JSON, git's markers in the JSON), even
    if others have findings; every finding is listed either way. One finding per line:
    `path:cell N (id): what` (cells counted from 1).

    Example: nbmerge check --format github .
    """
    from ..batch import check_files
    from ..check import MarkerRules
    from ..config import clean_options
    from ..git.attributes import conflict_marker_sizes
    from ..report import annotation, render_github, render_json, render_text

    settings = run_settings(**overrides, schema=False if no_schema else None)
    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    notebooks = _notebooks(paths or (".",), settings)
    progress = _progress if sys.stderr.isatty() and fmt != "github" and len(notebooks) > 50 else None
    findings, errors = [], []
    markers = MarkerRules(conflict_marker_sizes(notebooks), settings["allow-markers-tag"])
    for path, outcome in check_files(notebooks, clean_options(settings), schema=settings["schema"],
                                     jobs=jobs, progress=progress, markers=markers):
        if isinstance(outcome, Exception):
            errors.append(outcome)
        else:
            findings.extend(outcome)
    if progress:
        click.echo("\r\033[K", nl=False, err=True)
    out = sys.stdout
    if fmt == "json":
        render_json(findings, out, checked=len(notebooks), errors=[str(e) for e in errors])
    elif fmt == "github":
        render_github(findings, out)
        for error in errors:
            out.write(annotation(error.path, 1, "nbmerge unreadable", error.problem))
    else:
        render_text(findings, out)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if findings or errors:
        files = len({f.path for f in findings})
        fixable = sum(f.fixable for f in findings)
        click.echo(f"{len(findings)} finding{'s' * (len(findings) != 1)} in {files} of "
                   f"{len(notebooks)} notebooks ({fixable} fixed by `nbmerge clean`)"
                   + (f"; {len(errors)} unreadable" if errors else ""), err=True)
    # 2 wins: a file that is not a notebook (or cannot be opened) hides what it would hold
    unreadable = errors or any(finding.unreadable for finding in findings)
    sys.exit(EXIT_ERROR if unreadable else EXIT_FOUND if findings else 0)


def _progress(done: int, total: int) -> None:
    if done == total or done % 25 == 0:
        click.echo(f"\rchecked {done}/{total}", nl=False, err=True)


@command("filter", context_settings={"ignore_unknown_options": True})  # a path may look like -a.ipynb
@click.argument("path", required=False)
@click.option("--process", is_flag=True,
              help="Speak git's long-running filter protocol (filter.<driver>.process).")
def filter_command(path, process):
    """git clean filter: a notebook on standard input, the cleaned notebook on standard output.

    Input that is not a notebook passes through unchanged (`nbmerge check` reports it).
    `nbmerge install --filter` registers it. By hand, run it by the full path of the Python
    that has nbmerge (a bare `python` or `nbmerge` may not be that one outside the virtualenv):

    \b
    git config filter.nbmerge.process '"/path/to/python" -m nbmerge filter --process'
    echo '*.ipynb filter=nbmerge' >> .gitattributes

    Example: nbmerge filter < analysis.ipynb > clean.ipynb
    """
    from ..config import ConfigError, clean_options, default_settings
    from ..git.filter import clean_bytes, serve

    try:
        settings = run_settings()
    except ConfigError as exc:  # `git add` must not fail over a broken pyproject.toml
        click.echo(f"nbmerge filter: {exc}; cleaning with default settings", err=True)
        settings = default_settings()
    options = clean_options(settings)

    def warn(line: str) -> None:
        click.echo(f"nbmerge filter: {line}", err=True)

    if process:
        try:
            serve(sys.stdin.buffer, sys.stdout.buffer, options, warn)
        except ProtocolError as exc:
            raise ProtocolError(f"filter protocol: {exc}") from None
        return
    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(clean_bytes(data, path or "<stdin>", options, warn))
    sys.stdout.buffer.flush()
