"""Checking notebook files: the clean rules, plus what clean cannot fix for you: conflict
markers and recorded conflicts, broken ids, broken JSON, notebooks the nbformat schema rejects.

  check_bytes(data, path, options, schema=True, markers=MarkerRules())
                                                -> findings for one file's content
  check_file(path, options, schema=True, markers=...) -> the same, reading the file (UnreadableFile)
  MarkerRules(sizes, allow_tag)                 -> git's marker size per path; the tag that allows a cell
  cell_lines(text, count)                       -> the file line where each cell starts
  warm_schema()                                 -> compile the schema once, before forking

Many files at once (the folder walk, the process pool): nbmerge.batch. Writing findings
out (text, JSON, GitHub annotations): nbmerge.report.
"""

from __future__ import annotations

import json
import os
import re
from collections import namedtuple
from typing import Iterator, List, Optional, Tuple

from .clean import CleanOptions, Finding, Rule, clean_notebook
from .conflicts import MarkerRule, source_hunks
from .errors import NotebookReadError, UnreadableFile
from .markers import ALLOW_MARKERS_TAG, GIT_SIZE, find_hunks, git_sizes
from .notebook import cell_id, parse_notebook


_JSON_POSITION = re.compile(r"at line (\d+) column")
_SCHEMA_CELL = re.compile(r"cells\[(\d+)\]")


class MarkerRules(namedtuple("MarkerRules", "sizes allow_tag", defaults=(None, ALLOW_MARKERS_TAG))):
    """What counts as a conflict left in a cell: git's conflict-marker-size for each path
    ({path: size}, from the attributes; 7 where unset or git cannot say), and the tag that
    allows a cell."""

    __slots__ = ()

    def size(self, path: str) -> int:
        return (self.sizes or {}).get(path, GIT_SIZE)


def check_bytes(data: bytes, path: str, options: CleanOptions = CleanOptions(), *,
                schema: bool = True, markers: MarkerRules = MarkerRules()) -> List[Finding]:
    """All findings for one notebook's bytes, each carrying path and file line."""
    try:
        nb = parse_notebook(data, path)
    except NotebookReadError as exc:
        return [_unparseable(data, path, exc.problem)]
    cleaned = clean_notebook(nb, options)
    findings = list(cleaned.findings)
    findings += _conflict_findings(nb, markers.size(path), markers.allow_tag)
    findings += _duplicate_ids(nb)
    if schema:
        findings += _schema_findings(cleaned.notebook)
    if not findings:
        return findings  # most notebooks: no need to map cells to file lines
    text = data.decode("utf-8-sig")
    lines = cell_lines(text, len(nb["cells"]))
    return [_place(f, path, text, lines) for f in findings]


