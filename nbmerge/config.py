"""`[tool.nbmerge]` in pyproject.toml: one table read by merge, the merge driver, fix, clean,
check and the filter.

  find_pyproject(start)              -> the pyproject.toml that has the table, from start upwards
  folders_up_to_repository(start)    -> start's folder and its parents up to the repository root
  load_settings(start=None)          -> Settings: every key's value and where it came from
  clean_options(settings)            -> CleanOptions for clean, check and the filter
  merge_options(settings, **given)   -> MergeOptions for merge, the merge driver and fix
  merge_option_fields(settings)      -> the MergeOptions fields the table sets

The merge driver looks for the table on every merge, so this module loads only the
standard library's light modules (no typing, dataclasses or pathlib); a TOML parser is
imported only for a pyproject.toml that mentions nbmerge.
"""

from __future__ import annotations

import os
from collections import namedtuple

from .errors import ConfigError
from .formatter import FORMATTERS, Formatter
from .markers import ALLOW_MARKERS_TAG
from .policy import KEPT_BY_DEFAULT, VOLATILE_CELL_METADATA, VOLATILE_NOTEBOOK_METADATA, MergeOptions

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from pathlib import Path
    from typing import Any, Dict, Optional

    from .clean import CleanOptions

DEFAULT_SOURCE = "default"


class Key(namedtuple("Key", "name default kind help")):
    """One setting: its name in the table, default, type (bool, str or tuple: a list of strings)
    and one line of help."""

    __slots__ = ()


KEYS = (
    Key("strip-outputs", True, bool,
        "remove outputs of code cells (the merge driver strips them only when this is set here)"),
    Key("strip-execution-count", True, bool, "reset execution counts"),
    Key("keep-output-tag", "keep_output", str, "cells with this tag keep their outputs (\"\": none)"),
    Key("keep-notebook-metadata", tuple(sorted(KEPT_BY_DEFAULT)), tuple,
        "volatile notebook metadata keys that clean keeps all the same"),
    Key("keep-cell-metadata", (), tuple, "volatile cell metadata keys that clean keeps"),
    Key("extra-notebook-metadata", (), tuple, "more notebook metadata keys to treat as volatile"),
    Key("extra-cell-metadata", (), tuple, "more cell metadata keys to treat as volatile"),
    Key("schema", True, bool, "check validates notebooks against the nbformat schema"),
    Key("allow-markers-tag", ALLOW_MARKERS_TAG, str,
        "check does not look for conflict markers in cells with this tag (\"\": none)"),
    Key("exclude", (), tuple, "glob patterns of paths skipped when walking directories"),
    Key("layout-merge", True, bool,
        "the merge settles conflicts that are only layout (same Python tokens; markdown spacing)"),
    Key("formatter", "auto", str,
        "lays out layout merges: \"black\", \"ruff\", \"none\", or \"auto\" (the repository's settings)"),
)
KEYS_BY_NAME = {key.name: key for key in KEYS}


class Settings(namedtuple("Settings", "values sources path", defaults=(None,))):
    """Effective settings: each key's value, and where that value came from (path: the file)."""

    __slots__ = ()

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def is_set(self, name: str) -> bool:
        """Whether the value came from a file or the command line rather than the default."""
        return self.sources[name] != DEFAULT_SOURCE

    def override(self, source: str = "command line", **values: Any) -> "Settings":
        """A copy with values (keyword names use _ for -) taken from source; None means unset."""
        new_values, new_sources = dict(self.values), dict(self.sources)
        for attr, value in values.items():
            if value is None:
                continue
            name = attr.replace("_", "-")
            new_values[name] = _coerce(KEYS_BY_NAME[name], value, source)
            new_sources[name] = source
        return Settings(new_values, new_sources, self.path)


def default_settings() -> Settings:
    """Settings with no file: every key at its default."""
    return Settings({key.name: key.default for key in KEYS}, {key.name: DEFAULT_SOURCE for key in KEYS})


def find_pyproject(start=None) -> Optional[str]:
    """The nearest pyproject.toml with a [tool.nbmerge] table, from start up to the git root.

    Most repositories have no such table: a few stat calls and reads find that out.
    """
    for folder in folders_up_to_repository(start if start is not None else os.curdir):
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate) and _table_from(candidate) is not None:
            return candidate
    return None


def folders_up_to_repository(start):
    """start's folder, then each parent, up to and including the one holding .git (or /).

    Settings above the repository belong to some other project, so the search stops there.
    """
    folder = os.path.abspath(start)
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return
        folder = parent


