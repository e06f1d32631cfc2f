"""The PostgreSQL test server (tests/pgserver.py) is real and behaves as the store will need.

Skips locally without PostgreSQL; fails in CI (see the ``pg_url`` fixture).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from pgserver import find_bin_dir, fresh_database, postgres_server
from sqlalchemy.engine import Engine

META = sa.MetaData()
SESSIONS = sa.Table(
    "sessions",
    META,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
)
TURNS = sa.Table(
    "turns",
    META,
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """A clean database per test on the session's server, with the two tables."""
    url = fresh_database(pg_url, f"t_{uuid.uuid4().hex[:12]}")
    eng = sa.create_engine(url)
    META.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()


def test_server_is_real_postgres_on_loopback_only(pg_url: str) -> None:
    assert pg_url.startswith("postgresql+psycopg://interviewer@127.0.0.1:")
    eng = sa.create_engine(pg_url)
    try:
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT version()")).scalar_one().startswith("PostgreSQL ")
            assert conn.execute(sa.text("SHOW listen_addresses")).scalar_one() == "127.0.0.1"
            sockets = conn.execute(sa.text("SHOW unix_socket_directories")).scalar_one()
            assert "interviewer-pg-" in sockets  # inside the temp dir, not /var/run/postgresql
    finally:
        eng.dispose()


def test_server_stops_and_leaves_nothing_behind(pg_url: str) -> None:
    """(pg_url only for its skip/fail rule: this test starts a server of its own.)"""
    with postgres_server(find_bin_dir()) as url:
        port = urlsplit(url).port
        assert port is not None and port != urlsplit(pg_url).port
        eng = sa.create_engine(url)
        with eng.connect() as conn:
            folder = Path(conn.execute(sa.text("SHOW unix_socket_directories")).scalar_one()).parent
        eng.dispose()
        assert folder.name.startswith("interviewer-pg-") and (folder / "data" / "PG_VERSION").is_file()
    assert not folder.exists()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_fresh_database_refuses_names_that_are_not_plain(pg_url: str) -> None:
    with pytest.raises(ValueError, match="not a plain database name"):
        fresh_database(pg_url, 'x"; DROP DATABASE interviewer; --')


def test_insert_and_read_back(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(SESSIONS.insert(), {"id": "s1", "version": 0, "title": "Ünïcode & 'quotes'"})
        conn.execute(TURNS.insert(), [{"session_id": "s1", "idx": i, "text": f"turn {i}"} for i in range(3)])
    with engine.connect() as conn:
        assert conn.execute(sa.select(SESSIONS.c.title)).scalar_one() == "Ünïcode & 'quotes'"
        assert conn.execute(sa.select(TURNS.c.text).order_by(TURNS.c.idx)).scalars().all() == [
            "turn 0",
            "turn 1",
            "turn 2",
        ]


def test_two_connections_see_each_others_committed_rows_only(engine: Engine) -> None:
    with engine.connect() as a, engine.connect() as b:
        a.execute(SESSIONS.insert(), {"id": "s1", "version": 0, "title": "from a"})
        # Not committed yet: b must not see it.
        assert b.execute(sa.select(sa.func.count()).select_from(SESSIONS)).scalar_one() == 0
        b.rollback()
        a.commit()
        assert b.execute(sa.select(SESSIONS.c.title)).scalar_one() == "from a"
        b.execute(SESSIONS.insert(), {"id": "s2", "version": 0, "title": "from b"})
        b.commit()
        assert a.execute(sa.select(SESSIONS.c.id).order_by(SESSIONS.c.id)).scalars().all() == ["s1", "s2"]


def _bump(conn: sa.Connection, expected_version: int, title: str) -> int:
    """The store's optimistic write: only if nobody changed the session since we read it."""
    result = conn.execute(
        SESSIONS.update()
        .where(SESSIONS.c.id == "s1", SESSIONS.c.version == expected_version)
        .values(version=expected_version + 1, title=title)
    )
    return result.rowcount


def test_version_checked_update_lets_exactly_one_writer_win(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(SESSIONS.insert(), {"id": "s1", "version": 0, "title": "start"})
    with engine.connect() as a, engine.connect() as b:
        # Both windows read version 0.
        seen_a = a.execute(sa.select(SESSIONS.c.version)).scalar_one()
        seen_b = b.execute(sa.select(SESSIONS.c.version)).scalar_one()
        assert seen_a == seen_b == 0
        assert _bump(a, seen_a, "a wins") == 1
        a.commit()
        # b's write is based on a stale version: it matches no row, so b knows to reload.
        assert _bump(b, seen_b, "b loses") == 0
        b.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.select(SESSIONS.c.version, SESSIONS.c.title)).one() == (1, "a wins")


def test_select_for_update_locks_the_row_until_commit(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(SESSIONS.insert(), {"id": "s1", "version": 0, "title": "start"})
    locked = sa.select(SESSIONS.c.version).where(SESSIONS.c.id == "s1").with_for_update(nowait=True)
    with engine.connect() as a, engine.connect() as b:
        assert a.execute(locked).scalar_one() == 0
        # While a holds the row, b cannot take it (NOWAIT: an error instead of blocking the test).
        with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
            b.execute(locked)
        b.rollback()
        a.commit()
        assert b.execute(locked).scalar_one() == 0
        b.commit()


def test_duplicate_turn_index_is_refused(engine: Engine) -> None:
    """A primary key on (session, idx) stops two writers appending the same turn."""
    with engine.begin() as conn:
        conn.execute(SESSIONS.insert(), {"id": "s1", "version": 0, "title": "start"})
    with engine.connect() as a, engine.connect() as b:
        a.execute(TURNS.insert(), {"session_id": "s1", "idx": 0, "text": "from a"})
        a.commit()
        with pytest.raises(sa.exc.IntegrityError):
            b.execute(TURNS.insert(), {"session_id": "s1", "idx": 0, "text": "from b"})
        b.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.select(TURNS.c.text)).scalars().all() == ["from a"]
