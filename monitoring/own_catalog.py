"""The district's own indicators: entries of data/own_indicators.toml added from the page or the command line,
validated like the reviewed catalogue before anything is written."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

import tomli_w

from . import db, store
from .catalog import DIRECTIONS, HANDLUNGSFELDER, catalog_frame, entries, load_catalog, own_catalog_file
from .importers import own_figures
from .store import UpdateError

OWN_SOURCE = own_figures.DEFAULT_SOURCE
FIELD_LABELS = {"name": "Name", "unit": "Einheit", "definition": "Definition", "source": "Quelle", "caveats": "Hinweise"}
LONG_FIELDS = ("definition", "caveats")


def add_indicator(name: str, handlungsfeld: str, unit: str, definition: str, source: str = OWN_SOURCE,
                  direction: str = "neutral", *, concept: str = "alle Personen", period_type: str = "Jahr",
                  caveats: str = "", data_dir: Path | None = None, db_file: Path | None = None) -> str:
    """Add an own-figure indicator to data/own_indicators.toml (validated like the catalogue); returns its id."""
    data_dir, db_file = Path(data_dir or db.DATA_DIR), Path(db_file or db.DB_FILE)
    fields = {"name": name, "unit": unit, "definition": definition, "source": source, "caveats": caveats}
    for key, text in fields.items():
        check_text(key, text, required=key != "caveats")
    if handlungsfeld not in HANDLUNGSFELDER:
        raise UpdateError(f"Handlungsfeld „{handlungsfeld}“ gibt es nicht (erlaubt: {', '.join(HANDLUNGSFELDER)}).")
    if direction not in DIRECTIONS:
        raise UpdateError(f"Richtung „{direction}“ ist nicht erlaubt (erlaubt: {', '.join(sorted(DIRECTIONS))}).")
    catalog_path = data_dir / "indicators.toml"
    with store.lock(data_dir, db_file):
        existing = load_catalog(catalog_path)
        entry = {"id": _new_id(name, set(existing["id"])), "handlungsfeld": handlungsfeld, "name": name.strip(),
                 "definition": definition.strip(), "unit": unit.strip(), "concept": concept, "level": "Kreis",
                 "source": source.strip(), "table": "EIGENE", "direction": direction, "period_type": period_type,
                 "decimals": 1 if unit.strip() == "%" else 0, "kind": "count",
                 "caveats": caveats.strip() or "Eigene Angaben des Kreises, keine amtliche Statistik."}
        own_file = own_catalog_file(catalog_path)
        text = (own_file.read_text(encoding="utf-8") if own_file.is_file() else "") + "\n" + \
            tomli_w.dumps({"indicator": [entry]})
        try:
            added = tomllib.loads(text)["indicator"][-1:]
            catalog_frame(entries(catalog_path) + added)
        except (tomllib.TOMLDecodeError, ValueError) as err:
            raise UpdateError(f"Die Kennzahl passt nicht in den Katalog: {err}") from None
        store.write_atomic(own_file, text.encode("utf-8"))
        db.build_database(data_dir, db_file)
    if db_file == db.DB_FILE:
        db.reset_connection()
    return entry["id"]


def check_text(key: str, text: str, *, required: bool) -> None:
    """Free text for the catalogue: present where required, no control characters, not a spreadsheet formula, not
    longer than a screen line (names) or a paragraph (definitions and caveats)."""
    label = FIELD_LABELS[key]
    text = (text or "").strip()
    if required and not text:
        raise UpdateError(f"{label} fehlt.")
    if text.startswith(own_figures.FORMULA_START):
        raise UpdateError(f"{label} beginnt mit „{text[0]}“ (würde in Tabellenkalkulationen als Formel "
                          "ausgeführt); bitte anders beginnen.")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        raise UpdateError(f"{label} enthält Steuerzeichen.")
    if len(text) > (1000 if key in LONG_FIELDS else 200):
        raise UpdateError(f"{label} ist zu lang.")


def _new_id(name: str, taken: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.lower().replace("ß", "ss").replace("ä", "ae")
                                       .replace("ö", "oe").replace("ü", "ue")).encode("ascii", "ignore").decode()
    base = "eigen_" + (re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:50] or "kennzahl")
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    return candidate
