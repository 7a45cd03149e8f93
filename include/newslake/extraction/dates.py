"""Parse publication dates: machine-readable (ISO 8601, RFC 2822) and human-written text.

Human-written dates are read the way the Moroccan and European press writes them: numeric dates
are DAY-FIRST ("11 - 06 - 2024" is 11 June 2024), month names may be French, Spanish, English or
Arabic (including the Maghreb forms "غشت", "شتنبر", "جوان"...), and digits may be Arabic-Indic.

Every parser returns a :class:`FoundDate` (a timezone-aware datetime plus its precision) or
None; none of them raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

PRECISION_DATETIME = "datetime"
PRECISION_DATE = "date"

# Years outside this window are almost always parsing accidents (IDs, prices, phone numbers).
MIN_YEAR = 1990
MAX_YEAR = 2100


@dataclass(frozen=True)
class FoundDate:
    value: datetime  # always timezone-aware
    precision: str  # PRECISION_DATETIME or PRECISION_DATE


def resolve_timezone(name: str | None) -> tzinfo:
    """ZoneInfo for `name`; UTC when the name is empty or unknown (never raises)."""
    if not name or name.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except Exception:
        return timezone.utc


def _aware(value: datetime, default_tz: tzinfo) -> datetime:
    """Attach `default_tz` to naive values; turn dateutil's fixed-offset zones into stdlib ones."""
    if value.tzinfo is None:
        return value.replace(tzinfo=default_tz)
    if isinstance(value.tzinfo, (timezone, ZoneInfo)):
        return value
    offset = value.utcoffset()
    if offset is None:
        return value.replace(tzinfo=default_tz)
    return value.replace(tzinfo=timezone.utc if not offset else timezone(offset))


