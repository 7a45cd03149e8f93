"""Parse publication dates: machine-readable (ISO 8601, RFC 2822) and human-written text.

Human-written dates are read the way the Moroccan and European press writes them: numeric dates
are DAY-FIRST ("11 - 06 - 2024" is 11 June 2024), month names may be French, Spanish, English or
Arabic (including the Maghreb forms "غشت", "شتنبر", "جوان"...), and digits may be Arabic-Indic.

A zone written with the time (a numeric offset, UTC/GMT±N, one of a few abbreviations) wins
over the default zone; a zone we cannot place leaves the day without its time. Values without a
year are completed from the fetch time, never from today, so that re-extracting a stored page
gives the same date.

Every parser returns a :class:`FoundDate` (a timezone-aware datetime plus its precision) or
None; none of them raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
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


# --- time zones written after a time ------------------------------------------------------

# Abbreviations we read as fixed offsets from UTC, in minutes. Ambiguous ones take the meaning
# of the press we read: CST is US Central (not China or Cuba), BST British Summer Time (not
# Bangladesh). IST (India/Israel/Ireland) and AST (Atlantic/Arabia) are too ambiguous to pick
# one: they are left out and count as unknown zones.
_ZONE_OFFSETS = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0,
    "WET": 0, "WEST": 60,  # Western European: Morocco's own zone names
    "CET": 60, "CEST": 120, "BST": 60, "EET": 120, "EEST": 180,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}
# Names that may carry an offset: "GMT+1", "UTC-03:00". Written on a web page, GMT+1 means one
# hour AHEAD of UTC (not the inverted POSIX TZ sign dateutil applies).
_OFFSET_BASES = frozenset({"UTC", "UT", "GMT"})
# What can follow a time as its zone: "PST", "GMT+1", "UTC +01:00", "+0100", "-05:00".
# Case-sensitive: zone names are written in capitals, while "est" and "cet" are French words.
_ZONE_PATTERN = r"(?-i:[A-Z]{1,5}(?:\s*[+\-\u2212]\s*\d{1,2}(?::?\d{2})?)?|[+\-\u2212]\d{2}:?\d{2})(?!\w)"
_ZONE_PARTS_RE = re.compile(
    r"^(?P<name>[A-Z]*)\s*(?:(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?)?$"
)
# Capitals that look like a zone we do not know (IST, AST, JST, AEST, HKT...): most zone
# abbreviations end in T. Other capitals after a time ("AFP", "BY") are not a zone at all.
_ZONE_LIKE_RE = re.compile(r"^[A-Z]{2,4}T$")
MAX_OFFSET_MINUTES = 14 * 60


class _UnknownZone:
    """A zone is written but we cannot tell its offset."""


UNKNOWN_ZONE = _UnknownZone()


def zone_from_text(text: str | None) -> tzinfo | _UnknownZone | None:
    """The zone written after a time: a tzinfo, UNKNOWN_ZONE, or None when `text` is no zone."""
    match = _ZONE_PARTS_RE.match((text or "").strip())
    if match is None:
        return None
    name, sign = match.group("name"), match.group("sign")
    if sign is None:
        if name in _ZONE_OFFSETS:
            return _fixed_zone(_ZONE_OFFSETS[name])
        return UNKNOWN_ZONE if _ZONE_LIKE_RE.match(name) else None
    if name and name not in _OFFSET_BASES:
        # "CET+1", "IST+2": an offset from a zone that is not UTC, or from one we do not know.
        return UNKNOWN_ZONE if name in _ZONE_OFFSETS or _ZONE_LIKE_RE.match(name) else None
    minutes = int(match.group("hours")) * 60 + int(match.group("minutes") or 0)
    if minutes > MAX_OFFSET_MINUTES:
        return None
    return _fixed_zone(-minutes if sign != "+" else minutes)


def _fixed_zone(minutes: int) -> tzinfo:
    return timezone.utc if not minutes else timezone(timedelta(minutes=minutes))


# --- machine-readable dates -------------------------------------------------------------------

_HAS_TIME_RE = re.compile(r"\d{1,2}:\d{2}")
_ISO_DATE_ONLY_RE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{8}\s*$")
# A year and month alone ("2024-06") is too vague to call a publication date.
_YEAR_MONTH_ONLY_RE = re.compile(r"^\s*\d{4}(-\d{1,2})?\s*$")
_YEAR_FIRST_RE = re.compile(r"^\s*\d{4}[-/.]")
# A zone written after the time: "2024-06-11T10:00:00 GMT+1", "Mon, 30 Nov 2026 10:00 CET".
_ZONE_SUFFIX_RE = re.compile(
    r"^(?P<head>.*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)\s*\(?\s*"
    r"(?P<zone>" + _ZONE_PATTERN + r")\s*\)?\s*$"
)
# Two defaults that differ in every field (leap years, 31-day months): whatever the text does
# not give differs between the two parses of it.
_PROBE_DEFAULTS = (datetime(2000, 1, 1), datetime(2004, 3, 3))


def parse_machine_date(
    value: str | None, default_tz: tzinfo, reference: datetime | None = None
) -> FoundDate | None:
    """Parse a date from metadata (ISO 8601 and friends, RFC 2822); naive -> `default_tz`.

    A date without a year ("June 1") takes the latest year that does not put it after
    `reference` (the fetch time), so that the same page always gives the same date; without a
    reference it is dropped, as are values without a day or month ("00:05", "Monday").
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64 or _YEAR_MONTH_ONLY_RE.match(text):
        return None
    try:
        read = _read_machine(text, default_tz, reference)
    except Exception:  # dateutil and datetime raise more than ValueError on arbitrary text
        return None
    if read is None or not _plausible(read[0]):
        return None
    parsed, zone_known = read
    if not zone_known:
        # The text names a zone we cannot read: keep the day as written rather than a time in
        # a zone we would have to guess.
        return FoundDate(datetime.combine(parsed.date(), time(0), tzinfo=default_tz), PRECISION_DATE)
    has_time = bool(_HAS_TIME_RE.search(text)) and not _ISO_DATE_ONLY_RE.match(text)
    return FoundDate(parsed, PRECISION_DATETIME if has_time else PRECISION_DATE)


