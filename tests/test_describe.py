"""A new table becomes a new indicator (monitoring/describe.py, updates.preview/apply/undo, the command line): a
readable file no catalogue entry uses is offered for describing instead of refused; a description makes catalogue
entries whose values are checked against the raw file; invalid descriptions are refused with a German message that
says what is wrong; undo takes the values out and leaves the description, which a separate action removes."""
from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import duckdb
import pytest
import tomli_w

from monitoring import describe, updates
from monitoring.catalog import entries
from monitoring.importers import read_file
from monitoring.ingest import map_to_facts
from tests.test_updates import OWN, cli, copy_store, finished, own_csv, raw, snapshot

HOMELESS = "regionalstatistik-2015-2024-various/22971-0080_2024-01-31_00.csv"
HOMELESS_TABLE = "22971-0080"
FLAT_WITH_QUALITY = "genesis-pystatis-cassettes/12211-Z-11_mikrozensus_Kreise_2011-2019_de_flat_with_quality.csv"
BA_JOBSEEKERS = ["ba-statistik-migration-export-2025/2015_arbeitsuchende_ausländer_nachaltersgruppe.csv",
                 "ba-statistik-migration-export-2025/2015_arbeitsuchende_insgesamt_nachaltersgruppe.csv"]
FOREIGNERS_TOTAL = "Ausländer | Insgesamt | Insgesamt"  # header path: nationality | sex | age group
ALL_TOTAL = "Insgesamt | Insgesamt | Insgesamt"
NAME = "Anteil der Ausländerinnen und Ausländer an den untergebrachten Wohnungslosen (beschrieben)"
DISTRICTS = {"08216": "Rastatt", "08117": "Göppingen", "08226": "Rhein-Neckar-Kreis"}


