"""Every page through streamlit.testing.v1.AppTest, for several districts, checking chart content in the Plotly spec."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from monitoring.catalog import load_fields
from tests.conftest import PROJECT_DIR
from tests.helpers import chart_title

FIELD_PAGES = [f"pages/{field['slug']}.py" for field in load_fields().values()]
ALL_PAGES = ["pages/ueberblick.py", *FIELD_PAGES, "pages/kreisvergleich.py", "pages/daten_methodik.py"]
# Rastatt, Rhein-Neckar-Kreis, Göppingen, and Göttingen (formed 2016: long gaps before) and Stuttgart (Stadtkreis).
DISTRICTS = ["08216", "08226", "08117", "03159", "08111"]


def run_page(page: str, kreis: str, vergleich: list[str] | None = None, url: dict | None = None) -> AppTest:
    """Open the dashboard as a shared link does (filters in the query string), then go to the page.

    AppTest shows the sidebar's widgets only on the first run of an st.navigation app, so the filters are set
    through the URL here; choosing them with the mouse is covered by the browser tests.
    """
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60)
    params = url if url is not None else {"kreis": kreis, **({"vergleich": ",".join(vergleich)} if vergleich else {})}
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/ueberblick.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("kreis", DISTRICTS)
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_runs_for_several_districts(page, kreis):
    at = run_page(page, kreis)
    assert at.title and at.title[0].value  # every page says what it is
    assert not at.error


@pytest.mark.parametrize("page, shown", [
    ("pages/sprache.py", "Baden-Württemberg"),  # Land-level data only: the Land is the main line
    ("pages/bildung.py", "Rastatt"), ("pages/arbeit.py", "Rastatt"), ("pages/zusammenleben.py", "Rastatt"),
    ("pages/bevoelkerung.py", "Rastatt"),
])
def test_field_page_charts_carry_district_benchmarks_separators_and_source(page, shown):
    at = run_page(page, "08216")
    specs = plotly_specs(at)
    assert specs, "a Handlungsfeld with data shows charts"
    for spec in specs:
        layout = spec["layout"]
        assert layout["separators"] == ",."
        texts = " ".join(a.get("text", "") for a in layout.get("annotations", []))
        assert "Quelle:" in texts
    trend_names = " ".join(str(trace.get("name")) for spec in specs for trace in spec["data"])
    assert shown in trend_names
    # each chart's title is written above it, in the charts' order (the figure on screen draws none)
    written = [h.value for h in at.html if 'class="im-chart-title"' in h.value]
    assert written == [f'<p class="im-chart-title">{chart_title(spec)}</p>' for spec in specs]


def test_trend_chart_has_a_trace_per_region():
    at = run_page("pages/bevoelkerung.py", "08226", vergleich=["land", "de", "08222"])
    assert at.session_state["filters"].kreis == "08226"
    trend = plotly_specs(at)[0]
    names = [trace["name"] for trace in trend["data"] if trace.get("type") == "scatter" and trace.get("name")]
    for expected in ("Rhein-Neckar-Kreis", "Baden-Württemberg", "Deutschland", "Mannheim"):
        assert any(expected in name for name in names), (expected, names)


def test_every_chart_has_its_numbers_and_a_csv_download_behind_one_button():
    at = run_page("pages/arbeit.py", "08216")
    charts = plotly_specs(at)
    buttons = [b for b in at.get("popover") if b.proto.popover.label == "Zahlen und CSV"]
    assert len(buttons) == len(charts) >= 4
    assert len(at.dataframe) == 0 and len(at.get("download_button")) == 0  # made only when opened
    for key in at.session_state._state.filtered_state:
        if key.endswith("_numbers"):
            at.session_state[key] = True
    at.run()
    assert len(at.dataframe) == len(charts) == len(at.get("download_button")) // 2  # CSV and XLSX per chart
    trend = at.dataframe[0].value
    assert {"Region", "Stichtag", "Wert", "Zeichen", "Bedeutung"} <= set(trend.columns)
    assert {"Rastatt", "Baden-Württemberg", "Deutschland"} <= set(trend["Region"])
    assert trend["Stichtag"].str.match(r"^\d{2}\.\d{2}\.\d{4}$|^\d{4}").all()  # German dates
    values = trend.loc[trend["Wert"] != "", "Wert"]
    assert values.str.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?").all() and values.str.contains(",").any()  # 1.234,5
    assert (trend.loc[trend["Wert"] == "", "Zeichen"] != "").all()  # a gap is empty and says why
    # the ranking's table (the field's goal charts follow the ranking, each with its numbers too)
    ranking = next(d.value for d in at.dataframe if "Rang" in d.value.columns)
    assert len(ranking) == 44  # every district of Baden-Württemberg
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["CSV herunterladen", "XLSX herunterladen"] * len(charts)


def test_ranking_reference_line_is_the_land_at_the_ranking_s_own_stichtag():
    """2011 has two Stichtage for the Ausländeranteil (Zensus day 9.5. and 31.12.): the Land's line must be the
    one of the day the districts are ranked at (31.12.2011: 11,0 %, not the Zensus 10,8 %)."""
    at = run_page("pages/bevoelkerung.py", "", url={"kreis": "08216", "zeitraum": "1995-2011"})
    ranking = next(s for s in plotly_specs(at)
                   if "Kreise in Baden-Württemberg" in chart_title(s))
    assert "31.12.2011" in chart_title(ranking)
    line = next(shape for shape in ranking["layout"]["shapes"] if shape.get("name") == "reference")
    assert line["x0"] == pytest.approx(11.0)


def test_district_change_changes_the_charts():
    first = plotly_specs(run_page("pages/arbeit.py", "08216"))[0]
    second = plotly_specs(run_page("pages/arbeit.py", "08111"))[0]
    assert json.dumps(first["data"]) != json.dumps(second["data"])
    assert "Stuttgart" in json.dumps(second["data"], ensure_ascii=False)


def test_fields_without_district_data_say_so_and_name_own_figures():
    at = run_page("pages/gesundheit.py", "08216")
    assert any("keine amtliche Statistik" in info.value for info in at.info)
    assert any("Sprachmittlung" in md.value for md in at.markdown)


def test_wohnen_shows_the_first_official_district_figures_homeless_people_in_accommodation():
    """22971-0080, Stichtag 31.01.2024, Rastatt: 2.120 untergebrachte Wohnungslose, davon 1.950 Ausländer (raw file:
    grep ';08216;' 22971-0080_2024-01-31_00.csv, the three "Insgesamt | Insgesamt" columns)."""
    at = run_page("pages/wohnen.py", "08216")
    values = {m.label.split(" ·")[0]: m.value for m in at.metric}
    assert values["Untergebrachte Wohnungslose"] == "2.120"
    assert values["Untergebrachte Wohnungslose (Ausländer)"] == "1.950"
    assert values["Ausländeranteil Wohnungslose"] == "92,0 %"
    assert any("22971-0080" in info.value for info in at.info)


def test_unknown_values_in_url_fall_back_with_visible_note():
    at = run_page("pages/ueberblick.py", "99999", url={"kreis": "99999", "vergleich": "land,xx", "zeitraum": "1800-3000"})
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "Unbekannte Angabe im Link" in warning and "99999" in warning and "xx" in warning and "1800-3000" in warning
    assert at.sidebar.selectbox(key="kreis").value == "08216"  # the installation's default
    assert at.sidebar.multiselect(key="vergleich").value == ["land"]


def test_shared_link_reproduces_district_benchmarks_and_period():
    at = run_page("pages/ueberblick.py", "", url={"kreis": "08117", "vergleich": "land,08226", "zeitraum": "2005-2015"})
    assert not at.sidebar.warning
    assert at.sidebar.selectbox(key="kreis").value == "08117"
    assert at.sidebar.multiselect(key="vergleich").value == ["land", "08226"]
    assert at.sidebar.slider(key="zeitraum").value == (2005, 2015)
    assert at.title[0].value == "Integrationsmonitor Göppingen"


def test_url_is_completed_for_copying():
    at = run_page("pages/arbeit.py", "08226")
    assert dict(at.query_params) == {"kreis": "08226", "vergleich": "land,de", "zeitraum": "1995-2025"}


def test_overview_has_a_tile_per_handlungsfeld_with_a_trend_and_a_direction():
    at = run_page("pages/ueberblick.py", "08216")
    labels = [m.label for m in at.metric]
    for field in load_fields():
        assert any(label.startswith(field) for label in labels), (field, labels)
    arbeit = next(m.proto for m in at.metric if m.label.startswith("Arbeit"))
    # no small trend line: its newest value (2023) follows a gap (2021, 2022 missing), and a sparkline cannot show one
    assert not arbeit.chart_data
    red, grey = 0, 2  # MetricProto.MetricColor
    # the foreigners' unemployment rate rose (9,3 % in 2023 after 8,7 % in 2020) and lower is better: red;
    # the foreigner share is neutral
    assert arbeit.delta == "+0,6 Pp." and arbeit.color == red
    bevoelkerung = next(m.proto for m in at.metric if m.label.startswith("Bevölkerung"))
    assert bevoelkerung.delta == "+1,4 Pp." and bevoelkerung.color == grey


def test_field_page_tiles_show_change_and_land_value_without_second_chart_library():
    at = run_page("pages/arbeit.py", "08216")
    quote = next(m.proto for m in at.metric if m.label.startswith("Arbeitslosenquote"))
    # 13211-02-05-4_2023.csv: Rastatt 9,3 %, Baden-Württemberg 9,6 %; 2020: 8,7 %
    assert quote.body == "9,3 %" and quote.delta == "+0,6 Pp." and "Land 9,6 %" in quote.delta_description
    assert not quote.chart_data


def test_methods_page_shows_catalogue_coverage_and_sources():
    at = run_page("pages/daten_methodik.py", "08216")
    headers = [h.value for h in at.header]
    assert {"Indikatorkatalog", "Quellen und Datenstand", "Zeichenerklärung"} <= set(headers)
    assert len(at.dataframe) >= 2  # coverage and sources; the catalogue is one full-height table per Handlungsfeld
    assert len(at.table) >= 6


def test_comparison_page_opens_on_the_map_with_the_land_s_districts():
    at = run_page("pages/kreisvergleich.py", "08216")
    specs = plotly_specs(at)
    assert [spec["data"][0]["type"] for spec in specs] == ["choropleth"]  # only the open tab is computed
    map_spec = specs[0]
    assert map_spec["layout"]["geo"]["visible"] is False  # no base map: works offline
    assert all(isinstance(t["geojson"], str) and t["geojson"].startswith("app/static/") for t in map_spec["data"])
    assert sum(len(t["locations"]) for t in map_spec["data"] if t["showlegend"] and not t["name"].startswith("▶")) == 44
    assert at.query_params["ansicht"] == "karte"
    # the legend is written beside the map, one entry per class and the district (not drawn inside the figure)
    assert map_spec["layout"]["showlegend"] is False
    legend = next(m.value for m in at.markdown if 'class="im-map-legend"' in m.value)
    assert legend.count("<li>") == sum(1 for t in map_spec["data"] if t["showlegend"]) and "▶ Rastatt" in legend


@pytest.mark.parametrize(("view", "kind"), [("rangfolge", "bar"), ("verlauf", "scatter"), ("zusammenhang", "scatter")])
def test_comparison_page_chart_tabs_from_the_url(view, kind):
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": view})
    assert [spec["data"][0]["type"] for spec in plotly_specs(at)] == [kind]
    assert at.query_params["ansicht"] == view


@pytest.mark.parametrize("view", ["gruppe", "profil"])
def test_comparison_page_table_tabs_from_the_url(view):
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": view})
    assert plotly_specs(at) == []
    assert len(at.dataframe) == 1 and at.dataframe[0].value.shape[0] >= 5


def test_similar_districts_table_is_in_german_number_format():
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": "gruppe"})
    table = at.dataframe[0].value
    assert table["Kreis"].iloc[0] == "Rastatt" and table["Abstand"].iloc[0] == "0,00"
    assert table["Abstand"].str.fullmatch(r"\d+,\d{2}").all()
    assert table["Einwohner"].str.fullmatch(r"\d{1,3}(\.\d{3})+").all()  # 234.981
    assert set(table["Stadtkreis / kreisfreie Stadt"]) <= {"ja", "nein"}


def test_comparison_page_unknown_tab_falls_back_to_the_map():
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": "quatsch"})
    assert [spec["data"][0]["type"] for spec in plotly_specs(at)] == ["choropleth"]
    assert at.query_params["ansicht"] == "karte"


def test_comparison_page_link_with_unknown_values_says_so_once_and_falls_back():
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "indikator": "quatsch", "jahr": "1800",
                                                       "ansicht": "x", "gebiet": "DG"})
    assert [w.value for w in at.warning] == [
        "Unbekannte Angabe im Link ignoriert: Indikator „quatsch“, Ansicht „x“, Jahr „1800“. Es gilt die Voreinstellung."]
    assert at.query_params["indikator"] == "auslaenderanteil" and at.query_params["gebiet"] == "DG"
    assert int(at.query_params["jahr"]) > 2000
    at.run()
    assert not at.warning  # a note about the link, not about what the user does next


def test_comparison_page_switching_tabs_computes_the_new_one():
    at = run_page("pages/kreisvergleich.py", "08216")
    at.session_state["kv_ansicht"] = "Rangfolge"
    at.run()
    assert [spec["data"][0]["type"] for spec in plotly_specs(at)] == ["bar"]
    assert at.query_params["ansicht"] == "rangfolge"


def test_comparison_page_germany_scope_from_the_url():
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "gebiet": "DG", "indikator": "auslaenderanteil",
                                                       "jahr": "2015"})
    map_spec = next(s for s in plotly_specs(at) if s["data"][0]["type"] == "choropleth")
    assert sum(len(t["locations"]) for t in map_spec["data"] if t["showlegend"] and not t["name"].startswith("▶")) == 400
    assert "31.12.2015" in chart_title(map_spec)


def test_similar_districts_become_benchmarks_with_one_click():
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": "gruppe"})
    at.button(key="kv_uebernehmen").click().run()
    chosen = at.session_state["vergleich"]
    assert chosen[:2] == ["land", "de"] and len(chosen) == 7 and "08216" not in chosen


def test_data_update_page_is_in_the_navigation_for_editors_only(monkeypatch):
    at = run_page("pages/daten_aktualisieren.py", "08216")
    assert at.title[0].value == "Daten aktualisieren"
    monkeypatch.setenv("INTEGRATIONSMONITOR_PUBLIC", "1")  # hosted, read-only
    public = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60)
    public.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        public.switch_page("pages/daten_aktualisieren.py")


def test_coverage_matrix_marks_values_and_gaps_with_their_symbol():
    at = run_page("pages/daten_methodik.py", "08117")
    matrix = next(df.value for df in at.dataframe if "2025" in df.value.columns)
    employees = matrix.set_index("Kennzahl").loc["Ausländische SV-Beschäftigte am Arbeitsort"]
    assert employees["2024"] == "●" and employees["2025"] == "-"  # 2025: "-" in the official table, not 0


def test_source_line_names_attribution_table_stand_and_own_calculation():
    import pandas as pd

    from monitoring import ui

    meta = pd.Series({"source": "x", "kind": "share"})
    frame = pd.DataFrame({
        "source": ["12411-03-03-4; 12411-01-01-4", "INKAR, BBSR Bonn"], "stand": ["2017-10-10", ""],
        "attribution": ["© Statistische Ämter des Bundes und der Länder, Deutschland, 2017", "© BBSR Bonn"],
        "basis": ["eigene Berechnung (Fortschreibung)", "INKAR"],
    })
    line = ui.source_line(frame, meta)
    assert line == ("Quelle: © BBSR Bonn; © Statistische Ämter des Bundes und der Länder, Deutschland, 2017, "
                    "Tabelle 12411-01-01-4, 12411-03-03-4, INKAR, BBSR Bonn, Stand 10.10.2017; eigene Berechnung")
    published = ui.source_line(frame.iloc[[1]], meta)
    assert "eigene Berechnung" not in published and "Tabelle" not in published
    assert "&lt;b&gt;" in ui.source_line(frame.assign(source="<b>eigene</b>"), meta)  # user text stays text


def test_the_numbers_popover_offers_csv_and_xlsx_written_on_demand():
    import io

    from openpyxl import load_workbook

    at = run_page("pages/bevoelkerung.py", "08216")
    key = next(k for k in at.session_state._state.filtered_state if k.startswith("trend_") and k.endswith("_numbers"))
    at.session_state[key] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    downloads = {button.proto.label: button.proto for button in at.get("download_button")}
    assert set(downloads) == {"CSV herunterladen", "XLSX herunterladen"}
    # written only when clicked (a callable as data: a deferred file, nothing uploaded yet); the file names are
    # checked in the browser test and in tests/test_xlsx_export.py
    assert all(button.deferred_file_id and not button.url for button in downloads.values())
    indicator_id = key.removeprefix("trend_").removesuffix("__numbers").removesuffix("_numbers")
    # the workbook the callable writes: the chart's rows and its context
    from monitoring import ui, xlsx_export

    meta, filters = ui.indicator(indicator_id), at.session_state["filters"]
    frame = ui.query("series", indicator=indicator_id, regions=filters.regions, category="",
                     year_from=filters.year_from, year_to=filters.year_to)
    book = load_workbook(io.BytesIO(xlsx_export.numbers_xlsx(frame, meta, ui._selection(filters))))
    assert book.sheetnames == ["Daten", "Kontext"] and book["Daten"].max_row == len(frame) + 1
    context = {row[0].value: row[1].value for row in book["Kontext"].iter_rows()}
    assert context["Kreis"] == "Rastatt (08216)" and context["Kennzahl"].startswith(meta["name"])


def test_coverage_matrix_reads_in_the_order_of_the_fields_with_full_names():
    from monitoring import ui

    at = run_page("pages/daten_methodik.py", "08216")
    element = next(df for df in at.dataframe if list(df.value.columns[:2]) == ["Handlungsfeld", "Kennzahl"])
    matrix = element.value
    field_order = list(ui.fields())
    shown = [field_order.index(f) for f in matrix["Handlungsfeld"] if f in field_order]
    assert shown == sorted(shown) and len(set(shown)) >= 5
    assert "Arbeitslosenquote der Ausländerinnen und Ausländer" in set(matrix["Kennzahl"])
    # field and name stay at the left while the years scroll; the name is wide enough to read
    columns = json.loads(element.proto.columns)
    assert columns["Kennzahl"]["pinned"] is True and columns["Kennzahl"]["width"] >= 400
    assert columns["Handlungsfeld"]["pinned"] is True


def test_coverage_rows_put_unknown_indicators_last_under_their_id():
    import pandas as pd

    from monitoring import ui

    catalogue = pd.DataFrame({"handlungsfeld": ["Arbeit", "Sprache"], "name": ["Arbeitslose", "Kurse"]},
                             index=["arbeitslose", "kurse"])
    rows = ui.coverage_rows(["arbeitslose", "eigen_x", "kurse"], catalogue, ["Sprache", "Arbeit"])
    ordered = sorted(rows)
    assert [(field, name) for _, field, name in ordered] == [("Sprache", "Kurse"), ("Arbeit", "Arbeitslose"),
                                                             ("ohne Handlungsfeld", "eigen_x")]


def test_every_multiselect_has_a_german_placeholder():
    """Streamlit's own placeholder, shown when nothing is chosen, is the English "Choose an option"."""
    overview = run_page("pages/ueberblick.py", "08216")  # the sidebar's widgets (first run)
    group = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": "gruppe"})
    report = run_page("pages/bericht.py", "08216")
    placeholders = {m.key: m.proto.placeholder for at in (overview, group, report) for m in at.multiselect}
    assert placeholders == {"vergleich": "kein Vergleich", "kv_merkmale": "Merkmale wählen",
                            "bericht_felder": "Handlungsfelder wählen"}


def test_naturalisations_by_continent_are_shares_of_each_region():
    """Rastatt's few hundred naturalisations beside Baden-Württemberg's and Germany's tens of thousands: each region's
    continents as shares of its own total (charts.use_shares), not counts on one axis."""
    specs = plotly_specs(run_page("pages/zusammenleben.py", "08216"))
    chart = next(s for s in specs if chart_title(s).startswith("Einbürgerungen nach Kontinent"))
    assert chart_title(chart).startswith("Einbürgerungen nach Kontinent (Anteil je Region in %)")
    bars = [trace for trace in chart["data"] if trace["type"] == "bar"]
    assert [trace["name"] for trace in bars] == ["Rastatt", "Baden-Württemberg", "Deutschland"]
    for trace in bars:  # the value labels ("3,8"): one region's shares add up to 100
        assert sum(float(t.replace(",", ".")) for t in trace["text"] if t) == pytest.approx(100, abs=0.5)
