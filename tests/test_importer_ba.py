"""Tests of the BA "Statistik zur Migration" importer (monitoring/importers/ba_migration.py).

The first half reads the real exports in ../shared/data/raw/ba-statistik-migration-export-2025 (beside the project;
override with INTEGRATIONSMONITOR_RAW) and is skipped when they are absent.  Expected values were read from the raw
files with grep.  The second half writes small exports of its own and always runs.
"""
from __future__ import annotations

import csv
import functools
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitoring.importers.ba_migration import looks_like_ba_migration, read_ba_migration
from monitoring.importers.common import OBS_COLUMNS, ImportRejected
from tests.helpers import assert_names_file_and_line, one

RAW_DIR = Path(
    os.environ.get("INTEGRATIONSMONITOR_RAW")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
)
EXPORTS = RAW_DIR / "ba-statistik-migration-export-2025"
RAW_MISSING = f"raw BA exports not found at {EXPORTS} (set INTEGRATIONSMONITOR_RAW)"
needs_raw = pytest.mark.skipif(not EXPORTS.is_dir(), reason=RAW_MISSING)
BA_FILES = sorted(p.name for p in EXPORTS.glob("*.csv")) if EXPORTS.is_dir() else []
COPYRIGHT = "© Statistik der Bundesagentur für Arbeit"


def each_export():
    absent = [pytest.param("-", marks=pytest.mark.skip(reason=RAW_MISSING))]
    return pytest.mark.parametrize("name", BA_FILES or absent)


@functools.cache
def _imported(name: str) -> pd.DataFrame:
    return read_ba_migration(EXPORTS / name)


def imported(name: str) -> pd.DataFrame:
    return _imported(name).copy()


def table_of(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the raw file's table, found with the csv module (not with the importer)."""
    rows = list(csv.reader(io.StringIO((EXPORTS / name).read_text(encoding="utf-8-sig")), delimiter=";"))
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith(("Berichtsjahr ", "Merkmal")))
    end = next(i for i in range(start, len(rows)) if rows[i] in ([], [""]))
    return rows[start], rows[start + 1 : end]



# ------------------------------------------------------------------------------------------- real exports


@needs_raw
@each_export()
def test_every_real_export_imports_completely(name):
    frame = imported(name)
    header, rows = table_of(name)
    assert list(frame.columns) == OBS_COLUMNS
    assert len(frame) == len(rows) * (len(header) - 1)
    assert set(frame["ags"]) == {"DG"} and set(frame["region_name"]) == {"Deutschland"}
    assert set(frame["layout"]) == {"ba_migration"} and set(frame["table"]) == {"BA-Migration"}
    assert set(frame["statistic"]) == {"BA"} and set(frame["stand"]) == {"2025-04"}  # "Datenstand";"April 2025"
    assert set(frame["copyright"]) == {COPYRIGHT}
    assert frame["value"].notna().all() and set(frame["flag"]) == {""}  # no "*" in these Germany-wide exports
    assert frame["dims"].str.contains(r"^(?:Merkmal=[^;]+;)?Staatsangehörigkeit=(?:Ausländer|Insgesamt)$").all()
    assert (frame["year"] == frame["time"].astype(int)).all()
    assert set(frame["unit"]) <= {"Anzahl", "Prozent"}


@needs_raw
@each_export()
def test_first_line_is_recognised(name):
    assert looks_like_ba_migration((EXPORTS / name).read_text(encoding="utf-8-sig")[:500])


@needs_raw
def test_time_series_values():
    frame = imported("arbeitslose_ausländer_nachgeschlecht.csv")
    first = one(frame, time="2015", measure="Arbeitslose | Frauen Arbeitslose")  # line 11: "2015";"271.816";…
    assert (first["value"], first["line"], first["year"]) == (271816, 11, 2015)
    last = one(frame, time="2024", measure="Arbeitslose | Arbeitslose")  # line 20: …;"1.040.908"
    assert (last["value"], last["line"]) == (1040908, 20)
    assert last["dims"] == "Staatsangehörigkeit=Ausländer" and last["unit"] == "Anzahl"
    assert sorted(frame["measure"].unique()) == [
        "Arbeitslose | Arbeitslose", "Arbeitslose | Frauen Arbeitslose", "Arbeitslose | Männer Arbeitslose",
    ]
    trainees = imported("auszubildende_ausländer_nachgeschlecht.csv")  # "Berichtsjahr (Juni des jeweiligen Jahres)"
    assert one(trainees, time="2014", measure="Auszubildende (sv.-pfl.) | Auszubildende (sv.-pfl.)")["value"] == 88030