def homeless_description(**changes) -> dict:
    data = {"name": NAME, "handlungsfeld": "Wohnen", "unit": "%", "concept": "Ausländer", "level": "Kreis",
            "direction": "neutral", "caveats": "Stichtag 31.01.; nur untergebrachte Personen.",
            "numerator": {"measure": FOREIGNERS_TOTAL, "name": "Untergebrachte wohnungslose Ausländer (beschrieben)"},
            "denominator": {"measure": ALL_TOTAL, "name": "Untergebrachte wohnungslose Personen (beschrieben)"}}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def raw_homeless_counts(ags: str) -> tuple[int, int]:
    """(foreigners, all) of a district, read from the raw file with the csv module: the header rows name
    nationality, sex and age group per column; nothing of the project's importer is used."""
    with raw(HOMELESS).open(encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    headers = [r for r in rows[:12] if r[:3] == ["", "", ""]]
    nationality, sex, age = headers
    column = {(nationality[i], sex[i], age[i]): i for i in range(3, len(age))}
    row = next(r for r in rows if len(r) > 3 and r[1] == ags)
    return (int(row[column[("Ausländer", "Insgesamt", "Insgesamt")]]),
            int(row[column[("Insgesamt", "Insgesamt", "Insgesamt")]]))


def forget_table(data_dir: Path, table: str) -> None:
    """If the reviewed catalogue has meanwhile learned this table, take its rules out of this copy of data/, so the
    file is new here (the database of the copy is then rebuilt aside by the preview)."""
    path = data_dir / "indicators.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    changed = False
    for entry in data["indicator"]:
        series = entry.get("series", [])
        kept = [s for s in series if s.get("table") != table and s.get("statistic") != table[:5]]
        if len(kept) != len(series):
            entry["series"], changed = kept, True
    if changed:
        path.write_text(tomli_w.dumps(data), encoding="utf-8")


@pytest.fixture
def store(tmp_path):
    store = copy_store(tmp_path)
    forget_table(store[0], HOMELESS_TABLE)
    return store


def without_lock(files: dict[str, str]) -> dict[str, str]:
    """A snapshot without the store's lock file (taking the lock creates it, and that is all it changes)."""
    return {path: digest for path, digest in files.items() if not path.endswith("/.lock")}


def german(number: float, decimals: int = 0) -> str:
    """1950 -> "1.950", 91.98 -> "92,0" (written out here, not with the project's formatter)."""
    return f"{number:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def db_values(db_file: Path, indicator: str) -> dict[str, float]:
    with duckdb.connect(str(db_file), read_only=True) as con:
        rows = con.execute("SELECT ags, value FROM facts WHERE indicator = $i AND category = ''",
                           {"i": indicator}).fetchall()
    return dict(rows)


def offer_of(relative: str) -> describe.Offer:
    path = raw(relative)
    return describe.offer(read_file(path), path.name)


# ── what a file offers, and the rules a description makes (pure) ─────────────────────────────────────────────


def test_offer_lists_the_header_paths_of_a_table_csv():
    offer = offer_of(HOMELESS)
    assert offer.table == HOMELESS_TABLE and offer.layout == "genesis_table"
    assert FOREIGNERS_TOTAL in offer.measures and ALL_TOTAL in offer.measures
    assert len(offer.measures) == 4 * 3 * 7  # (Deutsche, Ausländer, Insgesamt) × 4 sexes × 7 age groups
    assert offer.dimensions == {}  # no row labels beside the region
    assert offer.levels == ("Kreis",) and offer.period_type == "Stichtag" and offer.periods == ("2024-01-31",)


def test_a_flat_description_selects_exactly_the_chosen_category():
    path = raw(FLAT_WITH_QUALITY)
    observations = read_file(path)
    offer = describe.offer(observations, path.name)
    assert set(offer.dimensions["LBFORM01"]) == {"LB-INS", "PAAROK", "FAMILIEN", "ALLEINST"}
    description = describe.parse_description({
        "name": "Familien (Mikrozensus, beschrieben)", "handlungsfeld": "Bevölkerung", "unit": "1.000",
        "numerator": {"measure": "LBFMZ01", "categories": {"LBFORM01": "FAMILIEN"}}})
    described = describe.build(description, offer, entries())
    assert described.entries[0]["series"] == [{"table": "12211-Z-11", "measure": "LBFMZ01",
                                               "dims": {"LBFORM01": "FAMILIEN"}}]
    facts = map_to_facts(observations, describe.rules(described.entries))
    families = observations[observations["dims"] == "LBFORM01=FAMILIEN"]
    assert len(facts) == len(families[families["ags"].str.fullmatch(r"DG|\d{2}|\d{5}")])
    assert set(facts["indicator"]) == {described.id}


def test_files_of_one_table_are_offered_together_and_a_dimension_without_total_must_be_chosen():
    offers = [offer_of(p) for p in BA_JOBSEEKERS]
    offer = offers[0].merged(offers[1])
    assert set(offer.dimensions["Staatsangehörigkeit"]) == {"Ausländer", "Insgesamt"}
    assert offer.level == "Deutschland"
    measure = offer.measures[0]
    without = describe.parse_description({"name": "Arbeitsuchende unter 25 (beschrieben)",
                                          "handlungsfeld": "Arbeit", "unit": "Personen",
                                          "numerator": {"measure": measure}})
    with pytest.raises(describe.DescriptionError, match="für das Merkmal „Merkmal“ eine Kategorie wählen"):
        describe.build(without, offer, entries())
    chosen = describe.parse_description({
        "name": "Ausländische Arbeitsuchende unter 25 (beschrieben)", "handlungsfeld": "Arbeit", "unit": "%",
        "numerator": {"measure": measure, "categories": {"Merkmal": "unter 25 Jahre",
                                                         "Staatsangehörigkeit": "Ausländer"}},
        "denominator": {"measure": measure, "categories": {"Merkmal": "unter 25 Jahre",
                                                           "Staatsangehörigkeit": "Insgesamt"}}})
    described = describe.build(chosen, offer, entries())
    assert [e["kind"] for e in described.entries] == ["count", "count", "share"]
    assert described.main["level"] == "Deutschland" and described.main["factor"] == 100.0
    assert described.entries[0]["series"][0]["dims"] == "Merkmal=unter 25 Jahre;Staatsangehörigkeit=Ausländer"


def test_a_description_made_on_the_page_is_the_same_as_a_snippet():
    description = describe.parse_description(homeless_description(factor=100, decimals=1))
    assert describe.parse_description(tomllib.loads(description.as_toml())) == description


# ── invalid descriptions: refused with a German message saying what is wrong ─────────────────────────────────


@pytest.mark.parametrize(("changes", "message"), [
    ({"numerator": {"measure": "Ausländer | Insgesamt | alle"}},
     "Zähler: die Messgröße „Ausländer | Insgesamt | alle“ gibt es in der Datei nicht"),
    ({"denominator": {"measure": "Staatenlose | Insgesamt | Insgesamt"}},
     "Nenner: die Messgröße „Staatenlose | Insgesamt | Insgesamt“ gibt es in der Datei nicht"),
    ({"numerator": {"measure": FOREIGNERS_TOTAL, "categories": {"Geschlecht": "divers"}}},
     "das Merkmal „Geschlecht“ gibt es in der Datei nicht"),
    ({"name": ""}, "Name fehlt"),
    ({"name": None}, "Name fehlt"),
    ({"unit": "  "}, "Einheit fehlt"),
    ({"id": "bevoelkerung"}, "die Kennung „bevoelkerung“ gibt es schon im Katalog"),
    ({"name": "Bevölkerung"}, "eine Kennzahl mit dem Namen „Bevölkerung“ gibt es schon im Katalog"),
    ({"id": "Anteil Wohnungslose"}, "darf nur Kleinbuchstaben, Ziffern und _ enthalten"),
    ({"handlungsfeld": "Wohnungsmarkt"}, "Handlungsfeld „Wohnungsmarkt“ ist nicht erlaubt"),
    ({"concept": "Migranten"}, "Konzept „Migranten“ ist nicht erlaubt"),
    ({"level": "Gemeinde"}, "Ebene „Gemeinde“ ist nicht erlaubt"),
    ({"name": "=HYPERLINK(\"x\")"}, "Name beginnt mit „=“"),
    ({"denominator": {"indicator": "gibt_es_nicht"}}, "Nenner: eine Kennzahl „gibt_es_nicht“ gibt es im Katalog nicht"),
    ({"denominator": {"indicator": "auslaenderanteil"}}, "ist selbst ein Anteil"),
    ({"denominator": {"measure": FOREIGNERS_TOTAL}}, "Zähler und Nenner sind dieselbe Messgröße"),
    ({"factor": 0}, "der Faktor muss größer als 0 sein"),
])
def test_an_invalid_description_is_refused_with_what_is_wrong(changes, message):
    offer = offer_of(HOMELESS)
    with pytest.raises(describe.DescriptionError, match=re.escape(message)) as err:
        describe.build(describe.parse_description(homeless_description(**changes)), offer, entries())
    assert "Beschreibung der Tabelle 22971-0080" in str(err.value)


def test_a_category_the_file_does_not_have_is_refused():
    offer = offer_of(FLAT_WITH_QUALITY)
    description = describe.parse_description({
        "name": "Familien (beschrieben)", "handlungsfeld": "Bevölkerung", "unit": "1.000",
        "numerator": {"measure": "LBFMZ01", "categories": {"LBFORM01": "WG"}}})
    with pytest.raises(describe.DescriptionError, match="die Kategorie „WG“ gibt es im Merkmal „LBFORM01“ der Datei "
                                                        "nicht. Vorhanden: .*„FAMILIEN“"):
        describe.build(description, offer, entries())


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "x", "zaehler": {}}, "unbekannte Angabe\\(n\\) zaehler"),
    ({"name": "x"}, "der Zähler fehlt"),
    ({"name": "x", "numerator": {"measure": "a", "kategorie": "b"}}, "Zähler: unbekannte Angabe\\(n\\) kategorie"),
    ({"name": 5, "numerator": {"measure": "a"}}, "name muss ein Text sein"),
    ({"name": "x", "factor": "100", "numerator": {"measure": "a"}}, "factor muss eine Zahl sein"),
])
def test_a_malformed_snippet_is_refused(data, message):
    with pytest.raises(describe.DescriptionError, match=message):
        describe.parse_description(data)