def check_file(path: str, options: CleanOptions = CleanOptions(), *, schema: bool = True,
               markers: MarkerRules = MarkerRules()) -> List[Finding]:
    """Findings for the notebook at path; UnreadableFile when it cannot be read at all."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from None
    return check_bytes(data, path, options, schema=schema, markers=markers)


def _unparseable(data: bytes, path: str, problem: str) -> Finding:
    text = data.decode("utf-8", errors="replace")
    # git's line merge of the JSON, at any size: no line of JSON starts with `<`
    blocks = [] if "\0" in text else find_hunks(text.split("\n"))
    if blocks:
        line = blocks[0].start + 1
        return Finding(Rule.GIT_MARKERS, f"git left conflict markers in the file (line {line}); "
                                         f"run `nbmerge fix {path}`", path=path, line=line)
    position = _JSON_POSITION.search(problem)
    return Finding(Rule.INVALID, problem, path=path, line=int(position.group(1)) if position else None)


def _conflict_findings(nb: dict, marker_size: int, allow_tag: str) -> Iterator[Finding]:
    rule = MarkerRule(git_sizes(marker_size), allow_tag)  # `conflicts` judges by the same rule
    for index, cell in enumerate(nb["cells"]):
        starts = [hunk.start + 1 for hunk in source_hunks(cell, rule)]
        if starts:
            many = f"{len(starts)} conflicts" if len(starts) > 1 else "a conflict"
            # line: of the cell's source, for now; _place makes it the file's
            yield Finding(Rule.CONFLICT_MARKERS, f"{many} left in the source (line {starts[0]} of the cell)",
                          cell=index, cell_id=cell_id(cell), line=starts[0])
        if cell.get("metadata"):
            yield from _recorded(cell["metadata"], {"cell": index, "cell_id": cell_id(cell)})
    yield from _recorded(nb.get("metadata"), {})


def _recorded(metadata, where) -> Iterator[Finding]:
    """Metadata conflicts the merge wrote down in metadata.nbmerge.conflicts."""
    record = metadata.get("nbmerge") if isinstance(metadata, dict) else None
    conflicts = record.get("conflicts") if isinstance(record, dict) else None
    for conflict in conflicts if isinstance(conflicts, list) else []:
        field = conflict.get("field", "?") if isinstance(conflict, dict) else "?"
        yield Finding(Rule.RECORDED_CONFLICT, f"unresolved merge conflict in {field}", **where)


def _duplicate_ids(nb: dict) -> Iterator[Finding]:
    first = {}
    for index, cell in enumerate(nb["cells"]):
        value = cell_id(cell)
        if value is None:
            continue
        if value in first:
            yield Finding(Rule.DUPLICATE_ID, f"duplicate id (cell {first[value] + 1} has it too)",
                          cell=index, cell_id=value)
        else:
            first[value] = index


def _validator(minor: int):
    """nbformat's own validator: used to explain a failure, as it is slower than _fast_schema."""
    from nbformat.validator import get_validator

    return get_validator(version=4, version_minor=minor) or get_validator(version=4)


class _SplitSchema:
    """nbformat's schema compiled in pieces: the notebook with its cells left open, then each
    cell against its own type's definition. The schema's `oneOf` tries every cell type for
    every cell; this is the same test (cell_type is fixed per definition) at a third of the cost.
    Outputs are compiled the same way, per output_type, to say which part of an output fails.
    """

    def __init__(self, schema: dict):
        import fastjsonschema

        definitions = schema["definitions"]
        outer = {**schema, "properties": {**schema["properties"],
                                          "cells": {"type": "array", "items": {"type": "object"}}}}
        self.outer = fastjsonschema.compile(outer)
        self.cells = {kind: fastjsonschema.compile({"$ref": f"#/definitions/{kind}_cell",
                                                    "definitions": definitions})
                      for kind in ("code", "markdown", "raw") if f"{kind}_cell" in definitions}
        self.outputs = {kind: fastjsonschema.compile({"$ref": f"#/definitions/{kind}",
                                                      "definitions": definitions})
                        for kind in ("execute_result", "display_data", "stream", "error")
                        if kind in definitions}
        self.error = fastjsonschema.JsonSchemaException

    def valid(self, nb: dict) -> bool:
        try:
            self.outer(nb)
            for cell in nb["cells"]:
                self.cells[cell["cell_type"]](cell)
        except (self.error, KeyError):
            return False
        return True

    def explain(self, nb: dict) -> Optional[Tuple[Optional[int], str]]:
        """The first schema error as (cell index or None, "where: what"); None when valid.

        Said from fastjsonschema's own error: loading nbformat's jsonschema validator to say it
        better cost a folder check 4.5 times its time for one invalid notebook.
        """
        try:
            self.outer(nb)
        except self.error as exc:
            return None, _fast_message(exc, "")
        for index, cell in enumerate(nb["cells"]):
            kind = cell.get("cell_type")
            if kind not in self.cells:
                return index, f"cell_type: {kind!r} is not one of {', '.join(self.cells)}"
            try:
                self.cells[kind](cell)
            except self.error as exc:
                outputs = cell.get("outputs") if kind == "code" else None
                for number, output in enumerate(outputs if isinstance(outputs, list) else ()):
                    problem = self._output_problem(output, f"outputs[{number}]")
                    if problem:
                        return index, problem
                return index, _fast_message(exc, "")
        return None

    def _output_problem(self, output, where: str) -> Optional[str]:
        if not isinstance(output, dict):
            return f"{where}: not an object"
        kind = output.get("output_type")
        if kind not in self.outputs:
            return f"{where}.output_type: {kind!r} is not one of {', '.join(self.outputs)}"
        try:
            self.outputs[kind](output)
        except self.error as exc:
            return _fast_message(exc, where)
        return None