@needs_raw
def test_women_and_men_add_up():
    for name in [n for n in BA_FILES if n.endswith("nachgeschlecht.csv")]:
        frame = imported(name)
        indicator = frame["measure"].iloc[0].split(" | ")[0]
        wide = frame.pivot(index="time", columns="measure", values="value")
        parts = wide[f"{indicator} | Frauen {indicator}"] + wide[f"{indicator} | Männer {indicator}"]
        total = wide[f"{indicator} | {indicator}"]
        # Not exact: employment figures are rounded to tens (±10), and the unemployed/job-seeker totals of
        # 2016-2022 hold a few dozen people who are neither "Frauen" nor "Männer".
        assert ((parts - total).abs() <= np.maximum(10, 1e-4 * total)).all(), name


@needs_raw
def test_category_values_take_the_year_from_the_header():
    frame = imported("2015_arbeitslose_ausländer_nachaltersgruppe.csv")
    under_25 = "Merkmal=unter 25 Jahre;Staatsangehörigkeit=Ausländer"
    count = one(frame, dims=under_25, measure="Arbeitslose | JD Arbeitslose")  # line 11: "unter 25 Jahre";"45.878";"8"
    assert count[["value", "unit", "line", "time", "year"]].tolist() == [45878, "Anzahl", 11, "2015", 2015]
    share = one(frame, dims=under_25, measure="Arbeitslose | Anteil an Insgesamt in %")
    assert (share["value"], share["unit"]) == (8, "Prozent")
    academics = one(
        imported("2024_beschäftigte_insgesamt_nachberufsabschluss.csv"),
        dims="Merkmal=Akademischer Berufsabschluss;Staatsangehörigkeit=Insgesamt",
        measure="Beschäftigte | Beschäftigte",
    )
    assert (academics["value"], academics["year"]) == (7318450, 2024)


@needs_raw
def test_year_comes_from_the_content_not_the_file_name(tmp_path):
    data = (EXPORTS / "2015_arbeitslose_ausländer_nachaltersgruppe.csv").read_bytes()
    frame = read_ba_migration(tmp_path / "2099_irrefuehrend.csv", data=data)
    assert set(frame["year"]) == {2015}
    assert set(frame["source_file"]) == {"2099_irrefuehrend.csv"}


@needs_raw
def test_time_series_and_breakdown_agree():
    """The 2024 breakdown by age and the 2024 point of the time series are the same annual average
    (94 093 + 784 119 + 162 537 + 158 = 1 040 907 against 1 040 908: each average is rounded on its own)."""
    series = imported("arbeitslose_ausländer_nachgeschlecht.csv")
    total_2024 = one(series, time="2024", measure="Arbeitslose | Arbeitslose")["value"]
    by_age = imported("2024_arbeitslose_ausländer_nachaltersgruppe.csv")
    assert abs(by_age.loc[by_age["unit"] == "Anzahl", "value"].sum() - total_2024) <= 2


# -------------------------------------------------------------------------------------- written fixtures


