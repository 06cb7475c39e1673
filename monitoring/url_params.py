"""The values a shared link may carry (query string), parsed strictly, and the note about those that were ignored.

One parser per parameter; each returns the parsed value or None (the caller then keeps the default and names the
parameter in the note).  Rules for all of them:

- a value longer than MAX_VALUE_CHARS is refused whole, before anything else looks at it;
- numbers are ASCII digits only (``[0-9]``): ``str.isdigit()`` also accepts "²", "２" or "٢", which ``int()``
  then rejects or silently converts;
- everything else must be one of a given list (the districts, the catalogue, a fixed option set), compared exactly.

What a link asked for is never echoed as it came: the note shows an excerpt of at most EXCERPT_CHARS characters in
which only letters, digits, spaces and "-" survive and every other character becomes "·".  That leaves nothing
Streamlit's Markdown could act on (links, images, HTML, emphasis, LaTeX, ``:shortcodes:``, autolinked
``www.``/``@`` addresses; backslash escapes would not stop the shortcodes, which are replaced after escaping),
while a typo such as "0821" or "1800-3000" stays recognisable.

No Streamlit here: the UI helpers (monitoring/ui.py, monitoring/ui_kreisvergleich.py) read st.query_params and
pass the strings in.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

MAX_VALUE_CHARS = 200
EXCERPT_CHARS = 20
_YEAR = re.compile(r"[0-9]{4}")
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{4})")


def excerpt(value: str) -> str:
    """At most EXCERPT_CHARS characters of a link value, defused for Markdown: letters, digits, space and "-"
    stay, any other character becomes "·"; "…" marks a cut."""
    shown = "".join(c if c.isalnum() or c in " -" else "·" for c in value[:EXCERPT_CHARS])
    return shown + ("…" if len(value) > EXCERPT_CHARS else "")


def _usable(value: str | None) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_VALUE_CHARS else None


def _choice(value: str | None, options: Collection[str]) -> str | None:
    value = _usable(value)
    return value if value is not None and value in options else None


def parse_kreis(value: str | None, districts: Collection[str]) -> str | None:
    """kreis=08216: the AGS of a listed district."""
    return _choice(value, districts)


@dataclass
class Benchmarks:
    """What vergleich= asked for: the entries taken (in link order, no repeats), those that do not exist and the
    valid ones beyond the filter's limit."""
    chosen: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    too_many: list[str] = field(default_factory=list)


def parse_vergleich(value: str | None, districts: Collection[str], *, tokens: Collection[str] = ("land", "de"),
                    limit: int) -> Benchmarks | None:
    """vergleich=land,de,08226: comma-separated tokens (Land, Deutschland) and district codes, at most `limit`
    entries.  None if the value as a whole is unusable (too long)."""
    value = _usable(value)
    if value is None:
        return None
    result = Benchmarks()
    for entry in dict.fromkeys(v for v in value.split(",") if v):
        if entry not in districts and entry not in tokens:
            result.unknown.append(entry)
        elif len(result.chosen) < limit:
            result.chosen.append(entry)
        else:
            result.too_many.append(entry)
    return result


def parse_zeitraum(value: str | None, first: int, last: int) -> tuple[int, int] | None:
    """zeitraum=2005-2015: two four-digit ASCII years, in order, inside the data's years."""
    value = _usable(value)
    match = _PERIOD.fullmatch(value) if value is not None else None
    if match is None:
        return None
    start, end = int(match[1]), int(match[2])
    return (start, end) if first <= start <= end <= last else None


def parse_jahr(value: str | None) -> int | None:
    """jahr=2015: a four-digit ASCII year (whether the indicator has it is the page's question)."""
    value = _usable(value)
    return int(value) if value is not None and _YEAR.fullmatch(value) else None


def parse_indikator(value: str | None, indicators: Collection[str]) -> str | None:
    """indikator=auslaenderanteil: an indicator id of the catalogue (with district values)."""
    return _choice(value, indicators)


def parse_gebiet(value: str | None, scopes: Collection[str]) -> str | None:
    """gebiet=land|DG."""
    return _choice(value, scopes)


def parse_klassen(value: str | None, methods: Collection[str]) -> str | None:
    """klassen=quantile|equal."""
    return _choice(value, methods)


def parse_ansicht(value: str | None, views: Collection[str]) -> str | None:
    """ansicht=karte|rangfolge|…: the slug of a Kreisvergleich tab."""
    return _choice(value, views)


def named(label: str, value: str) -> str:
    """One ignored parameter for the note: 'Kreis „0821“' (the value as a defused excerpt)."""
    return f"{label} „{excerpt(value)}“"


def link_note(unknown: list[str], too_many: list[str] = (), *, limit: int = 0) -> str:
    """The text of the note about a link: unknown values (named with `named`) fall back to the default; valid
    benchmark districts beyond the limit are said to be too many.  "" if there is nothing to say."""
    parts = []
    if unknown:
        parts.append(f"Unbekannte Angabe im Link ignoriert: {', '.join(unknown)}. Es gilt die Voreinstellung.")
    if too_many:
        parts.append(f"Im Link stehen zu viele Einträge für „Vergleich“ (höchstens {limit}); nicht übernommen: "
                     f"{', '.join(excerpt(v) for v in too_many)}.")
    return " ".join(parts)
