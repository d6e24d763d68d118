"""The package ships: `python -m build` gives a wheel and an sdist, and the wheel installed in a
fresh virtualenv runs `nbmerge` with its package data (the examples, the HTML page's assets).

The build uses this environment's setuptools (no isolation: no download, a few seconds).
The fresh virtualenv gets the wheel alone; its dependencies are borrowed from this
environment through a .pth line, so the test needs no network and takes seconds.
"""

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.wheel

DISTRIBUTION = "nbmerge_driver"  # nbmerge-driver on PyPI, normalised as in file names


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    work = tmp_path_factory.mktemp("src")
    # Build from a copy of the tracked files: no stray build/ or egg-info in the checkout.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source, target = ROOT / name, work / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(work)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return wheels[0], sdists[0]


def test_wheel_and_sdist_carry_the_code_and_the_package_data(built):
    wheel, sdist = built
    import nbmerge

    assert wheel.name == f"{DISTRIBUTION}-{nbmerge.__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("nbmerge/cli/__init__.py", "nbmerge/git/driver.py", "nbmerge/examples/base.ipynb",
                   "nbmerge/examples/ours.ipynb", "nbmerge/examples/theirs.ipynb", "nbmerge/assets/page.css",
                   "nbmerge/assets/page.js"):
        assert needed in names
    in_sdist = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "nbmerge/examples/base.ipynb", "nbmerge/assets/page.css"} <= in_sdist


def test_wheel_and_sdist_carry_the_mit_licence_pyproject_declares(built):
    wheel, sdist = built
    import nbmerge

    licence = f"{DISTRIBUTION}-{nbmerge.__version__}.dist-info/licenses/LICENSE"
    text = zipfile.ZipFile(wheel).read(licence).decode()
    assert text.startswith("MIT License") and "nbmerge developers" in text
    metadata = zipfile.ZipFile(wheel).read(f"{DISTRIBUTION}-{nbmerge.__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert "LICENSE" in {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}


def test_wheel_installs_into_a_fresh_virtualenv_and_runs(built, tmp_path):
    wheel, _ = built
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True)
    # Then the dependencies, from this environment, after the fresh one's own site-packages:
    # the wheel's nbmerge, not this environment's, is what gets imported. (Added after the
    # install, or pip would find this environment's nbmerge-driver and install nothing.)
    Path(purelib, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = env_dir / ("Scripts/nbmerge.exe" if os.name == "nt" else "bin/nbmerge")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*args):
        return subprocess.run([*args], capture_output=True, text=True, cwd=tmp_path, env=env)

    where = run(str(python), "-c", "import nbmerge, importlib.metadata as m; "
                                   "print(nbmerge.__file__); print(m.version('nbmerge-driver'))")
    path, version = where.stdout.split()
    assert Path(path).is_relative_to(Path(purelib)), path  # the wheel's copy, not the checkout
    import nbmerge

    assert version == nbmerge.__version__
    example = run(str(script), "example")
    assert example.returncode == 0, example.stderr
    assert "1 conflict: cell 4" in example.stdout and purelib in example.stdout  # shipped examples
    assert run(str(python), "-m", "nbmerge", "--version").stdout.strip() == f"nbmerge, version {version}"
    # check validates against the nbformat schema found beside the installed code
    notebook = Path(purelib) / "nbmerge" / "examples" / "base.ipynb"
    check = run(str(script), "check", "--format", "json", str(notebook))
    assert check.returncode in (0, 1) and '"checked": 1' in check.stdout, check.stderr