def export(
    table: list[str],
    *,
    region: str = '"Region";"Deutschland";"Regionsschlüssel:";"d"',
    period: str = '"Berichtsmonat";"Zeitreihe"',
    indicator: str = '"Indikator";"Arbeitslose"',
    footer: bool = True,
) -> str:
    lines = [
        region,
        '"Gebietsstand";"April 2025"',
        period,
        '"Datenstand";"April 2025"',
        indicator,
        '"StaatsangehörigkeitEs werden Grafiken und Daten nur zu denjenigen Staatsangehörigkeiten angezeigt, '
        'bei denen eine ausreichend gesicherte Datenlage besteht.";"Ausländer"',
        '""',
        '"Hinweise:";"Bei den Jahreszahlen handelt es sich um Jahresdurchschnitte."',
        '""',
        *table,
    ]
    if footer:
        lines += ['""', '"Exportdatum: ";"21.05.2025";"16:4:30"', f'"{COPYRIGHT}"', '"Die Produkte unterliegen …"']
    return "\ufeff" + "\n".join(lines) + "\n"


SERIES = [
    '"Berichtsjahr ";"Frauen Arbeitslose ";"Männer Arbeitslose ";"Arbeitslose "',
    '"2023";"488.391";"478.835";"967.226"',
    '"2024";"*";"529.381";"1.040.908"',
]
BREAKDOWN = [
    '"Merkmal ";"JD Arbeitslose ";"Anteil an Insgesamt in % "',
    '"unter 25 Jahre";"94.093";"9,5"',
    '"25 bis unter 55 Jahre ";"784.119";"75"',
]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rejected(path: Path) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        read_ba_migration(path)
    return info.value



def test_minimal_time_series(tmp_path):
    frame = read_ba_migration(write(tmp_path, "reihe.csv", export(SERIES)))
    assert list(frame.columns) == OBS_COLUMNS
    assert frame["time"].tolist() == ["2023"] * 3 + ["2024"] * 3
    assert frame["line"].tolist() == [11, 11, 11, 12, 12, 12]
    assert frame["measure"].tolist()[:3] == [
        "Arbeitslose | Frauen Arbeitslose", "Arbeitslose | Männer Arbeitslose", "Arbeitslose | Arbeitslose",
    ]
    anonymised = one(frame, time="2024", measure="Arbeitslose | Frauen Arbeitslose")
    assert np.isnan(anonymised["value"]) and anonymised["flag"] == "*"  # "*" is not 0
    assert one(frame, time="2024", measure="Arbeitslose | Arbeitslose")["value"] == 1040908
    assert set(frame["dims"]) == {"Staatsangehörigkeit=Ausländer"} and set(frame["ags"]) == {"DG"}
    assert set(frame["stand"]) == {"2025-04"} and set(frame["copyright"]) == {COPYRIGHT}


def test_minimal_breakdown_with_month_in_header(tmp_path):
    text = export(BREAKDOWN, period='"Berichtsmonat";"April 2025"')
    frame = read_ba_migration(write(tmp_path, "merkmal.csv", text))
    assert set(frame["time"]) == {"2025-04"} and set(frame["year"]) == {2025}
    share = one(frame, dims="Merkmal=unter 25 Jahre;Staatsangehörigkeit=Ausländer", unit="Prozent")
    assert share["value"] == 9.5 and share["measure"] == "Arbeitslose | Anteil an Insgesamt in %"
    assert set(frame["dims"]) == {
        "Merkmal=unter 25 Jahre;Staatsangehörigkeit=Ausländer",
        "Merkmal=25 bis unter 55 Jahre;Staatsangehörigkeit=Ausländer",
    }


def test_stand_falls_back_to_the_export_date(tmp_path):
    text = export(SERIES).replace('"Datenstand";"April 2025"', '"Datenstand";""')
    frame = read_ba_migration(write(tmp_path, "stand.csv", text))
    assert set(frame["stand"]) == {"2025-05-21"}


@pytest.mark.parametrize("key, ags", [("d", "DG"), ("8", "08"), ("08", "08"), ("8222", "08222"), ("08222", "08222")])
def test_region_keys(tmp_path, key, ags):
    region = f'"Region";"Irgendwo";"Regionsschlüssel:";"{key}"'
    frame = read_ba_migration(write(tmp_path, "r.csv", export(SERIES, region=region)))
    assert set(frame["ags"]) == {ags} and set(frame["region_name"]) == {"Irgendwo"}


