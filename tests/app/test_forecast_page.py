"""AppTest of the Forecast page: it waits for the button, then backtests, forecasts and scores."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "views/forecast.py"


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_forecast_page_waits_for_the_button(app: AppTest) -> None:
    app.switch_page(PAGE).run()
    _no_errors(app)
    assert app.title[0].value == "Where next: forecast"
    assert app.date_input(key="fc_until").value.isoformat() == "2019-12-31"
    assert app.selectbox(key="fc_horizon").value == 24
    assert any("Backtest and forecast" in i.value for i in app.info)


@pytest.mark.slow
def test_forecast_page_backtests_forecasts_and_scores_held_out_data(app: AppTest) -> None:
    app.switch_page(PAGE).run()
    app.selectbox(key="fc_size").set_value(400.0)
    app.selectbox(key="fc_horizon").set_value(12)
    app.button[0].click().run(timeout=300)
    _no_errors(app)
    labels = {m.label: m.value for m in app.metric}
    assert labels["Method used"] in {"last", "recency", "kde", "model", "ensemble"}
    headers = [h.value for h in app.subheader]
    assert "Scored on data it never saw" in headers
    assert "Leaderboard of the backtest" in headers
    assert any("PAI" in m.value for m in app.markdown)
