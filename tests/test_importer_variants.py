"""Layout families, not single files: every header variant and time form the official services produce, written
as small fixtures of our own so that a fresh clone tests them without ../shared.

Each fixture copies the shape of a real download named in ../shared/data/raw/README.md ("Added 2026-11-30").
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from monitoring.importers import ImportRejected, declared_csv, detect_layout, read_file
from monitoring.importers.common import parse_time
from monitoring.mapping import Rule, apply_rules

# ----------------------------------------------------------------------------------------------- time forms


@pytest.mark.parametrize(
    "text, time, year, label",
    [
        ("2023", "2023", 2023, "2023"),  # year
        ("2024-12-31", "2024-12-31", 2024, "31.12.2024"),  # Stichtag, ISO
        ("31.12.2024", "2024-12-31", 2024, "31.12.2024"),  # Stichtag, German
        ("2023-10P6M", "2023-10-01", 2023, "WS 2023/24"),  # winter semester as ISO 8601 period (21311)
        ("2024-04P6M", "2024-04-01", 2024, "SS 2024"),  # summer semester
        ("WS 2023/24", "2023-10-01", 2023, "WS 2023/24"),
        ("Wintersemester 2023/2024", "2023-10-01", 2023, "WS 2023/24"),
        ("SS 2024", "2024-04-01", 2024, "SS 2024"),
        ("2023-08P1Y", "2023-08-01", 2023, "2023/24"),  # school year as period
        ("2023/24", "2023-08-01", 2023, "2023/24"),  # school year as label
        ("Schuljahr 2023/2024", "2023-08-01", 2023, "2023/24"),
        ("2023-04P3M", "2023-06-30", 2023, "2. Quartal 2023"),  # quarter: its last day
        ("2. Quartal 2023", "2023-06-30", 2023, "2. Quartal 2023"),
        ("2023-Q4", "2023-12-31", 2023, "4. Quartal 2023"),
        ("2024-02P1M", "2024-02-29", 2024, "Februar 2024"),  # month: its last day (leap year)
        ("März 2024", "2024-03-31", 2024, "März 2024"),
        ("2023-01P12M", "2023", 2023, "2023"),  # a calendar year written as a period
    ],
)
def test_every_time_form_gets_a_stichtag_and_a_label(text, time, year, label):
    parsed = parse_time(text)
    assert (parsed.time, parsed.year, parsed.label) == (time, year, label)


@pytest.mark.parametrize("text", ["31.02.2024", "2023/25", "2023-13P1M", "2023-05P6M", "Q1 2024", "", "7", "x"])
def test_times_that_are_none_of_these_are_refused(text):
    assert parse_time(text) is None


# ------------------------------------------------------------------------------------------------ table CSV

TABLE_2023 = """Tabelle: 13211-02-05-4
Arbeitslose nach ausgewählten Personengruppen sowie;;;;
Arbeitslosenquoten - Jahresdurchschnitt - (ab 2009);;;;
;;;Arbeitslose;Arbeitslose;Arbeitslosenquote bez. auf alle zivile Erwerbsp.
;;;;ausländisch;ausländisch
;;;Anzahl;Anzahl;Prozent
2023;08216;      Rastatt, Landkreis;5127;2047;9,3
2023;08117;      Göppingen, Landkreis;6365;2851;.
__________
"© Statistische Ämter des Bundes und der Länder, Deutschland, 2026."
Stand: 09.07.2026 / 11:01:42
"""
TABLE_2017 = TABLE_2023.replace("Tabelle: 13211", "GENESIS-Tabelle: 13211").replace("ausländisch", "Ausländer")


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("text", [TABLE_2023, TABLE_2017], ids=["Tabelle:", "GENESIS-Tabelle:"])
def test_both_first_lines_of_the_table_layout_are_read(tmp_path, text):
    path = write(tmp_path, "t.csv", text, encoding="iso-8859-1")
    assert detect_layout(path) == "genesis_table"
    obs = read_file(path)
    assert set(obs["table"]) == {"13211-02-05-4"} and set(obs["time"]) == {"2023"}
    assert obs[(obs.ags == "08216") & (obs.measure.str.endswith("| Ausländer") | obs.measure.str.endswith("| ausländisch"))
               ]["value"].tolist() == [2047, 9.3]
    gap = obs[(obs.ags == "08117") & obs.measure.str.startswith("Arbeitslosenquote")].iloc[0]
    assert math.isnan(gap.value) and gap.flag == "."


def test_a_renamed_label_maps_to_the_same_indicator_through_the_catalogue_synonyms(tmp_path):
    rule = Rule(indicator="arbeitslose_auslaender", table="13211-02-05-4", measure="Arbeitslose | Ausländer",
                synonyms={"ausländisch": "Ausländer"})
    new = apply_rules(read_file(write(tmp_path, "new.csv", TABLE_2023)), [rule])
    old = apply_rules(read_file(write(tmp_path, "old.csv", TABLE_2017)), [rule])
    assert new[["ags", "value"]].values.tolist() == old[["ags", "value"]].values.tolist() == [["08216", 2047], ["08117", 2851]]
    without_synonym = Rule(indicator="x", table="13211-02-05-4", measure="Arbeitslose | Ausländer")
    assert apply_rules(read_file(write(tmp_path, "new2.csv", TABLE_2023)), [without_synonym]).empty


def test_synonyms_rename_whole_labels_only(tmp_path):
    text = TABLE_2023.replace(";;;;ausländisch;ausländisch", ";;;;ausländisch Frauen;ausländisch")
    rule = Rule(indicator="x", table="13211-02-05-4", measure="Arbeitslose | Ausländer", synonyms={"ausländisch": "Ausländer"})
    assert apply_rules(read_file(write(tmp_path, "t.csv", text)), [rule]).empty  # "ausländisch Frauen" is another column


def test_the_catalogue_keeps_the_synonym_of_13211_02_05_4():
    from monitoring.catalog import load_rules

    rules = [r for r in load_rules() if r.table == "13211-02-05-4"]
    assert rules and all(r.synonyms.get("ausländisch") == "Ausländer" for r in rules)


SCHOOL_TABLE = """GENESIS-Tabelle: 21111-01-03-4
Schulen, Schülerinnen und Schüler nach Schularten;;;;
;;;;Schüler;Schüler
;;;;Insgesamt;ausländisch
;;;;Anzahl;Anzahl
2023/24;08216;Rastatt, Landkreis;Grundschulen;9000;1500
2023/24;05313;Aachen, kreisfreie Stadt (bis 20.10.2009);Grundschulen;-;-
2023/24;08117;Göppingen, Landkreis;Grundschulen;10000;2000
__________
"""


def test_school_year_rows_dissolved_districts_and_rows_sorted_by_name(tmp_path):
    obs = read_file(write(tmp_path, "s.csv", SCHOOL_TABLE))
    assert set(obs["time"]) == {"2023-08-01"} and set(obs["time_label"]) == {"2023/24"} and set(obs["year"]) == {2023}
    dissolved = obs[obs.ags == "05313"]
    assert dissolved["region_name"].iloc[0] == "Aachen, kreisfreie Stadt (bis 20.10.2009)"
    assert dissolved["value"].isna().all() and set(dissolved["flag"]) == {"-"}
    assert obs[obs.ags == "08117"]["value"].tolist() == [10000, 2000]  # order of the rows does not matter


def test_semester_in_the_column_header(tmp_path):
    text = """GENESIS-Tabelle: 21311-01-01-4
