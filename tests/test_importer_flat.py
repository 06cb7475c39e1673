"""Tests of the GENESIS flat-CSV importer (monitoring/importers/genesis_flat.py).

The first half reads the real ffcsv downloads in ../shared/data/raw/genesis-pystatis-cassettes (beside the project;
override with INTEGRATIONSMONITOR_RAW) and is skipped when they are absent.  Expected values were read from the raw
files with grep, independently of the importer.  The second half writes small files of its own and always runs.
"""
from __future__ import annotations

import csv
import functools
import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitoring.importers.common import OBS_COLUMNS, QUALITY_MARKS, SPECIAL_VALUES, ImportRejected
from monitoring.importers.genesis_flat import looks_like_genesis_flat, read_genesis_flat
from tests.helpers import assert_names_file_and_line, one

RAW_DIR = Path(
    os.environ.get("INTEGRATIONSMONITOR_RAW")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
)
CASSETTES = RAW_DIR / "genesis-pystatis-cassettes"
RAW_MISSING = f"raw GENESIS downloads not found at {CASSETTES} (set INTEGRATIONSMONITOR_RAW)"
needs_raw = pytest.mark.skipif(not CASSETTES.is_dir(), reason=RAW_MISSING)

FLAT_FILES = sorted(p.name for p in CASSETTES.glob("*_flat*")) if CASSETTES.is_dir() else []
ZIP_NAME = "12531-0043_2024-12-31_Kreise_flat.zip"
BW_ONLY_NAME = "12531-0043_2024-12-31_BW-only_de_flat.csv"
REGION = re.compile(r"^(DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{12})$")


def each_flat_file():
    absent = [pytest.param("-", marks=pytest.mark.skip(reason=RAW_MISSING))]
    return pytest.mark.parametrize("name", FLAT_FILES or absent)


@functools.cache
def _imported(name: str) -> pd.DataFrame:
    return read_genesis_flat(CASSETTES / name)


def imported(name: str) -> pd.DataFrame:
    return _imported(name).copy()


