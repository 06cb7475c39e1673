"""Figure builders: house style, gaps that stay gaps, series breaks, focus styling, ranking order, map classes."""
import json

import numpy as np
import pandas as pd
import pytest

from monitoring import charts, charts_kreisvergleich, charts_series

SOURCE = "© Statistische Ämter des Bundes und der Länder, Deutschland, 2024; Tabelle 12411-01-01-4"
ZENSUS_2011 = "Fortschreibung (Basis Zensus 2011)"
ZENSUS_2022 = "Fortschreibung (Basis Zensus 2022)"


def _series() -> pd.DataFrame:
    rows = []
    for ags, name, base in [("08216", "Rastatt", 10.0), ("08", "Baden-Württemberg", 12.0), ("DG", "Deutschland", 11.0),
                            ("08215", "Karlsruhe (Landkreis)", 9.0)]:
        for year in range(2019, 2024):
            basis = ZENSUS_2011 if year < 2022 else ZENSUS_2022
            rows.append({"ags": ags, "name": name, "period": f"{year}-12-31", "value": base + 0.5 * (year - 2019),
                         "flag": "", "basis": basis, "is_break": year == 2022})
    df = pd.DataFrame(rows)
    gap = (df["ags"] == "08216") & (df["period"] == "2020-12-31")
    df.loc[gap, ["value", "flag"]] = [np.nan, "/"]
    return df


def _time_series(df=None, **options):
    kwargs = {"title": "Ausländeranteil", "unit": "%", "decimals": 1, "source_line": SOURCE, "focus_ags": "08216",
              "period_type": "Stichtag"} | options
    return charts_series.time_series_figure(_series() if df is None else df, **kwargs)


def _main_traces(fig):
    return [t for t in fig.data if t.mode == "lines+markers"]


# --- house style ---------------------------------------------------------------------------------------------------


def _all_figures():
    ranking = pd.DataFrame({"ags": ["08216", "08215"], "name": ["Rastatt", "Karlsruhe"], "value": [3.0, 4.0],
                            "flag": ["", ""]})
    breakdown = pd.DataFrame({"name": ["Rastatt"], "category": ["Gymnasium"], "value": [3.0], "flag": [""]})
    return [
        _time_series(),
        charts.breakdown_figure(breakdown, title="Schüler", unit="%", decimals=1, source_line=SOURCE,
                                focus_name="Rastatt"),
        charts.ranking_figure(ranking, title="Ausländeranteil", unit="%", decimals=1, source_line=SOURCE,
                              focus_ags="08216"),
    ]


@pytest.mark.parametrize("fig", _all_figures(), ids=["time_series", "breakdown", "ranking"])
def test_house_style(fig):
    layout = fig.layout
    assert layout.separators == ",."
    assert layout.meta["source"] == SOURCE
    source = [a for a in layout.annotations if a.name == "source"]
    assert len(source) == 1
    assert source[0].text.replace("<br>", " ") == SOURCE
    assert (source[0].xref, source[0].yref, source[0].xanchor) == ("paper", "paper", "left")
    assert source[0].y < 0
    assert layout.title.font.size >= 18
    assert "(in %)" in layout.title.text
    assert layout.xaxis.tickfont.size >= 14 and layout.yaxis.tickfont.size >= 14
    assert layout.font.family.startswith("system-ui")
    assert layout.paper_bgcolor == "white" and layout.plot_bgcolor == "white"
    assert layout.showlegend is True
    assert layout.margin.b > 16 * 1 + 30 and layout.margin.t > 26
    json.loads(fig.to_json())  # serialisable as Streamlit sends it


def test_house_style_wraps_a_long_source_line_and_applies_once():
    fig = _time_series(source_line="Quelle " * 40)
    charts.apply_house_style(fig, title="Titel", source_line="Neue Quelle", unit="Personen")
    source = [a for a in fig.layout.annotations if a.name == "source"]
    assert [a.text for a in source] == ["Neue Quelle"]
    assert fig.layout.title.text == "Titel (Personen)"
    long = _time_series(source_line="Quelle " * 40)
    assert "<br>" in [a for a in long.layout.annotations if a.name == "source"][0].text


