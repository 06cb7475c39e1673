"""Contracts checked at load: ids in handlungsfelder.toml and in code defaults exist in the catalogue; the catalogue
validator refuses what it must refuse."""
from __future__ import annotations

import tomllib

import pytest

from monitoring import catalog


def fields_entries():
    return tomllib.loads(catalog.FIELDS_FILE.read_text(encoding="utf-8"))["handlungsfeld"]


def test_the_shipped_handlungsfelder_name_only_catalogue_indicators():
    ids = set(catalog.load_catalog()["id"])
    fields = catalog.load_fields()
    named = {i for field in fields.values() for _key, i in catalog.field_indicator_ids(field)}
    assert named and named <= ids


@pytest.mark.parametrize("change, message", [
    (lambda f: f[0].update(headline="esu_gibtsnicht"), "headline = esu_gibtsnicht"),
    (lambda f: f[1]["tiles"].append("schueler_x:Ausländer"), "tiles = schueler_x"),
    (lambda f: f[2].update(breakdowns=[["arbeit_y", "Geschlecht"]]), "breakdowns = arbeit_y"),
    (lambda f: f[3].update(slug=f[0]["slug"]), "doppelt"),
])
def test_broken_handlungsfelder_are_refused_with_field_and_entry(change, message):
    fields = fields_entries()
    change(fields)
    with pytest.raises(ValueError, match=message):
        catalog.validate_fields(fields, set(catalog.load_catalog()["id"]))


def test_code_defaults_name_catalogue_indicators():
    from monitoring import ui_kreisvergleich

    ids = set(catalog.load_catalog()["id"])
    assert ui_kreisvergleich.SCATTER_Y in ids and "auslaenderanteil" in ids


def entries():
    return [dict(e) for e in catalog.entries()]


@pytest.mark.parametrize("change, message", [
    (lambda e: e[0].update(handlungsfeld="Sport"), "handlungsfeld = 'Sport'"),
    (lambda e: e[0].update(concept="Herkunft"), "concept"),
    (lambda e: e[0].update(direction="up"), "direction"),
    (lambda e: e[0].update(level="Gemeinde"), "level"),
    (lambda e: e[0].update(kind="ratio"), "kind"),
    (lambda e: e[0].pop("definition"), "definition fehlt"),
    (lambda e: e.append(dict(e[0])), "doppelte ids"),
    (lambda e: next(x for x in e if x.get("kind") == "share").update(denominator="nix"), "Zähler/Nenner"),
])
def test_the_catalogue_validator_refuses(change, message):
    broken = entries()
    change(broken)
    with pytest.raises(ValueError, match=message):
        catalog.catalog_frame(broken)


def test_unknown_keys_in_a_series_rule_are_refused():
    from monitoring.mapping import Rule

    with pytest.raises(ValueError, match="unbekannte Angaben"):
        Rule.from_toml("x", {"table": "12411-01-01-4", "measur": "BEVSTD"})


def test_label_synonyms_must_map_label_to_label(tmp_path):
    path = tmp_path / "indicators.toml"
    path.write_text('[label_synonyms]\n"13211-02-05-4" = { "ausländisch" = 1 }\n[[indicator]]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="label_synonyms"):
        catalog.label_synonyms(path)
