"""German number, date and period formatting for pages, charts and exports (pure, no Streamlit).

Choices, so every screen, tooltip and download says the same thing:

- Numbers: decimal comma, thousands dot ("1.234,5"); rounding is kaufmännisch (half away from zero, as the
  Statistische Ämter round), done on the decimal text of the float so 2,675 becomes 2,68 and not 2,67.
- Minus: the ASCII hyphen-minus "-" everywhere (also in ``fmt_signed``).  A value copied from the screen then pastes
  into Excel as a number, the CSV export stays plain, and screen readers read it as "minus".  The typographic
  U+2212 would look slightly nicer but breaks both.
- Missing values (None, NaN, NaT, ±inf) print as the en dash "–"; the reason for a gap is told by ``fmt_missing``.
- Zero change prints as "±0" (with the decimals asked for: "±0,0"); a change that rounds to zero is zero,
  never "-0,0".
- Periods: a Stichtag is a full date ("31.12.2015"), a Jahr or Jahresdurchschnitt its year ("2015"), a Schuljahr
  is named by the calendar year it starts in ("2015/16"); the store keeps a Schuljahr as a date in its first year.
- Units follow the number after a normal space ("12,3 %", DIN 5008); a change of a percentage is given in
  Prozentpunkten ("+1,2 Pp."), any other change in the indicator's unit.  A unit may end in a period ("Pp.",
  "je 1.000 Einw."): a sentence that ends with one is closed by ``sentence``, which adds no second period.
- A gap reads "keine Angabe: <reason>" ("keine Angabe: Tabellenfach gesperrt, Aussage nicht sinnvoll"), never
  brackets within brackets: the flag meanings themselves carry no brackets, so a note "12 (vorläufig)" stays flat.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MISSING = "–"  # en dash: printed where there is no value
MINUS = "-"  # hyphen-minus, see the module docstring
PERCENT = "%"
PERCENTAGE_POINTS = "Pp."

# The official special values (Zeichenerklärung of the Statistische Ämter des Bundes und der Länder and of the
# Statistik der Bundesagentur für Arbeit) and the quality marks that can stand beside a value.
FLAG_MEANINGS: dict[str, str] = {
    "-": "nichts vorhanden",
    ".": "Zahlenwert unbekannt oder geheim zu halten",
    "x": "Tabellenfach gesperrt, Aussage nicht sinnvoll",
    "/": "keine Angabe, Zahlenwert nicht sicher genug",
    "...": "Angabe fällt später an",
    "()": "Aussagewert eingeschränkt",
    "*": "von der BA anonymisiert",
    # GENESIS value quality (value_q): "e" marks a final value (the Zensus 2022 marks every value so), "s" an
    # estimate -- as monitoring/importers/common.py reads them.  Older printed tables used "e" for "geschätzt";
    # the importers never produce that meaning.
    "e": "endgültiger Wert",
    "s": "geschätzt",
    "p": "vorläufig",
    "r": "berichtigt",
}
# Marks that say nothing a reader needs beside a value: not repeated in tooltips (flag_note).
QUIET_FLAGS = {"e"}


def is_missing(value) -> bool:
    """True for None, NaN, NaT, pandas NA and ±inf; False for every finite number."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def fmt_number(value, decimals: int = 0, *, thousands: bool = True) -> str:
    """1234.5 -> "1.234,5" (decimals=1); None/NaN -> "–"; -3 -> "-3".

    thousands=False leaves out the thousands dot ("1234,5"), for CSV files that German Excel reads as numbers.
    """
    if is_missing(value):
        return MISSING
    rounded = _round(value, decimals)
    text = f"{abs(rounded):,.{decimals}f}" if thousands else f"{abs(rounded):.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return (MINUS + text) if rounded < 0 else text


def fmt_signed(value, decimals: int = 0) -> str:
    """A change with its sign: "+1,2", "-0,4", "±0" (also when it rounds to zero); None/NaN -> "–"."""
    if is_missing(value):
        return MISSING
    rounded = _round(value, decimals)
    if rounded == 0:
        return "±" + fmt_number(0, decimals)
    return ("+" if rounded > 0 else "") + fmt_number(rounded, decimals)


def fmt_value(value, unit: str | None, decimals: int = 0) -> str:
    """A value with its unit: "12,3 %", "1.234 Personen", "4,5 je 1.000 Einw."; missing -> "–" (no unit)."""
    if is_missing(value):
        return MISSING
    return _with_unit(fmt_number(value, decimals), unit)


def fmt_change(delta, unit: str | None, decimals: int = 0) -> str:
    """A change: for unit "%" in Prozentpunkten ("+1,2 Pp."), else in the unit ("+120 Personen")."""
    if is_missing(delta):
        return MISSING
    return _with_unit(fmt_signed(delta, decimals), PERCENTAGE_POINTS if unit == PERCENT else unit)


