"""The one config loader: the sources YAML file and the run settings.

The sources file drives the DAG factory (one DAG per entry), so it is read at DAG parse time:
it must stay cheap (YAML + pydantic, no network) and an invalid file must fail with a message
that names the file, the entry and the field — Airflow shows that message as the DAG file's
import error in the UI.

Settings (where the lake is, which connection holds the S3 credentials, the user agent...) are
read at task run time through a lookup function, so the Airflow adapter can resolve them from
Airflow Variables and everything else from ``NEWSLAKE_*`` environment variables.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
import re
import zoneinfo
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# The sources file's location and ${NAME} syntax are shared with the DAG files' cached view of it.
from newslake.dag_sources import DEFAULT_SOURCES_FILE, ENV_REFERENCE, PROJECT_DAG_IDS, source_dag_id, sources_file_path  # noqa: F401 (re-exported)

# libyaml's safe loader when PyYAML was built with it: the sources file is read at every DAG parse,
# and the pure-Python loader was the largest part of reading a 50-source file (bench/dag_parse.py).
_YAML_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(yaml.YAMLError):
    """A key repeated in one mapping of the sources file (YAML itself keeps only the last)."""


class _SourcesLoader(_YAML_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader above, refusing a key repeated in a mapping: YAML keeps the last one, so a
    second ``sources:`` list or a second ``feeds:`` of an entry silently replaced the first.

    The check looks at the composed nodes before anything is constructed: there a ``<<`` merge
    key is still its own key (a key after ``<<: *anchor`` overrides the merged one, as YAML means
    it), and an aliased node is looked at once."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        self._refuse_duplicate_keys(node)
        return self.construct_document(node)

    def _refuse_duplicate_keys(self, root: yaml.Node) -> None:
        seen: set[int] = set()
        pending = [root]  # a list, not recursion: nesting may be deep
        while pending:
            node = pending.pop()
            if id(node) in seen or isinstance(node, yaml.ScalarNode):
                continue
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                pending.extend(node.value)
                continue
            first_nodes: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                pending.extend((key_node, value_node))
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                try:
                    first = first_nodes.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the constructor refuses it in its own words
                    continue
                if first is not key_node:
                    mark = key_node.start_mark
                    raise DuplicateKeyError(
                        f"line {mark.line + 1}, column {mark.column + 1}: duplicate key {key!r} (first on line "
                        f"{first.start_mark.line + 1}): a key may appear once in a mapping (YAML would keep only the last value)"
                    )

SOURCE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
# The 183 ISO 639-1 language codes in force (the registration authority's list; also those of
# babel's CLDR data). Withdrawn ones are not accepted: iw, in, ji, jw, mo (now he, id, yi, jv, ro)
# and sh (Serbo-Croatian: hr, sr or bs). Every two-letter code py3langid detects is here.
ISO_639_1_CODES = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
    ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io
    is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr
    ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si
    sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu""".split()
)


# Source URLs are data: each is stored in the lake (fetch_log, the raw zone's manifests) and logged
# by the HTTP client. A credential in one (user:password@, or a query parameter named like one)
# would be copied into both, so the loader refuses such URLs, masking the value in its message.
CREDENTIAL_PARAMETERS = frozenset(
    {"access_token", "api_key", "api-key", "apikey", "auth_token", "client_secret", "password", "passwd", "secret", "token",
     "x-amz-credential", "x-amz-security-token", "x-amz-signature"}
)


def _split(url: str) -> SplitResult:
    """urlsplit, its error ("Invalid IPv6 URL") quoting the URL, any user:password@ masked."""
    try:
        return urlsplit(url)
    except ValueError as exc:
        masked = re.sub(r"(?<=//)[^/?#]*@", "***@", url)
        raise ValueError(f"{masked!r} is not a valid URL: {exc}") from None


def refuse_credentials(url: str) -> str:
    """``url`` itself; ValueError (the secret masked) if it carries user:password@ or a credential parameter."""
    parts = _split(url)
    netloc, problem = parts.netloc, None
    if "@" in netloc:
        netloc, problem = "***@" + netloc.rpartition("@")[2], "credentials (user:password@host)"
    pairs = []
    for pair in parts.query.split("&") if parts.query else []:
        name = unquote_plus(pair.partition("=")[0]).strip()
        if name.lower() in CREDENTIAL_PARAMETERS:
            problem = problem or f"a credential (query parameter {name!r})"
            pair = pair.partition("=")[0] + "=***"
        pairs.append(pair)
    if problem:
        masked = urlunsplit((parts.scheme, netloc, parts.path, "&".join(pairs), parts.fragment))
        raise ValueError(f"{masked!r} carries {problem}: source URLs are stored in the lake and logged, so they must hold no secret")
    return url


