"""The storage layer behaves the same on a local folder and on S3 (moto server)."""

from __future__ import annotations

import pytest

from newslake.storage import Storage, StorageError


def test_write_read_list_copy_delete(storage):
    assert storage.list("articles") == []
    assert not storage.exists("articles/dt=2026-11-24/source=x/part-0.parquet")
    storage.write_bytes("articles/dt=2026-11-24/source=x/part-0.parquet", b"one")
    storage.write_bytes("articles/dt=2026-11-25/source=x/part-0.parquet", b"two")
    assert storage.read_bytes("articles/dt=2026-11-24/source=x/part-0.parquet") == b"one"
    assert storage.read_range("articles/dt=2026-11-25/source=x/part-0.parquet", 1, 2) == b"wo"
    assert storage.list("articles") == [
        "articles/dt=2026-11-24/source=x/part-0.parquet",
        "articles/dt=2026-11-25/source=x/part-0.parquet",
    ]
    storage.copy("articles/dt=2026-11-24/source=x/part-0.parquet", "quarantine/a.parquet")
    assert storage.read_bytes("quarantine/a.parquet") == b"one"
    storage.write_bytes("articles/dt=2026-11-24/source=x/part-0.parquet", b"replaced")
    assert storage.read_bytes("articles/dt=2026-11-24/source=x/part-0.parquet") == b"replaced"
    assert storage.delete_prefix("articles") == 2
    assert storage.list("articles") == []
    storage.delete("quarantine/a.parquet")
    assert not storage.exists("quarantine/a.parquet")


def test_local_atomic_write_leaves_no_temporary_files(tmp_path):
    storage = Storage(str(tmp_path))
    for _ in range(3):
        storage.write_bytes("a/b.bin", b"x" * 1000)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.bin"]


def test_keys_cannot_escape_the_lake(tmp_path):
    storage = Storage(str(tmp_path / "lake"))
    with pytest.raises(StorageError, match="escapes"):
        storage.write_bytes("../outside.txt", b"x")


def test_uris(tmp_path):
    assert Storage("file://" + str(tmp_path)).uri == str(tmp_path)
    assert Storage("relative/lake", base_dir=tmp_path).uri == str(tmp_path / "relative" / "lake")
    assert Storage("s3://bucket/some/prefix/").url("k") == "s3://bucket/some/prefix/k"
    with pytest.raises(StorageError, match="no bucket"):
        Storage("s3:///prefix")
    with pytest.raises(StorageError, match="unsupported scheme 'gs'"):
        Storage("gs://bucket/x")


def test_bytes_round_trip_whatever_the_extension(storage):
    """pyarrow filesystems (de)compress by extension unless told not to; a .gz key must
    store and return exactly the bytes given (WARC offsets depend on it)."""
    payload = b"WARC/1.0 not actually gzip \x00\x01"
    storage.write_bytes("raw/x.warc.gz", payload)
    assert storage.read_bytes("raw/x.warc.gz") == payload
    assert storage.read_range("raw/x.warc.gz", 5, 3) == payload[5:8]


@pytest.mark.parametrize("endpoint", ["127.0.0.1:9000", "localhost:9000", "ftp://127.0.0.1:9000", "http://"])
def test_an_s3_endpoint_that_is_not_an_http_url_is_refused_naming_its_origin(endpoint):
    from newslake.storage import checked_endpoint_url

    with pytest.raises(StorageError) as error:
        checked_endpoint_url(endpoint, "Airflow connection 'newslake_s3' (extra endpoint_url)")
    assert str(error.value).startswith(f"Airflow connection 'newslake_s3' (extra endpoint_url): S3 endpoint_url {endpoint!r}")


def test_an_s3_connection_that_does_not_exist_is_named_not_replaced(monkeypatch):
    """The Amazon hook only warns "switching to empty" and falls back on boto3's own credential
    chain: an AttributeError, or on a machine with AWS credentials, a lake written to AWS."""
    from newslake.orchestration import s3_options_from_connection

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "would-be-used-by-the-fallback")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "would-be-used-by-the-fallback")
    with pytest.raises(RuntimeError) as error:
        s3_options_from_connection("newslake_no_such_connection")
    assert "Airflow connection 'newslake_no_such_connection' (setting aws_conn_id) does not exist" in str(error.value)


def test_an_s3_connection_s_endpoint_without_a_scheme_is_named(monkeypatch):
    import json

    from newslake.orchestration import s3_options_from_connection

    monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_SCHEMELESS", json.dumps(
        {"conn_type": "aws", "login": "key", "password": "secret", "extra": {"endpoint_url": "127.0.0.1:9000"}}))
    with pytest.raises(StorageError) as error:
        s3_options_from_connection("newslake_schemeless")
    assert "Airflow connection 'newslake_schemeless' (extra endpoint_url): S3 endpoint_url '127.0.0.1:9000'" in str(error.value)