def fmt_date(iso_or_date) -> str:
    """"2024-12-31", date, datetime, pandas Timestamp or numpy datetime64 -> "31.12.2024"; missing -> "–".

    A date known only to the month or year (a BA Datenstand "2025-04", "2025") keeps that precision: "04/2025",
    "2025".
    """
    if isinstance(iso_or_date, str):
        text = iso_or_date.strip()
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return f"{text[5:7]}/{text[:4]}"
        if re.fullmatch(r"\d{4}", text):
            return text
    day = to_date(iso_or_date)
    return MISSING if day is None else f"{day.day:02d}.{day.month:02d}.{day.year}"


def fmt_period(period, period_type: str) -> str:
    """A period as the catalogue's period_type names it.

    Stichtag -> "31.12.2015"; Jahr, Jahresdurchschnitt -> "2015"; Schuljahr -> "2015/16" (named by the year it
    starts in).  ``period`` is a date in any form ``fmt_date`` takes, or a year (2015 or "2015").
    """
    if period_type == "Stichtag":
        return fmt_date(period)
    year = period_year(period)
    if year is None:
        return MISSING
    if period_type in ("Jahr", "Jahresdurchschnitt"):
        return str(year)
    if period_type == "Schuljahr":
        return f"{year}/{(year + 1) % 100:02d}"
    raise ValueError(
        f"Unbekannter Zeitbezug „{period_type}“ (erwartet: Stichtag, Jahr, Jahresdurchschnitt, Schuljahr)"
    )


def flag_meaning(flag) -> str:
    """The meaning of a special value or quality mark ("/" -> "keine Angabe, Zahlenwert nicht sicher genug").

    "" (no flag) -> ""; an unknown symbol is named as such rather than hidden.
    """
    if flag is None or (isinstance(flag, float) and math.isnan(flag)):
        return ""
    flag = str(flag).strip()
    if not flag:
        return ""
    return FLAG_MEANINGS.get(flag, f"Sonderzeichen „{flag}“")


def flag_note(flag) -> str:
    """The remark to print beside a value that has one ("p" -> "vorläufig"); "" for no flag or a quiet one ("e")."""
    if flag is None or (isinstance(flag, float) and math.isnan(flag)) or str(flag).strip() in QUIET_FLAGS:
        return ""
    return flag_meaning(flag)


def fmt_missing(flag) -> str:
    """What to print instead of a missing value: "keine Angabe", with the flag's meaning after a colon.

    "/" -> "keine Angabe: Zahlenwert nicht sicher genug", "x" -> "keine Angabe: Tabellenfach gesperrt, Aussage
    nicht sinnvoll", "" -> "keine Angabe".  No brackets, so the text can stand in brackets itself.
    """
    meaning = flag_meaning(flag)
    if not meaning:
        return "keine Angabe"
    reason = re.sub(r"^keine Angabe[,:]?\s*", "", meaning)
    return f"keine Angabe: {reason}" if reason else "keine Angabe"


def sentence(text: str) -> str:
    """Text closed with a period, unless it already ends with one (a unit "Pp." or "je 1.000 Einw.", "…", "!"
    or "?"): "Seit 2015: +5,9 Pp." stays as it is, never "+5,9 Pp.."."""
    text = (text or "").rstrip()
    return text if not text or text.endswith((".", "…", "!", "?")) else text + "."


def to_date(value) -> dt.date | None:
    """Any date-like value (ISO text, date, datetime, Timestamp, datetime64) as a date; missing -> None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # also pandas.Timestamp; NaT is a datetime subclass too
        return None if value != value else value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "dtype") and str(getattr(value, "dtype", "")).startswith("datetime64"):
        text = str(value)
        return None if text == "NaT" else dt.date.fromisoformat(text[:10])
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    if not text or text in ("NaT", "nan", "None", "<NA>"):
        return None
    return dt.date.fromisoformat(text[:10])


def period_year(period) -> int | None:
    """The calendar year of a period given as a date, an ISO text or a year; missing -> None."""
    if period is None:
        return None
    if isinstance(period, (int,)) and not isinstance(period, bool):
        return period
    if isinstance(period, float):
        return None if math.isnan(period) else int(period)
    text = str(period).strip()
    if len(text) == 4 and text.isdigit():
        return int(text)
    day = to_date(period)
    return None if day is None else day.year


def _round(value, decimals: int) -> Decimal:
    try:
        exact = Decimal(repr(float(value)))
    except InvalidOperation as exc:  # pragma: no cover - is_missing catches what float() cannot hold
        raise ValueError(f"keine Zahl: {value!r}") from exc
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return rounded if rounded != 0 else Decimal(0).quantize(Decimal(1).scaleb(-decimals))


def _with_unit(number: str, unit: str | None) -> str:
    unit = (unit or "").strip()
    return f"{number} {unit}" if unit else number


def fmt_megabytes(size: int) -> str:
    """A file size as the page states limits: binary megabytes, German decimal comma, the "50 MB" of the uploader
    (50 × 1024 × 1024 bytes) and of every message alike; under 1 MB in kB."""
    if size < 1024 * 1024:
        return f"{max(round(size / 1024), 1)} kB"
    megabytes = round(size / (1024 * 1024), 1)
    return f"{fmt_number(megabytes, 0 if megabytes == int(megabytes) else 1)} MB"
