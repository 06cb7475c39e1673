"""GENESIS / regionalstatistik.de table CSV ("Tabellenformat"): real files and self-written fixtures."""
from __future__ import annotations

import math

import pytest

from monitoring.importers import ImportRejected, detect_layout, read_file
from monitoring.importers.genesis_table import read_genesis_table

TABLE_DIR = "regionalstatistik-tabellen-2017-datenguide"

# A small table in the real layout: title block, stacked headers, years down the rows, a special value,
# an indented name, footnotes and the licence after the end line.
GOOD = """GENESIS-Tabelle: 99999-01-01-4
Testtabelle: Einwohner nach Nationalität;;;;
- Jahr - regionale Tiefe: Kreise und krfr. Städte;;;;
Teststatistik;;;;
;;;Einwohner;Einwohner
;;;Insgesamt;Ausländer(innen)
;;;Anzahl;Prozent
2016;DG;Deutschland;82175684;10,5
2016;08;  Baden-Württemberg;10879618;/
2016;08216;      Rastatt, Landkreis;227474;1.234,5
__________
"© Statistische Ämter des Bundes und der Länder, Deutschland, 2017.
Dieses Werk ist lizensiert unter der Datenlizenz Deutschland
- Namensnennung - Version 2.0."
Stand: 10.10.2017 / 12:02:36
"""


def write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_fixture_parses_codes_headers_values_and_footer(tmp_path):
    obs = read_genesis_table(write(tmp_path, GOOD))
    assert detect_layout(tmp_path / "t.csv") == "genesis_table"
    assert set(obs["ags"]) == {"DG", "08", "08216"}
    assert set(obs["measure"]) == {"Einwohner | Insgesamt", "Einwohner | Ausländer(innen)"}
    rastatt = obs[(obs.ags == "08216") & (obs.measure == "Einwohner | Ausländer(innen)")].iloc[0]
    assert rastatt.value == 1234.5 and rastatt.unit == "Prozent" and rastatt.time == "2016"
    assert rastatt.stand == "2017-10-10" and rastatt.copyright.startswith("© Statistische Ämter")
    assert rastatt.region_name == "Rastatt, Landkreis" and rastatt.line == 10


def test_special_value_is_flag_with_null_never_zero(tmp_path):
    obs = read_genesis_table(write(tmp_path, GOOD))
    land = obs[(obs.ags == "08") & (obs.measure == "Einwohner | Ausländer(innen)")].iloc[0]
    assert math.isnan(land.value) and land.flag == "/"


def test_latin1_file_reads_like_utf8(tmp_path):
    utf8 = read_genesis_table(write(tmp_path, GOOD, "u.csv"))
    latin = read_genesis_table(write(tmp_path, GOOD, "l.csv", encoding="iso-8859-1"))
    assert latin["measure"].tolist() == utf8["measure"].tolist()
    assert latin["value"].fillna(-1).tolist() == utf8["value"].fillna(-1).tolist()


def test_years_across_columns_and_stichtag_in_title(tmp_path):
    wide = GOOD.replace(";;;Einwohner;Einwohner\n;;;Insgesamt;Ausländer(innen)\n;;;Anzahl;Prozent\n",
                        ";;;31.12.2016;31.12.2015\n;;;Insgesamt;Insgesamt\n;;;Anzahl;Anzahl\n")
    obs = read_genesis_table(write(tmp_path, wide))
    assert set(obs["time"]) == {"2016-12-31", "2015-12-31"}  # column dates win over the row year


@pytest.mark.parametrize(
    "mutation, message",
    [
        (lambda t: t.replace("__________", "xxxxx"), "Tabellenende"),
        (lambda t: t.split("2016;08216")[0], "Tabellenende"),  # cut off mid-file
        (lambda t: t.replace("227474;1.234,5", "227474"), "Zu wenige Spalten"),
        (lambda t: t.replace("227474", "22x474"), "keine Zahl"),
        (lambda t: t.replace("2016;08216;", "2016;8216;"), "Regionalschlüssel"),
        (lambda t: t.replace("GENESIS-Tabelle: 99999-01-01-4", "Tabelle 99999"), "Unbekanntes Dateiformat"),
        (lambda t: "", "leer"),
    ],
)
def test_broken_files_are_rejected_with_file_and_reason(tmp_path, mutation, message):
    path = write(tmp_path, mutation(GOOD), "kaputt.csv")
    with pytest.raises(ImportRejected) as err:
        read_file(path)
    assert message in str(err.value) and "kaputt.csv" in str(err.value)


def test_error_names_line_and_column(tmp_path):
    with pytest.raises(ImportRejected) as err:
        read_file(write(tmp_path, GOOD.replace("227474", "22x474"), "zahl.csv"))
    assert err.value.line == 10 and "Einwohner | Insgesamt" in err.value.column


def test_mixed_encoding_is_rejected(tmp_path):
    data = GOOD.encode("utf-8") + "2016;08215;  Karlsruhe, Landkreis;1;Ä\n".encode("iso-8859-1")
    path = tmp_path / "gemischt.csv"
    path.write_bytes(data)
    with pytest.raises(ImportRejected, match="Zeichenkodierung"):
        read_file(path)


# ── the real exports ──────────────────────────────────────────────────────────────────────────────

def real_tables(raw_dir):
    return sorted((raw_dir / TABLE_DIR).glob("*.csv"))


def test_every_real_table_imports(raw_dir):
    files = real_tables(raw_dir)
    assert len(files) >= 20
    for path in files:
        obs = read_file(path)
        assert len(obs) > 100, path.name
        assert obs["table"].iloc[0] == path.name.split("_")[0].removesuffix(".csv")
        assert obs.loc[obs["flag"] == "", "value"].notna().all()
        assert obs.loc[obs["flag"].isin(["-", ".", "x", "/"]), "value"].isna().all()


@pytest.mark.parametrize(
    "file, ags, time, measure, dims, expected",
    [
        ("12411-01-01-4_00.csv", "08216", "2015-12-31", "Insgesamt", "", 227474),
        ("12411-01-01-4_00.csv", "08226", "2015-12-31", "Insgesamt", "", 541859),
        ("13211-02-05-4_00.csv", "08117", "2015", "Arbeitslose | Ausländer", "", 1576),
        ("13211-02-05-4_00.csv", "08226", "2015", "Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer", "", 10.5),
        ("12511-01-01-4.csv", "08117", "2011", "Einbürgerungen von Ausländern | Kontinente (einschl. staatenlos etc.) | Insgesamt", "", 359),
        ("AI-Z-2011_00.csv", "08117", "2011-05-09", "Anteil Personen mit MHG an der Gesamtbevölkerung", "", 26.9),
        ("12111-07-01-4_00.csv", "08216", "2011-05-09", "Bevölkerung in privaten Haushalten", "unter 10 Jahre", 19070),
    ],
)
def test_spot_values_equal_the_raw_file(raw_dir, file, ags, time, measure, dims, expected):
    obs = read_file(raw_dir / TABLE_DIR / file)
    hit = obs[(obs.ags == ags) & (obs.time == time) & (obs.measure == measure) & (obs.dims == dims)]
    assert hit["value"].tolist() == [expected]