def test_plotly_logo_is_off_in_the_config():
    assert charts.PLOTLY_CONFIG["displaylogo"] is False


# --- time series ---------------------------------------------------------------------------------------------------


def test_one_trace_per_region_in_order_of_first_appearance():
    traces = _main_traces(_time_series())
    assert [t.name for t in traces] == ["Rastatt", "Baden-Württemberg", "Deutschland", "Karlsruhe (Landkreis)"]
    assert all(t.connectgaps is False for t in traces)


def test_focus_is_thick_solid_with_circles_land_dashed_germany_dotted():
    focus, land, germany, other = _main_traces(_time_series())
    assert focus.line.width > max(land.line.width, germany.line.width, other.line.width)
    assert (focus.line.dash, focus.marker.symbol) == ("solid", "circle")
    assert land.line.dash == "dash"
    assert germany.line.dash == "dot"
    assert other.marker.symbol not in {"circle", "square", "diamond"}
    assert focus.line.color == charts.FOCUS_COLOR
    assert len({focus.line.color, land.line.color, germany.line.color, other.line.color}) == 4


def test_missing_value_is_a_gap_not_zero_and_its_hover_names_the_flag():
    focus = _main_traces(_time_series())[0]
    assert np.isnan(focus.y[1])
    assert all(v != 0 for v in focus.y[~np.isnan(focus.y)])
    assert "keine Angabe: Zahlenwert nicht sicher genug" in focus.customdata[1]
    gap = [t for t in _time_series().data if t.yaxis == "y2" and t.showlegend is False]
    assert len(gap) == 1
    assert [pd.Timestamp(x) for x in gap[0].x] == [pd.Timestamp("2020-12-31")]
    assert "Zahlenwert nicht sicher genug" in gap[0].customdata[0]
    assert gap[0].marker.symbol.endswith("-open")


def test_gap_strip_lies_below_the_value_axis():
    layout = _time_series().layout
    assert layout.yaxis2.domain[1] < layout.yaxis.domain[0]
    assert list(layout.yaxis2.ticktext) == ["k. A."]


def test_no_gap_strip_without_gaps():
    df = _series().dropna(subset=["value"])
    fig = _time_series(df)
    assert not [t for t in fig.data if t.yaxis == "y2"]


def test_break_is_one_dotted_line_per_date_with_the_basis():
    fig = _time_series()
    shapes = [s for s in fig.layout.shapes if s.name == "break"]
    assert len(shapes) == 1  # four regions break on the same day with the same basis
    assert shapes[0].x0 == shapes[0].x1 == "2022-12-31"
    assert shapes[0].line.dash == "dot"
    labels = [(a.text, a.hovertext) for a in fig.layout.annotations if a.name == "break"]
    assert labels == [("Bruch", f"Neue Basis ab hier: {ZENSUS_2022}")]
    focus = _main_traces(fig)[0]
    assert ZENSUS_2022 in focus.customdata[3]
    assert "Bruch" not in focus.customdata[2]


def test_breaks_on_different_dates_are_separate_lines():
    df = _series()
    df.loc[(df["ags"] == "08") & (df["period"] == "2021-12-31"), "is_break"] = True
    xs = sorted(s.x0 for s in _time_series(df).layout.shapes if s.name == "break")
    assert xs == ["2021-12-31", "2022-12-31"]


def test_hover_is_german_text_and_unified():
    fig = _time_series()
    focus = _main_traces(fig)[0]
    assert focus.customdata[0] == "Rastatt: 10,0 %"
    assert "%{customdata}" in focus.hovertemplate
    assert fig.layout.hovermode == "x unified"
    assert fig.layout.xaxis.unifiedhovertitle.text == "%{x|%d.%m.%Y}"


def test_ticks_show_years_at_the_stichtag():
    axis = _time_series().layout.xaxis
    assert list(axis.ticktext) == ["2019", "2020", "2021", "2022", "2023"]
    assert list(axis.tickvals)[0] == "2019-12-31"