# ── through the preview: values checked after the build ──────────────────────────────────────────────────────


def preview_described(store, **changes) -> updates.Preview:
    description = describe.parse_description(homeless_description(**changes))
    return updates.preview([raw(HOMELESS)], data_dir=store[0], db_file=store[1], descriptions=[description])


def test_without_a_description_the_new_table_is_offered_not_refused(store):
    result = updates.preview([raw(HOMELESS)], data_dir=store[0], db_file=store[1])
    assert result.rejected.empty and not result.can_apply
    assert [f["status"] for f in result.files] == ["beschreiben"]
    assert list(result.offers) == [HOMELESS_TABLE] and FOREIGNERS_TOTAL in result.offers[HOMELESS_TABLE].measures
    assert "braucht eine Beschreibung" in result.summary() and FOREIGNERS_TOTAL in result.summary()
    with pytest.raises(updates.UpdateError, match="nichts zu übernehmen"):
        updates.apply(result)
    # beside a file that imports, the new table holds the import back unless only the rest is wanted explicitly
    own = ("eigene.csv", own_csv(f"08216;{OWN};2023;120;;Integrationskursträger;"))
    both = updates.preview([raw(HOMELESS), own], data_dir=store[0], db_file=store[1])
    assert both.can_apply and [f["status"] for f in both.files] == ["beschreiben", "ok"]
    with pytest.raises(updates.UpdateError, match="Neue Tabelle\\(n\\) ohne Beschreibung: „22971-0080"):
        updates.apply(both)
    updates.apply(both, allow_rejected=True)
    assert [f["name"] for f in updates.list_imports(data_dir=store[0])[0]["files"]] == ["eigene.csv"]


