"""Issue 11, "Every screen tells the truth at a glance": level, age, gaps, ranks, pairing, plausibility marks and
rounded downloads, through the UI helpers (pure parts called directly) and the pages (AppTest)."""
from __future__ import annotations

import io

import pandas as pd

from monitoring import ui, ui_fields
from monitoring import ui_kreisvergleich as kv
from tests.helpers import chart_title
from tests.test_pages import plotly_specs, run_page

FILTERS = ui.Filters("08216", "Rastatt", "08", "Baden-Württemberg", ("08", "DG"), 1995, 2025)


def _read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", comment="#", encoding="utf-8-sig", dtype={"ags": str})


# --- 1. finished builder features wired in ----------------------------------------------------------------------


def test_tile_help_closes_sentences_without_a_double_period():
    meta = pd.Series({"name": "Ausländeranteil", "definition": "Anteil", "concept": "Ausländer", "level": "Kreis",
                      "decimals": 1, "unit": "%", "period_type": "Stichtag"})
    row = pd.Series({"value": 16.0, "first_value": 10.1, "first_period": "2015-12-31", "land_value": 17.0,
                     "source": "12411-01-01-4", "basis": "Fortschreibung"})
    text = ui_fields._tile_help(meta, row, "08216", FILTERS)
    assert "Seit 31.12.2015: +5,9 Pp." in text and "Pp.." not in text
    assert "(Unterschied -1,0 Pp.)." in text and text.endswith("Fortschreibung.")


def test_numbers_csv_names_the_level_and_rounds_values():
    meta = pd.Series({"id": "auslaenderanteil", "name": "Ausländeranteil", "unit": "%", "definition": "Anteil",
                      "source": "x", "decimals": 1, "period_type": "Stichtag", "kind": "share"})
    frame = pd.DataFrame({
        "ags": ["08216", "08", "DG"], "name": ["Rastatt", "Baden-Württemberg", "Deutschland"],
        "period": ["2023-12-31"] * 3, "value": [34.080082399897, -3.5999999999999996, 12.04],
        "flag": ["", "", ""], "basis": ["eigene Berechnung (Fortschreibung)", "Fortschreibung", "Fortschreibung"],
        "source": ["12411-01-01-4"] * 3, "stand": ["2024-06-30"] * 3, "attribution": ["©"] * 3,
    })
    data = ui.numbers_csv(frame, meta, FILTERS)
    text = data.decode("utf-8-sig")
    assert "34,08;" in text and "-3,6;" in text and "12,0;" in text  # own calculation: one more place
    assert "34,080082399897" not in text and "3,5999" not in text
    table = _read_csv(data)
    assert list(table.columns[:2]) == ["Region", "Ebene"]
    assert list(table["Ebene"]) == ["Kreis", "Land", "Deutschland"]


def test_profile_csv_rounds_by_the_indicator_decimals():
    profile = pd.DataFrame({
        "handlungsfeld": ["Arbeit"], "indicator": ["x"], "name": ["X"], "unit": ["%"], "concept": ["c"],
        "period": ["2023-12-31"], "value": [9.349999999], "land_value": [9.6000000001], "rank": [5], "ranked": [44],
        "percentile": [12.345678], "first_period": ["2009-12-31"], "first_value": [12.75], "change": [-3.5999999999999996],
        "decimals": [1],
    })
    text = kv.profile_csv(profile, ["Profil"]).decode("utf-8-sig")
    assert ";9,3;9,6;5;44;12;" in text and text.rstrip().endswith("12,8;-3,6")


# --- 2. the level is named visibly ------------------------------------------------------------------------------


def test_land_values_carry_a_level_badge_and_the_overview_prefers_the_district_s_figure():
    sprache = run_page("pages/sprache.py", "08216")
    labels = [m.label for m in sprache.metric]
    assert labels and all(label.endswith(("· Land BW", "· Land BW · Stand 2016")) for label in labels), labels
    titles = [chart_title(spec) for spec in plotly_specs(sprache)]  # lines joined
    assert any("kein Kreiswert: Landeswert Baden-Württemberg" in t for t in titles if "intensivem" in t), titles
    overview = run_page("pages/ueberblick.py", "08216")
    tile = next(m for m in overview.metric if m.label.startswith("Sprache"))
    # Rastatt's own published share (2021: 63,2 %) instead of Baden-Württemberg's 33,0 %
    assert tile.value == "63,2 %" and "Mehrsprachige Kinder" in tile.label and "veröffentlicht vom Kreis" in tile.label
    assert "Land BW" not in " ".join(m.label for m in overview.metric)  # every other headline is a district value


def test_level_badge_and_title():
    from monitoring import tiles

    assert tiles.level_badge("08216", "08216") == ""
    assert tiles.level_badge("08", "08216") == "Land BW" and tiles.level_badge("DG", "08216") == "Deutschland"
    assert tiles.level_title(["land", "de"], "Bayern") == "Landeswert Bayern und Bundeswert"


