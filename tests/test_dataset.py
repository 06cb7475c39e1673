"""The canonical dataset in data/ and the database built from it: spot checks against the official files."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from monitoring.catalog import HANDLUNGSFELDER, load_catalog

SPECIAL = ["-", ".", "x", "/", "...", "*"]


def value(sql, indicator, ags, period, category=""):
    rows = sql("SELECT value, flag, basis, is_break FROM facts WHERE indicator = $i AND ags = $a AND period = $p "
               "AND category = $c", i=indicator, a=ags, p=period, c=category)
    assert len(rows) == 1, (indicator, ags, period, rows)
    return rows.iloc[0]


@pytest.mark.parametrize(
    "indicator, ags, period, category, expected",
    [
        ("bevoelkerung", "08216", "2015-12-31", "", 227474),  # 12411-01-01-4 table CSV
        ("bevoelkerung", "08226", "2024-12-31", "", 558561),  # flat CSV, current layout
        ("bevoelkerung", "08226", "2024-12-31", "weiblich", 284050),
        ("bevoelkerung", "08117", "2022-12-31", "", 261857),  # flat CSV, 2024 layout
        ("svb_ao_auslaender", "08117", "2024-06-30", "", 18475),
        ("arbeitslose_auslaender", "08117", "2015-12-31", "", 1576),
        ("arbeitslosenquote_auslaender", "08226", "2015-12-31", "", 10.5),
        ("einbuergerungen", "08117", "2011-12-31", "", 359),
        ("einbuergerungen", "08226", "2016-12-31", "Europa", 588),
        ("mh_bevoelkerung_privathh", "08216", "2011-05-09", "unter 10", 19070),
    ],
)
def test_spot_checks_against_the_official_files(sql, indicator, ags, period, category, expected):
    assert value(sql, indicator, ags, period, category)["value"] == pytest.approx(expected)


def test_all_44_bw_districts_have_population_and_foreigner_share(sql):
    rows = sql("SELECT indicator, count(DISTINCT ags) AS n FROM facts WHERE ags LIKE '08___' AND value IS NOT NULL "
               "AND indicator IN ('bevoelkerung', 'auslaenderanteil', 'arbeitslosenquote_auslaender') GROUP BY 1")
    assert dict(zip(rows.indicator, rows.n)) == {"bevoelkerung": 44, "auslaenderanteil": 44, "arbeitslosenquote_auslaender": 44}


def test_germany_wide_coverage(sql):
    n = sql("SELECT count(DISTINCT f.ags) AS n FROM facts f JOIN districts d USING (ags) WHERE indicator = 'bevoelkerung'")
    assert n.n[0] == 400


def test_migration_background_share_from_counts_equals_regionalatlas(sql):
    """12111-07-01-4 counts → share, against AI-Z-2011's published share, for every district."""
    rows = sql("""
        SELECT c.ags, c.value AS computed, p.value AS published
        FROM facts_all c JOIN facts_all p USING (ags, indicator, period, category)
        WHERE c.indicator = 'migrationshintergrund_anteil' AND c.category = '' AND length(c.ags) = 5
          AND c.source_file = 'berechnet' AND p.source = 'AI-Z-2011'""")
    assert len(rows) >= 400
    assert (rows.computed.isna() == rows.published.isna()).all()  # a gap in one is a gap in the other
    rows = rows.dropna()
    assert len(rows) >= 400
    diff = (rows.computed - rows.published).abs()
    # The Zensus publishes counts rounded to tens, the Regionalatlas computed from unrounded counts: a share
    # at a x,x5 boundary can round the other way.  Equal to one decimal for 97 %, never more than 0.06 apart.
    assert ((rows.computed.round(1) - rows.published).abs() < 1e-9).mean() >= 0.97
    assert diff.max() < 0.06


def test_foreigner_share_from_counts_equals_regionalatlas_2015(sql):
    rows = sql("""
        SELECT c.value AS computed, p.value AS published
        FROM facts_all c JOIN facts_all p USING (ags, indicator, period, category)
        WHERE c.indicator = 'auslaenderanteil' AND c.category = '' AND c.period = '2015-12-31'
          AND c.source_file = 'berechnet' AND p.source = 'AI002-1'""")
    assert len(rows) >= 400
    assert (rows.computed - rows.published).abs().max() <= 0.05 + 1e-9


def test_special_values_are_null_with_flag_never_zero(sql):
    rows = sql("SELECT flag, count(*) AS n, count(value) AS with_value FROM facts_all WHERE flag IN ('-', '.', 'x', '/', '*') GROUP BY 1")
    assert rows.n.sum() > 1000
    assert rows.with_value.sum() == 0
    gap = value(sql, "svb_ao_auslaender", "08117", "2025-06-30")
    assert pd.isna(gap["value"]) and gap["flag"] == "-"


def test_revision_newer_export_wins_and_old_value_is_kept(sql):
    """Germany's unemployed foreigners 2016: two GENESIS editions (Stand 2017, 2021) vs BA export (Datenstand 2025)."""
    rows = sql("SELECT value, source, is_current FROM facts_all WHERE indicator = 'arbeitslose_auslaender' "
               "AND ags = 'DG' AND period = '2016-12-31' AND category = '' ORDER BY is_current, stand")
    assert rows.value.tolist() == [629356, 629356, 635026]
    assert rows.source.tolist() == ["13211-02-05-4", "13211-02-05-4", "BA-Migration"]
    assert rows.is_current.tolist() == [False, False, True]