@pytest.mark.parametrize(("changes", "message"), [
    # Land and Germany only (Integrationskursstatistik) against districts only
    ({"denominator": {"indicator": "integrationskurse_neue_teilnehmende"}},
     "hat Werte für andere Regionen als der Zähler – keine Überschneidung"),
    # foreigners per district exist for 2011 and 2015, the homeless for 31.01.2024
    ({"denominator": {"indicator": "auslaender"}}, "Zähler und Nenner haben keinen gemeinsamen Stichtag"),
    # numerator and denominator swapped: all homeless ÷ foreign homeless
    ({"numerator": {"measure": ALL_TOTAL}, "denominator": {"measure": FOREIGNERS_TOTAL}},
     "der Anteil wäre für \\d+ Wert\\(e\\) über 100 %"),
])
def test_a_description_whose_values_do_not_fit_is_refused_and_changes_nothing(store, changes, message):
    before = snapshot(*store)
    with pytest.raises(describe.DescriptionError, match=message):
        preview_described(store, **changes)
    assert snapshot(*store) == before


def test_a_description_of_a_table_no_file_brings_is_refused(store):
    with pytest.raises(describe.DescriptionError, match="nennt die Tabelle 99999-0001"):
        preview_described(store, table="99999-0001")


def test_an_id_taken_between_preview_and_apply_is_refused_under_the_lock(store):
    result = preview_described(store)
    other = describe.build(describe.parse_description(homeless_description(name="Zuerst beschrieben")),
                           result.described[0].offer, entries(store[0] / "indicators.toml"))
    other.entries[-1]["id"] = result.described[0].id  # the same id, written meanwhile (not through an import)
    (store[0] / "described_indicators.toml").write_text(describe.file_text({}, [other]), encoding="utf-8")
    before = snapshot(*store)
    # the described file is part of data/'s fingerprint (store.INPUT_FILES): the change is seen before the catalogue
    with pytest.raises(updates.UpdateError, match="seit der Vorschau geändert|passt nicht mehr in den Katalog"):
        updates.apply(result)
    assert without_lock(snapshot(*store)) == without_lock(before)


# ── through the command line: preview, apply, values against the raw file, undo, remove ──────────────────────