def test_schuljahr_ticks_and_hover():
    df = _series()[lambda d: d["period"] == "2019-12-31"]
    fig = _time_series(df, period_type="Schuljahr")
    assert list(fig.layout.xaxis.ticktext) == ["2019/20"]
    assert _main_traces(fig)[0].customdata[0] == "Rastatt (2019/20): 10,0 %"


def test_single_point_per_series_is_drawn_as_markers():
    df = pd.DataFrame({"ags": ["08216", "08"], "name": ["Rastatt", "Baden-Württemberg"],
                       "period": pd.to_datetime(["2011-05-09", "2011-05-09"]), "value": [18.2, 26.0],
                       "flag": ["", ""], "basis": ["Zensus 2011", "Zensus 2011"], "is_break": [False, False]})
    fig = _time_series(df)
    assert all("markers" in t.mode and t.marker.size >= 6 for t in _main_traces(fig))
    assert list(fig.layout.xaxis.ticktext) == ["2011"]
    start, end = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert start < pd.Timestamp("2011-05-09") < end


def test_value_with_quality_mark_names_it_in_the_hover():
    df = _series()
    df.loc[0, "flag"] = "p"
    assert _main_traces(_time_series(df))[0].customdata[0] == "Rastatt: 10,0 % (vorläufig)"


# --- breakdown -----------------------------------------------------------------------------------------------------


def _breakdown():
    rows = []
    for region, base in [("Rastatt", 10.0), ("Baden-Württemberg", 12.0), ("Karlsruhe (Landkreis)", 8.0)]:
        for i, category in enumerate(["Grundschule", "Realschule", "Gymnasium"]):
            rows.append({"name": region, "category": category, "value": base + i, "flag": ""})
    df = pd.DataFrame(rows)
    df.loc[(df["name"] == "Karlsruhe (Landkreis)") & (df["category"] == "Gymnasium"), ["value", "flag"]] = [np.nan, "."]
    return charts.breakdown_figure(df, title="Ausländische Schüler nach Schulart", unit="%", decimals=1,
                                   source_line=SOURCE, focus_name="Rastatt")


def test_breakdown_bars_are_horizontal_grouped_by_category():
    fig = _breakdown()
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == ["Rastatt", "Baden-Württemberg", "Karlsruhe (Landkreis)"]
    assert all(b.orientation == "h" for b in bars)
    assert list(bars[0].y) == ["Grundschule", "Realschule", "Gymnasium"]
    assert fig.layout.barmode == "group"
    assert list(fig.layout.yaxis.categoryarray) == ["Grundschule", "Realschule", "Gymnasium"]
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # first category on top


def test_breakdown_focus_is_plain_others_are_patterned_in_other_colours():
    focus, land, other = [t for t in _breakdown().data if t.type == "bar"]
    assert focus.marker.color == charts.FOCUS_COLOR and not focus.marker.pattern.shape
    assert land.marker.pattern.shape and other.marker.pattern.shape
    assert land.marker.pattern.shape != other.marker.pattern.shape
    assert len({focus.marker.color, land.marker.color, other.marker.color}) == 3
    assert focus.text[0] == "10,0"


def test_breakdown_gap_is_a_label_not_a_bar():
    fig = _breakdown()
    other = [t for t in fig.data if t.type == "bar"][2]
    assert np.isnan(other.x[2])
    labels = [t for t in fig.data if t.type == "scatter" and t.mode == "text"]
    assert len(labels) == 1
    assert list(labels[0].y) == ["Gymnasium"]
    assert list(labels[0].x) == [0]
    assert labels[0].text[0] == "keine Angabe: Zahlenwert unbekannt oder geheim zu halten"
    assert labels[0].offsetgroup == "Karlsruhe (Landkreis)"


# --- ranking -------------------------------------------------------------------------------------------------------


def _districts(count=44):
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"ags": [f"08{i:03d}" for i in range(count)], "name": [f"Kreis {i}" for i in range(count)],
                       "value": rng.uniform(5, 25, count).round(1), "flag": [""] * count})
    df.loc[5, ["value", "flag"]] = [np.nan, "/"]
    return df


