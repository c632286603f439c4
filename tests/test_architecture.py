"""The layout the architecture promises (docs/architecture.md): one folder per layer, a light
front door, no module named like an exported function, and README examples that run."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bpo_roi

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("scenario", "staffing", "model", "analysis", "reporting", "cli")


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(bpo_roi.__path__, "bpo_roi.")
                  if not m.name.endswith("__main__"))


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_is_a_package_that_says_what_it_may_import(layer):
    package = importlib.import_module(f"bpo_roi.{layer}")
    assert hasattr(package, "__path__"), f"bpo_roi.{layer} is not a folder"
    assert "May import" in (package.__doc__ or ""), package.__doc__


def test_no_module_is_named_like_a_function_its_package_exports():
    # importing such a submodule replaces the package attribute: `bpo_roi.breakeven(...)`
    # would then raise "'module' object is not callable"
    clashes = []
    for name in ["bpo_roi", *_modules()]:
        module = importlib.import_module(name)
        if not hasattr(module, "__path__"):
            continue
        exported = set(getattr(module, "__all__", ())) | set(getattr(module, "_LAZY", {}))
        children = {m.name for m in pkgutil.iter_modules(module.__path__)}
        clashes += [f"{name}.{c}" for c in sorted(exported & children)]
    assert clashes == []


def test_exported_api_survives_importing_every_submodule():
    # the README's failure: after importing the breakeven module, bpo_roi.breakeven was a module
    code = ("import importlib, pkgutil, bpo_roi\n"
            "for m in pkgutil.walk_packages(bpo_roi.__path__, 'bpo_roi.'):\n"
            "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
            "bad = [n for n in bpo_roi._LAZY if not callable(getattr(bpo_roi, n))]\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("shim", ["metrics", "report"])
def test_the_0_1_shims_are_gone(shim):
    # 0.2 removed bpo_roi.metrics and bpo_roi.report (re-exports whose 0.1 names were already
    # gone): neither the module nor the lazy attribute exists any more
    assert importlib.util.find_spec(f"bpo_roi.{shim}") is None
    assert shim not in dir(bpo_roi)
    with pytest.raises(AttributeError):
        getattr(bpo_roi, shim)


def test_the_modules_the_shims_pointed_to_import():
    from bpo_roi.model.metrics import irr_annual, payback_month, tei_summary
    from bpo_roi.reporting.html_report import render_report
    from bpo_roi.staffing import erlang_c_agents

    assert all(callable(f) for f in (irr_annual, payback_month, tei_summary, render_report))
    assert int(erlang_c_agents(100, 180, 1800, 0.80, 20)) == 14


def test_version_is_the_same_in_the_package_and_pyproject():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (version,) = re.findall(r'^version = "([^"]+)"', text, flags=re.MULTILINE)
    assert bpo_roi.__version__ == version


def test_import_bpo_roi_loads_no_heavy_package():
    code = ("import sys, bpo_roi\n"
            "print(sorted(m for m in ('pandas', 'pydantic', 'plotly', 'ipywidgets', 'papermill',"
            " 'nbconvert', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    assert out == "[]"


def test_engine_layers_do_not_print_or_open_files():
    # pure computation below reporting: arrays and DataFrames in and out
    offenders = []
    for layer in ("scenario", "staffing", "model", "analysis"):
        for path in sorted((ROOT / "bpo_roi" / layer).glob("*.py")):
            if path.name == "reading.py":  # the scenario layer's one job is reading files
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in ("print", "open")):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.id}()")
    assert offenders == []


def _readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_python_examples():
    assert len(_readme_python_blocks()) >= 1


@pytest.mark.parametrize("number", range(len(_readme_python_blocks())))
def test_readme_python_block_runs(number, monkeypatch):
    # each ```python block of the README, run as a user would, from the repository root
    monkeypatch.chdir(ROOT)
    block = _readme_python_blocks()[number]
    namespace: dict[str, object] = {"__name__": "__readme__"}
    exec(compile(block, f"README.md python block {number + 1}", "exec"), namespace)


def test_every_name_a_module_imports_from_another_is_in_that_modules_all():
    # a name that crosses a module boundary is public: listed in __all__ (or private, "_x")
    missing = []
    for path in sorted((ROOT / "bpo_roi").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("bpo_roi") and node.level == 0):
                continue
            target = importlib.import_module(node.module)
            exported = set(getattr(target, "__all__", ()))
            for alias in node.names:
                name = alias.name
                if name == "*" or name.startswith("_"):
                    continue
                is_submodule = hasattr(target, "__path__") and importlib.util.find_spec(
                    f"{node.module}.{name}") is not None
                if not is_submodule and name not in exported:
                    missing.append(f"{path.relative_to(ROOT)}: {node.module}.{name}")
    assert missing == []


# Sentences still typed by hand, each with the reason it is not yet written by the helper.
TYPED_PARAMETER_ERRORS = {
    # two parameters in one sentence ("parameters of"), which invalid_parameter cannot write
    "bpo_roi/model/metrics.py:tei_summary",
}


def _typed_parameter_errors() -> list[str]:
    """Places outside ``_validation.py`` where an error's text has a piece of the sentence."""
    pieces = re.compile(r" parameters? of | parameters? must be|\bGot\b[\s\S]*\binstead\b")
    typed = []
    for path in sorted((ROOT / "bpo_roi").rglob("*.py")):
        if path.name == "_validation.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [f for f in ast.walk(tree)
                     if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and (
                getattr(node.func, "id", None) or getattr(node.func, "attr", "")).endswith("Error")
            if not (isinstance(node, ast.Raise) or called):
                continue
            text = " ".join(part.value for part in ast.walk(node)
                            if isinstance(part, ast.Constant) and isinstance(part.value, str))
            if pieces.search(text):
                inside = [f.name for f in functions
                          if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)]
                typed.append(f"{path.relative_to(ROOT).as_posix()}:{(inside or ['?'])[-1]}")
    return sorted(set(typed))


