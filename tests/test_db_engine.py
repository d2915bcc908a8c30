"""The data layer opens SQLite paths and PostgreSQL URLs alike, and fails with one clear line."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from toolkit.db.engine import DatabaseUnavailable, connect, engine_for, write_transaction
from toolkit.db.url import DatabaseUrlError, database_url, describe


def test_a_bare_path_is_sqlite_and_postgresql_gets_psycopg(tmp_path):
    assert database_url(tmp_path / "pk.db").get_backend_name() == "sqlite"
    url = database_url("postgresql://clerk:s3cret@db.example:5432/policykit")
    assert url.drivername == "postgresql+psycopg"
    assert "s3cret" not in describe(url) and "db.example:5432/policykit" in describe(url)


def test_a_missing_folder_is_refused_not_created(tmp_path):
    with pytest.raises(DatabaseUrlError, match="does not exist"):
        database_url(tmp_path / "nope" / "sub" / "pk.db")
    assert not (tmp_path / "nope").exists()


def test_a_refused_connection_is_one_line_naming_the_server(pg_cluster):
    port = pg_cluster.port + 1 if pg_cluster.port < 65535 else 1
    engine = engine_for(f"postgresql://clerk:pw@127.0.0.1:{port}/policykit")
    with pytest.raises(DatabaseUnavailable) as err:
        connect(engine)
    message = str(err.value)
    assert f"127.0.0.1:{port}/policykit" in message and "pw@" not in message
    assert "\n" not in message


def test_write_transactions_on_both_engines(db_url):
    engine = engine_for(db_url)
    with write_transaction(engine) as conn:
        conn.execute(text("CREATE TABLE t (a INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(ZeroDivisionError), write_transaction(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
        raise ZeroDivisionError  # rolled back: nothing half-written
    with connect(engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