@pytest.mark.parametrize("key", ["961", "17", "99123", "x"])
def test_region_keys_that_are_no_land_or_kreis(tmp_path, key):
    region = f'"Region";"Agentur";"Regionsschlüssel:";"{key}"'
    err = rejected(write(tmp_path, "r.csv", export(SERIES, region=region)))
    assert_names_file_and_line(err, "r.csv", 1)
    assert key in err.reason


def test_looks_like_ba_migration():
    assert looks_like_ba_migration(export(SERIES))
    assert not looks_like_ba_migration("statistics_code;statistics_label;time_code;time_label;time\n")
    assert not looks_like_ba_migration("")


# broken exports


def test_empty_file(tmp_path):
    err = rejected(write(tmp_path, "leer.csv", ""))
    assert_names_file_and_line(err, "leer.csv", None)


def test_not_a_ba_export(tmp_path):
    err = rejected(write(tmp_path, "anders.csv", "statistics_code;time\n12411;2024\n"))
    assert_names_file_and_line(err, "anders.csv", 1)
    assert "BA" in err.reason


def test_header_block_only(tmp_path):
    text = "\n".join(export(SERIES).split("\n")[:9]) + "\n"
    err = rejected(write(tmp_path, "kopf.csv", text))
    assert "Tabelle" in err.reason


def test_truncated_before_the_footer(tmp_path):
    err = rejected(write(tmp_path, "cut.csv", export(SERIES, footer=False)))
    assert_names_file_and_line(err, "cut.csv", 12)
    assert "abgeschnitten" in err.reason


def test_cut_mid_row(tmp_path):
    text = export(SERIES)
    cut = text[: text.index('"529.381"')]  # the file ends inside line 12
    err = rejected(write(tmp_path, "cut.csv", cut))
    assert_names_file_and_line(err, "cut.csv", 12)


def test_wrong_column_count(tmp_path):
    table = [SERIES[0], '"2023";"488.391";"478.835"', SERIES[2]]
    err = rejected(write(tmp_path, "spalten.csv", export(table)))
    assert_names_file_and_line(err, "spalten.csv", 11)
    assert "3 Felder" in err.reason and "4" in err.reason


def test_non_numeric_value(tmp_path):
    table = [SERIES[0], SERIES[1], '"2024";"viele";"529.381";"1.040.908"']
    err = rejected(write(tmp_path, "text.csv", export(table)))
    assert_names_file_and_line(err, "text.csv", 12)
    assert err.column == "Frauen Arbeitslose" and "viele" in err.reason


def test_row_label_that_is_no_year(tmp_path):
    table = [SERIES[0], '"Summe";"1";"2";"3"']
    err = rejected(write(tmp_path, "jahr.csv", export(table)))
    assert_names_file_and_line(err, "jahr.csv", 11)


def test_breakdown_without_a_period(tmp_path):
    err = rejected(write(tmp_path, "ohne_jahr.csv", export(BREAKDOWN)))  # "Berichtsmonat";"Zeitreihe"
    assert_names_file_and_line(err, "ohne_jahr.csv", 10)
    assert "Berichtszeitraum" in err.reason


def test_missing_indicator(tmp_path):
    err = rejected(write(tmp_path, "ohne.csv", export(SERIES, indicator='"Gebiet";"x"')))
    assert "Indikator" in err.reason


def test_mixed_encoding(tmp_path):
    head, tail = export(SERIES).split('"Datenstand"', 1)
    data = head.encode("utf-8") + ('"Datenstand"' + tail).encode("cp1252")
    path = tmp_path / "gemischt.csv"
    path.write_bytes(data)
    err = rejected(path)
    assert_names_file_and_line(err, "gemischt.csv", 6)
    assert "Zeichenkodierung" in err.reason


def test_two_columns_with_the_same_header(tmp_path):
    table = ['"Berichtsjahr ";"Arbeitslose ";"Arbeitslose"', '"2024";"1";"2"']
    err = rejected(write(tmp_path, "doppelt.csv", export(table)))
    assert_names_file_and_line(err, "doppelt.csv", 10)
