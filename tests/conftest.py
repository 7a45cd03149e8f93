"""Shared test set-up: a throw-away Airflow home, the sample site, a moto S3 server.

Airflow reads its configuration when first imported, so the environment is set here, at import
time, before any test module imports Airflow.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
TEST_OUTPUT = REPO / "test-output"

_airflow_home = tempfile.mkdtemp(prefix="newslake-airflow-")
os.environ["AIRFLOW_HOME"] = _airflow_home
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _name in [n for n in os.environ if n.startswith("NEWSLAKE_") or n.startswith("AIRFLOW_VAR_NEWSLAKE")]:
    del os.environ[_name]
# Retries still happen, but dag.test() would sit out the production delay of 5 minutes.
os.environ["NEWSLAKE_RETRY_DELAY_SECONDS"] = "1"
# Every server the tests start is on loopback, which the crawler refuses by default (SSRF guard).
os.environ["NEWSLAKE_ALLOWED_NETWORKS"] = "127.0.0.0/8"
# The DAG files' cache of validated sources files (newslake.dag_sources): the run's own, not ~/.cache.
os.environ["NEWSLAKE_CACHE_DIR"] = tempfile.mkdtemp(prefix="newslake-cache-")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def start_local_server():
    """Factory: ``start_local_server(routes_or_handler, host="127.0.0.1")`` starts a
    localserver.LocalServer; every server started is closed when the test ends."""
    from localserver import LocalServer

    servers: list[LocalServer] = []

    def start(routes_or_handler, host: str = "127.0.0.1") -> LocalServer:
        server = LocalServer(routes_or_handler, host=host)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def sample_site():
    """The offline sample site on 127.0.0.1; the sample sources file points at it."""
    from newslake.sample_site import serve_sample_site

    with serve_sample_site(port=0) as site:
        os.environ["NEWSLAKE_SAMPLE_SITE_URL"] = site.base_url
        yield site
        os.environ.pop("NEWSLAKE_SAMPLE_SITE_URL", None)


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated SQLite metadata DB in the session's AIRFLOW_HOME."""
    from newslake.orchestration import migrate_metadata_db

    migrate_metadata_db()
    return Path(_airflow_home)


@pytest.fixture(scope="session")
def moto_s3():
    """A real S3 protocol endpoint (moto server) on 127.0.0.1, with a bucket 'newslake-test'."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    client.create_bucket(Bucket="newslake-test")
    connection = {
        "conn_type": "aws",
        "login": "testing",
        "password": "testing",
        "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
    }
    os.environ["AIRFLOW_CONN_NEWSLAKE_S3"] = json.dumps(connection)
    try:
        yield {"endpoint": endpoint, "bucket": "newslake-test", "client": client}
    finally:
        os.environ.pop("AIRFLOW_CONN_NEWSLAKE_S3", None)
        server.stop()


@pytest.fixture
def s3_storage(moto_s3, request):
    """A Storage on a fresh prefix of the moto bucket."""
    from newslake.storage import S3Options, Storage

    prefix = request.node.name.replace("[", "-").replace("]", "")
    options = S3Options(endpoint_url=moto_s3["endpoint"], access_key="testing", secret_key="testing", region="us-east-1")
    return Storage(f"s3://{moto_s3['bucket']}/{prefix}", s3=options)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """The same test on a local lake and on S3 (moto)."""
    from newslake.storage import Storage

    if request.param == "local":
        return Storage(str(tmp_path / "lake"))
    return request.getfixturevalue("s3_storage")


def shared_corpus_or_skip() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"needs the shared corpus at {SHARED_CORPUS} (present in the team's workspace and CI, not in a user's clone)")
    return SHARED_CORPUS
