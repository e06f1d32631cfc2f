"""The default SQLite store: WAL, migrations, turn-by-turn commits, resume."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import new_session, turn

from interviewer.store import MIGRATIONS, Store, StoreError


def test_wal_mode_and_migrations_recorded(tmp_path) -> None:
    store = Store(tmp_path)
    with sqlite3.connect(tmp_path / "interviewer.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.applied_migrations() == [fn.__name__ for fn in MIGRATIONS]
    store.close()
    # Reopening applies nothing twice.
    again = Store(tmp_path)
    assert again.applied_migrations() == [fn.__name__ for fn in MIGRATIONS]


def test_each_turn_is_visible_to_another_connection_at_once(tmp_path, fw) -> None:
    store = Store(tmp_path)
    s = new_session(fw)
    store.save(s)
    store.append_turn(s, turn("candidate", "hello", 1))
    other = sqlite3.connect(tmp_path / "interviewer.db")
    assert other.execute("SELECT COUNT(*) FROM turns WHERE session_id=?", (s.id,)).fetchone()[0] == 1


def test_round_trip_and_list(tmp_path, fw) -> None:
    store = Store(tmp_path)
    s = new_session(fw, level="staff")
    store.save(s)
    for i in range(3):
        store.append_turn(s, turn("candidate" if i % 2 else "interviewer", f"t{i}", 1, i))
    s.current_step = 2
    store.save(s)
    loaded = store.load(s.id)
    assert loaded == s
    [summary] = store.list_sessions()
    assert (summary.id, summary.turns, summary.current_step, summary.level) == (s.id, 3, 2, "staff")


def test_saving_twice_does_not_duplicate_turns(tmp_path, fw) -> None:
    store = Store(tmp_path)
    s = new_session(fw)
    s.turns = [turn("interviewer", "q", 1)]
    store.save(s)
    store.save(s)
    assert len(store.load(s.id).turns) == 1


def test_unknown_session_and_unreadable_store(tmp_path, fw) -> None:
    store = Store(tmp_path)
    with pytest.raises(KeyError):
        store.load("nope")
    s = new_session(fw)
    store.save(s)
    with sqlite3.connect(tmp_path / "interviewer.db") as raw:
        raw.execute("UPDATE sessions SET data='{broken' WHERE id=?", (s.id,))
    with pytest.raises(StoreError, match="unreadable"):
        store.load(s.id)


def test_store_in_unwritable_place_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="Cannot open the session store"):
        Store(blocker / "sub")


def test_reports_are_kept_per_session(tmp_path, fw) -> None:
    store = Store(tmp_path)
    s = new_session(fw)
    store.save(s)
    store.save_report(s.id, {"overall_score": 2.5}, 2.5)
    store.save_report(s.id, {"overall_score": 3.5}, 3.5)
    assert store.latest_report(s.id).overall_score == 3.5
    assert [r.overall_score for r in store.list_reports()] == [2.5, 3.5]
    assert store.list_sessions()[0].overall_score == 3.5


def test_a_session_with_a_report_but_no_score_is_listed_as_graded(fw, data_dir) -> None:  # type: ignore[no-untyped-def]
    """An offline coverage check is a report without a score: the session still reads "graded"."""
    store = Store(data_dir)
    session = new_session(fw)
    store.save(session)
    assert store.list_sessions()[0].graded is False
    store.save_report(session.id, {"kind": "interviewer-report"}, None)
    summary = store.list_sessions()[0]
    assert summary.graded is True and summary.overall_score is None
