"""Plan outreach page speed, before and after, side by side in one run (AppTest, bundled Toronto).

    .venv/bin/python bench/outreach_page_speed.py [--baseline 60b2631] [--rounds 3]

The baseline is the code of a git revision (``git archive`` into a temporary folder); the
current code is this checkout. Each round runs one fresh process per code base, in
alternating order, that drives the app in-process with Streamlit's AppTest (no browser: the
server-side time of each rerun, which is what the user waits for before the page updates):

1. the Map page (loads the 241,000 incidents and the default analysis; not compared);
2. switch to the Plan outreach page (neighbourhood candidates, suggested k, exact plan,
   exact + greedy coverage curve k = 1..15, map, tables);
3. switch the candidates to hot-spot cell centres (the step issue 14 measured at 23 s);
4. change k to 10.

Each step reports wall seconds and CPU seconds (user + sys of the process *and its children*:
CBC runs as a child process), which are steadier than wall time on a shared machine. The
table gives the median over rounds and the ratio baseline / current; ``uptime`` load
averages are printed before and after. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_speed import ROOT, export_revision

STEPS = ("plan page", "hot-spot candidates", "k = 10")
#: What the baseline tree needs to run the app.
TREE = ("src", "views", "app.py", ".streamlit")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker(root: Path) -> dict[str, Any]:
    """Drive the app of ``root`` (in this process) and time each step."""
    os.environ["HOTSPOTS_TILES_URL"] = "none"
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(root / "app.py"), default_timeout=600)
    at.run()
    actions = {
        "plan page": lambda: at.switch_page("views/plan_outreach.py").run(),
        "hot-spot candidates": lambda: at.radio(key="po_candidates").set_value("hotspots").run(),
        "k = 10": lambda: at.number_input(key="po_k").set_value(10).run(),
    }
    out: dict[str, Any] = {}
    for name in STEPS:
        wall, cpu = time.perf_counter(), _cpu()
        actions[name]()
        out[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": _cpu() - cpu}
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        if problems:
            raise SystemExit(f"{root}: {name}: {problems}")
    captions = [c.value for c in at.caption if "service radius" in c.value]
    out["caption"] = captions[0] if captions else ""
    return out


def _run(root: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "HOTSPOTS_DATA_DIR": str(ROOT / "data"),  # the bundled data is not in git
    }
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(root)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker for {root} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _uptime() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="60b2631", help="git revision of the 'before'")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker)))
        return

    print(f"load average (1, 5, 15 min) before: {_uptime()}", flush=True)
    results: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="hotspots-outreach-bench-") as tmp:
        trees = {
            "before": export_revision(args.baseline, Path(tmp) / "baseline", TREE),
            "after": ROOT,
        }
        for round_ in range(args.rounds):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for label in order:
                result = _run(trees[label])
                results[label].append(result)
                steps = ", ".join(
                    f"{s} {result[s]['wall_s']:.2f} s wall / {result[s]['cpu_s']:.2f} s CPU"
                    for s in STEPS
                )
                print(f"round {round_ + 1} {label}: {steps}", flush=True)
    print(f"load average (1, 5, 15 min) after: {_uptime()}")
    print(f"\ncurrent caption: {results['after'][-1]['caption']}\n")
    print(f"| step | before ({args.baseline}) wall / CPU | after wall / CPU | ratio (wall, CPU) |")
    print("|---|---|---|---|")
    for step in STEPS:
        medians = {
            label: (
                statistics.median(r[step]["wall_s"] for r in runs),
                statistics.median(r[step]["cpu_s"] for r in runs),
            )
            for label, runs in results.items()
        }
        (bw, bc), (aw, ac) = medians["before"], medians["after"]
        print(
            f"| {step} | {bw:.2f} s / {bc:.2f} s | {aw:.2f} s / {ac:.2f} s | "
            f"{bw / aw:.1f}x, {bc / ac:.1f}x |"
        )
    print(f"\nmedian of {args.rounds} rounds; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
