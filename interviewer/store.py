"""SQLite persistence: sessions, turns and reports, in WAL mode.

Each turn is its own row, committed as soon as it exists: a candidate's
answer is on disk before any model is called, so a crash, a refresh or a
model error never loses it. Schema changes are an ordered list of small
functions recorded in the ``migrations`` table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import NotFoundError, StoreError
from .session import Session, Turn, utcnow
from .settings import default_data_dir

DB_NAME = "interviewer.db"

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_sessions_and_turns(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            problem_id TEXT NOT NULL,
            title TEXT NOT NULL,
            level TEXT NOT NULL,
            model TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            ended_at TEXT,
            current_step INTEGER NOT NULL,
            data TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (session_id, idx)
        )"""
    )


@migration
def m002_reports(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            overall_score REAL,
            data TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX reports_session ON reports(session_id, created_at)")


class SessionSummary(BaseModel):
    id: str
    problem_id: str
    title: str
    level: str
    model: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    current_step: int
    turns: int
    overall_score: float | None = None
    # A report exists (an offline coverage check has one but no score).
    graded: bool = False


class StoredReport(BaseModel):
    id: int
    session_id: str
    created_at: datetime
    overall_score: float | None
    data: dict[str, object]


class Store:
    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.data_dir / DB_NAME
            self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=10, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"Cannot open the session store in {self.data_dir}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            with self._tx() as db:
                fn(db)
                db.execute("INSERT INTO migrations VALUES (?, ?)", (fn.__name__, utcnow().isoformat()))

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM migrations ORDER BY rowid")]

    # --- sessions -----------------------------------------------------------
    def _upsert(self, db: sqlite3.Connection, session: Session) -> None:
        meta = session.model_dump(mode="json", exclude={"turns"})
        db.execute(
            """INSERT INTO sessions (id, problem_id, title, level, model, created_at, updated_at, ended_at, current_step, data)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET updated_at=excluded.updated_at, ended_at=excluded.ended_at,
                 current_step=excluded.current_step, model=excluded.model, level=excluded.level, data=excluded.data""",
            (
                session.id,
                session.problem.id,
                session.problem.title,
                session.level,
                session.model,
                session.created_at.isoformat(),
                utcnow().isoformat(),
                session.ended_at.isoformat() if session.ended_at else None,
                session.current_step,
                json.dumps(meta),
            ),
        )

    def save(self, session: Session) -> None:
        """Write the session's metadata and any turns not yet stored."""
        with self._tx() as db:
            self._upsert(db, session)
            stored = db.execute("SELECT COUNT(*) FROM turns WHERE session_id=?", (session.id,)).fetchone()[0]
            for idx, turn in enumerate(session.turns[stored:], start=stored):
                db.execute(
                    "INSERT INTO turns (session_id, idx, data) VALUES (?, ?, ?)",
                    (session.id, idx, turn.model_dump_json()),
                )

    def append_turn(self, session: Session, turn: Turn) -> None:
        """Add ``turn`` to the session and commit it (with the metadata) at once."""
        session.turns.append(turn)
        try:
            self.save(session)
        except BaseException:
            session.turns.pop()
            raise

    def load(self, session_id: str) -> Session:
        row = self.db.execute("SELECT data FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No saved interview has the id {session_id!r}.")
        turns = [r[0] for r in self.db.execute("SELECT data FROM turns WHERE session_id=? ORDER BY idx", (session_id,))]
        try:
            data = json.loads(row[0])
            data["turns"] = [json.loads(t) for t in turns]
            return Session.model_validate(data)
        except (ValidationError, json.JSONDecodeError) as exc:
            raise StoreError(f"Session {session_id} in {self.path} is unreadable: {exc}") from None

    def exists(self, session_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone() is not None

    def list_sessions(self, limit: int = 100) -> list[SessionSummary]:
        rows = self.db.execute(
            """SELECT s.id, s.problem_id, s.title, s.level, s.model, s.created_at, s.updated_at, s.ended_at,
                      s.current_step, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id),
                      (SELECT r.overall_score FROM reports r WHERE r.session_id = s.id ORDER BY r.id DESC LIMIT 1),
                      EXISTS (SELECT 1 FROM reports r WHERE r.session_id = s.id)
               FROM sessions s ORDER BY s.updated_at DESC LIMIT ?""",
            (limit,),
        ).fetchall()
        keys = list(SessionSummary.model_fields)
        return [SessionSummary(**dict(zip(keys, r, strict=True))) for r in rows]

    # --- reports ------------------------------------------------------------
    def save_report(self, session_id: str, data: dict[str, object], overall_score: float | None) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO reports (session_id, created_at, overall_score, data) VALUES (?, ?, ?, ?)",
                (session_id, utcnow().isoformat(), overall_score, json.dumps(data)),
            )
            return int(cur.lastrowid or 0)

    def _report(self, row: tuple[object, ...]) -> StoredReport:
        rid, sid, created, score, data = row
        return StoredReport(
            id=int(str(rid)),
            session_id=str(sid),
            created_at=str(created),
            overall_score=score,
            data=json.loads(str(data)),
        )

    def latest_report(self, session_id: str) -> StoredReport | None:
        row = self.db.execute(
            "SELECT id, session_id, created_at, overall_score, data FROM reports WHERE session_id=? ORDER BY id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return self._report(row) if row else None

    def list_reports(self) -> list[StoredReport]:
        rows = self.db.execute(
            "SELECT id, session_id, created_at, overall_score, data FROM reports ORDER BY created_at, id"
        ).fetchall()
        return [self._report(r) for r in rows]
