"""The one-page HTML briefing: numbers, escaping, no remote assets, embedded PNGs."""

from __future__ import annotations

import base64
import datetime as dt
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from outreach_helpers import UTM16, X0, Y0, random_instance

from hotspots.errors import InputError
from hotspots.outreach import briefing_html, coverage_curve, plan_outreach

EVIL = "<script>alert('x')</script>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def instance() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    demand, candidates = random_instance(4, n_demand=60, n_candidates=12)
    demand["hood"] = demand["hood"].replace({"East": f"East {EVIL}"})
    candidates.loc[5, "name"] = f"Centre {EVIL} & Co"
    return demand, candidates


def _images(page: str) -> list[bytes]:
    return [
        base64.b64decode(b) for b in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    ]


def test_briefing_has_the_numbers_and_embeds_the_map(
    instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, candidates = instance
    plan = plan_outreach(
        demand, candidates, k=3, radius_m=900, weight="weight", area="hood", fixed=[5]
    )
    curve = coverage_curve(
        demand, candidates, k_max=5, radius_m=900, weight="weight", fixed=[5], method="both"
    )
    page = briefing_html(
        plan,
        title="Summer outreach",
        demand_label="weighted incidents",
        curve=curve,
        date=dt.date(2024, 6, 1),
        notes="Where do three teams do the most good?",
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "Summer outreach" in page and "2024-06-01" in page
    assert f"{plan.share:.0%}" in page
    assert f"{plan.covered_weight:,.0f} of {plan.total_weight:,.0f} weighted incidents" in page
    assert "900 m" in page
    assert "straight-line" in page and plan.crs.name in page
    assert "optimal" in page
    for name in plan.sites["name"]:
        if EVIL not in name:
            assert name in page
    for row in plan.sites.itertuples():
        assert f"<td>{row.rank}</td>" in page
    assert "existing" in page  # the fixed site is tagged
    assert "Worst-covered areas" in page
    images = _images(page)
    assert len(images) == 2  # map + curve
    assert all(image.startswith(PNG_SIGNATURE) for image in images)
    assert "@page" in page and "A4" in page


def test_briefing_escapes_every_name(instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, candidates = instance
    plan = plan_outreach(
        demand, candidates, k=3, radius_m=900, weight="weight", area="hood", fixed=[5]
    )
    page = briefing_html(plan, title=f"Plan {EVIL}", demand_label=f"calls {EVIL}", notes=EVIL)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Centre &lt;script&gt;" in page and "&amp; Co" in page
    assert "East &lt;script&gt;" in page


def test_briefing_references_nothing_remote(
    instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, candidates = instance
    boundaries = gpd.GeoDataFrame(
        {"name": ["all"]},
        geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 4_500, Y0 + 4_500)],
        crs=UTM16,
    ).to_crs(4326)
    plan = plan_outreach(demand, candidates, k=2, radius_m=900)
    page = briefing_html(plan, title="Offline", areas=boundaries, page="Letter")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"<(?:script|link|iframe|object|embed)\b", page, re.IGNORECASE)
    assert "letter" in page
    assert "Areas reached" not in page  # no area column given
    assert len(_images(page)) == 1


def test_briefing_of_hotspot_cells() -> None:
    rng = np.random.default_rng(2)
    cells = gpd.GeoDataFrame(
        {"count": rng.poisson(4, 36).astype(float)},
        geometry=[
            shapely.box(X0 + 300 * i, Y0 + 300 * j, X0 + 300 * (i + 1), Y0 + 300 * (j + 1))
            for i in range(6)
            for j in range(6)
        ],
        crs=UTM16,
    )
    sites = gpd.GeoDataFrame(
        {"name": ["North", "South"]},
        geometry=shapely.points([X0 + 900, X0 + 900], [Y0 + 1_500, Y0 + 300]),
        crs=UTM16,
    )
    plan = plan_outreach(cells, sites, k=1, radius_m=600, weight="count")
    page = briefing_html(plan, title="Cells", demand_label="incidents in hotspot cells")
    assert "Cells shaded by weight" in page
    assert _images(page)[0].startswith(PNG_SIGNATURE)


def test_bad_page_size(instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, candidates = instance
    plan = plan_outreach(demand, candidates, k=1, radius_m=900)
    with pytest.raises(InputError, match=r"page='A3' is not allowed"):
        briefing_html(plan, title="x", page="A3")  # type: ignore[arg-type]
