"""The store's rules on both backends: SQLite and a real PostgreSQL server.

Version-checked saves (two writers never lose a turn silently), ownership
(another owner's session is missing), the reply lease, summary columns and
paging, and migrations that upgrade a database made by the old SQLite store.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import new_session, turn

from interviewer.errors import ConflictError, NotFoundError
from interviewer.store import CONFLICT_MESSAGE, MIGRATIONS, Store


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """``make_store(owner=..., see_all=...)``: stores sharing one fresh database."""
    if request.param == "sqlite":
        yield lambda **kw: Store(tmp_path, **kw)
        return
    from pgserver import fresh_database

    url = fresh_database(request.getfixturevalue("pg_url"), f"s_{uuid.uuid4().hex[:12]}")
    yield lambda **kw: Store(tmp_path, url=url, **kw)


def test_all_migrations_apply_once(make_store) -> None:  # type: ignore[no-untyped-def]
    names = [fn.__name__ for fn in MIGRATIONS]
    assert make_store().applied_migrations() == names
    assert make_store().applied_migrations() == names


def test_two_writers_of_one_session_conflict_instead_of_losing_a_turn(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    s = new_session(fw)
    store.append_turn(s, turn("interviewer", "q1", 1))
    # Two CLIs (or a CLI and a tab) resume the same session.
    a, b = store.load(s.id), make_store().load(s.id)
    for i in range(4):
        store.append_turn(a, turn("candidate" if i % 2 == 0 else "interviewer", f"a{i}", 1))
    with pytest.raises(ConflictError, match="changed in another window"):
        store.append_turn(b, turn("candidate", "b0", 1))
    assert [t.text for t in b.turns] == ["q1"]  # the refused turn is not kept in memory either
    stored = store.load(s.id)
    assert [t.text for t in stored.turns] == ["q1", "a0", "a1", "a2", "a3"]
    # After reloading, the other writer continues from the latest turns.
    store.append_turn(stored, turn("candidate", "b0", 1))
    assert [t.text for t in store.load(s.id).turns][-1] == "b0"
    assert CONFLICT_MESSAGE.startswith("This interview changed in another window")


def test_metadata_writes_are_version_checked_too(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    s = new_session(fw)
    store.save(s)
    a, b = store.load(s.id), store.load(s.id)
    a.current_step = 3
    store.save(a)
    b.asked_topics.append("x")
    with pytest.raises(ConflictError):
        store.save(b)
    assert store.load(s.id).current_step == 3 and store.load(s.id).asked_topics == []


def test_an_imported_copy_of_an_existing_session_is_refused(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    s = new_session(fw)
    store.save(s)
    copy = type(s).model_validate(s.model_dump())
    assert copy.stored_version is None
    with pytest.raises(ConflictError):
        store.save(copy)


def test_another_owners_session_looks_missing(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_store(owner="alice@example.com"), make_store(owner="bob@example.com")
    s = new_session(fw)
    alice.append_turn(s, turn("interviewer", "hello", 1))
    alice.save_report(s.id, {"overall_score": 3.0}, 3.0)
    assert bob.list_sessions() == [] and bob.count_sessions() == 0
    assert not bob.exists(s.id) and bob.latest_report(s.id) is None and bob.list_reports() == []
    assert bob.overall_scores() == [] and [v for _, v in alice.overall_scores()] == [3.0]
    with pytest.raises(NotFoundError):
        bob.load(s.id)
    # Writing it (a guessed id, a planted copy) is refused the same way.
    with pytest.raises(NotFoundError):
        bob.save(alice.load(s.id))
    with pytest.raises(NotFoundError):
        bob.save_report(s.id, {}, 5.0)
    assert not bob.claim_reply(s.id, "tab", 60)
    admin = make_store(owner="root@example.com", see_all=True)
    assert [x.id for x in admin.list_sessions()] == [s.id]
    assert admin.list_sessions()[0].owner == "alice@example.com"
    assert alice.latest_report(s.id) is not None and alice.list_sessions()[0].overall_score == 3.0


def test_one_window_at_a_time_may_call_the_model(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    s = new_session(fw)
    store.save(s)
    assert store.claim_reply(s.id, "tab-1", 60)
    assert not store.claim_reply(s.id, "tab-2", 60)
    assert store.claim_reply(s.id, "tab-1", 60)  # the holder may renew
    store.release_reply(s.id, "tab-2")  # not the holder: no effect
    assert not store.claim_reply(s.id, "tab-2", 60)
    store.release_reply(s.id, "tab-1")
    assert store.claim_reply(s.id, "tab-2", 60)
    # A lease that was never released (a closed tab) expires.
    assert store.claim_reply(s.id, "tab-3", -1) is False
    store.release_reply(s.id, "tab-2")
    assert store.claim_reply(s.id, "tab-3", -1)
    assert store.claim_reply(s.id, "tab-4", 60)


def test_lists_page_newest_first_from_summary_columns(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    ids = []
    for i in range(5):
        s = new_session(fw)
        for j in range(i):
            store.append_turn(s, turn("interviewer", f"t{j}", 1))
        store.save(s)
        ids.append(s.id)
    assert store.count_sessions() == 5
    first, second = store.list_sessions(limit=3), store.list_sessions(limit=3, offset=3)
    assert [x.id for x in first + second] == ids[::-1]
    assert [x.turns for x in first + second] == [4, 3, 2, 1, 0]


def test_overall_scores_come_oldest_first_from_the_columns(make_store, fw) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    a, b = new_session(fw), new_session(fw)
    store.save(a)
    store.save(b)
    store.save_report(a.id, {"not": "a report"}, 2.5)  # the JSON is never read
    store.save_report(b.id, {}, None)  # an offline coverage check: no score, no point
    store.save_report(b.id, {}, 4.0)
    points = store.overall_scores()
    assert [v for _, v in points] == [2.5, 4.0]
    assert points[0][0] <= points[1][0] and points[0][0].tzinfo is not None


def test_a_database_from_the_old_store_is_upgraded(tmp_path, fw) -> None:  # type: ignore[no-untyped-def]
    """m001/m002 as the plain-sqlite3 store wrote them, then m003 fills the new columns."""
    db = sqlite3.connect(tmp_path / "interviewer.db")
    db.executescript(
        """CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
        CREATE TABLE sessions (id TEXT PRIMARY KEY, problem_id TEXT NOT NULL, title TEXT NOT NULL,
            level TEXT NOT NULL, model TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            ended_at TEXT, current_step INTEGER NOT NULL, data TEXT NOT NULL);
        CREATE TABLE turns (session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, idx));
        CREATE TABLE reports (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL
            REFERENCES sessions(id) ON DELETE CASCADE, created_at TEXT NOT NULL, overall_score REAL, data TEXT NOT NULL);
        INSERT INTO migrations VALUES ('m001_sessions_and_turns', '2026-01-01'), ('m002_reports', '2026-01-01');"""
    )
    s = new_session(fw)
    s.turns = [turn("interviewer", "q", 1), turn("candidate", "a", 1)]
    meta = s.model_dump_json(exclude={"turns"})
    db.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 1, ?)",
        (
            s.id,
            s.problem.id,
            s.problem.title,
            s.level,
            s.model,
            "2026-01-01T00:00:00+00:00",
            "2026-01-01T00:00:00+00:00",
            meta,
        ),
    )
    for i, t in enumerate(s.turns):
        db.execute("INSERT INTO turns VALUES (?, ?, ?)", (s.id, i, t.model_dump_json()))
    db.execute(
        "INSERT INTO reports (session_id, created_at, overall_score, data) VALUES (?, '2026-01-02', 2.5, '{}')", (s.id,)
    )
    steps = [{"step": 1, "score": 4.0, "status": "graded"}, {"step": 2, "score": 2.0, "status": "not reached"}]
    db.execute(
        "INSERT INTO reports (session_id, created_at, overall_score, data) VALUES (?, '2026-01-03', 3.0, ?)",
        (s.id, json.dumps({"steps": steps})),
    )
    db.execute(
        "INSERT INTO reports (session_id, created_at, overall_score, data) VALUES (?, '2026-01-04', 1.0, 'x{')", (s.id,)
    )
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert store.applied_migrations()[-1] == MIGRATIONS[-1].__name__
    [summary] = store.list_sessions()
    assert (summary.turns, summary.overall_score, summary.graded, summary.owner) == (2, 1.0, True, "local")
    # m004 filled the step score columns from the JSON (only graded steps count; bad JSON has none).
    assert [(p.overall_score, p.steps) for p in store.score_points()] == [(2.5, {}), (3.0, {1: 4.0}), (1.0, {})]
    loaded = store.load(s.id)
    store.append_turn(loaded, turn("interviewer", "next", 1))
    assert len(store.load(s.id).turns) == 3