# --- 3. own and published district figures on their field's page -------------------------------------------------


def test_sprache_page_shows_rastatt_s_published_figure_and_no_longer_says_there_is_none():
    at = run_page("pages/sprache.py", "08216")
    assert [s.value for s in at.subheader] == [ui_fields.OWN_SECTION]
    own = next(spec for spec in plotly_specs(at) if "Mehrsprachige" in chart_title(spec))
    rastatt = next(t for t in own["data"] if t.get("name") == "Rastatt")
    hover = " ".join(str(h) for h in rastatt["customdata"])
    assert "Rastatt: 48,7 %" in hover and "Rastatt: 63,2 %" in hover
    note = " ".join(i.value for i in at.info)
    assert ui_fields.LAND_ONLY_SENTENCE not in note and "Zahlen des Kreises selbst" in note
    assert any("veröffentlicht vom Kreis" in md.value for md in at.markdown)


def test_district_without_own_figures_has_no_own_section():
    at = run_page("pages/sprache.py", "08117")  # Göppingen publishes none in the dataset
    assert ui_fields.OWN_SECTION not in [s.value for s in at.subheader]
    assert ui_fields.LAND_ONLY_SENTENCE in " ".join(i.value for i in at.info)


# --- 4. age ---------------------------------------------------------------------------------------------------


def test_old_tiles_say_stand_and_each_field_page_says_how_old_its_district_data_is():
    at = run_page("pages/arbeit.py", "08216")
    sgb2 = next(m for m in at.metric if m.label.startswith("Ausländeranteil SGB II"))
    assert sgb2.label.endswith("· Stand 2016")
    assert not next(m for m in at.metric if m.label.startswith("Arbeitslosenquote")).label.endswith("2016")
    assert "Neueste Kreisdaten: 2024" in [c.value for c in at.caption]
    assert _stale_labels() == ("", "Stand 2016")


def _stale_labels():
    from monitoring import tiles

    return tiles.stale_label(2021, 2024), tiles.stale_label(2016, 2024)


# --- 5. the tile's change across gaps and breaks ----------------------------------------------------------------


def _series(years, values, basis=None, breaks=()):
    return pd.DataFrame({"ags": "08216", "period": [f"{y}-12-31" for y in years], "year": years, "value": values,
                         "basis": basis or ["A"] * len(years), "is_break": [y in breaks for y in years],
                         "source": "x"})


def test_tile_change_says_when_years_are_missing_or_the_series_breaks():
    from monitoring import tiles

    gap = tiles.tile_figures(_series([2014, 2015, 2016, 2019, 2020, 2023], [1, 2, 3, 4, 8.7, 9.3]), "08216", "08")
    assert gap.previous_period == "2020-12-31" and gap.missing_years and not gap.series_break
    assert tiles.delta_description(gap, "Jahr") == "2023 ggü. 2020, Jahre dazwischen fehlen"
    zensus = tiles.tile_figures(_series([2011, 2022], [1.0, 2.0]), "08216", "08")  # a regular step of 11 years
    assert not zensus.missing_years
    broken = tiles.tile_figures(_series([2019, 2020, 2021], [1.0, 2.0, 3.0], basis=["A", "A", "B"]), "08216", "08")
    assert broken.series_break and "Bruch in der Reihe" in tiles.delta_description(broken, "Stichtag")
    at = run_page("pages/zusammenleben.py", "08216")
    schutz = next(m.proto for m in at.metric if m.label.startswith("Schutzsuchende"))
    assert "ggü. 31.12.2020, Jahre dazwischen fehlen · Bruch in der Reihe" in schutz.delta_description


# --- 8. plausibility marks ----------------------------------------------------------------------------------------


def test_flagged_values_are_left_out_of_the_tile_change():
    from monitoring import tiles

    figures = tiles.tile_figures(_series([2019, 2020, 2021], [10.0, 11.0, 30.0]), "08216", "08",
                                 flagged=["2021-12-31"])
    assert figures.value == 11.0 and figures.previous_value == 10.0


def test_implausible_values_are_marked_on_the_chart_and_left_out_of_the_sparkline():
    at = run_page("pages/bevoelkerung.py", "08216")
    share = next(s for s in plotly_specs(at) if chart_title(s).startswith("Ausländeranteil (%)"))
    marks = [t for t in share["data"] if t.get("name") == "auffälliger Wert (Plausibilitätsprüfung)"]
    assert len(marks) == 1 and str(marks[0]["x"][0]).startswith("1995")
    assert "Sprung von 25,9 %" in marks[0]["customdata"][0]
    overview = run_page("pages/ueberblick.py", "08216")
    spark = next(m.proto for m in overview.metric if m.label.startswith("Bevölkerung")).chart_data
    assert spark and max(spark) < 20  # 25,9 % in 1995 is flagged (jump to 8,7 % in 2000)


# --- 6. ranks follow the indicator's direction ------------------------------------------------------------------


