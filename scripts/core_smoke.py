"""The core install runs the CLI verbs: ``hotspots analyze``, ``publish``, ``plan`` and the
space-time and forecast verbs (``emerging``, ``near-repeat``, ``clusters``, ``forecast``).

    .venv-core/bin/python scripts/core_smoke.py      (``make test-core`` builds that env)

Run with the interpreter of an environment made by ``pip install .`` without extras. It
checks that the app stack really is absent (so an eager import of it would fail here),
writes a small seeded incidents file, runs the three verbs through the installed
``hotspots`` command and checks their exit codes and files. Exits non-zero on failure.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv

APP_STACK = ("streamlit", "folium", "streamlit_folium", "altair")
EXTENT = (620_000.0, 4_830_000.0, 626_000.0, 4_836_000.0)
PLANTED = (PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=250.0, share=0.08),)


def main() -> int:
    present = [name for name in APP_STACK if importlib.util.find_spec(name) is not None]
    if present:
        print(f"not a core-only environment: {', '.join(present)} installed", file=sys.stderr)
        return 1
    hotspots = Path(sys.executable).with_name("hotspots")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = synthetic_csv(
            folder / "incidents.csv",
            4_000,
            extent_m=EXTENT,
            crs=32617,
            hotspots=PLANTED,
            start="2018-01-01",
            end="2021-12-31",
            rng=1,
        )
        verbs = {
            "analyze": (["--cell-size-m", "300"], {"cells.geojson", "hotspots.csv", "rejects.csv"}),
            "publish": (
                # A publisher folder of its own: the release ledger must not outlive the run.
                [
                    "--title",
                    "Smoke test",
                    "--period",
                    "2021",
                    "--map",
                    "grid",
                    "--publisher-dir",
                    str(folder / "publisher"),
                ],
                {"snapshot.html", "snapshot.png", "snapshot.json"},
            ),
            "plan": (
                ["--k", "3", "--radius-m", "800", "--curve-k-max", "3"],
                {"sites.csv", "briefing.html", "plan.json"},
            ),
            "emerging": ([], {"emerging.geojson", "emerging.json"}),
            "near-repeat": ([], {"knox.csv", "knox.json"}),
            "clusters": ([], {"clusters.geojson", "clusters.json"}),
            "forecast": (
                ["--until", "2021-09", "--horizon-months", "3"],
                {"forecast.geojson", "forecast.json", "backtest.csv"},
            ),
        }
        for verb, (options, expected) in verbs.items():
            out = folder / verb
            argv = [str(hotspots), verb, str(source), "--out", str(out), "--quiet", *options]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            written = {p.name for p in out.iterdir()} if out.exists() else set()
            if done.returncode != 0 or not expected <= written:
                print(
                    f"hotspots {verb} failed (exit {done.returncode}):\n{done.stderr}",
                    file=sys.stderr,
                )
                return 1
            print(f"core install: hotspots {verb} ok ({', '.join(sorted(expected))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