def test_parameter_errors_are_written_by_one_helper():
    # "The 'x' parameter of F must be ... Got ... instead." comes from
    # bpo_roi._validation.invalid_parameter only, so the sentences cannot drift apart: no error
    # elsewhere types "parameter of", "parameter must be" or "Got ... instead"
    assert [t for t in _typed_parameter_errors() if t not in TYPED_PARAMETER_ERRORS] == []
    assert set(_typed_parameter_errors()) >= TYPED_PARAMETER_ERRORS  # no stale exception


def test_the_parameter_error_check_sees_each_piece_of_the_sentence(tmp_path, monkeypatch):
    package = tmp_path / "bpo_roi"
    package.mkdir()
    (package / "bad.py").write_text(
        "def a(x):\n    raise ValueError(f\"The 'x' parameter must be > 0. Got {x} instead.\")\n"
        "def b(x):\n    raise TypeError(f'x must be text. Got {x!r} instead.')\n"
        "def c(x):\n    return KeyError(\"The 'k' parameter of c must be a key\")\n"
        "def d(x):\n    raise ValueError('no such offer; got something else')\n",
        encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _typed_parameter_errors() == ["bpo_roi/bad.py:a", "bpo_roi/bad.py:b",
                                         "bpo_roi/bad.py:c"]


def test_interval_text_is_made_from_bounds_not_typed():
    # the rules of the hand-checked parameters come from interval_text: no hand-typed interval
    # ("strictly between", "between 0 and", ">= 0", "an int from", "(0, 1]") in their modules
    typed = re.compile(r"strictly between|between 0 and|[<>]=? ?0\b|an int from|\(0, 1\]|"
                       r"above 0 and below 1")
    found = []
    for module in ("staffing/erlang.py", "staffing/abandonment.py", "analysis/monte_carlo.py",
                   "analysis/sensitivity.py", "cli/runner.py", "cli/parameters.py",
                   "cli/options.py", "cli/sweep.py", "cli/sweep_grid.py"):
        tree = ast.parse((ROOT / "bpo_roi" / module).read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body
                      and isinstance(n.body[0], ast.Expr)}
        found += [f"{module}:{n.lineno}: {n.value!r}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and id(n) not in docstrings and typed.search(n.value)]
    assert found == []


def test_no_cli_module_is_longer_than_about_400_lines():
    # the runner once grew to 1,001 lines doing eight jobs; a command module that passes 420
    # lines holds a second job that wants its own module
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines())
               for path in (ROOT / "bpo_roi" / "cli").glob("*.py")}
    assert {name: n for name, n in lengths.items() if n > 420} == {}


def test_readme_stays_under_250_lines():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 250