def load_settings(start: Optional[Path] = None, path: Optional[Path] = None) -> Settings:
    """Defaults overlaid with the [tool.nbmerge] table found from start (or read from path)."""
    settings = default_settings()
    path = path if path is not None else find_pyproject(start)
    if path is None:
        return settings
    from pathlib import Path  # only a project with the table pays for pathlib

    table = _table_from(path)
    if table is None:
        raise ConfigError(path, "no [tool.nbmerge] table")
    unknown = sorted(set(table) - set(KEYS_BY_NAME))
    if unknown:
        raise ConfigError(path, f"unknown key {unknown[0]!r} in [tool.nbmerge] "
                                f"(known: {', '.join(KEYS_BY_NAME)})")
    values, sources = dict(settings.values), dict(settings.sources)
    for name, value in table.items():
        values[name] = _coerce(KEYS_BY_NAME[name], value, path)
        sources[name] = str(path)
    return Settings(values, sources, Path(path))


def _coerce(key: Key, value: Any, where) -> Any:
    if key.kind is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(where, f"{key.name} must be a list of strings, not {value!r}")
        return tuple(value)
    if not isinstance(value, key.kind):
        raise ConfigError(where, f"{key.name} must be a {key.kind.__name__}, not {value!r}")
    if key.name == "formatter" and value not in FORMATTERS:
        raise ConfigError(where, f"formatter must be one of {', '.join(FORMATTERS)}, not {value!r}")
    return value


def _table_from(path) -> Optional[Dict[str, Any]]:
    """The [tool.nbmerge] table of a pyproject.toml, or None when it has none."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, getattr(exc, "strerror", None) or str(exc)) from None
    # Most pyproject files never mention us: skip the TOML parser (and its import) for them.
    if "nbmerge" not in text:
        return None
    data = _parse_toml(text, path)
    table = data.get("tool", {}).get("nbmerge") if isinstance(data.get("tool"), dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(path, "tool.nbmerge must be a table")
    return table


def _parse_toml(text: str, path) -> Dict[str, Any]:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - depends on the interpreter
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError(path, "reading [tool.nbmerge] needs Python 3.11 or the tomli package "
                                    "(pip install tomli)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(path, "invalid TOML: nested too deeply") from None
    except ValueError as exc:  # an integer over Python's int-size limit, say
        raise ConfigError(path, f"invalid TOML: {str(exc).split(';')[0]}") from None


def clean_options(settings: Settings) -> CleanOptions:
    """The rules clean, check and the filter apply, from the effective settings."""
    from .clean import CleanOptions

    return CleanOptions(
        strip_outputs=settings["strip-outputs"],
        strip_execution_count=settings["strip-execution-count"],
        keep_output_tag=settings["keep-output-tag"],
        volatile_notebook_metadata=(VOLATILE_NOTEBOOK_METADATA | set(settings["extra-notebook-metadata"]))
        - set(settings["keep-notebook-metadata"]),
        volatile_cell_metadata=(VOLATILE_CELL_METADATA | set(settings["extra-cell-metadata"]))
        - set(settings["keep-cell-metadata"]),
    )


def merge_option_fields(settings: Settings) -> Dict[str, Any]:
    """MergeOptions fields the table sets: extra volatile keys, layout merging and its formatter
    (found from the table's folder), and strip_outputs if set there.

    The keep-* lists are not used: keeping a key in the committed file does not make a
    conflict in it matter more. strip-outputs defaults to True for clean, but a merge only
    drops outputs when someone asked for it explicitly.
    """
    fields = {
        "volatile_notebook_metadata": VOLATILE_NOTEBOOK_METADATA | set(settings["extra-notebook-metadata"]),
        "volatile_cell_metadata": VOLATILE_CELL_METADATA | set(settings["extra-cell-metadata"]),
    }
    if settings.is_set("strip-outputs"):
        fields["strip_outputs"] = settings["strip-outputs"]
    if settings.is_set("layout-merge"):
        fields["layout_merge"] = settings["layout-merge"]
    if settings.is_set("formatter") and settings.path is not None:
        fields["formatter"] = Formatter(os.path.dirname(os.path.abspath(settings.path)), settings["formatter"])
    return fields


def merge_options(settings: Optional[Settings] = None, **given: Any) -> MergeOptions:
    """MergeOptions from the table's fields (none when settings is None) and given on top.

    The one place options for a merge are built: `nbmerge merge`, the merge driver and
    `nbmerge fix`. A given value of None means "not given".
    """
    fields = merge_option_fields(settings) if settings is not None else {}
    fields.update((name, value) for name, value in given.items() if value is not None)
    return MergeOptions(**fields)


def describe(settings: Settings):
    """Yield one line per key: `name = value  # source`, as `nbmerge config` prints them."""
    width = max(len(key.name) for key in KEYS)
    for key in KEYS:
        value = _toml_value(settings[key.name])
        yield f"{key.name:<{width}} = {value:<24} # {settings.sources[key.name]}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