def _fast_message(exc, where: str) -> str:
    """fastjsonschema's "data.outputs[0] must be ..." as "outputs[0]: must be ..." under where."""
    name = getattr(exc, "name", "") or "data"
    message = str(getattr(exc, "message", None) or exc)
    if message.startswith(name + " "):
        message = message[len(name) + 1:]
    inner = name[len("data"):] if name.startswith("data") else name
    place = (where + inner).lstrip(".")
    message = message.splitlines()[0] if message else "invalid"
    extra = re.search(r"\{(.*)\}", message) if getattr(exc, "rule", "") == "additionalProperties" else None
    if extra:  # "must not contain {'outputs'} properties"
        message = f"unexpected propert{'ies' if ',' in extra.group(1) else 'y'} {extra.group(1)}"
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{place}: {message}" if place else message


_SPLIT_SCHEMAS: dict = {}  # nbformat_minor -> _SplitSchema or None: compiled once per process


def _fast_schema(minor) -> Optional[_SplitSchema]:
    if minor not in _SPLIT_SCHEMAS:
        _SPLIT_SCHEMAS[minor] = None
        try:
            import importlib.util

            # The schema files ship with nbformat; reading one does not import nbformat itself.
            spec = importlib.util.find_spec("nbformat")
            folder = os.path.join(list(spec.submodule_search_locations)[0], "v4")
            name = f"nbformat.v4.{minor}.schema.json"
            if not os.path.exists(os.path.join(folder, name)):
                name = "nbformat.v4.schema.json"  # newest: for minors nbformat does not know
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                _SPLIT_SCHEMAS[minor] = _SplitSchema(json.load(handle))
        except (ImportError, OSError, ValueError, TypeError, AttributeError, IndexError):
            pass  # no fastjsonschema or an unexpected layout: nbformat's validator does it all
    return _SPLIT_SCHEMAS[minor]


def warm_schema() -> None:
    """Compile the schema now: forked workers then inherit it instead of each compiling it."""
    _fast_schema(5)


def _schema_findings(nb: dict) -> List[Finding]:
    minor = nb.get("nbformat_minor") if isinstance(nb.get("nbformat_minor"), int) else 0
    findings = []
    cells = nb.get("cells", [])
    with_ids = [index for index, cell in enumerate(cells) if "id" in cell] if minor < 5 else []
    if with_ids:
        # Common (older Jupyter wrote them): one line for the notebook, not one per cell, and
        # the rest is validated as if the ids were not there.
        shown = ", ".join(str(i + 1) for i in with_ids[:5]) + (", ..." if len(with_ids) > 5 else "")
        findings.append(Finding(Rule.SCHEMA, f"not valid against the nbformat schema: nbformat 4.{minor} "
                                f"has no cell ids, yet {len(with_ids)} cell{'s' * (len(with_ids) != 1)} "
                                f"carry one (cell{'s' * (len(with_ids) != 1)} {shown}); set "
                                "nbformat_minor to 5, as Jupyter does for notebooks with ids"))
        taken = set(with_ids)
        nb = {**nb, "cells": [{k: v for k, v in cell.items() if k != "id"} if i in taken else cell
                              for i, cell in enumerate(cells)]}
        cells = nb["cells"]
    fast = _fast_schema(minor)
    if fast is not None:
        if fast.valid(nb):
            return findings
        explained = fast.explain(nb)
        if explained is None:
            return findings
        cell, message = explained
        ident = cell_id(cells[cell]) if cell is not None else None
        return findings + [Finding(Rule.SCHEMA, "not valid against the nbformat schema: " + message,
                                   cell=cell, cell_id=ident)]
    validator = _validator(minor)  # no fastjsonschema: nbformat's validator does it all
    try:
        validator.validate(nb)
    except Exception as exc:  # jsonschema's and fastjsonschema's errors share no base class
        return findings + [_schema_finding(validator, nb, exc)]
    return findings


