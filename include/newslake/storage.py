"""The one storage layer: a lake root on a local folder or on any S3-compatible store.

Everything that touches the lake goes through ``Storage`` with keys relative to the lake root
(``articles/dt=2026-11-24/source=x/part-0.parquet``). Both backends are pyarrow filesystems, so
the same handle serves our writes, pyarrow datasets, polars and DuckDB.

Atomicity is what the publish step relies on: ``write_bytes`` and ``copy`` make the destination
appear whole or not at all — a rename on a local disk, a single PUT / server-side CopyObject on S3
(S3 has no rename, but an object is never visible half-written).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlparse

if TYPE_CHECKING:
    import pyarrow.fs as pafs


@dataclass(frozen=True)
class S3Options:
    """Where and how to reach an S3-compatible store (AWS, MinIO, R2, Ceph...)."""

    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    region: str | None = None

    @classmethod
    def from_env(cls) -> S3Options:
        """For code running outside Airflow (the report, notebooks): the standard AWS_* variables."""
        return cls(
            endpoint_url=checked_endpoint_url(os.environ.get("AWS_ENDPOINT_URL"), "environment variable AWS_ENDPOINT_URL"),
            access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
            session_token=os.environ.get("AWS_SESSION_TOKEN"),
            region=os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION"),
        )

    def __repr__(self) -> str:  # never print secrets in logs
        return f"S3Options(endpoint_url={self.endpoint_url!r}, region={self.region!r}, access_key={'***' if self.access_key else None})"


class StorageError(RuntimeError):
    pass


def checked_endpoint_url(value: str | None, origin: str) -> str | None:
    """An S3 endpoint URL as given, if it is one: ``http(s)://host[:port]``. Without a scheme
    ("127.0.0.1:9000"), pyarrow said only "Invalid S3 connection scheme ''", naming neither the
    setting nor the value; ``origin`` says where it came from."""
    if not value:
        return None
    parsed = urlparse(value.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise StorageError(f"{origin}: S3 endpoint_url {value!r} is not http(s)://host[:port] (e.g. http://127.0.0.1:9000)")
    return value.strip()


class StoredFile(NamedTuple):
    """A file below the lake root, as ``Storage.list_with_mtime`` lists it."""

    key: str
    size: int
    mtime: dt.datetime  # last modification, UTC (local: file mtime; S3: the object's LastModified)


class Storage:
    """A lake root. Keys are '/'-separated paths below it."""

    def __init__(self, uri: str, *, s3: S3Options | None = None, base_dir: Path | None = None):
        parsed = urlparse(uri)
        self.is_s3 = parsed.scheme in ("s3", "s3a")
        self._s3 = s3 or S3Options()
        if self.is_s3:
            if not parsed.netloc:
                raise StorageError(f"lake URI {uri!r} has no bucket (expected s3://bucket/prefix)")
            self._root = f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")
            self.uri = f"s3://{self._root}"
        elif parsed.scheme in ("", "file"):
            path = Path(parsed.path if parsed.scheme == "file" else uri).expanduser()
            if not path.is_absolute():
                path = (base_dir or Path.cwd()) / path
            self._root = str(path.resolve())
            self.uri = self._root
        else:
            raise StorageError(f"lake URI {uri!r}: unsupported scheme {parsed.scheme!r} (use a path, file:// or s3://)")
        self._fs: pafs.FileSystem | None = None

    def __repr__(self) -> str:
        return f"Storage({self.uri!r})"

    # -- backend -------------------------------------------------------------------------------

    @property
    def filesystem(self) -> pafs.FileSystem:
        if self._fs is None:
            import pyarrow.fs as pafs

            if self.is_s3:
                endpoint = urlparse(self._s3.endpoint_url) if self._s3.endpoint_url else None
                self._fs = pafs.S3FileSystem(
                    access_key=self._s3.access_key,
                    secret_key=self._s3.secret_key,
                    session_token=self._s3.session_token,
                    region=self._s3.region or "us-east-1",
                    endpoint_override=endpoint.netloc if endpoint else None,
                    scheme=endpoint.scheme if endpoint else "https",
                    # The bucket is the user's; creating or deleting buckets is not our business.
                    allow_bucket_creation=False,
                    allow_bucket_deletion=False,
                    # Objects smaller than a multipart part (10 MB: every table file, most WARC
                    # files) then go up in one PutObject. Otherwise each write starts a multipart
                    # upload, and a write that fails for good leaves it incomplete: invisible to
                    # listings and the maintenance DAG, yet stored (and billed) until a bucket
                    # lifecycle rule aborts it (tests/test_infra_faults.py).
                    allow_delayed_open=True,
                )
            else:
                self._fs = pafs.LocalFileSystem()
        return self._fs

    def path(self, key: str) -> str:
        """The backend path of a key, as pyarrow filesystems want it."""
        key = key.strip("/")
        if ".." in key.split("/"):
            raise StorageError(f"lake key {key!r} escapes the lake root")
        if "\x00" in key:
            # S3 would store the key cut at the NUL, i.e. another object than the one named.
            raise StorageError(f"lake key {key!r} contains a NUL character")
        return f"{self._root}/{key}" if key else self._root

    def url(self, key: str = "") -> str:
        """A human-facing address of a key (an absolute path or an s3:// URL)."""
        return ("s3://" if self.is_s3 else "") + self.path(key)

    def polars_storage_options(self) -> dict[str, str] | None:
        if not self.is_s3:
            return None
        options = {"aws_region": self._s3.region or "us-east-1"}
        if self._s3.endpoint_url:
            options["aws_endpoint_url"] = self._s3.endpoint_url
            options["aws_allow_http"] = "true"
        if self._s3.access_key:
            options["aws_access_key_id"] = self._s3.access_key
            options["aws_secret_access_key"] = self._s3.secret_key or ""
        if self._s3.session_token:
            options["aws_session_token"] = self._s3.session_token
        return options

    # -- operations ------------------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        import pyarrow.fs as pafs

        return self.filesystem.get_file_info(self.path(key)).type != pafs.FileType.NotFound

    def read_bytes(self, key: str) -> bytes:
        # compression=None: pyarrow would otherwise (de)compress by file extension (.gz).
        with self.filesystem.open_input_stream(self.path(key), compression=None) as stream:
            return stream.read()

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        with self.filesystem.open_input_file(self.path(key)) as handle:
            handle.seek(offset)
            return handle.read(length)

    def write_bytes(self, key: str, data: bytes) -> str:
        """Write a whole object atomically; return its URL."""
        target = self.path(key)
        if self.is_s3:
            with self.filesystem.open_output_stream(target, compression=None) as stream:
                stream.write(data)
        else:
            directory, name = os.path.split(target)
            os.makedirs(directory, exist_ok=True)
            # A hidden temp name in the same folder: readers' globs skip dot-files, and
            # os.replace within one filesystem is atomic.
            temp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
            try:
                with open(temp, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, target)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)
        return self.url(key)

    def copy(self, source_key: str, target_key: str) -> str:
        """Copy an object; the target appears atomically (S3: server-side CopyObject)."""
        if self.is_s3:
            self.filesystem.copy_file(self.path(source_key), self.path(target_key))
            return self.url(target_key)
        return self.write_bytes(target_key, self.read_bytes(source_key))

    def list(self, prefix: str) -> list[str]:
        """Keys of all files below ``prefix`` (recursive, sorted); [] when there are none."""
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(self.path(prefix), recursive=True, allow_not_found=True)
        root_length = len(self._root) + 1
        keys = [info.path[root_length:] for info in self.filesystem.get_file_info(selector) if info.type == pafs.FileType.File]
        return sorted(keys)

    def list_folders(self, prefix: str) -> list[str]:
        """Names of the folders directly below ``prefix`` (sorted; one delimited listing on S3,
        ~1,000 names a request, however many files they hold); [] when there are none."""
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(self.path(prefix), recursive=False, allow_not_found=True)
        return sorted(info.base_name for info in self.filesystem.get_file_info(selector) if info.type == pafs.FileType.Directory)

    def list_with_mtime(self, prefix: str) -> list[StoredFile]:
        """Like ``list``, with each file's size and modification time (sorted by key)."""
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(self.path(prefix), recursive=True, allow_not_found=True)
        root_length = len(self._root) + 1
        files = []
        for info in self.filesystem.get_file_info(selector):
            if info.type != pafs.FileType.File:
                continue
            mtime = info.mtime
            if mtime is None:  # a backend that cannot tell: treat the file as fresh, never as old
                mtime = dt.datetime.now(dt.UTC)
            elif mtime.tzinfo is None:
                mtime = mtime.replace(tzinfo=dt.UTC)
            files.append(StoredFile(info.path[root_length:], int(info.size or 0), mtime.astimezone(dt.UTC)))
        return sorted(files)

    def delete(self, key: str) -> None:
        import pyarrow.fs as pafs

        path = self.path(key)
        if self.filesystem.get_file_info(path).type == pafs.FileType.File:
            self.filesystem.delete_file(path)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every file below ``prefix``; return how many."""
        keys = self.list(prefix)
        if not keys:
            return 0
        if self.is_s3:
            # One batched delete. pyarrow keeps an empty marker object for the parent "folder";
            # it holds no data and readers never list it.
            self.filesystem.delete_dir(self.path(prefix))
        else:
            import shutil

            shutil.rmtree(self.path(prefix), ignore_errors=True)
        return len(keys)