def _ranking(df=None, **options):
    kwargs = {"title": "Ausländeranteil", "unit": "%", "decimals": 1, "source_line": SOURCE, "focus_ags": "08010",
              "highlight_ags": ("08011", "08012"), "reference_value": 15.3,
              "reference_label": "Baden-Württemberg"} | options
    return charts.ranking_figure(_districts() if df is None else df, **kwargs)


def test_ranking_is_sorted_descending_with_gaps_at_the_bottom():
    df = _districts()
    fig = _ranking(df)
    order = list(fig.layout.yaxis.categoryarray)
    expected = list(df.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable")["ags"]) + ["08005"]
    assert order == expected
    low, high = fig.layout.yaxis.range
    assert low > high  # reversed: the first category (largest value) on top


def test_ranking_focus_and_highlight_styles():
    fig = _ranking()
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    assert set(bars) == {"Kreis 10", "Vergleichskreise", "weitere Kreise"}
    assert bars["Kreis 10"].marker.color == charts.FOCUS_COLOR
    assert bars["Vergleichskreise"].marker.color == charts.HIGHLIGHT_COLOR
    assert bars["Vergleichskreise"].marker.pattern.shape == "/"
    assert bars["weitere Kreise"].marker.color == charts.OTHER_BAR_COLOR
    assert sorted(bars["Vergleichskreise"].y) == ["08011", "08012"]
    labels = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext))
    assert labels["08010"] == "<b>▶ Kreis 10</b>"
    assert labels["08011"] == "Kreis 11"


def test_ranking_reference_line_with_label():
    fig = _ranking()
    lines = [s for s in fig.layout.shapes if s.name == "reference"]
    assert len(lines) == 1
    assert lines[0].x0 == lines[0].x1 == 15.3
    assert (lines[0].yref, lines[0].y0, lines[0].y1) == ("paper", 0, 1)
    labels = [a.text for a in fig.layout.annotations if a.name == "reference"]
    assert labels == ["Baden-Württemberg: 15,3 %"]
    assert "Baden-Württemberg: 15,3 %" in [t.name for t in fig.data]


def test_ranking_labels_never_cross_the_reference_line():
    """A bar ending just short of the Land line has its label inside the bar; all others outside."""
    df = pd.DataFrame({"ags": ["08001", "08002", "08003", "08004", "08005"], "name": list("ABCDE"),
                       "value": [25.0, 15.9, 15.0, 14.8, 3.0], "flag": [""] * 5})
    fig = _ranking(df, focus_ags="08003", highlight_ags=(), reference_value=15.3)
    where = {ags: pos for t in fig.data if t.type == "bar" for ags, pos in zip(t.y, t.textposition)}
    assert where == {"08001": "outside", "08002": "outside", "08003": "inside", "08004": "inside", "08005": "outside"}
    focus = next(t for t in fig.data if t.type == "bar" and "08003" in t.y)
    assert focus.insidetextfont.color == "white" and focus.insidetextanchor == "end"


def test_ranking_label_stays_outside_a_bar_too_short_to_hold_it():
    assert charts.label_positions([0.4], ["0,4"], 0.5, [0, 30]) == ["outside"]
    assert charts.label_positions([14.0], ["14,0"], None, [0, 30]) == ["outside"]


def test_ranking_without_reference_has_no_line():
    assert not [s for s in _ranking(reference_value=None).layout.shapes if s.name == "reference"]


def test_ranking_gap_is_listed_with_keine_angabe():
    labels = [t for t in _ranking().data if t.type == "scatter" and t.mode == "text"]
    assert list(labels[0].y) == ["08005"]
    assert labels[0].text[0] == "keine Angabe: Zahlenwert nicht sicher genug"
    assert labels[0].customdata[0] == "Kreis 5: keine Angabe: Zahlenwert nicht sicher genug"


