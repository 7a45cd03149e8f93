"""The raw zone: fetched responses kept as WARC response records, one gzip member per record.

One file per partition (``raw/dt=D/source=S/responses.warc.gz``). Each article row points back to
its record by (raw_path, raw_offset, raw_length), so re-extraction never needs the network.
Records of successful responses are carried over byte for byte when a day is re-run, which is
what makes a re-run reproduce the same rows (same bytes, same fetch time).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from dataclasses import dataclass

from newslake.http import FetchResult

# Our own WARC header: the canonical URL the record was fetched for (WARC-Target-URI is the
# final URL after redirects).
CANONICAL_URL_HEADER = "Newslake-Canonical-URL"
# gzip's own default. warcio compresses at 9, which on the corpus's real article pages runs at
# about half the speed for 1 % fewer bytes (bench/raw_zone.py; docs/PERFORMANCE.md, "Raw zone").
# Compressed with zlib-ng (the zlib-ng package: the same deflate format, any gzip reader reads it),
# which at the same level writes records within 0.4 % of zlib's size in 58-78 % of its CPU time.
RECORD_GZIP_LEVEL = 6


@dataclass(frozen=True)
class RawRecord:
    canonical_url: str
    target_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: dt.datetime
    offset: int
    length: int


@dataclass
class RawArchiveWriter:
    """Builds a WARC file in memory; ``append_*`` return the (offset, length) of the record."""

    buffer: io.BytesIO

    @classmethod
    def new(cls) -> RawArchiveWriter:
        return cls(io.BytesIO())

    def append_copy(self, record_bytes: bytes) -> tuple[int, int]:
        offset = self.buffer.tell()
        self.buffer.write(record_bytes)
        return offset, len(record_bytes)

    def append_response(self, canonical_url: str, result: FetchResult) -> tuple[int, int]:
        return self.append_copy(response_member(canonical_url, result))

    def getvalue(self) -> bytes:
        return self.buffer.getvalue()


def response_member(canonical_url: str, result: FetchResult) -> bytes:
    """One response as the raw zone stores it: a WARC record, its own gzip member (so it can be
    read back alone, by byte range)."""
    from zlib_ng import gzip_ng

    # mtime=0: no timestamp in the gzip header (the record's WARC-Date says when).
    return gzip_ng.compress(warc_record(canonical_url, result), compresslevel=RECORD_GZIP_LEVEL, mtime=0)


def warc_record(canonical_url: str, result: FetchResult) -> bytes:
    """The WARC response record of one fetch, uncompressed."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    http_headers = StatusAndHeaders(
        f"{result.status} {_reason_phrase(result.status)}",
        # The body is stored decoded, so the encoding headers no longer describe it.
        [(k, v) for k, v in result.headers.items() if k not in ("content-encoding", "transfer-encoding", "content-length")],
        protocol="HTTP/1.1",
    )
    record_bytes = io.BytesIO()
    writer = WARCWriter(record_bytes, gzip=False)
    record = writer.create_warc_record(
        result.final_url,
        "response",
        payload=io.BytesIO(result.body),
        length=len(result.body),  # given, so warcio digests the body in place instead of copying it to a temp file
        http_headers=http_headers,
        warc_headers_dict={
            "WARC-Date": result.fetched_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            CANONICAL_URL_HEADER: canonical_url,
        },
    )
    writer.write_record(record)
    return record_bytes.getvalue()


def check_whole(data: bytes) -> None:
    """Raise (``gzip.BadGzipFile``, ``EOFError``, ``zlib.error``) unless every gzip member of a
    WARC file is whole and matches its CRC: warcio reads a file cut inside a gzip trailer without
    complaint. (A file cut exactly between two members is whole gzip: only a list of what it
    should hold, like the fetch's manifest, can tell a record is missing.)"""
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        while stream.read(1 << 20):  # decompressed a megabyte at a time: bounded memory
            pass


def read_records(data: bytes) -> list[RawRecord]:
    """All response records of a WARC file, with their offsets; raises on a damaged file
    (``check_whole``) rather than return the records before the damage."""
    from warcio.archiveiterator import ArchiveIterator

    check_whole(data)
    records = []
    iterator = ArchiveIterator(io.BytesIO(data))
    for record in iterator:
        if record.rec_type != "response":
            continue
        body = record.content_stream().read()
        iterator.read_to_end(record)
        records.append(_to_raw_record(record, body, iterator.get_record_offset(), iterator.get_record_length()))
    return records


def read_record(member: bytes) -> RawRecord:
    """One record from its own gzip member (as addressed by raw_offset/raw_length)."""
    from warcio.archiveiterator import ArchiveIterator

    for record in ArchiveIterator(io.BytesIO(member)):
        return _to_raw_record(record, record.content_stream().read(), 0, len(member))
    raise ValueError("no WARC record in the given bytes")


def _to_raw_record(record, body: bytes, offset: int, length: int) -> RawRecord:
    headers = {k.lower(): v for k, v in record.http_headers.headers} if record.http_headers else {}
    status = int(record.http_headers.get_statuscode()) if record.http_headers else 0
    fetched_at = dt.datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00"))
    target = record.rec_headers.get_header("WARC-Target-URI")
    return RawRecord(
        canonical_url=record.rec_headers.get_header(CANONICAL_URL_HEADER) or target,
        target_url=target,
        status=status,
        headers=headers,
        body=body,
        fetched_at=fetched_at,
        offset=offset,
        length=length,
    )


def _reason_phrase(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except (ValueError, TypeError):
        return "Unknown"
