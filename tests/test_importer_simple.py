"""Published figures (transcribed, with source per row) and INKAR-derived district series; layout detection."""
from __future__ import annotations

import math

import pytest

from monitoring.importers import ImportRejected, detect_layout, read_file

PUBLISHED = """ags,name,indicator,period,value,unit,source_title,source_url,note
08,Baden-Württemberg,einbuergerungen,2015,16500,persons,Pressemitteilung,https://example.org/pm,rounded
DG,Deutschland,neue_kursteilnehmende,2023-H1,170000,persons,BAMF,https://example.org/bamf,half year
08226+08221,RNK+HD,esu_untersuchte_kinder,2017,5000,persons,Gesundheitsamt,https://example.org/esu,
08216,Rastatt,auslaender_anzahl,2017-12-31,22000,persons,Landratsamt,https://example.org/ra,
"""

WIDE = """county_code,year,share_foreign,share_no_degree
8216,2021.0,15.17,5.1
8216,2022.0,,5.6
08226,2022.0,14.2,x
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_published_rows_keep_source_url_and_note(tmp_path):
    obs = read_file(write(tmp_path, "pub.csv", PUBLISHED))
    assert detect_layout(tmp_path / "pub.csv") == "published_csv"
    land = obs[obs.ags == "08"].iloc[0]
    assert land.value == 16500 and land.time == "2015" and land.measure == "einbuergerungen"
    assert "https://example.org/pm" in land.copyright and land.note == "rounded"
    assert obs[obs.ags == "08216"].iloc[0].time == "2017-12-31"


def test_published_rows_that_are_no_year_or_single_region_are_reported_not_dropped_silently(tmp_path):
    obs = read_file(write(tmp_path, "pub.csv", PUBLISHED))
    skipped = obs.attrs["skipped"]
    assert [line for line, _ in skipped] == [3, 4]
    assert "2023-H1" in skipped[0][1] and "08226+08221" in skipped[1][1]


def test_wide_series_pad_codes_and_keep_gaps(tmp_path):
    obs = read_file(write(tmp_path, "wide.csv", WIDE))
    assert detect_layout(tmp_path / "wide.csv") == "wide_csv"
    assert set(obs.ags) == {"08216", "08226"}
    assert len(obs[(obs.ags == "08216") & (obs.year == 2022)]) == 1  # the empty cell is a gap, not a value
    special = obs[(obs.ags == "08226") & (obs.measure == "share_no_degree")].iloc[0]
    assert math.isnan(special.value) and special.flag == "x"


def test_wide_series_reject_bad_codes_and_numbers(tmp_path):
    with pytest.raises(ImportRejected, match="Zeile 2.*kein Kreisschlüssel"):
        read_file(write(tmp_path, "w1.csv", "county_code,year,a\nRastatt,2020,1\n"))
    with pytest.raises(ImportRejected, match="Spalte a.*keine Zahl"):
        read_file(write(tmp_path, "w2.csv", "county_code,year,a\n08216,2020,viel\n"))


def test_unknown_layout_is_rejected_with_german_message(tmp_path):
    with pytest.raises(ImportRejected, match="Unbekanntes Dateiformat"):
        read_file(write(tmp_path, "x.csv", "a;b;c\n1;2;3\n"))


def test_every_real_file_imports_or_is_rejected_with_a_reason(raw_dir):
    from monitoring.build import import_all, raw_files

    _, report = import_all(raw_files(raw_dir))
    assert len(report) >= 60
    rejected = [r for r in report if r["status"] != "importiert"]
    assert [r["file"] for r in rejected] == ["bkg-vg2500/kreise_2022_ags_name_land.csv"]  # a district list, no data
    assert all("Unbekanntes Dateiformat" in r["reason"] for r in rejected)