def _read_machine(
    text: str, default_tz: tzinfo, reference: datetime | None
) -> tuple[datetime, bool] | None:
    """(aware value, whether its zone is known), or None."""
    try:
        return _aware(dateutil_parser.isoparse(text), default_tz), True
    except (ValueError, OverflowError, TypeError):
        return _parse_verbose(text, default_tz, reference)


def _parse_verbose(
    text: str, default_tz: tzinfo, reference: datetime | None
) -> tuple[datetime, bool] | None:
    """RFC 2822 ("Tue, 11 Jun 2024 10:00:00 GMT"), "2015-07-10 09:53:00 -0400" and other
    verbose forms, through dateutil: (aware value, whether its zone is known), or None."""
    zone: tzinfo | _UnknownZone | None = None
    suffix = _ZONE_SUFFIX_RE.match(text)
    if suffix is not None:
        zone = zone_from_text(suffix.group("zone"))
        if zone is not None:
            text = suffix.group("head")  # dateutil would invert "GMT+1" and ignore "CET"
    parsed = _dateutil_parse(text)
    if parsed is None:
        return None
    value, has_year = parsed
    if isinstance(zone, tzinfo):
        value = value.replace(tzinfo=zone)
    value = _aware(value, default_tz)
    if not has_year:
        value = _complete_year(value, reference)
    return (value, zone is not UNKNOWN_ZONE) if value is not None else None


def _dateutil_parse(text: str) -> tuple[datetime, bool] | None:
    """dateutil's reading of `text` and whether the text gave the year; None when it lacks
    the day or the month (dateutil would fill them in from today)."""
    # Ambiguous numeric dates are day-first, as the sites we follow write them, except when
    # they start with the year.
    year_first = bool(_YEAR_FIRST_RE.match(text))
    try:
        first, second = [
            dateutil_parser.parse(text, default=default, dayfirst=not year_first, yearfirst=year_first)
            for default in _PROBE_DEFAULTS
        ]
    except Exception:  # ParserError, OverflowError... on arbitrary page text
        return None
    if (first.month, first.day) != (second.month, second.day):
        return None
    return first, first.year == second.year


def _complete_year(value: datetime, reference: datetime | None) -> datetime | None:
    """A year-less date in its latest year not after `reference`: "Dec 31" fetched on 1 January
    is last year's. None without a reference (today's year would change with the day we run)."""
    if reference is None:
        return None
    year = reference.astimezone(value.tzinfo).year
    for candidate_year in range(year, year - 5, -1):  # back to a leap year for 29 February
        try:
            candidate = value.replace(year=candidate_year)
        except ValueError:
            continue
        if candidate <= reference:
            return candidate
    return None


# --- human-written dates ----------------------------------------------------------------------

# Arabic-Indic (U+0660..) and Extended Arabic-Indic / Persian (U+06F0..) digits.
_DIGIT_TRANSLATION = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"
)
# Alef/yeh/teh-marbuta variants that writers use interchangeably.
_ARABIC_LETTER_TRANSLATION = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})

# Combining marks left by NFKD (Latin accents, Arabic harakat) and the Arabic tatweel, which
# only stretches words.
_MARKS_RE = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def normalize_for_dates(text: str) -> str:
    """Lowercase, ASCII digits, no diacritics (é -> e, Arabic harakat dropped), unified alefs."""
    return _fold(text).lower()


def _fold(text: str) -> str:
    """normalize_for_dates() without the lowercasing: the date patterns ignore case but read
    zone names in capitals only."""
    if text.isascii():
        return text
    text = text.translate(_DIGIT_TRANSLATION)
    without_marks = _MARKS_RE.sub("", unicodedata.normalize("NFKD", text))
    return without_marks.translate(_ARABIC_LETTER_TRANSLATION)


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