# A label of a host name: letters, digits, hyphens inside (and underscores, which some real hosts have).
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def check_http_url(url: str, *, shown: str | None = None) -> str:
    """``url`` itself if it is an absolute http(s) URL that can be fetched as written; else
    ValueError quoting it (or ``shown``: the archive template it was filled from).

    Whitespace, a backslash or a control character anywhere is refused (a YAML-folded URL holds a
    space, a quoted one may end with a newline), and so are a port that is not 1-65535 and a host
    that is not a host name, an IPv4 address or a bracketed IPv6 address. Credentials are refused
    first (``refuse_credentials``), so no message here can quote a secret."""
    quoted = repr(url if shown is None else shown)
    refuse_credentials(url)
    # isprintable() is False for a control character and for any whitespace but the space: one
    # pass in C for the usual URL, the loop only finds the character to name.
    for character in url if not url.isprintable() or " " in url or "\\" in url else ():
        if character.isspace():
            raise ValueError(f"{quoted} holds whitespace ({character!r}): a URL has none (a space in a path is written %20)")
        if character == "\\":
            raise ValueError(f"{quoted} holds a backslash: a URL separates its parts with / (a backslash in a path is written %5C)")
        if not character.isprintable():
            raise ValueError(f"{quoted} holds the control character (or other non-printable one) {character!r}")
    if not re.match(r"https?://", url):
        raise ValueError(f"{quoted} is not an http(s) URL (it starts with http:// or https://, in lower case)")
    netloc = _split(url).netloc
    host, port = netloc, None
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        if rest:
            port = rest.removeprefix(":") if rest.startswith(":") else rest
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{quoted} has an invalid IPv6 address {host!r}") from None
    else:
        host, colon, port_text = host.rpartition(":") if ":" in host else (host, "", "")
        port = port_text if colon else None
        problem = _host_name_problem(host)
        if problem:
            raise ValueError(f"{quoted} has {problem}")
    if port is not None and not (re.fullmatch(r"[0-9]{1,5}", port) and 1 <= int(port) <= 65535):
        raise ValueError(f"{quoted} has an invalid port {port!r}: a number from 1 to 65535")
    return url


def _host_name_problem(host: str) -> str | None:
    """Why ``host`` (as written in a URL, without port) is no host name or IPv4 address, or None."""
    if not host:
        return "no host"
    name = host.lower().removesuffix(".")  # a trailing dot: the fully qualified form
    try:
        ascii_name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        return f"an invalid host {host!r} (not a valid internationalised domain name)"
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return f"an invalid host {host!r} (a host name is dot-separated labels of letters, digits and inner hyphens)"
    # A last label of digits makes it an IPv4 address, as browsers and httpx read it: it must be one.
    if labels[-1].isdigit():
        try:
            ipaddress.IPv4Address(ascii_name)
        except ValueError:
            return f"an invalid host {host!r} (ending in a number, it is read as an IPv4 address, and is no valid one)"
    return None


# Numbers, flags and dates are not converted from a value of another type (pydantic would read
# true as 1, 1 or "yes" as true, 1767225600 as a Unix timestamp). A string is read as the field's
# type, strictly: a ${VAR} always expands to one (requests_per_second: ${RPS}).
def _number_not_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a boolean, not a number (YAML reads an unquoted true/false/yes/no/on/off as one)")
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{value!r} is not true or false")


def _day(value: Any) -> Any:
    if isinstance(value, dt.date):  # as YAML reads 2026-01-01 (a datetime: pydantic wants a zero time)
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date: {exc}") from None
    if isinstance(value, bool):
        found = f"{str(value).lower()} is a boolean, not a date"
    elif isinstance(value, (int, float)):
        found = f"{value!r} is a number, not a date"
    else:
        found = f"{value!r} is not a date"
    raise ValueError(f"{found}: write the day as YYYY-MM-DD (e.g. 2026-01-01)")