def _schema_finding(validator, nb: dict, exc: Exception) -> Finding:
    """Say where the schema fails: fastjsonschema stops at the cell, jsonschema goes deeper."""
    error = exc
    detailed = getattr(validator, "_default_validator", None)  # nbformat's jsonschema twin
    if detailed is not None:
        try:
            from jsonschema.exceptions import best_match

            error = _matching_branch(best_match(detailed.iter_errors(nb)) or exc)
        except Exception:  # only a better message is at stake
            error = exc
    message = str(getattr(error, "message", None) or error).splitlines()[0]
    if len(message) > 160:
        message = message[:157] + "..."
    path = list(getattr(error, "absolute_path", None) or ())
    cell = None
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        cell, path = path[1], path[2:]
    else:
        match = _SCHEMA_CELL.search(message)
        cell = int(match.group(1)) if match else None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    cells = nb.get("cells", [])
    ident = cell_id(cells[cell]) if cell is not None and cell < len(cells) else None
    return Finding(Rule.SCHEMA, "not valid against the nbformat schema: "
                   + (f"{where}: " if where else "") + message, cell=cell, cell_id=ident)


def _matching_branch(error):
    """For "not valid under any of the given schemas": the error of the one branch whose
    cell_type / output_type fits, which names the real problem ("'outputs' was unexpected")."""
    branches = {}
    for sub in getattr(error, "context", None) or ():
        branches.setdefault(sub.schema_path[0], []).append(sub)
    fitting = [errors for errors in branches.values()
               if not any(list(e.relative_path)[-1:] in (["cell_type"], ["output_type"]) for e in errors)]
    return fitting[0][0] if len(fitting) == 1 else error


def cell_lines(text: str, count: int) -> Optional[List[int]]:
    """The file line of each cell's "cell_type" key, or None when the text does not say."""
    lines, line, counted, at = [], 1, 0, 0
    while True:
        found = text.find('"cell_type"', at)
        if found < 0:
            break
        at = found + 1
        # a key, not text inside a string: inside a JSON string the quote would be escaped
        if text[found - 1:found] != "\\" and text[found + 11:found + 14].lstrip()[:1] == ":":
            line += text.count("\n", counted, found)
            counted = found
            lines.append(line)
    # a "cell_type" key inside outputs or metadata too: no reliable mapping
    return lines if len(lines) == count else None


def _place(finding: Finding, path: str, text: str, lines: Optional[List[int]]) -> Finding:
    line = 1
    if finding.cell is not None and lines is not None:
        line = lines[finding.cell]
        if finding.rule is Rule.CONFLICT_MARKERS and finding.line:
            line += _source_line_offset(text, _nth_line_offset(text, line), finding.line)
    return Finding(finding.rule, finding.message, finding.cell, finding.cell_id, path, line)


def _source_line_offset(text: str, cell_start: int, source_line: int) -> int:
    """File lines from a cell's first line to line source_line of its source: Jupyter writes
    the source as a list, one line of it per file line, after a `"source": [` line."""
    key = text.find('"source"', cell_start)
    if key < 0:
        return 0
    opened = text[key + 8:key + 20].lstrip(" \t:")
    lines_before = text.count("\n", cell_start, key)
    if opened.startswith("[\n") or opened.startswith("[\r\n"):
        return lines_before + source_line
    return lines_before  # one string, or a list on one line: the source starts on this line


def _nth_line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset
