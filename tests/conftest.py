"""Shared fixtures: the bundled corpus parsed once per test session, in every format we have."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "corpus" / "sources"
DATA = ROOT / "tests" / "data"

STEMS = {
    "000": "000_b3443c26a488e755",
    "001": "001_2fb3cac5e76e682b",
    "002": "002_2b5a4cf9d6a9a96c",
    "003": "003_7489cc8a613fac2a",
    "004": "004_928757f12460cdce",
    "735": "state-council-order-735",
}


def source_path(key: str, fmt: str = "pdf") -> Path:
    stem = STEMS[key]
    return {
        "pdf": SOURCES / f"{stem}.pdf",
        "docx": DATA / "docx" / f"{stem}.docx",
        "clean": DATA / "clean" / f"{stem}.txt",
        "seed": DATA / "seeds" / f"{stem}.txt",
    }[fmt]


@cache
def parsed(key: str, fmt: str = "pdf", layers: bool = True):
    """A source parsed with the bundled manifest (cached for the session)."""
    from toolkit.ingest import parse_source
    from toolkit.manifest import load_manifest

    return parse_source(source_path(key, fmt), manifest=load_manifest(), layers=layers)


@cache
def document(doc_id: str):
    """A document of the bundled corpus by id, parsed from its PDF."""
    for key in STEMS:
        for doc in parsed(key).documents:
            if doc.id == doc_id:
                return doc
    raise KeyError(doc_id)


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory):
    """The whole bundled corpus ingested into a temporary store (once per session)."""
    from toolkit.store import Store

    path = tmp_path_factory.mktemp("store") / "policykit.db"
    store = Store(path)
    for key in STEMS:
        store.save(parsed(key))
    from toolkit.linking import relink
    from toolkit.manifest import load_manifest

    relink(store, load_manifest())
    store.close()
    return path


# --- databases: the embedded SQLite store and a real PostgreSQL -------------------------------

@pytest.fixture(scope="session")
def pg_cluster():
    """One PostgreSQL server per test worker, started in a temporary folder."""
    from tests.postgres_cluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return pg_cluster.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh store location on each engine: the same test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "policykit.db")
    return request.getfixturevalue("pg_cluster").create_database()