def test_cli_describes_applies_and_undoes_a_new_table(store, tmp_path):
    data_dir, db_file = store
    snippet = tmp_path / "wohnungslose.toml"
    snippet.write_text(tomli_w.dumps(homeless_description()), encoding="utf-8")

    code, out, err = finished(cli(store, "import", raw(HOMELESS)))
    assert code == 2, err
    assert "--describe" in err and FOREIGNERS_TOTAL in out  # the measures a snippet may name

    before = snapshot(*store)
    code, out, err = finished(cli(store, "import", raw(HOMELESS), "--describe", snippet, "--dry-run"))
    assert code == 0, err
    foreigners, everyone = raw_homeless_counts("08216")
    assert f"Rastatt | 31.01.2024 | {german(foreigners)} | {german(everyone)} | {german(foreigners / everyone * 100, 1)} %" \
        in out
    assert "Baden-Württemberg (Summe von 44 der 44 Kreise)" in out
    assert snapshot(*store) == before  # a dry run writes nothing, not even the description

    code, out, err = finished(cli(store, "import", raw(HOMELESS), "--describe", snippet))
    assert code == 0, err
    import_id = updates.list_imports(data_dir=data_dir)[0]["id"]
    record = tomllib.loads((data_dir / "described_indicators.toml").read_text(encoding="utf-8"))["description"][0]
    share_id, numerator_id, denominator_id = record["id"], *record["indicators"][:2]
    assert record["import_id"] == import_id and record["table"] == HOMELESS_TABLE
    for ags in DISTRICTS:
        foreigners, everyone = raw_homeless_counts(ags)
        assert db_values(db_file, numerator_id)[ags] == foreigners
        assert db_values(db_file, denominator_id)[ags] == everyone
        assert db_values(db_file, share_id)[ags] == pytest.approx(foreigners / everyone * 100)
    code, out, _ = finished(cli(store, "facts", "--ags", "08216", "--indicator", share_id))
    assert code == 0 and "2024-01-31" in out and HOMELESS_TABLE in out

    code, out, err = finished(cli(store, "undescribe", share_id))
    assert code == 1 and "hat noch Werte aus Import" in err  # values first

    code, out, err = finished(cli(store, "undo", import_id))
    assert code == 0, err
    assert db_values(db_file, share_id) == {} and db_values(db_file, numerator_id) == {}
    assert share_id in {e["id"] for e in entries(data_dir / "indicators.toml")}  # the description stays
    code, out, _ = finished(cli(store, "described"))
    assert share_id in out

    # with the description staying, the same table imports again without describing it again
    code, out, err = finished(cli(store, "import", raw(HOMELESS)))
    assert code == 0, err
    second = updates.list_imports(data_dir=data_dir)[0]["id"]
    assert db_values(db_file, numerator_id)["08216"] == raw_homeless_counts("08216")[0]
    assert finished(cli(store, "undo", second))[0] == 0

    code, out, err = finished(cli(store, "undescribe", share_id))
    assert code == 0, err
    assert share_id not in {e["id"] for e in entries(data_dir / "indicators.toml")}
    code, out, err = finished(cli(store, "import", raw(HOMELESS)))
    assert code == 2 and "--describe" in err  # new again


def test_cli_refuses_an_invalid_snippet_with_its_name(store, tmp_path):
    snippet = tmp_path / "kaputt.toml"
    snippet.write_text(tomli_w.dumps(homeless_description(numerator={"measure": "Ausländer | alle"})),
                       encoding="utf-8")
    before = snapshot(*store)
    code, out, err = finished(cli(store, "import", raw(HOMELESS), "--describe", snippet))
    assert code == 1
    assert "Fehler: Beschreibung der Tabelle 22971-0080" in err and "„Ausländer | alle“ gibt es in der Datei nicht" in err
    snippet.write_text("name = \"ohne Ende\n", encoding="utf-8")
    code, out, err = finished(cli(store, "import", raw(HOMELESS), "--describe", snippet))
    assert code == 1 and "Beschreibung „kaputt.toml“: kein gültiges TOML" in err
    assert snapshot(*store) == before