Studierende nach Kreisen;;;
;;WS 2023/24;WS 2022/23
;;Insgesamt;Insgesamt
;;Anzahl;Anzahl
08221;Heidelberg, Stadtkreis;30000;29000
__________
"""
    obs = read_file(write(tmp_path, "hs.csv", text))
    assert obs[["time", "time_label", "value"]].values.tolist() == [["2023-10-01", "WS 2023/24", 30000],
                                                                    ["2022-10-01", "WS 2022/23", 29000]]


# ------------------------------------------------------------------------------------------------- flat CSV

EN_LEGACY_HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;1_variable_code;"
    "1_variable_code;2_variable_code;2_variable_label;2_variable_code;2_variable_code;BEVSTD__Bevoelkerungsstand__Anzahl"
)


def en_legacy_row(ags, sex, value):
    label = {"": "Total", "GESM": "male", "GESW": "female"}[sex]
    return (f"12411;Population;STAG;Reference date;2022-12-31;KREISE;Districts;{ags};      Region {ags};"
            f"GES;Sex;{sex};{label};{value}")


def test_english_2024_layout_with_repeated_column_names_is_read_by_position(tmp_path):
    text = "\n".join([EN_LEGACY_HEADER, en_legacy_row("DG", "", "84358845"), en_legacy_row("08222", "GESW", "158424"),
                      en_legacy_row("08222", "GESM", "-")]) + "\n"
    obs = read_file(write(tmp_path, "12411-01-01-4_en.csv", text))
    assert set(obs["layout"]) == {"genesis_flat_2024"} and set(obs["measure"]) == {"BEVSTD"}
    assert obs["ags"].tolist() == ["DG", "08222", "08222"]
    assert obs["dims"].tolist() == ["GES=", "GES=GESW", "GES=GESM"]
    assert obs["region_name"].tolist() == ["Region DG", "Region 08222", "Region 08222"]
    assert obs["value"].iloc[1] == 158424 and math.isnan(obs["value"].iloc[2]) and obs["flag"].iloc[2] == "-"


def test_repeated_names_that_are_not_a_variable_group_are_still_refused(tmp_path):
    header = EN_LEGACY_HEADER + ";BEVSTD__Bevoelkerungsstand__Anzahl"
    row = en_legacy_row("DG", "", "1") + ";2"
    with pytest.raises(ImportRejected, match="doppelt"):
        read_file(write(tmp_path, "d.csv", f"{header}\n{row}\n"))


FLAT_HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label"
)


@pytest.mark.parametrize(
    "time_code, time, stichtag, label",
    [
        ("SEMEST", "2023-10P6M", "2023-10-01", "WS 2023/24"),
        ("SCHJHR", "2023-08P1Y", "2023-08-01", "2023/24"),
        ("QUARTG", "2024-07P3M", "2024-09-30", "3. Quartal 2024"),
        ("MONAT", "2024-01P1M", "2024-01-31", "Januar 2024"),
        ("JAHR", "2022", "2022", "2022"),
    ],
)
def test_flat_files_with_periods(tmp_path, time_code, time, stichtag, label):
    row = f"21311;Studierende;{time_code};Zeit;{time};KREISE;Kreise;08221;Heidelberg;6095;Anzahl;HS-W02;Studierende"
    obs = read_file(write(tmp_path, "21311-01-01-4-B.csv", f"\ufeff{FLAT_HEADER}\n{row}\n"))
    assert obs[["time", "time_label"]].iloc[0].tolist() == [stichtag, label]
    assert obs["value"].iloc[0] == 6095


# ---------------------------------------------------------------------------------------- declared extracts

EXTRACTS = """
[[extract]]
id = "test-gemeinden"
statistic = "1000A"
header = ["ags", "name", "population", "immigration_history_total"]
region = "ags"
region_name = "name"
time = "2022-05-15"
values = { population = "Anzahl", immigration_history_total = "Anzahl" }
empty = "."
origin = "Testquelle, Commit abc"
copyright = "© Statistische Ämter des Bundes und der Länder, Zensus 2022"
note = "einzeln gerundet"
"""
GEMEINDEN = """ags,name,population,immigration_history_total
08216001,"Gemeinde, Stadt",1000,200
08216002,Zweite,500,
08117001,Dritte,300,30
08117002,Vierte,700,70
"""


@pytest.fixture
def extracts(tmp_path, monkeypatch):
    path = tmp_path / "extracts.toml"
    path.write_text(EXTRACTS, encoding="utf-8")
    monkeypatch.setattr(declared_csv, "extracts_file", lambda: path)
    return path


def test_a_declared_extract_is_read_with_its_origin_on_every_value(tmp_path, extracts):
    path = write(tmp_path, "gemeinden.csv", GEMEINDEN.replace("\n", "\r\n"))
    assert detect_layout(path) == "declared_csv"
    obs = read_file(path)
    assert len(obs) == 8 and set(obs["table"]) == {"test-gemeinden"} and set(obs["time"]) == {"2022-05-15"}
    assert obs["copyright"].str.contains("Testquelle, Commit abc").all() and (obs["note"] == "einzeln gerundet").all()
    suppressed = obs[(obs.ags == "08216002") & (obs.measure == "immigration_history_total")].iloc[0]
    assert math.isnan(suppressed.value) and suppressed.flag == "."  # an empty cell is suppressed, not zero
    assert obs[obs.ags == "08216001"]["region_name"].iloc[0] == "Gemeinde, Stadt"


def test_gemeinde_values_summed_per_kreis_and_a_suppressed_gemeinde_makes_a_gap(tmp_path, extracts):
    obs = read_file(write(tmp_path, "gemeinden.csv", GEMEINDEN))
    rules = [Rule(indicator="pop", table="test-gemeinden", measure="population", sum_to="Kreis"),
             Rule(indicator="eg", table="test-gemeinden", measure="immigration_history_total", sum_to="Kreis")]
    facts = apply_rules(obs, rules).set_index(["indicator", "ags"])
    assert facts.loc[("pop", "08216"), "value"] == 1500 and facts.loc[("pop", "08117"), "value"] == 1000
    assert facts.loc[("eg", "08117"), "value"] == 100
    assert math.isnan(facts.loc[("eg", "08216"), "value"]) and facts.loc[("eg", "08216"), "flag"] == "."
    assert (facts["note"] == "einzeln gerundet").all()


def test_an_undeclared_plain_csv_is_still_refused(tmp_path, extracts):
    with pytest.raises(ImportRejected, match="Unbekanntes Dateiformat"):
        read_file(write(tmp_path, "x.csv", "ags,name,population\n08216001,A,1\n"))


def test_a_declared_extract_with_a_bad_key_names_line_and_column(tmp_path, extracts):
    with pytest.raises(ImportRejected) as info:
        read_file(write(tmp_path, "g.csv", GEMEINDEN.replace("08117002", "Vierte")))
    assert info.value.line == 5 and info.value.column == "ags"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.pop("origin"), "origin"),
        (lambda e: e.update(values={"popultion": "Anzahl"}), "popultion"),
        (lambda e: e.update(time="Mai 22"), "Mai 22"),
        (lambda e: e.update(empty="0"), "Sonderzeichen"),
    ],
)
def test_broken_declarations_are_refused_when_loaded(change, message):
    import tomllib

    entry = tomllib.loads(EXTRACTS)["extract"][0]
    change(entry)
    with pytest.raises(ValueError, match=message):
        declared_csv.validate_declaration(entry)


def test_the_shipped_declarations_are_valid():
    entries = declared_csv.declarations()
    assert [e["id"] for e in entries] == ["zensus2022-gemeinden-bw"]


@pytest.mark.parametrize("ags, population, with_history", [("08216", 230071, 62634), ("08117", 255589, 70684),
                                                           ("08226", 554521, 126695)])
def test_zensus_gemeinde_extract_sums_for_three_districts(raw_dir, ags, population, with_history):
    """Expected: sums over the Gemeinden of the raw file, computed with the csv module (see the README there)."""
    path = raw_dir / "zensus2022-bw-gemeinden-crispstrobe" / "zensus2022-einwanderungsgeschichte-gemeinden-bw.csv"
    from monitoring.catalog import load_rules

    facts = apply_rules(read_file(path), load_rules())
    kreis = facts[(facts.ags == ags) & (facts.source == "zensus2022-gemeinden-bw")].set_index("indicator")["value"]
    assert kreis["zensus22_personen"] == population
    assert kreis["zensus22_mit_einwanderungsgeschichte"] == with_history
    assert len(facts[facts.source == "zensus2022-gemeinden-bw"]["ags"].unique()) == 44


@pytest.mark.parametrize("ags, arbeitslose, auslaender, quote", [("08216", 5127, 2047, 9.3), ("08117", 6365, 2851, 10.7),
                                                               ("08226", 12450, 4793, 10.7)])
def test_13211_edition_2023_maps_like_the_older_editions(raw_dir, ags, arbeitslose, auslaender, quote):
    """Expected: the 2023 row of each district in the raw file (iconv -f latin1 … | grep '^2023;08216;')."""
    from monitoring.catalog import load_rules

    path = raw_dir / "regionalstatistik-2015-2024-various" / "13211-02-05-4_2023.csv"
    facts = apply_rules(read_file(path), load_rules())
    row = facts[(facts.ags == ags) & (facts.category == "")].set_index("indicator")["value"]
    assert row["arbeitslose"] == arbeitslose and row["arbeitslose_auslaender"] == auslaender
    assert row["arbeitslosenquote_auslaender"] == quote


def test_2017_and_2018_foreigners_rate_is_a_gap_not_zero(raw_dir):
    from monitoring.catalog import load_rules

    path = raw_dir / "regionalstatistik-2015-2024-various" / "13211-02-05-4_2015-2020.csv"
    facts = apply_rules(read_file(path), load_rules())
    rate = facts[(facts.indicator == "arbeitslosenquote_auslaender") & (facts.ags == "08216")].set_index("year")
    assert rate.loc[2017, "flag"] == "." and pd.isna(rate.loc[2017, "value"])
    assert rate.loc[2018, "flag"] == "." and pd.isna(rate.loc[2018, "value"])
    assert rate.loc[2020, "value"] == 8.7 and rate.loc[2016, "value"] > 0