def _plausible(value: datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


# --- machine-readable dates -------------------------------------------------------------------

_HAS_TIME_RE = re.compile(r"\d{1,2}:\d{2}")
_ISO_DATE_ONLY_RE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{8}\s*$")
# A year and month alone ("2024-06") is too vague to call a publication date.
_YEAR_MONTH_ONLY_RE = re.compile(r"^\s*\d{4}(-\d{1,2})?\s*$")
_YEAR_FIRST_RE = re.compile(r"^\s*\d{4}[-/.]")


def parse_machine_date(value: str | None, default_tz: tzinfo) -> FoundDate | None:
    """Parse a date from metadata (ISO 8601 and friends, RFC 2822); naive -> `default_tz`."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64 or _YEAR_MONTH_ONLY_RE.match(text):
        return None
    parsed: datetime | None = None
    try:
        parsed = dateutil_parser.isoparse(text)
    except (ValueError, OverflowError, TypeError):
        try:
            # RFC 2822 ("Tue, 11 Jun 2024 10:00:00 GMT"), "2015-07-10 09:53:00 -0400" and other
            # verbose forms. Ambiguous numeric dates are day-first, as the sites we follow
            # write them, except when they start with the year.
            year_first = bool(_YEAR_FIRST_RE.match(text))
            parsed = dateutil_parser.parse(text, dayfirst=not year_first, yearfirst=year_first)
        except (ValueError, OverflowError, TypeError, dateutil_parser.ParserError):
            return None
        except Exception:
            return None
    if parsed is None or not _plausible(parsed):
        return None
    has_time = bool(_HAS_TIME_RE.search(text)) and not _ISO_DATE_ONLY_RE.match(text)
    precision = PRECISION_DATETIME if has_time else PRECISION_DATE
    try:
        return FoundDate(_aware(parsed, default_tz), precision)
    except Exception:
        return None


# --- human-written dates ----------------------------------------------------------------------

# Arabic-Indic (U+0660..) and Extended Arabic-Indic / Persian (U+06F0..) digits.
_DIGIT_TRANSLATION = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"
)
# Alef/yeh/teh-marbuta variants that writers use interchangeably.
_ARABIC_LETTER_TRANSLATION = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "enero", "ene",
        "يناير", "جانفي", "كانون الثاني", "ينير"),
    2: ("february", "feb", "fevrier", "fevr", "fev", "febrero",
        "فبراير", "فيفري", "شباط", "فبرير"),
    3: ("march", "mar", "mars", "marzo", "مارس", "اذار"),
    4: ("april", "apr", "avril", "avr", "abril", "abr",
        "ابريل", "افريل", "نيسان", "ابريل"),
    5: ("may", "mai", "mayo", "مايو", "ماي", "ايار"),
    6: ("june", "jun", "juin", "junio", "يونيو", "يونيه", "جوان", "حزيران", "يونيوز"),
    7: ("july", "jul", "juillet", "juil", "julio", "يوليو", "يوليوز", "جويليه", "تموز"),
    8: ("august", "aug", "aout", "agosto", "ago", "اغسطس", "غشت", "اوت", "اب"),
    9: ("september", "sept", "sep", "septembre", "septiembre", "setiembre",
        "سبتمبر", "شتنبر", "ايلول"),
    10: ("october", "oct", "octobre", "octubre", "اكتوبر", "تشرين الاول"),
    11: ("november", "nov", "novembre", "noviembre", "نوفمبر", "نونبر", "تشرين الثاني"),
    12: ("december", "dec", "decembre", "diciembre", "dic", "ديسمبر", "دجنبر", "كانون الاول"),
}
_MONTH_BY_NAME = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH_ALTERNATION = "|".join(
    re.escape(name) for name in sorted(_MONTH_BY_NAME, key=len, reverse=True)
)

# Arabic "at the hour" before a time, written as normalize_for_dates() leaves it: "على" has
# become "علي", so a literal with the original letters would never match.
_ARABIC_AT_HOUR = r"(?:علي\s+)?الساعه"
# Optional time right after a date: "à 14h30", "a las 10:05", "at 9:15 pm", "- 18:00", "، 10:30".
_TIME_PART = (
    r"(?:[\s,،\-–|]*(?:a\s+las|a\s+la|at|a|um|" + _ARABIC_AT_HOUR + r")?\s*"
    r"(?P<hour>\d{1,2})\s*(?:[:h]|heures?)\s*(?P<minute>\d{2})(?!\d)"
    r"(?:\s*(?P<ampm>am|pm|a\.m\.|p\.m\.))?)?"
)
# Day-first numeric: 11/06/2024, 11-06-2024, 11 - 06 - 2024, 11.06.24
_NUMERIC_DAY_FIRST_RE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
    r"(?P<year>\d{4}|\d{2})(?!\d)" + _TIME_PART
)
# ISO-like numeric: 2024-06-11, 2024/06/11
_NUMERIC_YEAR_FIRST_RE = re.compile(
    r"(?<!\d)(?P<year>\d{4})\s*(?P<sep>[/.\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
    r"(?P<day>\d{1,2})(?!\d)" + _TIME_PART
)
# Day month year: "24 novembre 2026", "24 de noviembre de 2026", "1er mai 2024", "24 نوفمبر 2026"
_DAY_MONTH_YEAR_RE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:er|st|nd|rd|th|º|°)?\.?\s*(?:de\s+)?"
    r"(?P<month>" + _MONTH_ALTERNATION + r")\.?\s*(?:de\s+|del\s+|,\s*)?"
    r"(?P<year>\d{4})(?!\d)" + _TIME_PART
)
# Month day, year (English): "June 11, 2024", "Jun. 11 2024"
_MONTH_DAY_YEAR_RE = re.compile(
    r"(?<!\w)(?P<month>" + _MONTH_ALTERNATION + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})(?!\d)" + _TIME_PART
)
_TEXT_DATE_PATTERNS = (
    _NUMERIC_YEAR_FIRST_RE,
    _DAY_MONTH_YEAR_RE,
    _MONTH_DAY_YEAR_RE,
    _NUMERIC_DAY_FIRST_RE,
)


# Combining marks left by NFKD (Latin accents, Arabic harakat) and the Arabic tatweel, which
# only stretches words.
_MARKS_RE = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def normalize_for_dates(text: str) -> str:
    """Lowercase, ASCII digits, no diacritics (é -> e, Arabic harakat dropped), unified alefs."""
    if text.isascii():
        return text.lower()
    text = text.translate(_DIGIT_TRANSLATION)
    without_marks = _MARKS_RE.sub("", unicodedata.normalize("NFKD", text))
    return without_marks.lower().translate(_ARABIC_LETTER_TRANSLATION)


def _month_number(token: str) -> int | None:
    token = token.strip().rstrip(".")
    if token.isdigit():
        number = int(token)
        return number if 1 <= number <= 12 else None
    return _MONTH_BY_NAME.get(" ".join(token.split()))


def _full_year(token: str) -> int:
    year = int(token)
    if len(token) == 2:  # "11.06.24": two-digit years are this century
        year += 2000
    return year


def _build(match: re.Match[str], default_tz: tzinfo) -> FoundDate | None:
    day_token, month_token = match.group("day"), match.group("month")
    if match.re is _NUMERIC_DAY_FIRST_RE and int(month_token) > 12 >= int(day_token):
        day_token, month_token = month_token, day_token  # "06/25/2024" can only be month-first
    day = int(day_token)
    month = _month_number(month_token)
    year = _full_year(match.group("year"))
    if month is None:
        return None
    hour = minute = None
    if match.group("hour") is not None:
        hour, minute = int(match.group("hour")), int(match.group("minute"))
        ampm = (match.group("ampm") or "").replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            hour = minute = None
    try:
        value = datetime(year, month, day, hour or 0, minute or 0, tzinfo=default_tz)
    except ValueError:
        return None
    if not _plausible(value):
        return None
    precision = PRECISION_DATETIME if hour is not None else PRECISION_DATE
    return FoundDate(value, precision)


def parse_text_date(text: str | None, default_tz: tzinfo) -> FoundDate | None:
    """Find the first human-written date in `text` (day-first, fr/es/en/ar month names)."""
    if not text:
        return None
    normalized = normalize_for_dates(text[:2000])
    best: tuple[int, FoundDate] | None = None
    for pattern in _TEXT_DATE_PATTERNS:
        for match in pattern.finditer(normalized):
            found = _build(match, default_tz)
            if found is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), found)
                break
    return best[1] if best else None