def test_bar_charts_reserve_room_for_their_labels_without_automargin():
    """automargin would lay the chart out twice in the browser; the margin is computed from the labels instead."""
    df = _districts(12)
    df.loc[3, "name"] = "Sächsische Schweiz-Osterzgebirge"
    ranking = _ranking(df, focus_ags="08003")
    breakdown = charts.breakdown_figure(
        pd.DataFrame({"name": ["Rastatt"] * 2, "category": ["anerkannter Berufsabschluss", "ohne"],
                      "value": [45.3, 26.5], "flag": ["", ""]}),
        title="Qualifikation", unit="%", decimals=1, source_line=SOURCE, focus_name="Rastatt")
    # a breakdown's category label is written in lines of at most CATEGORY_WRAP letters: its longest line counts
    assert list(breakdown.layout.yaxis.ticktext) == ["anerkannter<br>Berufsabschluss", "ohne"]
    for fig, longest in ((ranking, "▶ Sächsische Schweiz-Osterzgebirge"), (breakdown, "Berufsabschluss")):
        assert fig.layout.yaxis.automargin is False and fig.layout.xaxis.automargin is False
        # system font at FONT_SIZE: about 0.54 × FONT_SIZE px per letter
        assert fig.layout.margin.l >= 0.54 * charts.FONT_SIZE * len(longest)
    assert breakdown.layout.margin.l < 0.6 * charts.FONT_SIZE * len("anerkannter Berufsabschluss")
    assert _ranking(_districts(5)).layout.margin.l < ranking.layout.margin.l
    source = next(a for a in ranking.layout.annotations if a.name == "source")
    assert source.xshift == charts.SOURCE_LEFT_PX - ranking.layout.margin.l  # starts under the labels, not cut


def test_ranking_height_grows_with_rows():
    assert _ranking().layout.height >= 44 * charts.ROW_HEIGHT
    assert _ranking(_districts(10)).layout.height < _ranking().layout.height


def test_ranking_hover_gives_value_and_rank():
    fig = _ranking()
    focus = [t for t in fig.data if t.name == "Kreis 10"][0]
    assert focus.customdata[0].startswith("Kreis 10: ")
    assert " %<br>Rang " in focus.customdata[0] and "von 43" in focus.customdata[0]


# --- choropleth ----------------------------------------------------------------------------------------------------


