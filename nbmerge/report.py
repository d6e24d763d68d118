"""Writing `nbmerge check` findings out: plain text, JSON, GitHub Actions annotations.

  render_text(findings, stream)                    -> `path:cell N (id): what`, one per line
  render_json(findings, stream, checked, errors)   -> one JSON document
  render_github(findings, stream)                  -> `::error file=...` workflow commands
  annotation(path, line, title, message)           -> one such command line, escaped
  finding_dict(finding)                            -> a finding as plain JSON data
"""

from __future__ import annotations

import json
from typing import IO, Iterable, Sequence

from .clean import Finding


def _where(finding: Finding) -> str:
    if finding.cell is None:
        return ""
    return f"cell {finding.cell + 1}" + (f" ({finding.cell_id})" if finding.cell_id else "") + ": "


def render_text(findings: Iterable[Finding], stream: IO[str]) -> None:
    """`path:cell N (id): what`, one per line; cells are counted from 1 as you see them."""
    for finding in findings:
        where = _where(finding)
        stream.write(f"{finding.path}:{where or ' '}{finding.message}\n")


def render_github(findings: Iterable[Finding], stream: IO[str]) -> None:
    """GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`."""
    for finding in findings:
        stream.write(annotation(finding.path, finding.line or 1, "nbmerge " + finding.rule.value,
                                _where(finding) + finding.message))


def annotation(path: str, line: int, title: str, message: str) -> str:
    """One `::error` workflow command line, escaped as GitHub's runner expects."""
    return f"::error file={_gh_property(path)},line={line},title={_gh_property(title)}::{_gh_data(message)}\n"


def _gh_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def finding_dict(finding: Finding) -> dict:
    """A finding as plain JSON data (cell counted from 1, index from 0)."""
    return {"path": finding.path, "line": finding.line, "rule": finding.rule.value,
            "cell": None if finding.cell is None else finding.cell + 1, "index": finding.cell,
            "id": finding.cell_id, "message": finding.message, "fixable": finding.fixable}


def render_json(findings: Iterable[Finding], stream: IO[str], *, checked: int = 0,
                errors: Sequence[str] = ()) -> None:
    """One JSON document: {"checked": n, "findings": [...], "errors": [...]}."""
    json.dump({"checked": checked, "findings": [finding_dict(f) for f in findings],
               "errors": list(errors)}, stream, indent=1)
    stream.write("\n")
