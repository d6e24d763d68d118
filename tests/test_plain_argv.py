"""The plain-argv twins read a command line as their click twins do, or leave it to click."""

import pytest

from nbmerge.cli.conflicts_plain import run_resolve
from nbmerge.cli.diff import diff_command
from nbmerge.cli.diff_plain import _DIFF_FLAGS, _VIEW_FLAGS, _parse
from nbmerge.cli.plain_argv import parse_argv

DIFF_ARGVS = [
    ["a.ipynb", "b.ipynb"],
    ["-U3", "a.ipynb", "b.ipynb"],
    ["-U", "0", "a.ipynb", "b.ipynb"],
    ["--unified=7", "--unified", "2", "a.ipynb", "b.ipynb"],
    ["--color=never", "--full", "a.ipynb", "-", "--color", "always"],
    ["--sources-only", "--no-outputs", "--no-metadata", "--stat", "--json", "--exit-code", "a", "b"],
]


@pytest.mark.parametrize("argv", DIFF_ARGVS, ids=" ".join)
def test_plain_diff_flags_are_read_as_click_reads_them(argv):
    flags, paths = _parse(argv, {**_VIEW_FLAGS, **_DIFF_FLAGS})
    params = diff_command.make_context("diff", list(argv)).params
    assert paths == list(params["args"])
    assert {name: flags[name] for name in flags} == {name: params[name] for name in flags}


@pytest.mark.parametrize("argv", [
    ["-U", "a.ipynb", "b.ipynb"], ["-Ux", "a", "b"], ["-U=3", "a", "b"], ["--unified3", "a", "b"],
    ["-U", "-1", "a", "b"], ["--color=sometimes", "a", "b"], ["--color"], ["--", "a", "b"],
    ["--help"], ["--ful", "a", "b"], ["--format", "json", "a", "b"],
], ids=" ".join)
def test_plain_diff_leaves_what_it_does_not_know_to_click(argv):
    assert _parse(argv, {**_VIEW_FLAGS, **_DIFF_FLAGS}) is None


def test_valued_flags_keep_every_value_in_order():
    found, positional = parse_argv(["x", "--conflict", "a", "--conflict=b", "--all", "-"],
                                   {"--all": "every"}, {"--conflict": "ids"})
    assert found == {"every": True, "ids": ["a", "b"]}
    assert positional == ["x", "-"]


@pytest.mark.parametrize("argv", [["x.ipynb", "--take"], ["x.ipynb", "--take", "ours", "--web"],
                                  ["x.ipynb", "--all"], ["--take", "ours", "--all"]], ids=" ".join)
def test_plain_resolve_leaves_the_rest_to_click(argv):
    assert run_resolve(argv) is None