def raw_rows(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a raw file, read with the csv module (not with the importer)."""
    path = CASSETTES / name
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8-sig")
    else:
        text = path.read_text(encoding="utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=";") if r]
    return rows[0], rows[1:]



# ------------------------------------------------------------------------------------------ real downloads


@needs_raw
@each_flat_file()
def test_every_real_file_imports_completely(name):
    frame = imported(name)
    header, rows = raw_rows(name)
    value_columns = [h for h in header if h == "value" or (h.count("__") >= 2 and not h.endswith("__q"))]
    assert list(frame.columns) == OBS_COLUMNS
    assert len(frame) == len(rows) * len(value_columns)  # nothing dropped, nothing invented
    # The 2024 layout (German or English names) has one value column per measure, CODE__Label__Unit.
    legacy = any(h.count("__") >= 2 for h in header)
    assert frame["layout"].iloc[0] == ("genesis_flat_2024" if legacy else "genesis_flat")
    assert frame["value"].dtype == "float64" and frame["year"].dtype == "int64"
    assert frame["ags"].str.match(REGION.pattern).all()
    assert frame["time"].str.fullmatch(r"\d{4}(-\d{2}-\d{2})?").all()  # a Stichtag (or period) or a year
    assert (frame["time_label"] != "").all()
    assert (frame["year"] == frame["time"].str[:4].astype(int)).all()
    assert frame["line"].is_monotonic_increasing and frame["line"].iloc[0] == 2
    assert (frame["stand"] == "").all() and (frame["copyright"] == "").all()


@needs_raw
@each_flat_file()
def test_special_values_become_nan_with_flag_never_zero(name):
    frame = imported(name)
    header, rows = raw_rows(name)
    value_index = header.index("value") if "value" in header else len(header) - 1
    raw_specials = pd.Series([r[value_index] for r in rows]).value_counts()
    raw_specials = raw_specials[raw_specials.index.isin(list(SPECIAL_VALUES))]
    # "()" alone is a special value; around a number ("(12)", Mikrozensus) it marks a usable but uncertain value.
    uncertain_number = (frame["flag"] == "()") & frame["value"].notna()
    special = frame["flag"].isin(list(SPECIAL_VALUES)) & ~uncertain_number
    assert frame.loc[special, "value"].isna().all()
    assert frame.loc[~special, "value"].notna().all()
    assert frame.loc[special, "flag"].value_counts().sort_index().equals(raw_specials.sort_index().rename("count"))


@needs_raw
@each_flat_file()
def test_first_line_is_recognised(name):
    if name.endswith(".zip"):  # a zip is routed by its bytes; its member's first line is what must be recognised
        with zipfile.ZipFile(CASSETTES / name) as archive, archive.open(archive.namelist()[0]) as member:
            head = member.read(2000).decode("utf-8-sig")
    else:
        head = (CASSETTES / name).read_text(encoding="utf-8-sig")[:2000]
    assert looks_like_genesis_flat(head)


@needs_raw
@pytest.mark.parametrize(
    "name, where, value",
    [
        # grep ';08222;' 12411-01-01-4_2024-12-31_de_flat.csv
        ("12411-01-01-4_2024-12-31_de_flat.csv", {"ags": "08222", "dims": "GES=GESW"}, 158789),
        ("12411-01-01-4_2024-12-31_de_flat.csv", {"ags": "08222", "dims": "GES=GESM"}, 159246),
        ("12411-01-01-4_2024-12-31_de_flat.csv", {"ags": "08222", "dims": "GES="}, 318035),
        ("12411-01-01-4_2023-12-31_de_flat.csv", {"ags": "DG", "dims": "GES=GESW"}, 42294114),
        ("12411-01-01-4_2023-12-31_de_flat.csv", {"ags": "08", "dims": "GES="}, 11230740),
        ("12411-01-01-4_2023-12-31_de_flat_legacy2024.csv", {"ags": "DG", "dims": "GES="}, 84669326),
        # English 2024 layout, attribute columns named like the variable columns: read by position
        ("12411-01-01-4_2022-12-31_en_flat_legacy2024.csv", {"ags": "08222", "dims": "GES="}, 315554),
        ("12411-01-01-4_2022-12-31_en_flat_legacy2024.csv", {"ags": "08222", "dims": "GES=GESW"}, 158424),
        # semester as an ISO 8601 period (2023-10P6M)
        ("21311-01-01-4-B_WS2023-24_de_flat.zip",
         {"ags": "08221", "dims": "GESINS=INSGESAMT;HS-FG2=INSGESAMT;NAT01=NATA"}, 6095),
        ("12411-01-01-4_2023-12-31_de_flat_legacy2024.csv", {"ags": "08222", "dims": "GES=GESW"}, 158596),
        ("13111-01-03-4_2024-06-30_de_flat.csv", {"ags": "09276", "dims": "GES=GESW;NAT=NATA"}, 1628),
        ("13111-01-03-4_2024-06-30_de_flat.csv", {"ags": "09276", "dims": "GES=;NAT="}, 29987),
        ("13111-01-03-4_2025-06-30_de_flat.csv", {"ags": "DG", "dims": "GES=;NAT=NATA"}, 5837916),
        ("13111-01-03-4_2023-06-30_de_flat_legacy2024.csv", {"ags": "08", "dims": "GES=;NAT=NATA"}, 936110),
        ("1000A-0000_zensus2022_Gemeinden_de_flat.csv", {"ags": "092760130130"}, 2294),
        ("1000A-0000_zensus2022_Gemeinden_de_flat.csv", {"ags": "DG"}, 82719540),
        (BW_ONLY_NAME, {"ags": "08115", "dims": "GES=GESW;SCHST2=SCHUTZST-AK-2;STAAG5=ST166"}, 2455),
        (ZIP_NAME, {"ags": "08115", "dims": "GES=GESW;SCHST2=SCHUTZST-AK-2;STAAG5=ST166"}, 2455),
    ],
)
def test_spot_values_match_the_raw_file(name, where, value):
    row = one(imported(name), **where)
    assert row["value"] == value
    assert row["flag"] == ""


@needs_raw
def test_spot_checks_of_the_mapping():
    mannheim = one(imported("12411-01-01-4_2024-12-31_de_flat.csv"), ags="08222", dims="GES=GESW")
    assert mannheim[["table", "statistic", "region_name", "time", "year", "measure", "unit", "line"]].tolist() == [
        "12411-01-01-4", "12411", "Mannheim, Stadtkreis", "2024-12-31", 2024, "BEVSTD", "Anzahl", 2,
    ]
    legacy = one(imported("12411-01-01-4_2023-12-31_de_flat_legacy2024.csv"), ags="08222", dims="GES=GESW")
    # indented label in the 2024 layout ("      Mannheim, Stadtkreis"), German date 31.12.2023
    assert legacy[["region_name", "time", "year", "measure", "unit", "layout"]].tolist() == [
        "Mannheim, Stadtkreis", "2023-12-31", 2023, "BEVSTD", "Anzahl", "genesis_flat_2024",
    ]


@needs_raw
def test_special_values_at_known_places():
    koethen = one(imported("13111-01-03-4_2024-06-30_de_flat.csv"), ags="15159", dims="GES=GESM;NAT=")  # line 3: "-"
    assert np.isnan(koethen["value"]) and koethen["flag"] == "-" and koethen["line"] == 3
    berlin_mitte = one(imported("12411-01-01-4_2023-12-31_de_flat_legacy2024.csv"), ags="11001001", dims="GES=")
    assert np.isnan(berlin_mitte["value"]) and berlin_mitte["flag"] == "." and berlin_mitte["line"] == 1103
    uncertain = imported("2000S-2003_zensus2022_einwanderungsgeschichte_erwerbsstatus_DE_de_flat.csv")
    assert uncertain.loc[uncertain["flag"] == "/", "line"].tolist() == [24, 31, 71]


@needs_raw
def test_quality_marks_travel_with_the_value():
    frame = imported("1000A-2022_zensus2022_einwanderungsgeschichte_Laender_de_flat_with_quality.csv")
    bw_total = one(frame, ags="08", dims="ALTGR2=;WDGAT2=")  # line 106: 11104040 with value_q "e"
    assert bw_total["value"] == 11104040 and bw_total["flag"] == "e" and bw_total["line"] == 106
    nothing = one(frame, ags="08", dims="ALTGR2=ALT020B029;WDGAT2=WANDERUNG-EINS")  # line 89: "-", no mark
    assert np.isnan(nothing["value"]) and nothing["flag"] == "-"
    assert set(frame["flag"]) == {"e", "-"}
    without_quality = imported("1000A-2022_zensus2022_einwanderungsgeschichte_Laender_de_flat.csv")
    same = frame.merge(without_quality, on=["ags", "dims", "measure"], suffixes=("", "_plain"))
    assert len(same) == len(without_quality) and (same["value"] == same["value_plain"]).all()


@needs_raw
def test_region_levels_come_out_as_codes():
    frame = imported("12411-01-01-4_2023-12-31_de_flat.csv")  # DINSG, DLAND, REGBEZ, KREISE all in group 1
    by_length = frame.groupby(frame["ags"].str.len())["ags"].nunique().to_dict()
    assert by_length == {2: 17, 3: 44, 5: 474, 8: 15}  # DG + 16 Länder, RB/Stat. Regionen, Kreise, 8-digit
    assert {f"{n:02d}" for n in range(1, 17)} | {"DG"} == set(frame.loc[frame["ags"].str.len() == 2, "ags"])
    kreise_2024 = imported("12411-01-01-4_2024-12-31_de_flat.csv")
    bw = kreise_2024.loc[kreise_2024["ags"].str.match(r"^08\d{3}$"), "ags"].unique()
    assert len(bw) == 44
    gemeinden = imported("1000A-0000_zensus2022_Gemeinden_de_flat.csv")
    assert gemeinden["ags"].str.len().value_counts().to_dict() == {12: 10786, 2: 1}


@needs_raw
def test_dims_are_sorted_and_keep_totals_as_empty_codes():
    frame = imported("13111-01-03-4_2024-06-30_de_flat.csv")
    assert set(frame["dims"]) == {
        "GES=;NAT=", "GES=GESM;NAT=", "GES=GESW;NAT=", "GES=;NAT=NATA", "GES=GESM;NAT=NATA", "GES=GESW;NAT=NATA",
    }
    # WDGAT1 and WDGAT2 alternate in the same column; the dims are sorted by variable code either way
    zensus = imported("2000S-2003_zensus2022_einwanderungsgeschichte_erwerbsstatus_DE_de_flat.csv")
    assert zensus["dims"].str.match(r"^ERWST[34]=[^;]*;WDGAT[12]=[^;]*$").all()


@needs_raw
def test_sexes_add_up_to_the_total():
    frame = imported("12411-01-01-4_2024-12-31_de_flat.csv")
    wide = frame.pivot(index="ags", columns="dims", values="value").dropna()
    assert len(wide) > 400
    assert (wide["GES=GESM"] + wide["GES=GESW"] == wide["GES="]).all()


@needs_raw
def test_zip_and_bw_only_csv_agree_on_the_bw_rows():
    from_zip = imported(ZIP_NAME)
    bw_only = imported(BW_ONLY_NAME)
    assert from_zip["source_file"].iloc[0] == f"{ZIP_NAME}!12531-0043_175879554_flat.csv"
    assert set(from_zip["table"]) == set(bw_only["table"]) == {"12531-0043"}
    key = ["ags", "dims", "measure", "time"]
    assert not from_zip.duplicated(key).any()
    zip_bw = from_zip[from_zip["ags"].str.startswith("08")]
    merged = zip_bw.merge(bw_only, on=key, how="outer", indicator=True, suffixes=("_zip", "_csv"))
    assert (merged["_merge"] == "both").all() and len(merged) == len(bw_only) == 15231
    assert (merged["value_zip"] == merged["value_csv"]).all()


@needs_raw
def test_bytes_give_the_same_result_as_the_path():
    name = "12411-01-01-4_2024-12-31_de_flat.csv"
    from_bytes = read_genesis_flat(CASSETTES / name, data=(CASSETTES / name).read_bytes())
    pd.testing.assert_frame_equal(from_bytes, imported(name))


@needs_raw
def test_legacy_and_current_layout_of_2023_map_to_the_same_keys():
    """Both layouts of 12411 on 31.12.2023 must land on the same (ags, dims, measure, time, unit).

    Their numbers do NOT agree, and must not be made to: the 2024 download is the Fortschreibung on the basis of
    the Zensus 2011 (Deutschland 84 669 326), the current one on the basis of the Zensus 2022 (83 456 045,
    lines grep'd from the raw files).  Every Kreis differs.  Only the "-" cells (Kreise that no longer exist)
    coincide.  The 2024 layout has "." for Berlin's 12 Bezirke, which the current one reports."""
    legacy = imported("12411-01-01-4_2023-12-31_de_flat_legacy2024.csv")
    current = imported("12411-01-01-4_2023-12-31_de_flat.csv")
    key = ["ags", "dims", "measure", "time", "unit"]
    merged = legacy.merge(current, on=key, how="left", indicator=True, suffixes=("_2024", "_now"))
    assert (merged["_merge"] == "both").all()  # every key of the 2024 layout exists in the current one
    assert set(legacy["dims"]) == set(current["dims"]) == {"GES=", "GES=GESM", "GES=GESW"}
    nothing = merged["flag_2024"] == "-"
    assert (merged.loc[nothing, "flag_now"] == "-").all() and (merged["flag_now"] == "-").sum() == nothing.sum()
    assert set(merged.loc[merged["flag_2024"] == ".", "ags"].str[:2]) == {"11"}
    numbers = merged["value_2024"].notna() & merged["value_now"].notna()
    assert numbers.sum() == 1341 and (merged.loc[numbers, "value_2024"] != merged.loc[numbers, "value_now"]).all()
    total = merged[(merged["ags"] == "DG") & (merged["dims"] == "GES=")].iloc[0]
    assert (total["value_2024"], total["value_now"]) == (84669326, 83456045)


# --------------------------------------------------------------------------------------- written fixtures

CURRENT_HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;"
    "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "2_variable_code;2_variable_label;2_variable_attribute_code;2_variable_attribute_label;"
    "value;value_unit;value_variable_code;value_variable_label"
)


def current_row(ags: str, sex: str, value: str, time: str = "2024-12-31", region: str = "KREISE") -> str:
    sex_label = {"": "Insgesamt", "GESM": "männlich", "GESW": "weiblich"}[sex]
    return (
        f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;{time};{region};Kreise;{ags};Region {ags};"
        f"GES;Geschlecht;{sex};{sex_label};{value};Anzahl;BEVSTD;Bevölkerungsstand"
    )


def current_file(*rows: str, header: str = CURRENT_HEADER) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


MINIMAL_CURRENT = current_file(
    current_row("DG", "", "83456045"),
    current_row("08222", "GESW", "158789"),
    current_row("08222", "GESM", "-"),
    current_row("08", "", "12.5"),
)

LEGACY_HEADER = (
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
    "1_Auspraegung_Code;1_Auspraegung_Label;     FLC006__Gebietsflaeche__qkm;FLC006__Gebietsflaeche__qkm__q;"
    "KAU001__Kaufsumme__Tsd._EUR"
)
LEGACY_LEAD = "11111;Feststellung des Gebietsstands;STAG;Stichtag;31.12.2022;DLAND;Bundesländer"
MINIMAL_LEGACY = (
    LEGACY_HEADER
    + f"\n{LEGACY_LEAD};08;  Baden-Württemberg;35747,85;p;12"
    + f"\n{LEGACY_LEAD};02;  Hamburg;755,09;;x"
    + f"\n{LEGACY_LEAD};;Insgesamt;357595,99;;1.234,5"  # empty regional code: Insgesamt
    + "\n"
).encode("utf-8")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rejected(path: Path, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        read_genesis_flat(path, **kwargs)
    return info.value



def test_minimal_current_file(tmp_path):
    frame = read_genesis_flat(write(tmp_path, "12411-01-01-4_test.csv", MINIMAL_CURRENT))
    assert list(frame.columns) == OBS_COLUMNS
    assert frame["ags"].tolist() == ["DG", "08222", "08222", "08"]
    assert frame["dims"].tolist() == ["GES=", "GES=GESW", "GES=GESM", "GES="]
    assert frame["value"].tolist()[:2] == [83456045, 158789] and frame["value"].iloc[3] == 12.5
    assert np.isnan(frame["value"].iloc[2]) and frame["flag"].tolist() == ["", "", "-", ""]
    assert frame["line"].tolist() == [2, 3, 4, 5]
    assert set(frame["table"]) == {"12411-01-01-4"} and set(frame["statistic"]) == {"12411"}
    assert set(frame["layout"]) == {"genesis_flat"} and set(frame["time"]) == {"2024-12-31"}
    assert set(frame["source_file"]) == {"12411-01-01-4_test.csv"}


def test_minimal_legacy_file(tmp_path):
    frame = read_genesis_flat(write(tmp_path, "11111-0001_flat.csv", MINIMAL_LEGACY))
    area = frame[frame["measure"] == "FLC006"]
    price = frame[frame["measure"] == "KAU001"]
    assert area["value"].tolist() == [35747.85, 755.09, 357595.99]  # decimal comma
    assert area["flag"].tolist() == ["p", "", ""]  # the __q column's quality mark
    assert area["ags"].tolist() == ["08", "02", "DG"]  # empty regional code = Insgesamt = Deutschland
    assert area["region_name"].tolist() == ["Baden-Württemberg", "Hamburg", "Insgesamt"]
    assert set(area["unit"]) == {"qkm"} and set(price["unit"]) == {"Tsd. EUR"}
    assert price["value"].iloc[0] == 12 and np.isnan(price["value"].iloc[1]) and price["flag"].iloc[1] == "x"
    assert price["value"].iloc[2] == 1234.5
    assert frame["line"].tolist() == [2, 2, 3, 3, 4, 4]  # file order, measures side by side
    assert set(frame["time"]) == {"2022-12-31"} and set(frame["year"]) == {2022}
    assert set(frame["layout"]) == {"genesis_flat_2024"} and set(frame["table"]) == {"11111-0001"}
    assert set(frame["dims"]) == {""}


def test_year_as_time_and_crlf_line_endings(tmp_path):
    data = MINIMAL_CURRENT.replace(b"2024-12-31", b"2015").replace(b"\n", b"\r\n")
    frame = read_genesis_flat(write(tmp_path, "x.csv", data))
    assert set(frame["time"]) == {"2015"} and set(frame["year"]) == {2015}
    assert frame["line"].tolist() == [2, 3, 4, 5]
    assert set(frame["table"]) == {"12411"}  # no table code in the file name: the statistic code


def test_quoted_fields_are_read_as_csv(tmp_path):
    row = current_row("08222", "GESW", "158789").replace("Region 08222", '"Mannheim; Stadtkreis"')
    frame = read_genesis_flat(write(tmp_path, "q.csv", current_file(current_row("DG", "", "1"), row)))
    assert frame["region_name"].tolist() == ["Region DG", "Mannheim; Stadtkreis"]
    assert frame["line"].tolist() == [2, 3]


def test_quality_column_in_current_layout(tmp_path):
    header = CURRENT_HEADER + ";value_q"
    rows = [current_row("DG", "", "5") + ";e", current_row("08", "", "-") + ";", current_row("09", "", "7") + ";"]
    frame = read_genesis_flat(write(tmp_path, "q.csv", current_file(*rows, header=header)))
    assert frame["flag"].tolist() == ["e", "-", ""]
    assert frame["value"].iloc[0] == 5 and np.isnan(frame["value"].iloc[1])
    unknown = current_file(current_row("DG", "", "5") + ";k", header=header)
    err = rejected(write(tmp_path, "k.csv", unknown))
    assert_names_file_and_line(err, "k.csv", 2)
    assert err.column == "value_q" and "„k“" in err.reason
    assert all(mark in err.reason for mark in QUALITY_MARKS)


def test_table_code_must_belong_to_the_statistic(tmp_path):
    frame = read_genesis_flat(write(tmp_path, "99999-0001_flat.csv", MINIMAL_CURRENT))
    assert set(frame["table"]) == {"12411"}


def test_looks_like_genesis_flat():
    assert looks_like_genesis_flat(MINIMAL_CURRENT.decode("utf-8"))
    assert looks_like_genesis_flat(MINIMAL_LEGACY.decode("utf-8"))
    assert not looks_like_genesis_flat('"Region";"Deutschland";"Regionsschlüssel:";"d"\n')
    assert not looks_like_genesis_flat("GENESIS-Tabelle: 12411-01-01-4\n")
    assert not looks_like_genesis_flat("")


# broken files


def test_empty_file(tmp_path):
    err = rejected(write(tmp_path, "leer.csv", b""))
    assert_names_file_and_line(err, "leer.csv", None)
    assert "leer" in err.reason


def test_header_only(tmp_path):
    err = rejected(write(tmp_path, "kopf.csv", current_file()))
    assert_names_file_and_line(err, "kopf.csv", 1)
    assert "nur die Kopfzeile" in err.reason


def test_file_cut_mid_row(tmp_path):
    cut = MINIMAL_CURRENT[: MINIMAL_CURRENT.index(b"158789") + 3]  # ends inside line 3
    err = rejected(write(tmp_path, "cut.csv", cut))
    assert_names_file_and_line(err, "cut.csv", 3)
    assert "abgeschnitten" in err.reason


def test_file_cut_mid_row_then_newline(tmp_path):
    cut = MINIMAL_CURRENT[: MINIMAL_CURRENT.index(b"158789")] + b"\n"
    err = rejected(write(tmp_path, "cut.csv", cut))
    assert_names_file_and_line(err, "cut.csv", 3)
    assert "Felder" in err.reason


def test_wrong_column_count(tmp_path):
    data = current_file(current_row("DG", "", "1"), current_row("08", "", "2") + ";extra", current_row("09", "", "3"))
    err = rejected(write(tmp_path, "breit.csv", data))
    assert_names_file_and_line(err, "breit.csv", 3)
    assert "18 Felder" in err.reason and "17" in err.reason


def test_non_numeric_value(tmp_path):
    data = current_file(current_row("DG", "", "1"), current_row("08", "", "2"), current_row("09", "", "12a"))
    err = rejected(write(tmp_path, "text.csv", data))
    assert_names_file_and_line(err, "text.csv", 4)
    assert err.column == "value" and "12a" in err.reason


def test_decimal_comma_in_current_layout_is_refused(tmp_path):
    err = rejected(write(tmp_path, "komma.csv", current_file(current_row("DG", "", "12,5"))))
    assert_names_file_and_line(err, "komma.csv", 2)


def test_non_numeric_value_in_legacy_layout(tmp_path):
    data = MINIMAL_LEGACY.replace(b"755,09", b"755.09.1")
    err = rejected(write(tmp_path, "alt.csv", data))
    assert_names_file_and_line(err, "alt.csv", 3)
    assert err.column == "FLC006__Gebietsflaeche__qkm"


def test_mixed_encoding(tmp_path):
    utf8 = current_row("DG", "", "1").encode("utf-8")
    latin1 = current_row("08", "", "2").encode("cp1252")  # "Bevölkerungsstand" in ISO-8859-1
    data = ("\ufeff" + CURRENT_HEADER + "\n").encode("utf-8") + utf8 + b"\n" + latin1 + b"\n"
    err = rejected(write(tmp_path, "gemischt.csv", data))
    assert_names_file_and_line(err, "gemischt.csv", 3)
    assert "Zeichenkodierung" in err.reason


@pytest.mark.parametrize("dropped", ["value_unit", "time", "2_variable_attribute_code"])
def test_missing_column(tmp_path, dropped):
    names = CURRENT_HEADER.split(";")
    index = names.index(dropped)
    rows = [";".join(c for i, c in enumerate(current_row(a, "", "1").split(";")) if i != index) for a in ("DG", "08")]
    header = ";".join(n for n in names if n != dropped)
    err = rejected(write(tmp_path, "ohne.csv", current_file(*rows, header=header)))
    assert_names_file_and_line(err, "ohne.csv", 1)
    assert dropped in err.reason and "fehlen" in err.reason


def test_unknown_column(tmp_path):
    header = CURRENT_HEADER + ";value2"
    err = rejected(write(tmp_path, "neu.csv", current_file(current_row("DG", "", "1") + ";5", header=header)))
    assert_names_file_and_line(err, "neu.csv", 1)
    assert "value2" in err.reason


def test_not_a_flat_file(tmp_path):
    err = rejected(write(tmp_path, "tabelle.csv", b"GENESIS-Tabelle: 12411-01-01-4\n;;x\n"))
    assert_names_file_and_line(err, "tabelle.csv", 1)
    assert "Kein GENESIS-Flat-CSV" in err.reason


@pytest.mark.parametrize("time", ["2024-13-45", "Q1 2024", "31.02.2024", ""])
def test_unparseable_time(tmp_path, time):
    data = current_file(current_row("DG", "", "1"), current_row("08", "", "2", time=time))
    err = rejected(write(tmp_path, "zeit.csv", data))
    assert_names_file_and_line(err, "zeit.csv", 3)
    assert err.column == "time"


def test_no_regional_variable(tmp_path):
    data = current_file(current_row("GESW", "", "1", region="GES"), current_row("GESM", "", "2", region="GES"))
    err = rejected(write(tmp_path, "ohne_region.csv", data))
    assert "regionales Merkmal" in err.reason


def test_duplicate_line(tmp_path):
    data = current_file(current_row("DG", "", "1"), current_row("08", "GESW", "2"), current_row("08", "GESW", "3"))
    err = rejected(write(tmp_path, "doppelt.csv", data))
    assert_names_file_and_line(err, "doppelt.csv", 4)
    assert "Zeile 3" in err.reason and "GES=GESW" in err.reason


def test_empty_measure_code(tmp_path):
    data = current_file(current_row("DG", "", "1"), current_row("08", "", "2").replace(";BEVSTD;", ";;"))
    err = rejected(write(tmp_path, "code.csv", data))
    assert_names_file_and_line(err, "code.csv", 3)
    assert err.column == "value_variable_code"


# zip archives


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_with_one_csv(tmp_path):
    path = write(tmp_path, "download.zip", zip_of({"12411-01-01-4_123_flat.csv": MINIMAL_CURRENT}))
    frame = read_genesis_flat(path)
    assert set(frame["source_file"]) == {"download.zip!12411-01-01-4_123_flat.csv"}
    assert set(frame["table"]) == {"12411-01-01-4"} and frame["line"].tolist() == [2, 3, 4, 5]


def test_zip_with_several_csvs_is_concatenated(tmp_path):
    members = {"a.csv": MINIMAL_CURRENT, "11111-0001_flat.csv": MINIMAL_LEGACY, "liesmich.txt": b"hallo"}
    frame = read_genesis_flat(write(tmp_path, "12411-01-01-4_zwei.zip", zip_of(members)))
    assert frame["source_file"].value_counts().to_dict() == {
        "12411-01-01-4_zwei.zip!11111-0001_flat.csv": 6,
        "12411-01-01-4_zwei.zip!a.csv": 4,
    }
    # the archive name gives a's table; the member's own name wins for the other
    assert frame.groupby("source_file")["table"].first().tolist() == ["11111-0001", "12411-01-01-4"]


def test_error_in_zip_member_names_archive_and_member(tmp_path):
    broken = current_file(current_row("DG", "", "1"), current_row("08", "", "zwölf"))
    err = rejected(write(tmp_path, "d.zip", zip_of({"t.csv": broken})))
    assert_names_file_and_line(err, "d.zip!t.csv", 3)


def test_zip_with_25_members(tmp_path):
    data = zip_of({f"teil{i:02d}.csv": MINIMAL_CURRENT for i in range(25)})
    err = rejected(write(tmp_path, "viele.zip", data))
    assert_names_file_and_line(err, "viele.zip", None)
    assert "25 Dateien" in err.reason


def test_zip_bomb(tmp_path):
    path = tmp_path / "bombe.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("nullen.csv", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(100):  # 100 MB of zeros, ~100 kB compressed
                member.write(chunk)
    assert path.stat().st_size < 1_000_000
    err = rejected(path)
    assert_names_file_and_line(err, "bombe.zip", None)
    assert "ZIP-Bombe" in err.reason


def test_zip_over_the_size_limit(tmp_path):
    path = write(tmp_path, "gross.zip", zip_of({"a.csv": MINIMAL_CURRENT}))
    err = rejected(path, max_unzipped_bytes=100)
    assert "höchstens" in err.reason


def test_zip_without_csv(tmp_path):
    err = rejected(write(tmp_path, "leer.zip", zip_of({"liesmich.txt": b"hallo"})))
    assert "keine CSV" in err.reason


def test_truncated_zip(tmp_path):
    data = zip_of({"a.csv": MINIMAL_CURRENT})
    err = rejected(write(tmp_path, "kaputt.zip", data[: len(data) // 2]))
    assert_names_file_and_line(err, "kaputt.zip", None)
    assert "beschädigt" in err.reason