Integer = Annotated[int, BeforeValidator(_number_not_boolean)]
Number = Annotated[float, BeforeValidator(_number_not_boolean)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Day = Annotated[dt.date, BeforeValidator(_day)]


# A feed's or sitemap's URL, checked item by item so that an error names its place (feeds.1).
HttpUrlText = Annotated[str, AfterValidator(check_http_url)]


# Files of a zoneinfo folder that are not time zones of the IANA database: a copy of the machine's
# own zone, the POSIX-rules template, tzdata's placeholder zone, and the leap-second and POSIX variants.
_NOT_IANA_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_IANA_ZONE_FOLDERS = ("right/", "posix/")


@functools.lru_cache(maxsize=1)
def iana_time_zones() -> frozenset[str]:
    """The IANA time zone names (zoneinfo.available_timezones(): the tzdata package's and the
    system's), less those that are only files of a zoneinfo folder (localtime, Factory, right/...):
    ZoneInfo opens those too, but a day boundary must be a real zone's."""
    return frozenset(
        name for name in zoneinfo.available_timezones()
        if name not in _NOT_IANA_ZONES and not name.startswith(_NOT_IANA_ZONE_FOLDERS)
    )


class SourcesConfigError(ValueError):
    """The sources file is unreadable or invalid; the message names the file, entry and field."""


def field_error(field: str, message: str) -> PydanticCustomError:
    """A model validator's error blamed on one of the model's fields: ``_describe`` names it after
    the model's own location (``quality.min_text_chars``, not ``quality``)."""
    return PydanticCustomError("field_conflict", "{message}", {"field": field, "message": message})


def _limit_conflict(model: BaseModel, low_name: str, high_name: str, both_set_blames: str, describe: Callable[[int, int], str]) -> None:
    """Raise if ``low_name`` exceeds ``high_name``, blaming the one the file set (``both_set_blames``
    when both are); the other side may be at its default, which ``describe`` says."""
    low, high = getattr(model, low_name), getattr(model, high_name)
    if low <= high:
        return
    given = [name for name in (low_name, high_name) if name in model.model_fields_set]
    raise field_error(given[0] if len(given) == 1 else both_set_blames, describe(low, high))


ARCHIVE_PLACEHOLDERS = {"yyyy", "mm", "dd", "date"}


class ArchiveConfig(BaseModel):
    """A date archive of a source (one listing page per day), for days the feed forgot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url_template: str = Field(description="e.g. https://site/archives/{yyyy}/{mm}/{dd}/ ({date} = ISO day)")
    link_selector: str = Field(default="a[href]", min_length=1, description="CSS selector of the article links")
    next_selector: str | None = Field(default=None, description="CSS selector of the next page link")
    max_pages: Integer = Field(default=5, ge=1, le=50)

    @field_validator("url_template")
    @classmethod
    def _template_is_a_dated_http_url(cls, value: str) -> str:
        import string

        refuse_credentials(value)
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"{value!r}: {exc}") from None
        if not names or not names <= ARCHIVE_PLACEHOLDERS:
            raise ValueError(f"{value!r} must use {{yyyy}}, {{mm}}, {{dd}} or {{date}} and nothing else (found {sorted(names)})")
        # Fill it in as the pipeline will (ArchiveSpec.url_for) and check the URL it makes, so that
        # "{yyyy:d}" or "http://[/{date}" fail here rather than in a discover task or the DAG file.
        try:
            filled = value.format(yyyy="2026", mm="01", dd="01", date="2026-01-01")
        except (ValueError, IndexError, KeyError, AttributeError, TypeError) as exc:
            raise ValueError(f"{value!r}: {exc}") from None
        check_http_url(filled, shown=value)
        return value

    @field_validator("link_selector", "next_selector")
    @classmethod
    def _selector_is_css(cls, value: str | None) -> str | None:
        if value is None:
            return value
        # Translated to XPath by the same HTML rules discover's lxml CSSSelector uses (cssselect), without
        # importing lxml: the sources file is validated at every DAG parse.
        import cssselect

        try:
            cssselect.HTMLTranslator().css_to_xpath(value)
        except cssselect.SelectorError as exc:
            raise ValueError(f"{value!r} is not a CSS selector: {exc}") from None
        return value


VOLUME_ACTIONS = ("warn", "fail")


class VolumeConfig(BaseModel):
    """Volume monitoring of a source (newslake.volume): the day's article count against the
    median of the source's previous days in the run_metrics table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback_days: Integer = Field(default=14, ge=1, le=366, description="days before D whose counts make the median")
    min_history_days: Integer = Field(default=5, ge=1, description="fewer days with a count: verdict insufficient_history")
    drop_factor: Number = Field(default=0.5, ge=0, le=1, description="a drop: count < median x drop_factor")
    spike_factor: Number = Field(default=3.0, ge=1, description="a spike: count > median x spike_factor")
    action: str = Field(default="warn", description="warn (log and publish) or fail (quarantine, task fails)")

    @field_validator("action")
    @classmethod
    def _action_is_known(cls, value: str) -> str:
        if value not in VOLUME_ACTIONS:
            raise ValueError(f"{value!r} is not one of {list(VOLUME_ACTIONS)}")
        return value

    # After the model, not on a field: a field validator does not run on a field left at its
    # default, so {lookback_days: 3} passed against the default min_history_days of 5.
    @model_validator(mode="after")
    def _history_fits_in_the_lookback(self) -> VolumeConfig:
        fields_set = self.model_fields_set

        def describe(history: int, lookback: int) -> str:
            if "min_history_days" in fields_set:
                default = "" if "lookback_days" in fields_set else " (the default lookback_days)"
                return f"{history} days of history can never be found in a lookback of {lookback} days{default}"
            return f"a lookback of {lookback} days can never hold min_history_days ({history}, the default) days of history"

        _limit_conflict(self, "min_history_days", "lookback_days", "min_history_days", describe)
        return self


class QualityConfig(BaseModel):
    """Per-source thresholds of the articles contract (include/quality/articles_suite.yaml fills
    its ${quality.<name>} placeholders from here) and which expectations only warn."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_text_chars: Integer = Field(default=200, ge=0, description="shortest article text, in characters")
    max_text_chars: Integer = Field(default=200_000, ge=1, description="longest article text (a page dump, not an article)")
    min_title_chars: Integer = Field(default=3, ge=0)
    max_title_chars: Integer = Field(default=300, ge=1)
    max_duplicate_share: Number = Field(default=0.5, ge=0, le=1, description="of the URLs fetched, share skipped as duplicates")
    max_failed_fetch_share: Number = Field(default=0.5, ge=0, le=1, description="of the URLs fetched, share that failed")
    warn_only: tuple[str, ...] = Field(default=(), description="expectation ids (or id.column) that warn instead of blocking")

    # After the model, not on a field: a field validator does not run on a field left at its
    # default, so {min_text_chars: 300000} passed against the default max_text_chars of 200000.
    @model_validator(mode="after")
    def _max_is_not_below_min(self) -> QualityConfig:
        fields_set = self.model_fields_set
        for what in ("text", "title"):
            low_name, high_name = f"min_{what}_chars", f"max_{what}_chars"

            def describe(low: int, high: int, low_name: str = low_name, high_name: str = high_name) -> str:
                if high_name in fields_set:
                    default = "" if low_name in fields_set else ", the default"
                    return f"{high} is below {low_name} ({low}{default})"
                return f"{low} is above {high_name} ({high}, the default)"

            _limit_conflict(self, low_name, high_name, high_name, describe)
        return self

    @field_validator("warn_only")
    @classmethod
    def _expectations_exist(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Each name is a check build_checks makes: an expectation id, or ``id.<column>`` for an
        id with ``for_each`` (one check per column), the column one it is made for."""
        from newslake.validate import load_suite

        entries = {entry["id"]: entry for entry in load_suite()["expectations"]}
        for name in value:
            base, dot, column = name.partition(".")
            entry = entries.get(base)
            if entry is None:
                raise ValueError(f"{name!r} is not an expectation id of the articles suite (known: {', '.join(sorted(entries))})")
            if not dot:
                continue
            if "for_each" not in entry:
                raise ValueError(f"{name!r}: {base} takes no column (it is one check: write {base!r})")
            columns = _per_column_checks(base)
            if columns is not None and column not in columns:
                raise ValueError(f"{name!r}: {base} has no check of column {column!r} (its columns: {', '.join(columns)})")
        return value


def _per_column_checks(expectation_id: str) -> list[str] | None:
    """The columns the suite's ``for_each`` expectation ``expectation_id`` checks, as build_checks
    expands it, or None if its list is not one of the schema's.

    Read from ``lake.ARTICLE_COLUMNS``, not from the Arrow schema: this runs when a DAG file is
    parsed, which must not import pyarrow. ``article_column_placeholders`` gives the column lists
    ``validate.schema_placeholders`` gives (a test holds them equal)."""
    from newslake.validate import SuiteError, fill, load_suite

    entry = next(entry for entry in load_suite()["expectations"] if entry["id"] == expectation_id)
    try:
        items = fill(entry["for_each"], article_column_placeholders())
        return [item["column"] for item in items]
    except (SuiteError, KeyError, TypeError):
        return None  # a list from another placeholder: build_checks reports a broken suite itself


def article_column_placeholders() -> dict[str, Any]:
    """The suite's ``${schema.*}`` lists, columns only, from ``lake.ARTICLE_COLUMNS`` (every type
    in it is one ``schema.typed`` pins)."""
    from newslake.lake import ARTICLE_COLUMNS

    return {
        "schema.columns": [name for name, *_ in ARTICLE_COLUMNS],
        "schema.typed": [{"column": name} for name, *_ in ARTICLE_COLUMNS],
        "schema.required": [{"column": name} for name, _kind, nullable, _doc in ARTICLE_COLUMNS if not nullable],
    }


class Source(BaseModel):
    """One news source: an outlet or an aggregator, crawled through its feeds and sitemaps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SOURCE_ID_PATTERN, description="lake partition key and DAG id suffix")
    name: str = Field(min_length=1)
    languages: tuple[str, ...] = Field(min_length=1)
    timezone: str = "UTC"
    feeds: tuple[HttpUrlText, ...] = ()
    sitemaps: tuple[HttpUrlText, ...] = ()
    archives: tuple[ArchiveConfig, ...] = ()
    # Also crawl the sitemaps the hosts' robots.txt announce.
    robots_sitemaps: Flag = False
    aggregator: Flag = False
    requests_per_second: Number = Field(default=1.0, gt=0, le=100)
    start_date: Day = dt.date(2026, 1, 1)
    owner: str = "newslake"
    # Airflow pool the source's network tasks run in; default: one pool per host (see host_pool).
    pool: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,200}$")
    volume: VolumeConfig = VolumeConfig()
    quality: QualityConfig = QualityConfig()

    @field_validator("id")
    @classmethod
    def _id_is_not_a_project_dag(cls, value: str) -> str:
        dag_id = source_dag_id(value)
        if dag_id in PROJECT_DAG_IDS:
            raise ValueError(
                f"{value!r} would make the DAG id {dag_id!r}, which is the project's own DAG (dags/{dag_id}.py): choose another id"
            )
        return value

    @field_validator("languages")
    @classmethod
    def _languages_are_iso_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if code not in ISO_639_1_CODES:
                hint = " (codes are lower case)" if code.lower() in ISO_639_1_CODES else ""
                raise ValueError(f"{code!r} is not an ISO 639-1 code such as 'fr' or 'ar'{hint}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        if value not in iana_time_zones():
            raise ValueError(f"unknown IANA timezone {value!r} (a name such as 'Africa/Casablanca' or 'UTC')")
        try:
            ZoneInfo(value)
        # OSError: the name reaches the file system ("America" is a directory, 300 characters too long a name).
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    @property
    def dag_id(self) -> str:
        return source_dag_id(self.id)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def host(self) -> str:
        """host[:port] of the source's first feed, sitemap or archive: the site it crawls."""
        urls = [*self.feeds, *self.sitemaps, *(archive.url_template for archive in self.archives)]
        return urlsplit(urls[0]).netloc.lower() if urls else self.id

    @property
    def host_pool(self) -> str:
        """The Airflow pool of the source's discover and fetch tasks: ``pool`` if set, else
        ``newslake_host_<host>``, shared by every source on that host. With one slot, at most
        one task crawls a host at a time on any worker, however many runs and backfill days
        are active (within a task the per-host rate limit applies)."""
        return self.pool or "newslake_host_" + re.sub(r"[^a-z0-9]+", "_", self.host).strip("_")

    def day_bounds_utc(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of ``day`` in the source's timezone, as UTC instants."""
        start = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Any: an entry that is not a mapping is reported as "entry N", like every other problem of an entry.
    sources: list[Any] = Field(min_length=1)


TOP_LEVEL_EXPECTED = "expected a mapping with a 'sources:' list of entries"


def _kind(value: Any) -> str:
    """What a YAML value is, for a message (never the repr of a big structure)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_sources(path: Path | str | None = None) -> list[Source]:
    """Read and validate a sources file; raise SourcesConfigError naming file, entry and field."""
    path = Path(path) if path is not None else sources_file_path()
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesConfigError(f"sources file {path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SourcesConfigError(f"sources file {path}: not UTF-8 text: {exc}") from None
    try:
        parsed = yaml.load(raw_text, Loader=_SourcesLoader)
    except DuplicateKeyError as exc:
        raise SourcesConfigError(f"sources file {path}: {exc}") from None
    # PyYAML raises ValueError for an impossible date (2026-13-45) and RecursionError for deep nesting
    # (its pure-Python loader; libyaml's has a depth limit of its own).
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise SourcesConfigError(f"sources file {path}: not valid YAML: {exc}") from None
    try:
        document = _expand_env_references(parsed, path)
    except _ReferenceProblem as problem:
        raise SourcesConfigError(f"sources file {path}: {_place(parsed, problem.location)}: {problem.message}") from None
    except RecursionError:
        raise SourcesConfigError(f"sources file {path}: not valid YAML: nested too deeply") from None
    if document is None:
        raise SourcesConfigError(f"sources file {path}: the file is empty ({TOP_LEVEL_EXPECTED})")
    if not isinstance(document, dict):
        raise SourcesConfigError(f"sources file {path}: {TOP_LEVEL_EXPECTED}, not {_kind(document)}")
    try:
        entries = _SourcesFile.model_validate(document).sources
    except ValidationError as exc:
        raise SourcesConfigError(f"sources file {path}: {_describe(exc)}") from None

    sources: list[Source] = []
    seen_ids: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        label = _entry_label(index, entry)
        if not isinstance(entry, dict):
            raise SourcesConfigError(
                f"sources file {path}: {label}: expected a mapping of the source's fields (id, name, languages, feeds...), "
                f"not {_kind(entry)}"
            )
        try:
            source = Source.model_validate(entry)
        except ValidationError as exc:
            raise SourcesConfigError(f"sources file {path}: {label}: {_describe(exc)}") from None
        if not (source.feeds or source.sitemaps or source.archives):
            raise SourcesConfigError(f"sources file {path}: {label}: field 'feeds'/'sitemaps'/'archives': give at least one of them")
        if source.id in seen_ids:
            raise SourcesConfigError(f"sources file {path}: {label}: field 'id': duplicate id {source.id!r}")
        seen_ids.add(source.id)
        sources.append(source)
    return sources


_EXPANDING = object()  # marks a YAML node whose expansion is under way (to detect a node containing itself)


class _ReferenceProblem(Exception):
    """A ${...} in the sources file that cannot be expanded, and where it is (keys and indexes)."""

    def __init__(self, location: tuple[Any, ...], message: str):
        super().__init__(message)
        self.location = location
        self.message = message


def _expand_env_references(value: Any, path: Path, expanded: dict[int, Any] | None = None, location: tuple[Any, ...] = ()) -> Any:
    """Expand ${NAME} / ${NAME:-default} in every string value (comments are left alone), after
    the YAML is read, so that a problem is reported with its place in the file (``location``).

    ``${NAME}`` takes the variable's value, and is an error when it is unset or empty (an empty
    piece of a URL or a name is never what was meant); ``${NAME:-default}`` takes the default when
    the variable is unset or empty, as the shell does. A variable's value is not expanded again.
    Any other ``${`` (``${ NAME }``, ``${OUTLET-NAME}``, a nested ``${A:-${B}}``, an unclosed one)
    is an error rather than literal text.

    A YAML alias makes one node appear many times; each node is expanded once and stays shared,
    so nested aliases ("billion laughs") cost what the file's text costs, not 10^9 copies. A node
    that contains itself (``&a [*a]``) is an error.
    """
    if isinstance(value, (dict, list)):
        expanded = {} if expanded is None else expanded
        done = expanded.get(id(value))
        if done is _EXPANDING:
            raise SourcesConfigError(f"sources file {path}: a YAML alias refers to a node that contains it")
        if done is not None:
            return done
        expanded[id(value)] = _EXPANDING
        if isinstance(value, dict):
            result: Any = {key: _expand_env_references(item, path, expanded, (*location, key)) for key, item in value.items()}
        else:
            result = [_expand_env_references(item, path, expanded, (*location, index)) for index, item in enumerate(value)]
        expanded[id(value)] = result
        return result
    if not isinstance(value, str) or "$" not in value:
        return value
    pieces = []
    position = 0
    for match in [*ENV_REFERENCE.finditer(value), None]:
        literal = value[position:match.start() if match else len(value)]
        if "${" in literal:
            _refuse_malformed_reference(literal[literal.index("${"):], location)
        pieces.append(literal)
        if match is None:
            break
        name, default = match.group(1), match.group(2)
        if default is not None and "${" in default:
            raise _ReferenceProblem(location, f"{match.group(0) + '}'!r}: a default cannot hold another ${{...}} reference")
        current = os.environ.get(name)
        if current:
            pieces.append(current)
        elif default is not None:
            pieces.append(default)
        else:
            state = "is not set" if current is None else "is empty"
            raise _ReferenceProblem(location, f"environment variable {name} {state}, and ${{{name}}} has no default (write ${{{name}:-default}} for one)")
        position = match.end()
    return "".join(pieces)


def _refuse_malformed_reference(text: str, location: tuple[Any, ...]) -> None:
    end = text.find("}")
    fragment = text[: end + 1] if 0 <= end < 60 else text[:60]
    raise _ReferenceProblem(
        location,
        f"{fragment!r} is not a reference to an environment variable: write ${{NAME}} or ${{NAME:-default}}, "
        "NAME made of letters, digits and _ (not starting with a digit), with no space and no nesting",
    )


def _entry_label(index: int, entry: Any) -> str:
    """``entry N`` (counted from 1) with the entry's id when it has a plain one."""
    # Only a string id is quoted: the repr of an aliased structure can be huge.
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    plain = isinstance(entry_id, str) and entry_id and "${" not in entry_id
    return f"entry {index}" + (f" (id {entry_id!r})" if plain else "")


def _place(document: Any, location: tuple[Any, ...]) -> str:
    """``entry N (id 'x'): field 'a.b'`` for a place under ``sources:``, else ``field 'a.b'``."""
    if len(location) >= 2 and location[0] == "sources" and isinstance(location[1], int) and isinstance(document, dict):
        label = _entry_label(location[1] + 1, document["sources"][location[1]])
        rest = location[2:]
        return f"{label}: field {'.'.join(map(str, rest))!r}" if rest else f"{label}: the entry itself"
    return f"field {'.'.join(map(str, location)) or '(top level)'!r}"


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        # A model validator's error may name the field it blames (field_error).
        extra = (item.get("ctx") or {}).get("field") if item["type"] == "field_conflict" else None
        location = ".".join(str(part) for part in (*item["loc"], *([extra] if extra else []))) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_type" and isinstance(item.get("input"), bool):
            message += (f", not the boolean {str(item['input']).lower()}: YAML reads an unquoted yes/no/on/off/true/false "
                        "as a boolean, so quote it (languages: [fr, 'no'])")
        problems.append(f"field {location!r}: {message}")
    return "; ".join(problems)


def parse_networks(cidrs: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parse CIDR strings (``"127.0.0.0/8"``, ``"::1/128"``, or a bare address); ``ValueError`` if invalid.
    The allowlist of the address guard (``newslake.netguard``).

    Host bits must be zero (``"127.0.0.1/8"`` is refused): an allowlist is security
    configuration, and a typo there should fail loudly rather than be reinterpreted.
    """
    if isinstance(cidrs, str):  # a lone "127.0.0.0/8" would be iterated character by character
        raise ValueError(f"allowed networks must be a sequence of CIDR strings, not the string {cidrs!r}")
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=True))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"invalid network {cidr!r} in allowed networks: {exc}") from None
    return tuple(networks)


def user_agent_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a User-Agent, or None. A header value is visible ASCII and
    spaces (httpx encodes headers as ASCII): a line break would end the header, and httpx then
    fails every request as if the network had (``connect_error``), and a letter like "é" raised
    from the client's set-up."""
    if not value.strip():
        return "is empty"
    bad = next((character for character in value if not " " <= character <= "~"), None)
    if bad is not None:
        return f"holds {bad!r}: a header value is visible ASCII characters and spaces"
    return None


class SettingsError(ValueError):
    """A run setting holds a value it cannot take; the message names the setting and, once
    :meth:`Settings.load` has seen it, where the value came from (the Airflow Variable or the
    environment variable)."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


# The least value each integer setting takes, and what it means there: a task fails at once with
# the setting's name instead of later with a library's message (or a negative pool size).
_SETTING_MINIMUMS = {
    "max_page_bytes": (1, "a page's size cap in bytes"),
    "fetch_concurrency": (1, "requests in flight"),
    "extract_workers": (0, "0 = one per CPU"),
    "raw_retention_days": (0, "0 = keep the raw zone forever"),
    "staging_max_age_hours": (1, "it must exceed the longest pipeline task"),
}


@dataclass(frozen=True)
class Settings:
    """Run-time settings. Each field can be set by Airflow Variable ``newslake_<field>`` or by
    environment variable ``NEWSLAKE_<FIELD>``; a value a field cannot take raises
    :class:`SettingsError`."""

    lake_uri: str = "./lake"
    # Airflow connection (type aws) holding S3 credentials and, in its extra, ``endpoint_url``.
    aws_conn_id: str = "newslake_s3"
    user_agent: str = "newslake/0.1 (+https://github.com/newslake/newslake)"
    max_page_bytes: int = 10 * 1024 * 1024
    fetch_concurrency: int = 8
    # Processes that extract a partition's pages (newslake.parallel): 0 = one per CPU the task
    # may run on. Several extract tasks at once (a backfill) each start their own.
    extract_workers: int = 0
    # Comma-separated CIDRs the crawler may reach although they are private/loopback (SSRF
    # guard). Empty in production; the sample site and the tests allow 127.0.0.0/8.
    allowed_networks: str = ""
    # Where task processes share each host's request schedule (newslake.politeness), so that a
    # backfill's parallel days still send one host at most `requests_per_second` in total.
    # Empty: a folder in the system temp dir, shared by every task on this machine.
    politeness_dir: str = ""
    # Maintenance DAG: days of raw zone (raw/dt=D/source=S/, the WARC files) to keep; partitions
    # of days before (run's day - raw_retention_days) are deleted. 0 = keep forever.
    raw_retention_days: int = 0
    # Maintenance DAG: a _staging/dt=D/source=S/ folder whose newest file is older than this is a
    # crashed run's leftovers and is deleted. Must exceed the longest pipeline task.
    staging_max_age_hours: int = 24
    # Airflow connection that failure notifications go to (newslake.notify): http/https = a
    # webhook, smtp/email = e-mail. Empty: failures are only logged.
    notify_conn_id: str = ""

    def __post_init__(self) -> None:
        for name, (least, meaning) in _SETTING_MINIMUMS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise SettingsError(name, f"setting {name} must be an integer of at least {least} ({meaning}), got {value!r}")
        if (problem := user_agent_problem(self.user_agent)) is not None:
            raise SettingsError("user_agent", f"setting user_agent {problem}, got {self.user_agent!r}")
        try:
            parse_networks(self.allowed_network_list)
        except ValueError as exc:
            raise SettingsError("allowed_networks", f"setting allowed_networks: {exc}") from None

    @classmethod
    def load(
        cls, lookup: Callable[[str], str | None] | None = None, *, lookup_origin: str = "the lookup's {name}",
        only: Collection[str] | None = None,
    ) -> Settings:
        """Build settings from ``lookup(field_name)`` (None = unset), falling back to NEWSLAKE_* env.

        ``lookup_origin`` says where ``lookup`` reads a field from (``"Airflow Variable
        newslake_{name}"``): a :class:`SettingsError` names it, or the environment variable.
        ``only``: read just these fields, the others keep their defaults."""
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for field in fields(cls):
            if only is not None and field.name not in only:
                continue
            raw = lookup(field.name) if lookup else None
            origin = lookup_origin.format(name=field.name)
            if raw is None:
                raw = os.environ.get(f"NEWSLAKE_{field.name.upper()}")
                origin = f"environment variable NEWSLAKE_{field.name.upper()}"
            if raw is None or raw == "":
                continue
            origins[field.name] = origin
            if field.type == "int":
                try:
                    values[field.name] = int(raw)
                except ValueError:
                    raise SettingsError(field.name, f"setting {field.name}: {origin} = {raw!r} is not an integer") from None
            else:
                values[field.name] = raw
        try:
            return cls(**values)
        except SettingsError as exc:
            if exc.setting not in origins:  # a default: nothing the user set
                raise
            raise SettingsError(exc.setting, f"{exc} (from {origins[exc.setting]})") from None

    @property
    def allowed_network_list(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.allowed_networks.split(",") if part.strip())
