"""Every chart tells the truth at a glance: no line across a missing year, counts of regions of very different size
never on one axis, titles name the years the data covers, German modebar offline, no markup from data."""
import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitoring import charts, charts_kreisvergleich, charts_series

SOURCE = "© Statistik der Bundesagentur für Arbeit; Tabelle 13111-01-03-4"


def _rows(ags, name, values: dict, *, month_day="06-30", flags=None) -> list[dict]:
    flags = flags or {}
    return [{"ags": ags, "name": name, "period": f"{year}-{month_day}" if isinstance(year, int) else year,
             "value": value, "flag": flags.get(year, ""), "basis": "", "is_break": False}
            for year, value in values.items()]


def _figure(df, **options):
    kwargs = {"title": "SV-Beschäftigte (Personen)", "unit": "Personen", "decimals": 0, "source_line": SOURCE,
              "focus_ags": "08216", "period_type": "Stichtag"} | options
    return charts_series.time_series_figure(df, **kwargs)


def _lines(fig):
    return [t for t in fig.data if t.mode == "lines+markers"]


def _segments(trace) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The line segments Plotly draws: consecutive points that both have a value (connectgaps is off)."""
    points = list(zip(trace.x, trace.y))
    return [(pd.Timestamp(x0), pd.Timestamp(x1)) for (x0, y0), (x1, y1) in zip(points, points[1:])
            if y0 is not None and y1 is not None and not np.isnan(y0) and not np.isnan(y1)]


def _spec_strings(fig) -> list[str]:
    """Every text in the figure as Streamlit sends it (but layout.meta: plain text for exports, never drawn)."""
    out = []

    def walk(node):
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    spec = json.loads(fig.to_json())
    spec["layout"].pop("meta", None)
    walk(spec)
    return out


# --- 1. a missing year is a gap -----------------------------------------------------------------------------------


def test_no_line_across_missing_years_of_yearly_data():
    # SV-Beschäftigte: 2015, then 2023; Schutzsuchende: 2019, 2020, then 2024
    df = pd.DataFrame(_rows("08216", "Rastatt", {2015: 61000.0, 2023: 66000.0})
                      + _rows("08215", "Karlsruhe (Landkreis)", {2019: 3000.0, 2020: 3100.0, 2024: 4200.0}))
    rastatt, karlsruhe = _lines(_figure(df, scale="absolute"))
    assert _segments(rastatt) == []
    assert [round(v) if not np.isnan(v) else None for v in rastatt.y] == [61000, None, 66000]
    assert _segments(karlsruhe) == [(pd.Timestamp("2019-06-30"), pd.Timestamp("2020-06-30"))]
    assert np.isnan(karlsruhe.y[2])
    y = json.loads(_figure(df, scale="absolute").to_json())["data"][0]["y"]  # as Plotly receives it
    if isinstance(y, dict):  # a typed array: NaN in float64 is a gap for plotly.js
        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    assert y[1] is None or np.isnan(y[1])


def test_consecutive_years_and_the_zensus_day_stay_connected():
    df = pd.DataFrame(_rows("08216", "Rastatt", {"2011-05-09": 10.0, "2011-12-31": 11.0, "2012-12-31": 12.0,
                                                 "2013-12-31": 13.0}))
    (trace,) = _lines(_figure(df, unit="%", decimals=1))
    assert len(_segments(trace)) == 3
    assert not any(np.isnan(trace.y))


def test_zensus_single_points_are_markers_without_a_line():
    df = pd.DataFrame(_rows("08216", "Rastatt", {"2011-05-09": 18.2, "2022-05-15": 24.0}))
    (trace,) = _lines(_figure(df, unit="%", decimals=1))
    assert _segments(trace) == []
    assert "markers" in trace.mode


def test_finer_periods_break_at_a_missing_quarter():
    quarters = {"2020-03-31": 1.0, "2020-06-30": 2.0, "2020-12-31": 4.0, "2021-03-31": 5.0}
    (trace,) = _lines(_figure(pd.DataFrame(_rows("08216", "Rastatt", quarters)), unit="%", decimals=1))
    assert _segments(trace) == [(pd.Timestamp("2020-03-31"), pd.Timestamp("2020-06-30")),
                                (pd.Timestamp("2020-12-31"), pd.Timestamp("2021-03-31"))]


def test_inserted_break_has_no_hover_and_no_gap_marker():
    df = pd.DataFrame(_rows("08216", "Rastatt", {2015: 61000.0, 2023: 66000.0}))
    fig = _figure(df)
    (trace,) = _lines(fig)
    assert trace.customdata[1] == ""
    assert not [t for t in fig.data if t.yaxis == "y2"]  # the strip is for special values, not for absent rows


# --- 2. counts of regions of very different size -----------------------------------------------------------------


def _counts() -> pd.DataFrame:
    return pd.DataFrame(
        _rows("08216", "Rastatt", {2015: 226000.0, 2016: 228000.0, 2017: 230000.0}, month_day="12-31")
        + _rows("08", "Baden-Württemberg", {2014: 10700000.0, 2015: 10880000.0, 2016: 10950000.0, 2017: 11020000.0},
                month_day="12-31")
        + _rows("DG", "Deutschland", {2015: 82180000.0, 2016: 82520000.0, 2017: 82790000.0}, month_day="12-31"))


def test_counts_of_very_different_regions_become_an_index():
    fig = _figure(_counts(), title="Bevölkerung (Personen), 1995–2025")
    traces = _lines(fig)
    # 2015 is the first year with a value for all three (the Land starts in 2014): 100 for everyone
    assert [round(float(t.y[list(pd.to_datetime(t.x).year).index(2015)]), 6) for t in traces] == [100.0] * 3
    assert traces[1].y[0] == pytest.approx(100 * 10700000 / 10880000)
    assert fig.layout.yaxis.title.text == "Index, 2015 = 100"
    assert "Index, 2015 = 100" in fig.layout.title.text
    assert "(Personen)" not in fig.layout.title.text
    rastatt = traces[0]
    assert rastatt.customdata[2] == "Rastatt: 101,8 (230.000 Personen)"


def test_similar_counts_and_shares_keep_their_values():
    similar = pd.DataFrame(_rows("08216", "Rastatt", {2015: 226000.0, 2016: 228000.0})
                           + _rows("08215", "Karlsruhe (Landkreis)", {2015: 440000.0, 2016: 444000.0}))
    assert list(_lines(_figure(similar))[0].y) == [226000.0, 228000.0]
    shares = _counts().assign(value=lambda d: d["value"] / 1e6)
    fig = _figure(shares, unit="%", decimals=1, title="Anteil")
    assert fig.layout.yaxis.title.text == "%"
    assert charts_series.use_index(_counts(), "Personen") is True
    assert charts_series.use_index(_counts(), "%") is False


def _naturalisations(germany: list[float]) -> pd.DataFrame:
    """Naturalisations by continent, 2016 (Rastatt's and Germany's official counts, table 12511-01-01-4)."""
    return pd.DataFrame({"name": ["Rastatt"] * 3 + ["Deutschland"] * 3, "category": ["Afrika", "Asien", "Europa"] * 2,
                         "value": [10.0, 35.0, 216.0, *germany], "flag": [""] * 6})


def _breakdown(df, unit="Personen"):
    return charts.breakdown_figure(df, title=f"Einbürgerungen nach Kontinent ({unit}), 2016", unit=unit, decimals=0,
                                   source_line="Quelle", focus_name="Rastatt")


def test_counts_of_regions_of_very_different_size_are_broken_down_as_shares():
    """Rastatt's 10 naturalisations from Africa beside Germany's 11.416 on one axis are no bar: each region's
    categories as shares of its total, the count in the hover."""
    fig = _breakdown(_naturalisations([11416.0, 26925.0, 65593.0]))
    rastatt, germany = fig.data
    assert list(rastatt.text) == ["3,8", "13,4", "82,8"] and list(germany.text) == ["11,0", "25,9", "63,1"]
    assert sum(rastatt.x) == pytest.approx(100) and sum(germany.x) == pytest.approx(100)
    assert rastatt.customdata[0] == "Rastatt – Afrika: 3,8 % (10 Personen)"
    assert "(Anteil je Region in %)" in fig.layout.title.text and "(Personen)" not in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Anteil je Region in %"


def test_breakdowns_of_similar_regions_or_of_shares_keep_their_values():
    similar = _breakdown(_naturalisations([20.0, 70.0, 400.0]))
    assert list(similar.data[1].x) == [20.0, 70.0, 400.0] and similar.layout.xaxis.title.text == "Personen"
    shares = _breakdown(_naturalisations([11416.0, 26925.0, 65593.0]), unit="%")
    assert list(shares.data[1].x) == [11416.0, 26925.0, 65593.0]


def test_scale_can_be_chosen():
    absolute = _figure(_counts(), scale="absolute")
    assert _lines(absolute)[0].y[0] == 226000.0
    assert absolute.layout.yaxis.title.text == "Personen"
    similar = pd.DataFrame(_rows("08216", "Rastatt", {2015: 50.0, 2016: 60.0}))
    forced = _figure(similar, scale="index")
    assert list(_lines(forced)[0].y) == [100.0, 120.0]
    with pytest.raises(ValueError):
        _figure(similar, scale="log")


def test_index_without_a_common_year_starts_each_region_at_100():
    df = pd.DataFrame(_rows("08216", "Rastatt", {2015: 200000.0, 2016: 210000.0})
                      + _rows("DG", "Deutschland", {2018: 80000000.0, 2019: 84000000.0}))
    fig = _figure(df)
    assert [list(t.y)[0] for t in _lines(fig)] == [100.0, 100.0]
    assert fig.layout.yaxis.title.text == "Index, erstes Jahr je Region = 100"


# --- 3. titles name the years the data covers ----------------------------------------------------------------------


def test_title_states_the_years_with_values_not_the_filter_range():
    df = pd.DataFrame(_rows("08216", "Rastatt", {2008: 10.0, 2012: 11.0, 2016: 12.0, 2017: np.nan},
                            flags={2017: "."}))
    fig = _figure(df, title="Ausländeranteil (%), 1995–2025", unit="%", decimals=1)
    assert fig.layout.title.text == "Ausländeranteil (%), 2008–2016"
    assert charts_series.covered_years(df, "Stichtag") == "2008–2016"


def test_title_without_a_range_gets_the_years_and_the_unit():
    df = pd.DataFrame(_rows("08216", "Rastatt", {"2011-05-09": 18.2}))
    fig = _figure(df, title="Migrationshintergrund", unit="%", decimals=1)
    assert fig.layout.title.text == "Migrationshintergrund (in %), 2011"


def test_title_of_school_years():
    df = pd.DataFrame(_rows("08216", "Rastatt", {2015: 5.0, 2017: 6.0}, month_day="08-01"))
    assert charts_series.covered_years(df, "Schuljahr") == "2015/16–2017/18"
    assert charts_series.covered_years(df.assign(value=np.nan), "Jahr") == ""


# --- 5. German modebar offline -------------------------------------------------------------------------------------


def test_plotly_config_carries_the_german_locale():
    config = charts.PLOTLY_CONFIG
    assert config["locale"] == "de"
    dictionary = config["locales"]["de"]["dictionary"]
    assert dictionary["Download plot as a PNG"] == "Grafik als PNG herunterladen"
    assert dictionary["Reset axes"] == "Achsen zurücksetzen"
    assert config["locales"]["de"]["format"]["decimal"] == ","
    json.dumps(config)  # Streamlit sends the config as JSON


def test_german_texts_match_the_english_keys_of_streamlits_plotly_bundle():
    streamlit = pytest.importorskip("streamlit")
    bundles = list((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("PlotlyChart*.js"))
    if not bundles:
        pytest.skip("Streamlit's Plotly bundle not found")
    text = bundles[0].read_text(encoding="utf-8", errors="replace")
    for key in ("Download plot as a PNG", "Download plot", "Zoom in", "Zoom out", "Reset axes", "Pan", "Zoom",
                "Autoscale", "Double-click to zoom back out"):
        assert f"`{key}`" in text or f'"{key}"' in text, key
        assert key in charts.PLOTLY_CONFIG["locales"]["de"]["dictionary"]
    # the lookup reads config.locales before plotly.js's own registry
    assert "_context.locales" in text


# --- 6. no markup from data ----------------------------------------------------------------------------------------

NAME = 'Eigene <b>x</b> & <a href="https://example.org">Link</a>'
UNIT = "<i>Fälle</i>"


def _assert_no_markup(fig):
    strings = _spec_strings(fig)
    assert not [s for s in strings if "<b>x</b>" in s or "<a href" in s or "<i>" in s]
    assert any("&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=" in s for s in strings)


def test_time_series_escapes_names_units_and_bases():
    df = pd.DataFrame(_rows("08216", NAME, {2015: 1.0, 2016: np.nan, 2017: 2.0}, flags={2016: "/"}))
    df.loc[2, ["basis", "is_break"]] = [NAME, True]
    fig = charts_series.time_series_figure(df, title=NAME, unit=UNIT, decimals=0, source_line=NAME, focus_ags="08216",
                                    period_type="Jahr")
    _assert_no_markup(fig)
    assert fig.layout.title.text.replace("<br>", " ").startswith("Eigene &lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=")
    assert fig.layout.yaxis.title.text == "&lt;i&gt;Fälle&lt;/i&gt;"
    assert _lines(fig)[0].name == 'Eigene &lt;b&gt;x&lt;/b&gt; &amp; &lt;a href="https://example.org"&gt;Link&lt;/a&gt;'


def test_bar_charts_map_and_scatter_escape_text_from_data():
    ranking = pd.DataFrame({"ags": ["08216", "08215"], "name": [NAME, "Karlsruhe"], "value": [3.0, np.nan],
                            "flag": ["", "."]})
    breakdown = pd.DataFrame({"name": [NAME, NAME], "category": [NAME, "Gymnasium"], "value": [3.0, np.nan],
                              "flag": ["", "/"]})
    scatter = pd.DataFrame({"ags": ["08216", "08215"], "name": [NAME, "Karlsruhe"], "x": [1.0, 2.0], "y": [3.0, 4.0]})
    figures = [
        charts.ranking_figure(ranking, title=NAME, unit=UNIT, decimals=1, source_line=SOURCE, focus_ags="08216",
                              reference_value=2.0, reference_label=NAME),
        charts.breakdown_figure(breakdown, title=NAME, unit=UNIT, decimals=1, source_line=SOURCE, focus_name=NAME),
        charts_kreisvergleich.choropleth_figure(ranking, boundaries_url="static/kreise.geojson", title=NAME, unit=UNIT, decimals=1,
                                 source_line=SOURCE, focus_ags="08216"),
        charts_kreisvergleich.scatter_figure(scatter, title=NAME, x_title=NAME, y_title=UNIT, x_decimals=1, y_decimals=1,
                              source_line=SOURCE, focus_ags="08216"),
    ]
    for fig in figures:
        _assert_no_markup(fig)


def test_plain_text_is_idempotent_and_keeps_ordinary_text():
    assert charts.plain_text("Rastatt") == "Rastatt"
    assert charts.plain_text("A & B <b>") == "A &amp; B &lt;b&gt;"
    assert charts.plain_text(charts.plain_text("A & B <b>")) == "A &amp; B &lt;b&gt;"
    assert charts.plain_text(None) == ""


def test_scatter_axis_titles_fit_the_plot():
    """The vertical axis title runs along the plot's height: "Arbeitslosenquote Ausländer (%), 2020" in one line
    was cut at the top of the plot."""
    df = pd.DataFrame({"ags": ["08216", "08215"], "name": ["Rastatt", "Karlsruhe"], "x": [14.8, 12.0], "y": [8.7, 7.0]})
    fig = charts_kreisvergleich.scatter_figure(
        df, title="Ausländeranteil und Arbeitslosenquote der Ausländerinnen und Ausländer, Kreise in Baden-Württemberg",
        x_title="Ausländeranteil (%), 2020", y_title="Arbeitslosenquote Ausländer (%), 2020", x_decimals=1,
        y_decimals=1, source_line="Quelle: berechnet aus 12411-03-03-4 und 12411-01-01-4", focus_ags="08216")
    for shown in (fig, charts.screen_figure(fig)):
        margin = shown.layout.margin
        plot_height = shown.layout.height - margin.t - margin.b
        lines = shown.layout.yaxis.title.text.split("<br>")
        assert plot_height >= charts_kreisvergleich.SCATTER_PLOT_HEIGHT  # long title and source line: the figure grows
        assert len(lines) == 2
        assert max(len(line) for line in lines) * 0.54 * charts.FONT_SIZE < plot_height, (lines, plot_height)