# Arabic "at the hour" before a time, as normalize_for_dates() writes it ("على" has become
# "علي"): a literal with the original letters would never match.
_ARABIC_AT_HOUR = r"(?:" + normalize_for_dates("على") + r"\s+)?" + normalize_for_dates("الساعة")
# Optional time right after a date: "à 14h30", "a las 10:05", "at 9:15 pm", "- 18:00", "، 10:30",
# with its zone if one is written: "11:00 PM PST", "15:45 (GMT+1)".
_TIME_PART = (
    r"(?:[\s,،\-–|]*(?:a\s+las|a\s+la|at|a|um|" + _ARABIC_AT_HOUR + r")?\s*"
    r"(?P<hour>\d{1,2})\s*(?:[:h]|heures?)\s*(?P<minute>\d{2})(?!\d)(?::\d{2}(?!\d))?"
    r"(?:\s*(?P<ampm>am|pm|a\.m\.|p\.m\.))?"
    r"(?:\s*\(?\s*(?P<zone>" + _ZONE_PATTERN + r"))?)?"
)
# Day-first numeric: 11/06/2024, 11-06-2024, 11 - 06 - 2024, 11.06.24
_NUMERIC_DAY_FIRST_RE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
    r"(?P<year>\d{4}|\d{2})(?!\d)" + _TIME_PART, re.IGNORECASE
)
# ISO-like numeric: 2024-06-11, 2024/06/11
_NUMERIC_YEAR_FIRST_RE = re.compile(
    r"(?<!\d)(?P<year>\d{4})\s*(?P<sep>[/.\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
    r"(?P<day>\d{1,2})(?!\d)" + _TIME_PART, re.IGNORECASE
)
# Day month year: "24 novembre 2026", "24 de noviembre de 2026", "1er mai 2024", "24 نوفمبر 2026"
_DAY_MONTH_YEAR_RE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:er|st|nd|rd|th|º|°)?\.?\s*(?:de\s+)?"
    r"(?P<month>" + _MONTH_ALTERNATION + r")\.?\s*(?:de\s+|del\s+|,\s*)?"
    r"(?P<year>\d{4})(?!\d)" + _TIME_PART, re.IGNORECASE
)
# Month day, year (English): "June 11, 2024", "Jun. 11 2024"
_MONTH_DAY_YEAR_RE = re.compile(
    r"(?<!\w)(?P<month>" + _MONTH_ALTERNATION + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})(?!\d)" + _TIME_PART, re.IGNORECASE
)
_TEXT_DATE_PATTERNS = (
    _NUMERIC_YEAR_FIRST_RE,
    _DAY_MONTH_YEAR_RE,
    _MONTH_DAY_YEAR_RE,
    _NUMERIC_DAY_FIRST_RE,
)


def _month_number(token: str) -> int | None:
    token = token.strip().rstrip(".")
    if token.isdigit():
        number = int(token)
        return number if 1 <= number <= 12 else None
    return _MONTH_BY_NAME.get(" ".join(token.lower().split()))


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
        ampm = (match.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            hour = minute = None
    zone = zone_from_text(match.group("zone")) if hour is not None else None
    if zone is UNKNOWN_ZONE:
        # "10:05 IST": the time is in a zone we cannot place, and the default zone would make
        # it a wrong instant. Keep the day as written, at date precision.
        hour = minute = None
    tz = zone if isinstance(zone, tzinfo) else default_tz
    try:
        value = datetime(year, month, day, hour or 0, minute or 0, tzinfo=tz)
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
    return _first_text_date(_fold(text[:2000]), default_tz)


# Words that say which date follows (matched on _fold() text, ignoring case): "Publié le",
# "Published", "Publicado", "نشر" / "تاريخ النشر"; "Mis à jour", "Updated", "Actualizado",
# "آخر تحديث".
_PUBLISHED_CUE_RE = re.compile(r"(?<!\w)(?:publiee?|published|publicad[oa]|(?:ال)?نشرت?)(?!\w)", re.IGNORECASE)
_UPDATED_CUE_RE = re.compile(
    r"(?<!\w)(?:mise?\s+a\s+jour|updated|actualizad[oa]|(?:ال)?تحديث)(?!\w)", re.IGNORECASE
)


def parse_published_text_date(text: str | None, default_tz: tzinfo) -> FoundDate | None:
    """Like parse_text_date, but when `text` announces both a publication and an update
    ("Mis à jour le 12/06/2024 | Publié le 11/06/2024") the date after the publication cue."""
    if not text:
        return None
    folded = _fold(text[:2000])
    published = _PUBLISHED_CUE_RE.search(folded)
    if published is not None and _UPDATED_CUE_RE.search(folded):
        found = _first_text_date(folded[published.end():], default_tz)
        if found is not None:
            return found
    return _first_text_date(folded, default_tz)


def _first_text_date(folded: str, default_tz: tzinfo) -> FoundDate | None:
    best: tuple[int, FoundDate] | None = None
    for pattern in _TEXT_DATE_PATTERNS:
        for match in pattern.finditer(folded):
            found = _build(match, default_tz)
            if found is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), found)
                break
    return best[1] if best else None
