"""[tool.nbmerge]: found from the current directory up to the git root, strict about keys."""

from __future__ import annotations

import json

import pytest

from conftest import run_nbmerge
from nbmerge.cli.clean import check_command
from test_clean_golden import runner
from nbmerge.config import (ConfigError, clean_options, default_settings, find_pyproject,
                            load_settings, merge_option_fields)
from nbmerge.policy import VOLATILE_CELL_METADATA, MergeOptions


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "notebooks" / "deep").mkdir(parents=True)
    return root


def test_found_from_a_subdirectory(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.nbmerge]\nstrip-outputs = false\n')
    settings = load_settings(project / "notebooks" / "deep")
    assert settings.path == project / "pyproject.toml"
    assert settings["strip-outputs"] is False
    assert settings.sources["strip-outputs"] == str(project / "pyproject.toml")
    assert settings.sources["keep-output-tag"] == "default"


def test_nearest_table_wins_and_files_without_one_are_skipped(project):
    (project / "pyproject.toml").write_text("[tool.nbmerge]\nkeep-output-tag = 'outer'\n")
    (project / "notebooks" / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    (project / "notebooks" / "deep" / "pyproject.toml").write_text("[tool.nbmerge]\nkeep-output-tag = 'inner'\n")
    assert load_settings(project / "notebooks" / "deep")["keep-output-tag"] == "inner"
    assert load_settings(project / "notebooks")["keep-output-tag"] == "outer"


def test_search_stops_at_the_repository_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.nbmerge]\nstrip-outputs = false\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_pyproject(repo) is None
    assert load_settings(repo) == default_settings()


@pytest.mark.parametrize("text, problem", [
    ("[tool.nbmerge]\nstrip-output = false\n", "unknown key 'strip-output'"),
    ("[tool.nbmerge]\nstrip-outputs = 'no'\n", "strip-outputs must be a bool"),
    ("[tool.nbmerge]\nexclude = [1]\n", "exclude must be a list of strings"),
    ("[tool.nbmerge]\nstrip-outputs = \n", "invalid TOML"),
    ("[tool]\nnbmerge = 3\n", "tool.nbmerge must be a table"),
    # issue #12, class 11: nothing in the file may get past as a traceback
    ("[tool.nbmerge]\nx = " + "[" * 5000 + "]" * 5000 + "\n", "invalid TOML: nested too deeply"),
])
def test_bad_tables_are_errors_naming_the_file(project, text, problem, monkeypatch):
    (project / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_settings(project)
    assert str(raised.value).startswith(str(project / "pyproject.toml") + ": ")
    assert problem in str(raised.value)
    monkeypatch.chdir(project)
    result = runner().invoke(check_command, ["."])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and problem in result.stderr


def test_clean_options_apply_extra_and_keep(project):
    (project / "pyproject.toml").write_text(
        "[tool.nbmerge]\nextra-cell-metadata = ['slideshow']\nkeep-cell-metadata = ['collapsed']\n"
        "keep-notebook-metadata = []\n")
    options = clean_options(load_settings(project))
    assert "slideshow" in options.volatile_cell_metadata
    assert "collapsed" not in options.volatile_cell_metadata
    assert "kernelspec" in options.volatile_notebook_metadata
    assert "kernelspec" not in clean_options(default_settings()).volatile_notebook_metadata


def test_merge_fields_take_only_what_the_table_says(project):
    assert merge_option_fields(default_settings()) == {
        "volatile_notebook_metadata": MergeOptions().volatile_notebook_metadata,
        "volatile_cell_metadata": MergeOptions().volatile_cell_metadata,
    }
    (project / "pyproject.toml").write_text(
        "[tool.nbmerge]\nstrip-outputs = true\nextra-cell-metadata = ['slideshow']\n"
        "keep-cell-metadata = ['collapsed']\n")
    fields = merge_option_fields(load_settings(project))
    assert fields["strip_outputs"] is True
    assert fields["volatile_cell_metadata"] == VOLATILE_CELL_METADATA | {"slideshow"}
    MergeOptions(**fields)  # every field is one MergeOptions has


def test_layout_merge_keys(project):
    (project / "pyproject.toml").write_text("[tool.nbmerge]\nlayout-merge = false\nformatter = 'ruff'\n")
    fields = merge_option_fields(load_settings(project))
    assert fields["layout_merge"] is False
    assert fields["formatter"].name == "ruff" and fields["formatter"].folder == str(project)
    MergeOptions(**fields)
    (project / "pyproject.toml").write_text("[tool.nbmerge]\nformatter = 'yapf'\n")
    with pytest.raises(ConfigError, match="formatter must be one of auto, black, ruff, none"):
        load_settings(project)


def test_command_line_overrides_are_labelled(project):
    settings = default_settings().override(strip_outputs=False, keep_output_tag=None)
    assert settings["strip-outputs"] is False and settings.sources["strip-outputs"] == "command line"
    assert settings.sources["keep-output-tag"] == "default"


def test_config_command_prints_values_and_sources(project):
    (project / "pyproject.toml").write_text("[tool.nbmerge]\nexclude = ['scratch/*']\n")
    text = run_nbmerge("config", cwd=project / "notebooks", check=0).stdout
    lines = text.splitlines()
    assert lines[0] == f"# [tool.nbmerge] from: {project / 'pyproject.toml'}"
    assert any(line.startswith("exclude") and '["scratch/*"]' in line
               and line.endswith(f"# {project / 'pyproject.toml'}") for line in lines)
    assert any(line.startswith("strip-outputs") and line.endswith("# default") for line in lines)
    data = json.loads(run_nbmerge("config", "--format", "json", cwd=project, check=0).stdout)
    assert data["settings"]["exclude"] == {"value": ["scratch/*"], "source": str(project / "pyproject.toml"),
                                           "help": data["settings"]["exclude"]["help"]}


def test_config_without_a_table(project):
    result = run_nbmerge("config", cwd=project, check=0)
    assert result.stdout.startswith("# [tool.nbmerge] from: none found")


def _example_sides(folder):
    from conftest import ROOT

    for side in ("base", "ours", "theirs"):
        (folder / f"{side}.ipynb").write_bytes((ROOT / "nbmerge" / "examples" / f"{side}.ipynb").read_bytes())
    return [str(folder / f"{side}.ipynb") for side in ("base", "ours", "theirs")]


def _outputs(path):
    return sum(len(cell.get("outputs", [])) for cell in json.loads(path.read_text())["cells"])


def test_merge_command_reads_the_table_as_the_driver_does(project):
    """`nbmerge merge` and the merge driver build their options in one place: same table, same bytes."""
    base, ours, _ = _example_sides(project / "notebooks")
    theirs = base  # a clean merge, so ours' outputs stay unless the table strips them
    run_nbmerge("merge", base, ours, theirs, "-o", project / "plain.ipynb", cwd=project, check=0)
    assert _outputs(project / "plain.ipynb") > 0
    (project / "pyproject.toml").write_text("[tool.nbmerge]\nstrip-outputs = true\n")
    run_nbmerge("merge", base, ours, theirs, "-o", project / "merged.ipynb", cwd=project, check=0)
    assert _outputs(project / "merged.ipynb") == 0
    driven = project / "notebooks" / "driven.ipynb"
    driven.write_bytes((project / "notebooks" / "ours.ipynb").read_bytes())
    run_nbmerge("merge-driver", base, driven, theirs, "7", "notebooks/analysis.ipynb", cwd=project, check=0)
    assert driven.read_bytes() == (project / "merged.ipynb").read_bytes()