def test_ranks_follow_the_direction_and_say_which_end_is_better(test_db):
    quote = test_db.run_query("comparison_values", indicator="arbeitslosenquote_auslaender", scope="08", category="",
                              year=2023)  # lower_better
    valued = quote[quote["value"].notna()]
    assert valued.loc[valued["value"].idxmin(), "rank"] == 1 and valued.loc[valued["value"].idxmax(), "rank"] == 44
    share = test_db.run_query("comparison_values", indicator="auslaenderanteil", scope="08", category="", year=2022)
    valued = share[share["value"].notna()]  # neutral: 1 = highest
    assert valued.loc[valued["value"].idxmax(), "rank"] == 1
    profile = test_db.run_query("profile", ags="08216", land="08", scope="08", year_from=1995, year_to=2025)
    own = profile.set_index("indicator").loc["arbeitslosenquote_auslaender"]
    assert own["rank"] == quote.loc[quote["ags"] == "08216", "rank"].iloc[0]
    text = ui.rank_text(quote, "08216", "lower_better")
    assert text.startswith("Rang ") and text.endswith(", 1 = niedrigster Wert = günstigster")
    assert ui.rank_text(share, "08216", "neutral").endswith("nach Höhe (1 = höchster Wert), ohne Wertung")
    at = run_page("pages/arbeit.py", "08216")
    title = chart_title(next(s for s in plotly_specs(at) if "Kreise in" in chart_title(s)))
    assert "niedrigster Wert = günstigster" in title.replace("<br>", " ")


# --- 7. the scatter pairs values of the same year ------------------------------------------------------------------


def test_scatter_pairs_values_of_the_same_year(test_db):
    # Ausländeranteil (INKAR to 2022) and Arbeitslosenquote der Ausländer (…, 2020, 2023): paired in 2020, not 2022/2023
    rows = test_db.run_query("scatter_values", x="auslaenderanteil", y="arbeitslosenquote_auslaender", scope="08",
                             year=2023)
    assert len(rows) == 44 and set(rows["x_year"]) == set(rows["y_year"]) == {2020}
    at = run_page("pages/kreisvergleich.py", "", url={"kreis": "08216", "ansicht": "zusammenhang", "jahr": "2023"})
    layout = plotly_specs(at)[0]["layout"]
    assert layout["xaxis"]["title"]["text"].endswith(", 2020") and layout["yaxis"]["title"]["text"].endswith(", 2020")
    assert "Neuestes Jahr mit Werten beider Kennzahlen: 2020" in " ".join(c.value for c in at.caption)


def test_scatter_warns_when_the_years_differ():
    frame = pd.DataFrame({"x_year": [2022, 2022], "y_year": [2016, 2016]})
    kind, text = kv.scatter_years_note(frame, 2023)
    assert kind == "warning" and "waagerecht 2022, senkrecht 2016" in text
    assert kv.scatter_years_note(frame.assign(y_year=2022), 2022) == ("", "")


# --- 9. small things --------------------------------------------------------------------------------------------


def test_methods_page_legend_symbols_are_not_bullets_and_the_catalogue_is_grouped_without_a_scroll_box():
    at = run_page("pages/daten_methodik.py", "08216")
    legend = next(t.value for t in at.table if "Zeichen" in t.value.columns)
    assert "`-`" in list(legend["Zeichen"]) and "`*`" in list(legend["Zeichen"])
    assert {"Sprache", "Arbeit", "Bevölkerung"} <= {s.value for s in at.subheader}
    catalogue = [t.value for t in at.table if "Kennzahl" in t.value.columns]
    assert len(catalogue) >= 5 and all("Handlungsfeld" not in t.columns for t in catalogue)
    # no scroll box for the catalogue (the coverage matrix, names and years, is a dataframe)
    assert not [df for df in at.dataframe if "Definition" in df.value.columns]


def test_comparison_year_is_a_select_with_every_year():
    at = run_page("pages/kreisvergleich.py", "08216")
    year = at.selectbox(key="kv_jahr")
    assert len(year.options) > 5 and year.value == max(int(o) for o in year.options)
    assert not at.get("select_slider")


def _yearly(years, values, ags="08216"):
    return pd.DataFrame({"ags": ags, "period": [f"{y}-12-31" for y in years], "year": years, "value": values})


def test_a_sparkline_is_the_newest_unbroken_run_and_never_bridges_a_gap():
    from monitoring import tiles

    frame = _yearly([2013, 2014, 2015, 2016, 2019, 2020, 2021], [1.0, 2, 3, 4, 5, 6, 7])
    assert tiles.sparkline_values(frame, "08216") == (5.0, 6.0, 7.0)
    assert tiles.sparkline_values(frame, "08216", flagged={"2020-12-31"}) == ()  # 2021 alone after the flag
    assert tiles.sparkline_values(_yearly([2016, 2023], [1.0, 2]), "08216") == ()  # two points far apart
    assert tiles.sparkline_values(_yearly([2020, 2021, 2022], [1.0, None, 3]), "08216") == ()  # a special value