def test_choropleth_classes_missing_focus_and_borders():
    df = pd.DataFrame({"ags": [f"0800{i}" for i in range(6)] + ["09001"],
                       "name": [f"Kreis {i}" for i in range(7)],
                       "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan], "flag": [""] * 6 + ["."]})
    fig = charts_kreisvergleich.choropleth_figure(df, boundaries_url="app/static/kreise.geojson", title="Anteil", unit="%", decimals=1,
                                   source_line=SOURCE, focus_ags="08001", classes=3,
                                   outlines_url="app/static/laender.geojson")
    assert {t.type for t in fig.data} == {"choropleth"}
    assert fig.layout.geo.visible is False and fig.layout.geo.fitbounds == "locations"  # no base map
    assert all(t.featureidkey == "properties.ags" for t in fig.data)
    names = [t.name for t in fig.data]
    assert names[:3] == ["unter 2,7 %", "2,7 bis unter 4,3 %", "4,3 % und mehr"]  # terciles of 1…6
    assert sorted(fig.data[0].locations) == ["08000", "08001"]
    assert names[3] == "keine Angabe" and list(fig.data[3].locations) == ["09001"]
    assert "Zahlenwert unbekannt" in fig.data[3].customdata[0] and "Rang" not in fig.data[3].customdata[0]
    assert fig.data[0].customdata[list(fig.data[0].locations).index("08001")] == "<b>Kreis 1</b>: 2,0 %<br>Rang 5 von 6"
    # the boundaries are fetched by the browser, never embedded in the figure
    assert {t.geojson for t in fig.data[:4]} == {"app/static/kreise.geojson"}
    borders, focus = fig.data[4], fig.data[5]
    assert borders.geojson == "app/static/laender.geojson" and list(borders.locations) == ["08", "09"]
    assert borders.hoverinfo == "skip" and borders.showlegend is False
    assert focus.name.startswith("▶ Kreis 1") and list(focus.locations) == ["08001"] and focus.marker.line.width >= 3
    assert focus.hoverinfo == "skip"  # the district's own class trace answers hover and click
    assert fig.layout.meta["source"] == SOURCE
    assert fig.layout.separators == ",."
    assert len(fig.to_json()) < 10_000


def test_the_map_on_screen_has_its_legend_beside_it_and_its_plot_area_of_fixed_height():
    df = pd.DataFrame({"ags": ["08001", "08002", "08003"], "name": ["A & B", "C", "D"],
                       "value": [1.0, 5.0, np.nan], "flag": ["", "", "."]})
    fig = charts_kreisvergleich.choropleth_figure(df, boundaries_url="k.geojson", title="Anteil " * 12, unit="%",
                                                  decimals=1, source_line=SOURCE, focus_ags="08001", classes=2)
    layout = fig.layout
    assert layout.height - layout.margin.t - layout.margin.b == charts_kreisvergleich.MAP_PLOT_HEIGHT
    source = next(a for a in layout.annotations if a.name == "source")
    below = -source.y * charts_kreisvergleich.MAP_PLOT_HEIGHT  # px under the map
    assert 30 <= below and below + 16 * (source.text.count("<br>") + 1) <= layout.margin.b  # not cut off
    screen = charts_kreisvergleich.map_screen_figure(fig)
    screen_source = next(a for a in screen.layout.annotations if a.name == "source")
    assert screen.layout.margin.l + screen_source.xshift == charts.SOURCE_LEFT_PX  # from the edge, never cut
    assert screen.layout.showlegend is False and not screen.layout.title.text and fig.layout.showlegend is True
    assert screen.layout.height - screen.layout.margin.t - screen.layout.margin.b == charts_kreisvergleich.MAP_PLOT_HEIGHT
    legend = charts_kreisvergleich.map_legend_html(fig)
    entries = legend.split("<li>")[1:]
    assert [e.rsplit("</span>", 1)[1].removesuffix("</li></ul>").removesuffix("</li>") for e in entries] == [
        t.name for t in fig.data if t.showlegend is not False]
    assert "keine Angabe" in entries[-2] and charts.MISSING_COLOR in entries[-2]
    assert entries[-1].startswith('<span class="im-swatch" style="background:rgba(0,0,0,0);border:3px solid')
    assert "A &amp; B" in legend and "A & B" not in legend  # names are escaped


def test_choropleth_without_values_is_one_grey_class():
    df = pd.DataFrame({"ags": ["08001", "08002"], "name": ["A", "B"], "value": [np.nan, np.nan], "flag": [".", "."]})
    fig = charts_kreisvergleich.choropleth_figure(df, boundaries_url="k.geojson", title="Anteil", unit="%", decimals=1,
                                   source_line=SOURCE, focus_ags=None)
    assert [t.name for t in fig.data] == ["keine Angabe"]


def test_class_edges_and_labels():
    assert charts_kreisvergleich.class_edges([1, 2, 3, 4, 5, 6], classes=3, method="equal", decimals=1) == [2.7, 4.3]
    assert charts_kreisvergleich.class_edges([5, 5, 5], classes=4, decimals=0) == []
    assert charts_kreisvergleich.class_labels([10.0, 12.5], "%", 1) == ["unter 10,0 %", "10,0 bis unter 12,5 %", "12,5 % und mehr"]
    with pytest.raises(ValueError):
        charts_kreisvergleich.class_edges([1, 2], method="jenks")


def test_ranking_ties_share_a_rank_and_a_given_rank_is_kept():
    df = pd.DataFrame({"ags": ["08001", "08002", "08003"], "name": ["A", "B", "C"], "value": [5.0, 5.0, 3.0],
                       "flag": ["", "", ""]})
    fig = _ranking(df, focus_ags="08003", highlight_ags=(), reference_value=None)
    hover = [text for t in fig.data if t.type == "bar" for text in t.customdata]
    assert sorted(h.split("<br>")[1] for h in hover) == ["Rang 1 von 3", "Rang 1 von 3", "Rang 3 von 3"]
    given = df.assign(rank=[2, 2, 4], ranked=[40, 40, 40])
    focus = [t for t in _ranking(given, focus_ags="08003", reference_value=None).data if t.name == "C"][0]
    assert focus.customdata[0].endswith("Rang 4 von 40")


def test_flagged_values_get_a_mark_with_the_message_in_its_hover():
    flagged = pd.DataFrame({"ags": ["08216", "08216"], "period": ["2022-12-31", "2020-12-31"],
                            "message": ["Sprung von 11,5 % auf 12,0 % <b>", "Lücke: kein Mark"]})
    fig = _time_series(flagged=flagged)
    marks = [t for t in fig.data if t.name == charts_series.FLAG_MARK_NAME]
    assert len(marks) == 1 and len(marks[0].x) == 1  # the gap of 2020 has no point to mark
    assert marks[0].y[0] == pytest.approx(11.5) and "Sprung von 11,5 %" in marks[0].customdata[0]
    assert "&lt;b&gt;" in marks[0].customdata[0]  # the message is plain text
    assert not [t for t in _time_series().data if t.name == charts_series.FLAG_MARK_NAME]


def test_the_source_line_starts_near_the_chart_s_left_edge_so_it_fits_a_phone():
    fig = _time_series()
    source = next(a for a in fig.layout.annotations if a.name == "source")
    # the plot area starts at least HOUSE_LEFT_MARGIN in (automargin only widens it): the line starts at
    # SOURCE_LEFT_PX or right of it, never cut at the left, and leaves the plot area's indent to its letters
    assert fig.layout.margin.l + source.xshift == charts.SOURCE_LEFT_PX and source.xshift < 0


def test_a_long_title_and_source_line_grow_the_chart_instead_of_squeezing_the_plot():
    fig = _time_series(source_line="Quelle " * 60)
    charts.apply_house_style(fig, title="Ein sehr langer Titel " * 8, source_line="Quelle " * 60, unit="%",
                             height=380)
    margin = fig.layout.margin
    assert fig.layout.height - margin.t - margin.b >= charts.MIN_PLOT_HEIGHT


def test_the_screen_figure_leaves_its_title_to_the_page_and_keeps_the_plot_area():
    fig = _time_series()
    charts.apply_house_style(fig, title="Ausländeranteil an der Bevölkerung insgesamt & mehr, 1995–2022",
                             source_line="Quelle: Statistisches Landesamt", unit="%")
    screen = charts.screen_figure(fig)
    assert fig.layout.title.text.count("<br>") >= 1  # the figure (exports) keeps its title, wrapped for a phone
    assert not screen.layout.title.text
    # one line of escaped text for the page (monitoring.ui.show_chart), the figure's line breaks gone
    assert screen.layout.meta["title"] == "Ausländeranteil an der Bevölkerung insgesamt &amp; mehr, 1995–2022 (in %)"
    assert screen.layout.margin.t < fig.layout.margin.t
    plot_height = lambda f: f.layout.height - f.layout.margin.t - f.layout.margin.b  # noqa: E731
    assert plot_height(screen) == plot_height(fig)
    assert screen.layout.meta["source"] == fig.layout.meta["source"]


def test_year_ticks_are_spaced_by_time_so_labels_around_a_gap_do_not_run_together():
    years = [f"{y}-12-31" for y in (2012, 2013, 2014, 2015, 2023, 2024, 2025)]
    ticks = charts_series.spaced_ticks(years, 6)
    assert ticks[-1] == "2025-12-31"  # the newest period is always labelled
    gaps = [int(b[:4]) - int(a[:4]) for a, b in zip(ticks, ticks[1:])]
    assert min(gaps) >= (2025 - 2012) / 5  # never two neighbouring years (the phone showed "20232025")
    every_year = [f"{y}-12-31" for y in range(1995, 2026)]
    assert charts_series.spaced_ticks(every_year, 6) == [f"{y}-12-31" for y in (1995, 2001, 2007, 2013, 2019, 2025)]
    assert charts_series.spaced_ticks(every_year[:4], 6) == every_year[:4]  # few periods: all of them
    assert len(charts_series.spaced_ticks(every_year, 6)) <= 6
