"""bpo-roi as a finance team gets it: built into a wheel, installed into a fresh virtual
environment, used from an empty folder far from the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the tests of the one build share a worker (the wheel is built once)
one_build = pytest.mark.xdist_group("package")


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600
         ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(args)} (in {cwd}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def _copy_repo(copy: Path) -> Path:
    """The repository's files (not its venv, caches, builds or checkpoints) copied to ``copy``."""
    import shutil

    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "out", "dist", "build", "*.egg-info", "__pycache__", ".*_cache",
        ".hypothesis", ".ipynb_checkpoints", "bpo_roi-*"))
    return copy


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An sdist and the wheel built from that sdist, made from a copy of this checkout in
    which a user has run `bpo-roi new` (a scenario in assumptions/) and Jupyter has saved
    checkpoints (.ipynb_checkpoints/): issue 29, neither may reach the wheel or the sdist."""
    import shutil

    tmp = tmp_path_factory.mktemp("package")
    copy = _copy_repo(tmp / "repo")
    (copy / "assumptions" / "payroll_secret.yaml").write_text(
        (copy / "templates" / "assumptions.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (copy / "notebooks" / ".ipynb_checkpoints").mkdir()
    shutil.copy(copy / "notebooks" / "explorer.ipynb",
                copy / "notebooks" / ".ipynb_checkpoints" / "explorer-checkpoint.ipynb")
    (copy / "docs" / ".ipynb_checkpoints").mkdir()
    (copy / "docs" / ".ipynb_checkpoints" / "notes-checkpoint.ipynb").write_text("{}")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    dist = tmp / "dist"
    # sdist first, then the wheel built from that sdist: both must carry everything. Built from
    # a copy: a build writes into the tree it builds (egg-info, the sdist's staging folder)
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(copy)], cwd=tmp, env=env)
    (wheel,) = dist.glob("bpo_roi-*.whl")
    (sdist,) = dist.glob("bpo_roi-*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    """The wheel of :func:`built`, installed into a new venv.

    The venv gets bpo-roi only from the wheel; its dependencies are this environment's
    (a .pth line), so the test needs no download.
    """
    wheel, sdist = built
    tmp = tmp_path_factory.mktemp("installed")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    assert sdist.stat().st_size > 0
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], cwd=tmp, env=env).stdout.strip())
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # what pip would also have put in the venv for those dependencies: nbconvert's templates
    share = venv / "share" / "jupyter"
    share.mkdir(parents=True)
    (share / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
          str(wheel)], cwd=tmp, env=env)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    work = tmp / "empty"
    work.mkdir()
    return venv, wheel, work, env


@one_build
def test_the_wheel_carries_the_notebooks_templates_and_examples(installed):
    import zipfile

    _, wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("notebooks/business_case.ipynb", "notebooks/explorer.ipynb",
                    "notebooks/compare_versions.ipynb",
                    "templates/assumptions.yaml", "templates/report/index.html.j2",
                    "templates/report/conf.json", "assumptions/contact_centre.yaml"):
        assert f"bpo_roi/resources/{shipped}" in names, shipped
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in metadata
    assert "Provides-Extra: dask" in metadata and "Provides-Extra: dev" in metadata
    assert "Project-URL: Source" in metadata


@one_build
def test_new_validate_evaluate_run_and_papermill_from_an_empty_folder(installed):
    venv, _, work, env = installed
    where = _run(["python", "-c", "import bpo_roi; print(bpo_roi.__file__)"], work, env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # not the checkout
    _run(["bpo-roi", "new", "demo"], work, env)
    scenario = work / "assumptions" / "demo.yaml"
    assert scenario.is_file()
    _run(["bpo-roi", "validate", "assumptions/demo.yaml"], work, env)
    _run(["bpo-roi", "evaluate", "assumptions/demo.yaml", "--out", "ev"], work, env)
    metrics = json.loads((work / "ev" / "metrics.json").read_text())
    assert metrics["scenario"] == "demo"
    run = _run(["bpo-roi", "run", "assumptions/demo.yaml", "--out", "out", "-p", "trials=50",
                "--quiet"], work, env)
    assert "Report:" in run.stdout
    report = (work / "out" / "demo" / "report.html").read_text(encoding="utf-8")
    assert "demo" in report and "Traceback" not in report
    notebook = Path(_run(["bpo-roi", "notebook-path", "business_case"], work, env)
                    .stdout.strip())
    assert notebook.is_file() and str(notebook).startswith(str(venv))
    kernel = _run(["python", "-c", "from jupyter_client.kernelspec import KernelSpecManager as K;"
                   " print(K().get_kernel_spec('python3').argv[0])"], work, env).stdout.strip()
    assert kernel.startswith(str(venv)), kernel  # the notebook runs on the installed wheel
    _run(["python", "-m", "papermill", str(notebook), "executed.ipynb", "-k", "python3",
          "-p", "assumptions_path", str(scenario), "-p", "trials", "50",
          "--no-progress-bar", "--log-level", "ERROR"], work, env)
    assert (work / "executed.ipynb").stat().st_size > 10_000
    assert sorted(p.name for p in work.iterdir()) == [
        "assumptions", "ev", "executed.ipynb", "out"]  # nothing written anywhere else here


@one_build
def test_the_installed_explorer_offers_the_users_scenarios_not_the_examples(installed):
    _, _, work, env = installed
    mine = work.parent / "my_folder"
    mine.mkdir()
    _run(["bpo-roi", "new", "payroll"], mine, env)
    shown = _run(["python", "-c", "from bpo_roi.reporting.explorer import Explorer; "
                  "ex = Explorer(); print([v for _, v in ex.picker.options])"],
                 mine, dict(env, PWD=str(mine))).stdout
    assert shown.strip() == str([str((mine / "assumptions" / "payroll.yaml").resolve())])


def _shipped_files() -> list[str]:
    """Every file pyproject.toml's package-data names, as a path from the repository's top."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return sorted(f"{Path(config['package-dir'][package]).as_posix()}/{name}"
                  for package, names in config["package-data"].items()
                  if package in config["package-dir"] for name in names)


