"""airflow_settings.yaml (Astro CLI format) applies to plain Airflow."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_project_settings_file_is_astro_format_without_secrets():
    document = yaml.safe_load((REPO / "airflow_settings.yaml").read_text())
    assert set(document["airflow"]) == {"connections", "pools", "variables"}
    for connection in document["airflow"]["connections"] or []:
        assert not connection.get("conn_password"), "secrets belong in airflow_settings.local.yaml"


def test_local_settings_example_has_only_dummy_secrets_and_the_real_file_is_ignored(airflow_db, tmp_path):
    import subprocess

    example = REPO / "airflow_settings.local.example.yaml"
    document = yaml.safe_load(example.read_text())
    for connection in document["airflow"]["connections"]:
        secret = str(connection.get("conn_password") or connection.get("conn_host") or "")
        assert "example" in secret.lower(), f"{connection['conn_id']}: example values must be visibly dummy"
    ignored = subprocess.run(["git", "check-ignore", "-q", "airflow_settings.local.yaml"], cwd=REPO)
    assert ignored.returncode == 0, "airflow_settings.local.yaml must be git-ignored"

    # It loads (the format is right) — then is taken out again: its dummy lake URI and
    # notification connection must not leak into the other tests' shared metadata DB.
    from airflow.models.connection import Connection
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    from newslake.orchestration import apply_airflow_settings

    names = [variable["variable_name"] for variable in document["airflow"]["variables"]]
    previous = {name: Variable.get(name, default_var=None) for name in names}
    try:
        assert "connection newslake_s3" in apply_airflow_settings(str(example))
        assert Variable.get("newslake_lake_uri") == "s3://example-bucket/newslake"
    finally:
        for name, value in previous.items():
            Variable.delete(name) if value is None else Variable.set(name, value)
        with create_session() as session:
            conn_ids = [c["conn_id"] for c in document["airflow"]["connections"]]
            session.query(Connection).filter(Connection.conn_id.in_(conn_ids)).delete(synchronize_session=False)
    assert {name: Variable.get(name, default_var=None) for name in names} == previous


def test_apply_settings_loads_connections_variables_and_pools(airflow_db, tmp_path):
    from newslake.orchestration import apply_airflow_settings

    settings = tmp_path / "airflow_settings.yaml"
    settings.write_text(
        yaml.safe_dump(
            {
                "airflow": {
                    "connections": [
                        {"conn_id": "lake_minio", "conn_type": "aws", "conn_login": "key", "conn_password": "secret",
                         "conn_extra": {"endpoint_url": "http://127.0.0.1:9000"}}
                    ],
                    "pools": [{"pool_name": "newslake_test_pool", "pool_slot": 3, "pool_description": "test"}],
                    "variables": [{"variable_name": "newslake_test_variable", "variable_value": "s3://bucket/lake"}],
                }
            }
        )
    )
    message = apply_airflow_settings(str(settings))
    assert "connection lake_minio" in message and "pool newslake_test_pool" in message
    # Applying twice is safe (updates, not duplicates).
    apply_airflow_settings(str(settings))

    from airflow.models.connection import Connection
    from airflow.models.pool import Pool
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    assert Variable.get("newslake_test_variable") == "s3://bucket/lake"
    with create_session() as session:
        connection = session.query(Connection).filter(Connection.conn_id == "lake_minio").one()
        assert connection.extra_dejson["endpoint_url"] == "http://127.0.0.1:9000"
        assert session.query(Pool).filter(Pool.pool == "newslake_test_pool").one().slots == 3


BAD_SETTINGS = {
    "connection-without-conn_id": ({"connections": [{"conn_type": "aws"}]}, "connections entry 1: conn_id is missing or empty"),
    "pool-slot-not-a-number": ({"pools": [{"pool_name": "p", "pool_slot": "one"}]},
                               "pools entry 1 (p): pool_slot must be a whole number ≥ 0, got 'one'"),
    # Stored as the text "None": a blank newslake_lake_uri pointed the lake at ./None.
    "empty-variable-value": ({"variables": [{"variable_name": "newslake_lake_uri", "variable_value": None}]},
                             "variables entry 1: variable_value is missing or empty (give it a value, or remove the entry"),
    "sections-not-lists": ({"variables": {"newslake_lake_uri": "/x"}}, "'variables' must be a list of mappings"),
}


def test_a_bad_settings_file_is_refused_whole_naming_the_entry(tmp_path):
    """Checked before anything is applied: a bad entry failed with a KeyError or ValueError
    traceback after the connections and pools were already written."""
    import pytest

    from newslake.orchestration import AirflowSettingsFileError, read_airflow_settings

    for name, (airflow, expected) in BAD_SETTINGS.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"airflow": airflow}, allow_unicode=True))
        with pytest.raises(AirflowSettingsFileError) as error:
            read_airflow_settings(str(path))
        assert str(error.value).startswith(f"settings file {path}: ") and expected in str(error.value), (name, str(error.value))
    broken = tmp_path / "broken.yaml"
    broken.write_text("airflow:\n  variables: [\n")
    with pytest.raises(AirflowSettingsFileError, match="not valid YAML"):
        read_airflow_settings(str(broken))


def test_the_cli_says_what_is_wrong_with_a_settings_file_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "airflow_settings.yaml"
    path.write_text("airflow:\n  connections:\n    - conn_type: aws\n")
    env = {**os.environ, "PYTHONPATH": str(REPO / "include"), "AIRFLOW_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "newslake", "apply-settings", str(path)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"settings file {path}: connections entry 1: conn_id is missing or empty" in done.stderr
