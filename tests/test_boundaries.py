"""Import boundaries: what each entry point loads, and which packages may import which.

The core verbs (analyze, publish, plan, the CLI) must run without the app stack, and
``hotspots --help`` must not load the scientific stack at all. Checked in fresh
interpreters, so earlier imports in the test session cannot hide an eager import.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hotspots"
APP_STACK = ("streamlit", "folium", "streamlit_folium", "altair", "branca")
HEAVY = ("matplotlib", "pulp", "libpysal")


def _loaded(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _help(*argv: str) -> set[str]:
    return _loaded(
        f"from hotspots.cli import main\ntry:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass"
    )


def test_help_loads_neither_pandas_nor_rich() -> None:
    assert not _help("--help") & {"pandas", "geopandas", "numpy", "rich", *APP_STACK, *HEAVY}


def test_analyze_help_declares_options_without_the_analysis_stack() -> None:
    assert not _help("analyze", "--help") & {"pandas", "geopandas", "numpy", *APP_STACK, *HEAVY}


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        (("hotspots",), {"pandas", "numpy", *APP_STACK, *HEAVY}),
        (("hotspots.analysis", "hotspots.export"), {*APP_STACK, *HEAVY}),
        (("hotspots.cli.analyze", "hotspots.cli.demo"), {*APP_STACK, *HEAVY}),
        (("hotspots.publish", "hotspots.cli.publish"), {*APP_STACK, *HEAVY}),  # PNG: lazily
        # PuLP only when a model is solved
        (("hotspots.outreach", "hotspots.cli.plan"), {*APP_STACK, *HEAVY}),
        # statsmodels takes a second to import: only when a model is fitted
        (("hotspots.evaluate", "hotspots.cli.evaluate"), {*APP_STACK, *HEAVY, "statsmodels"}),
    ],
)
def test_core_modules_do_not_load_the_app_stack(
    modules: tuple[str, ...], forbidden: set[str]
) -> None:
    loaded = _loaded("\n".join(f"import {m}" for m in modules))
    assert "hotspots" in loaded
    assert not loaded & forbidden, f"{modules} loaded {sorted(loaded & forbidden)}"


def test_an_analysis_of_a_csv_loads_neither_scipy_nor_gdal(tmp_path: Path) -> None:
    """SciPy (a tenth of a second to import) is needed only for normal p-values or an
    automatic cell size over more than 30,000 distinct places, GDAL (pyogrio) only for GIS
    formats: whole ``hotspots analyze`` runs of a CSV with exact Gi* and Local Moran, with a
    given and an automatic cell size, load neither."""
    csv, out, auto = tmp_path / "incidents.csv", tmp_path / "out", tmp_path / "auto"
    loaded = _loaded(
        "from hotspots.ingest.synthetic import synthetic_csv\n"
        f"synthetic_csv({str(csv)!r}, 3_000, hotspots=3, rng=1)\n"
        "from hotspots.cli import main\n"
        f"main(['analyze', {str(csv)!r}, '--out', {str(out)!r}, '--cell-size-m', '250', "
        "'--timezone', 'America/Toronto', '--quiet'])\n"
        f"main(['analyze', {str(csv)!r}, '--out', {str(auto)!r}, "
        "'--timezone', 'America/Toronto', '--quiet'])"
    )
    assert (out / "cells.parquet").exists() and "geopandas" in loaded
    assert json.loads((auto / "summary.json").read_text())["parameters"]["cell_size_automatic"]
    assert not loaded & {"scipy", "pyogrio", *APP_STACK, *HEAVY}


def test_no_extra_repeats_a_core_dependency() -> None:
    project = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    core = {_package(d) for d in project["project"]["dependencies"]}
    repeated = {
        extra: sorted(core & {_package(d) for d in deps})
        for extra, deps in project["project"]["optional-dependencies"].items()
    }
    assert not {k: v for k, v in repeated.items() if v}, repeated


def _package(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any level (lazy imports in functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(under: Path) -> list[Path]:
    return sorted(under.rglob("*.py"))


def test_stats_never_imports_maps() -> None:
    offenders = {
        str(p.relative_to(SRC)): sorted(n for n in _imports(p) if n.startswith("hotspots.maps"))
        for p in _modules(SRC / "stats")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_only_the_dashboard_imports_streamlit_or_folium() -> None:
    outside = [p for p in _modules(SRC) if "dashboard" not in p.relative_to(SRC).parts]
    assert len(outside) > 40
    offenders = {
        str(p.relative_to(SRC)): sorted(
            n for n in _imports(p) if n.split(".")[0] in {"streamlit", "folium", "streamlit_folium"}
        )
        for p in outside
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_the_checks_see_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import folium\n    from hotspots.maps import palettes\n")
    assert {"folium", "hotspots.maps", "hotspots.maps.palettes"} <= _imports(module)


def test_a_missing_extra_is_named_with_the_install_command() -> None:
    code = (
        "import sys\n"
        "sys.modules['folium'] = None  # as on a core install\n"
        "import hotspots\n"
        "try:\n"
        "    hotspots.explore\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "hotspots.explore needs folium" in out.stdout and "hotspots[app]" in out.stdout