@one_build
def test_a_users_scenarios_and_checkpoints_never_reach_the_wheel_or_the_sdist(built):
    """Issue 29: `bpo-roi new` writes into assumptions/ and Jupyter autosaves into
    .ipynb_checkpoints/; a build made after that ships neither (see :func:`built`)."""
    import tarfile
    import zipfile

    wheel, sdist = built
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for names in (in_wheel, in_sdist):
        assert not [n for n in names if "payroll_secret" in n or "checkpoint" in n]
    shipped = _shipped_files()
    assert "assumptions/contact_centre.yaml" in shipped and len(shipped) >= 11
    for name in shipped:
        assert f"bpo_roi/resources/{name}" in in_wheel, name
        assert name in in_sdist, name
    # nothing under the shipped folders but the named files
    assert sorted(n.removeprefix("bpo_roi/resources/") for n in in_wheel
                  if n.startswith("bpo_roi/resources/") and not n.endswith(".py")) == shipped
    assert sorted(n for n in in_sdist if n.split("/")[0] in ("assumptions", "notebooks",
                                                             "templates")
                  and "." in n.rsplit("/", 1)[-1]) == shipped


def test_manifest_names_the_same_shipped_files_as_pyproject():
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    included = sorted(f for line in manifest if line.startswith("include ")
                      for f in line.split()[1:] if "/" in f)
    assert included == _shipped_files()
    assert not [line for line in manifest
                if line.split()[:2] in (["graft", "assumptions"], ["graft", "notebooks"])]
    for name in _shipped_files():
        assert (ROOT / name).is_file(), name


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "bpo_roi").rglob("__init__.py")}
    assert on_disk <= listed, sorted(on_disk - listed)
    mapped = config["package-dir"]
    for package, folder in mapped.items():
        assert package in listed and (ROOT / folder).is_dir()


def test_notebook_path_reaches_every_shipped_notebook():
    from bpo_roi.resources import NOTEBOOKS, notebook_path

    shipped = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert "compare_versions" in shipped  # the README names it
    assert sorted(NOTEBOOKS) == shipped
    for name in shipped:
        assert notebook_path(name).resolve() == (ROOT / "notebooks" / f"{name}.ipynb").resolve()
    proc = subprocess.run([str(Path(sys.executable).parent / "bpo-roi"), "notebook-path",
                           "compare_versions"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).resolve() == notebook_path("compare_versions").resolve()


def test_an_in_place_edit_is_refused_with_the_real_dotted_path():
    import bpo_roi
    from bpo_roi.scenario.schema import ScenarioIsImmutableError

    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    with pytest.raises(ScenarioIsImmutableError) as err:
        s.workload.monthly_volume = 120_000
    assert "Workload.monthly_volume = 120000" in str(err.value)
    assert "s.with_overrides({'workload.monthly_volume': 120000})" in str(err.value)
    assert "section." not in str(err.value)
    with pytest.raises(ScenarioIsImmutableError, match=r"'workload\.queue\.service_level': 0\.9"):
        s.workload.queue.service_level = 0.9
    # an offer's section cannot know which offer it belongs to: the path says where the index
    # goes, and the suggestion works once it is filled in
    with pytest.raises(ScenarioIsImmutableError) as err:
        s.offers[0].pricing.rate_per_seat_month = 4000.0
    assert "'offers.<i>.pricing.rate_per_seat_month': 4000.0" in str(err.value)
    assert "0-based index" in str(err.value)
    changed = s.with_overrides({"offers.0.pricing.rate_per_seat_month": 4000.0})
    assert changed.offers[0].pricing.rate_per_seat_month == 4000.0