def test_series_break_marked_where_the_basis_changes(sql):
    before = value(sql, "bevoelkerung", "08216", "2022-12-31")
    assert "Zensus 2011" in before["basis"] and not before["is_break"]
    census22 = value(sql, "bevoelkerung", "08216", "2023-12-31")
    assert census22["is_break"] and "Zensus 2022" in census22["basis"]
    assert not value(sql, "bevoelkerung", "08216", "2024-12-31")["is_break"]


def test_revised_population_wins_and_the_pre_revision_value_is_kept(sql):
    """31.12.2023 comes in two exports: the Fortschreibung on the Zensus 2011 and on the Zensus 2022 basis."""
    rows = sql("SELECT value, basis, is_current FROM facts_all WHERE indicator = 'bevoelkerung' AND ags = 'DG' "
               "AND period = '2023-12-31' AND category = '' ORDER BY is_current")
    assert rows.value.tolist() == [84669326, 83456045]
    assert "Zensus 2011" in rows.basis[0] and "Zensus 2022" in rows.basis[1]
    census11 = value(sql, "bevoelkerung", "08216", "2011-12-31")
    assert "Zensus 2011" in census11["basis"]


def test_protection_seekers_total_is_sum_of_status_groups(sql):
    rows = sql("SELECT category, value FROM facts WHERE indicator = 'schutzsuchende' AND ags = '08226' "
               "AND breakdown IN ('', 'Schutzstatus')")
    by = dict(zip(rows.category, rows.value))
    assert by[""] == by["offener Schutzstatus"] + by["anerkannter Schutzstatus"] + by["abgelehnter Schutzstatus"]
    per_1000 = value(sql, "schutzsuchende_je_1000", "08226", "2024-12-31")["value"]
    population = value(sql, "bevoelkerung", "08226", "2024-12-31")["value"]
    assert per_1000 == pytest.approx(by[""] / population * 1000)


def test_every_fact_has_source_stand_or_attribution_and_licence(sql):
    rows = sql("SELECT count(*) FILTER (WHERE source = '' OR licence = '' OR attribution = '') AS missing FROM facts")
    assert rows.missing[0] == 0


def test_catalogue_covers_every_handlungsfeld_and_fact(sql):
    catalog = load_catalog()
    assert set(HANDLUNGSFELDER) - {"Wohnen", "Gesundheit"} <= set(catalog.handlungsfeld)
    unknown = sql("SELECT DISTINCT indicator FROM facts WHERE indicator NOT IN (SELECT id FROM catalog)")
    assert unknown.empty


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "monitoring", *args], capture_output=True, text=True, check=True).stdout


def test_cli_indicators_prints_catalogue_csv():
    lines = run_cli("indicators").splitlines()
    assert lines[0].startswith("id,handlungsfeld,name,unit,concept,level,source")
    assert any(line.startswith("auslaenderanteil,Bevölkerung,Ausländeranteil,%,Ausländer,Kreis") for line in lines)


def test_cli_facts_filters_and_prints_plain_numbers():
    out = run_cli("facts", "--ags", "08216", "--indicator", "bevoelkerung", "--year", "2015").splitlines()
    header = out[0].split(",")
    assert {"ags", "indicator", "year", "value", "flag", "source"} <= set(header)
    total = [line for line in out[1:] if ",2015-12-31,," in line]
    assert len(total) == 1 and ",227474," in total[0]


def test_cli_facts_leaves_special_values_empty():
    out = run_cli("facts", "--ags", "08117", "--indicator", "svb_ao_auslaender", "--year", "2025").splitlines()
    header = out[0].split(",")
    row = dict(zip(header, out[1].split(",")))
    assert row["value"] == "" and row["flag"] == "-"


def test_share_of_a_category_in_its_own_total(sql):
    """SGB II: foreign Regelleistungsberechtigte ÷ all (3137 ÷ 8173 in Rastatt, 31.12.2016); never x ÷ x = 100 %."""
    assert value(sql, "sgb2_auslaenderanteil", "08216", "2016-12-31")["value"] == pytest.approx(3137 / 8173 * 100)
    self_totals = sql("SELECT count(*) AS n FROM facts WHERE indicator = 'auslaendische_svb_qualifikation_anteil' "
                      "AND category = ''")
    assert self_totals.n[0] == 0


def test_zensus_2022_immigration_history_for_germany_and_every_land(sql):
    rows = sql("SELECT ags, value FROM facts WHERE indicator = 'einwanderungsgeschichte_anteil' AND category = ''")
    laender = {"DG", *[f"{i:02d}" for i in range(1, 17)]}
    assert laender <= set(rows.ags)
    kreise = set(rows.ags) - laender  # the 44 Kreise of Baden-Württemberg, from the Gemeinde extract
    assert len(kreise) == 44 and all(k.startswith("08") and len(k) == 5 for k in kreise)
    shares = dict(zip(rows.ags, rows.value))
    assert shares["DG"] == pytest.approx(18142064 / 82719540 * 100)
    assert 20 < shares["08"] < 35
    # Rastatt: sums over its Gemeinden in the raw extract, 62.634 of 230.071
    assert shares["08216"] == pytest.approx(62634 / 230071 * 100)


def test_protection_seekers_equal_the_raw_cells_once_not_per_export(sql, raw_dir):
    """12531-0043 comes twice (zip of all Kreise, BW-only CSV): the district total sums the raw cells once."""
    import csv

    path = raw_dir / "genesis-pystatis-cassettes" / "12531-0043_2024-12-31_BW-only_de_flat.csv"
    with path.open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter=";")
                if r["1_variable_attribute_code"] == "08226"
                and r["2_variable_attribute_code"] in ("SCHUTZST-OF", "SCHUTZST-AK-1", "SCHUTZST-X")]
    expected = sum(float(r["value"]) for r in rows)
    assert value(sql, "schutzsuchende", "08226", "2024-12-31")["value"] == expected
