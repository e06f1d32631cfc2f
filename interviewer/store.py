"""Persistence: sessions, turns and reports, in SQLite (default) or PostgreSQL.

SQLAlchemy Core 2 talks to both (psycopg 3 for PostgreSQL), so one set of
migrations and one set of queries serve either; nothing here switches SQL
by dialect except the two connection set-ups.

Rules that keep answers from being lost:

- Each turn is its own row, committed as soon as it exists: a candidate's
  answer is stored before any model is called.
- Every write of a session is version-checked in the same transaction: the
  writer must have seen the latest version, or it gets ``ConflictError``
  and reloads (two tabs, app + CLI, two CLIs). Nothing is overwritten or
  skipped silently.
- A short *reply lease* lets one window at a time call the model for a
  session, so a second tab never asks for the same reply twice.

Every query is scoped to the store's ``owner`` (the signed-in user, or
"local" on a one-person install) unless the store may ``see_all`` (admins).
Another owner's session looks exactly like a missing one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection, Engine

from .errors import ConflictError, NotFoundError, StoreError
from .framework import STEP_COUNT
from .session import Session, Turn, utcnow
from .settings import default_data_dir

DB_NAME = "interviewer.db"
LOCAL_OWNER = "local"
CONFLICT_MESSAGE = "This interview changed in another window — reloaded. Nothing was lost; check the latest turns."

Migration = Callable[[Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


# The migrations describe their tables with their own MetaData, so a later
# change to the query tables below never rewrites history.
@migration
def m001_sessions_and_turns(db: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "sessions",
        md,
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
        sa.Column("current_step", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    sa.Table(
        "turns",
        md,
        sa.Column("session_id", sa.Text, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    md.create_all(db)


@migration
def m002_reports(db: Connection) -> None:
    md = sa.MetaData()
    sa.Table("sessions", md, sa.Column("id", sa.Text, primary_key=True))  # for the foreign key only
    reports = sa.Table(
        "reports",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.Text, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("overall_score", sa.Float),
        sa.Column("data", sa.Text, nullable=False),
    )
    sa.Index("reports_session", reports.c.session_id, reports.c.created_at)
    reports.create(db)


@migration
def m003_owner_version_and_summary_columns(db: Connection) -> None:
    """Ownership, the version every write checks, the reply lease, and the
    columns lists read (so listing never counts turns or parses reports)."""
    for column in (
        f"owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}'",
        "version INTEGER NOT NULL DEFAULT 0",
        "turn_count INTEGER NOT NULL DEFAULT 0",
        "overall_score FLOAT",
        "graded INTEGER NOT NULL DEFAULT 0",
        "lease_holder TEXT",
        "lease_until TEXT",
    ):
        db.execute(sa.text(f"ALTER TABLE sessions ADD COLUMN {column}"))
    db.execute(
        sa.text("UPDATE sessions SET turn_count = (SELECT COUNT(*) FROM turns t WHERE t.session_id = sessions.id)")
    )
    db.execute(
        sa.text(
            """UPDATE sessions SET
                 graded = CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.session_id = sessions.id) THEN 1 ELSE 0 END,
                 overall_score = (SELECT r.overall_score FROM reports r WHERE r.session_id = sessions.id
                                  ORDER BY r.id DESC LIMIT 1)"""
        )
    )
    db.execute(sa.text("CREATE INDEX sessions_owner_updated ON sessions (owner, updated_at)"))


STEP_SCORE_COLUMNS = tuple(f"step{n}_score" for n in range(1, STEP_COUNT + 1))
SCORED_STATUSES = ("graded", "offline")


def step_scores(data: object) -> dict[str, float | None]:
    """The per-step score columns of one report's JSON: a step's score where
    it was graded (as the trend chart counts it), else None. A malformed
    report simply has no step scores."""
    scores: dict[str, float | None] = dict.fromkeys(STEP_SCORE_COLUMNS)
    steps = data.get("steps") if isinstance(data, dict) else None
    for item in steps if isinstance(steps, list) else []:
        if not isinstance(item, dict):
            continue
        step, score = item.get("step"), item.get("score")
        if (
            isinstance(step, int)
            and 1 <= step <= STEP_COUNT
            and isinstance(score, int | float)
            and item.get("status") in SCORED_STATUSES
        ):
            scores[f"step{step}_score"] = float(score)
    return scores


@migration
def m004_report_step_score_columns(db: Connection) -> None:
    """Each report's step scores in columns, so the History chart reads seven
    floats per report instead of parsing every report's JSON on every rerun."""
    for name in STEP_SCORE_COLUMNS:
        db.execute(sa.text(f"ALTER TABLE reports ADD COLUMN {name} FLOAT"))
    md = sa.MetaData()
    reports = sa.Table(
        "reports",
        md,
        sa.Column("id", sa.Integer),
        sa.Column("data", sa.Text),
        *(sa.Column(n, sa.Float) for n in STEP_SCORE_COLUMNS),
    )
    for rid, data in db.execute(sa.select(reports.c.id, reports.c.data)).all():
        try:
            parsed = json.loads(data)
        except ValueError:
            continue
        db.execute(reports.update().where(reports.c.id == rid).values(**step_scores(parsed)))


# --- the current schema, for queries -----------------------------------------
_md = sa.MetaData()
migrations_t = sa.Table(
    "migrations",
    _md,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("applied_at", sa.Text, nullable=False),
)
sessions_t = sa.Table(
    "sessions",
    _md,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("problem_id", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("level", sa.Text),
    sa.Column("model", sa.Text),
    sa.Column("created_at", sa.Text),
    sa.Column("updated_at", sa.Text),
    sa.Column("ended_at", sa.Text),
    sa.Column("current_step", sa.Integer),
    sa.Column("data", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("version", sa.Integer),
    sa.Column("turn_count", sa.Integer),
    sa.Column("overall_score", sa.Float),
    sa.Column("graded", sa.Integer),
    sa.Column("lease_holder", sa.Text),
    sa.Column("lease_until", sa.Text),
)
turns_t = sa.Table(
    "turns",
    _md,
    sa.Column("session_id", sa.Text),
    sa.Column("idx", sa.Integer),
    sa.Column("data", sa.Text),
)
reports_t = sa.Table(
    "reports",
    _md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Text),
    sa.Column("created_at", sa.Text),
    sa.Column("overall_score", sa.Float),
    sa.Column("data", sa.Text),
    *(sa.Column(name, sa.Float) for name in STEP_SCORE_COLUMNS),
)


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
    owner: str = LOCAL_OWNER


class ScorePoint(BaseModel):
    """One report's scores for the trend chart, read from columns (no JSON)."""

    created_at: datetime
    overall_score: float | None
    steps: dict[int, float]


class StoredReport(BaseModel):
    id: int
    session_id: str
    created_at: datetime
    overall_score: float | None
    data: dict[str, object]


# --- engines: one per URL per process (a pool shared by every browser tab) ---
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite_engine(url: str, read_only: bool = False) -> Engine:
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling does not cover DDL; take it
        # over (SQLAlchemy's documented recipe) and begin explicitly below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not read_only:  # a read-only file keeps the journal mode it was written with
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # IMMEDIATE: take the write lock up front, so two writers queue
        # instead of failing on a lock upgrade half-way through. A read-only
        # file cannot take that lock; plain BEGIN reads a consistent snapshot.
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def engine_for(url: str, *, read_only: bool = False) -> Engine:
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = _sqlite_engine(url, read_only)
            else:
                engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            if read_only:
                _check_migrated(engine)
            else:
                _migrate(engine)
            _engines[url] = engine
        return engine


def _read_only_urls(path: Path) -> list[str]:
    """SQLite URLs that open ``path`` without writing: ``mode=ro`` first; then
    ``immutable=1``, which also works where the WAL's shared-memory file
    cannot be created (a read-only folder)."""
    from urllib.parse import quote

    where = quote(str(path.resolve()))
    return [f"sqlite:///file:{where}?mode=ro&uri=true", f"sqlite:///file:{where}?immutable=1&uri=true"]


def _check_migrated(engine: Engine) -> None:
    """A store opened read-only cannot be upgraded: it must already be current."""
    with engine.connect() as db:
        done = set(db.execute(sa.select(migrations_t.c.name)).scalars())
    missing = [fn.__name__ for fn in MIGRATIONS if fn.__name__ not in done]
    if missing:
        raise StoreError(
            f"The session store is read-only and older than this version ({len(missing)} upgrade(s) pending); "
            "open it once where it can be written"
        )


def dispose_engines() -> None:
    """Close every pooled connection (tests, and servers shutting down)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _migrate(engine: Engine) -> None:
    """Apply missing migrations in one transaction; safe with several app
    servers starting at once (PostgreSQL: an advisory lock; SQLite: the
    immediate write lock)."""
    with engine.begin() as db:
        if db.dialect.name == "postgresql":
            db.execute(sa.text("SELECT pg_advisory_xact_lock(827364501)"))
        _md.tables["migrations"].create(db, checkfirst=True)
        done = set(db.execute(sa.select(migrations_t.c.name)).scalars())
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            fn(db)
            db.execute(migrations_t.insert().values(name=fn.__name__, applied_at=utcnow().isoformat()))


def _describe(url: str) -> str:
    """Where the store is, without a password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "the configured database"


class Store:
    """Sessions, turns and reports of one owner (or all, for an admin)."""

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        url: str | None = None,
        owner: str = LOCAL_OWNER,
        see_all: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.owner = owner
        self.see_all = see_all
        if url is None:
            self.path: Path | None = self.data_dir / DB_NAME
            url = f"sqlite:///{self.path}"
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"Cannot open the session store in {self.data_dir}: {exc.strerror}") from None
        else:
            self.path = None
        self.url = url
        self.where = str(self.path) if self.path else _describe(url)
        # True when the SQLite file could only be opened for reading (a
        # read-only folder or file): listing and viewing work, saving says why not.
        self.read_only = False
        try:
            self.engine = engine_for(url)
        except sa.exc.SQLAlchemyError as exc:
            if self.path is None or not self.path.is_file():
                raise StoreError(f"Cannot open the session store ({self.where}): {_reason(exc)}") from None
            self.engine = self._open_read_only(self.path, exc)

    def _open_read_only(self, path: Path, first: sa.exc.SQLAlchemyError) -> Engine:
        for url in _read_only_urls(path):
            try:
                engine = engine_for(url, read_only=True)
            except sa.exc.SQLAlchemyError:
                continue
            self.read_only = True
            self.url = url
            return engine
        raise StoreError(f"Cannot open the session store ({self.where}): {_reason(first)}") from None

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise StoreError(f"Cannot {what} ({self.where}): {_read_only_reason()}")

    def _write_reason(self, exc: Exception) -> str:
        return _read_only_reason() if self.read_only else _reason(exc)

    def close(self) -> None:
        """Nothing to do per store: engines are shared; see ``dispose_engines``."""

    def applied_migrations(self) -> list[str]:
        with self.engine.connect() as db:
            return list(db.execute(sa.select(migrations_t.c.name).order_by(migrations_t.c.name)).scalars())

    def _mine(self) -> sa.ColumnElement[bool]:
        return sa.true() if self.see_all else sessions_t.c.owner == self.owner

    # --- sessions -----------------------------------------------------------
    def save(self, session: Session) -> None:
        """Write the session's metadata and its new turns, version-checked.

        A session this store has not loaded or saved (``stored_version`` is
        None) may only be created; one that another writer changed since it
        was read raises ConflictError and nothing is written.
        """
        self._writable("save the interview")
        meta = json.dumps(session.model_dump(mode="json", exclude={"turns"}))
        now = utcnow().isoformat()
        try:
            with self.engine.begin() as db:
                row = db.execute(
                    sa.select(sessions_t.c.owner, sessions_t.c.version, sessions_t.c.turn_count)
                    .where(sessions_t.c.id == session.id)
                    .with_for_update()
                ).first()
                values = {
                    "title": session.problem.title,
                    "level": session.level,
                    "model": session.model,
                    "updated_at": now,
                    "ended_at": session.ended_at.isoformat() if session.ended_at else None,
                    "current_step": session.current_step,
                    "data": meta,
                    "turn_count": len(session.turns),
                }
                if row is None:
                    db.execute(
                        sessions_t.insert().values(
                            id=session.id,
                            problem_id=session.problem.id,
                            created_at=session.created_at.isoformat(),
                            owner=self.owner,
                            version=1,
                            graded=0,
                            **values,
                        )
                    )
                    new_turns = list(enumerate(session.turns))
                    version = 1
                else:
                    owner, stored_version, stored_turns = row
                    if owner != self.owner and not self.see_all:
                        raise NotFoundError(f"No saved interview has the id {session.id!r}.")
                    if session.stored_version != stored_version or len(session.turns) < stored_turns:
                        raise ConflictError(CONFLICT_MESSAGE)
                    version = stored_version + 1
                    done = db.execute(
                        sessions_t.update()
                        .where(sessions_t.c.id == session.id, sessions_t.c.version == stored_version)
                        .values(version=version, **values)
                    )
                    if done.rowcount != 1:
                        raise ConflictError(CONFLICT_MESSAGE)
                    new_turns = list(enumerate(session.turns))[stored_turns:]
                if new_turns:
                    db.execute(
                        turns_t.insert(),
                        [{"session_id": session.id, "idx": i, "data": t.model_dump_json()} for i, t in new_turns],
                    )
        except sa.exc.IntegrityError:
            # Two writers created the same id at once, or raced on a turn index.
            raise ConflictError(CONFLICT_MESSAGE) from None
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"Cannot save the interview ({self.where}): {self._write_reason(exc)}") from None
        session.stored_version = version

    def append_turn(self, session: Session, turn: Turn) -> None:
        """Add ``turn`` to the session and commit it (with the metadata) at once."""
        session.turns.append(turn)
        try:
            self.save(session)
        except BaseException:
            session.turns.pop()
            raise

    def load(self, session_id: str) -> Session:
        try:
            with self.engine.connect() as db:
                row = db.execute(
                    sa.select(sessions_t.c.data, sessions_t.c.version).where(
                        sessions_t.c.id == session_id, self._mine()
                    )
                ).first()
                if row is None:
                    raise NotFoundError(f"No saved interview has the id {session_id!r}.")
                turns = db.execute(
                    sa.select(turns_t.c.data).where(turns_t.c.session_id == session_id).order_by(turns_t.c.idx)
                ).scalars()
                raw_turns = list(turns)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"Cannot read the session store ({self.where}): {_reason(exc)}") from None
        try:
            data = json.loads(row[0])
            data["turns"] = [json.loads(t) for t in raw_turns]
            session = Session.model_validate(data)
        except (ValidationError, json.JSONDecodeError, TypeError) as exc:
            # The row's id only: never the path or the pydantic dump of the data.
            first = exc.errors()[0]["loc"] if isinstance(exc, ValidationError) and exc.errors() else None
            where = f" (field {'.'.join(map(str, first))})" if first else ""
            raise StoreError(f"Saved interview {session_id} is unreadable{where}.") from None
        session.stored_version = int(row[1])
        return session

    def exists(self, session_id: str) -> bool:
        with self.engine.connect() as db:
            found = db.execute(sa.select(sessions_t.c.id).where(sessions_t.c.id == session_id, self._mine())).first()
        return found is not None

    def list_sessions(self, limit: int = 100, offset: int = 0) -> list[SessionSummary]:
        """Newest first, from the summary columns (no turn counting, no JSON)."""
        c = sessions_t.c
        query = (
            sa.select(
                c.id,
                c.problem_id,
                c.title,
                c.level,
                c.model,
                c.created_at,
                c.updated_at,
                c.ended_at,
                c.current_step,
                c.turn_count,
                c.overall_score,
                c.graded,
                c.owner,
            )
            .where(self._mine())
            .order_by(c.updated_at.desc(), c.id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        keys = list(SessionSummary.model_fields)
        return [SessionSummary(**dict(zip(keys, r, strict=True))) for r in rows]

    def count_sessions(self) -> int:
        with self.engine.connect() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(sessions_t).where(self._mine())).scalar_one())

    # --- the reply lease ------------------------------------------------------
    def claim_reply(self, session_id: str, holder: str, seconds: float) -> bool:
        """Take the right to call the model for this session, for ``seconds``.

        False while another holder's lease runs: that window is already
        producing the reply. A lease that was never released (a closed tab,
        a crash) simply expires.
        """
        self._writable("answer in this interview")
        now = utcnow()
        c = sessions_t.c
        with self.engine.begin() as db:
            done = db.execute(
                sessions_t.update()
                .where(
                    c.id == session_id,
                    self._mine(),
                    sa.or_(c.lease_holder.is_(None), c.lease_holder == holder, c.lease_until < now.isoformat()),
                )
                .values(lease_holder=holder, lease_until=(now + timedelta(seconds=seconds)).isoformat())
            )
        return done.rowcount == 1

    def release_reply(self, session_id: str, holder: str) -> None:
        if self.read_only:
            return  # nothing was claimed
        c = sessions_t.c
        with self.engine.begin() as db:
            db.execute(
                sessions_t.update()
                .where(c.id == session_id, c.lease_holder == holder)
                .values(lease_holder=None, lease_until=None)
            )

    # --- reports ------------------------------------------------------------
    def save_report(self, session_id: str, data: dict[str, object], overall_score: float | None) -> int:
        self._writable("save the report")
        with self.engine.begin() as db:
            owned = db.execute(sa.select(sessions_t.c.id).where(sessions_t.c.id == session_id, self._mine())).first()
            if owned is None:
                raise NotFoundError(f"No saved interview has the id {session_id!r}.")
            result = db.execute(
                reports_t.insert()
                .values(
                    session_id=session_id,
                    created_at=utcnow().isoformat(),
                    overall_score=overall_score,
                    data=json.dumps(data),
                    **step_scores(data),
                )
                .returning(reports_t.c.id)
            )
            rid = int(result.scalar_one())
            # Summary columns only: grading never bumps the version, so it
            # cannot make an open interview tab conflict.
            db.execute(
                sessions_t.update().where(sessions_t.c.id == session_id).values(graded=1, overall_score=overall_score)
            )
            return rid

    @staticmethod
    def _report(row: sa.Row[Any]) -> StoredReport:
        rid, sid, created, score, data = row
        return StoredReport(id=rid, session_id=sid, created_at=created, overall_score=score, data=json.loads(data))

    def _reports(self) -> sa.Select[Any]:
        r = reports_t.c
        return (
            sa.select(r.id, r.session_id, r.created_at, r.overall_score, r.data)
            .join(sessions_t, sessions_t.c.id == r.session_id)
            .where(self._mine())
        )

    def latest_report(self, session_id: str) -> StoredReport | None:
        query = self._reports().where(reports_t.c.session_id == session_id).order_by(reports_t.c.id.desc()).limit(1)
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return self._report(row) if row else None

    def overall_scores(self) -> list[tuple[datetime, float]]:
        """Every report's overall score, oldest first, from the columns alone
        (the History page's default trend; no report JSON is read)."""
        r = reports_t.c
        query = (
            sa.select(r.created_at, r.overall_score)
            .join(sessions_t, sessions_t.c.id == r.session_id)
            .where(self._mine(), r.overall_score.is_not(None))
            .order_by(r.created_at, r.id)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [(datetime.fromisoformat(created), float(score)) for created, score in rows]

    def list_reports(self, limit: int | None = None) -> list[StoredReport]:
        """Oldest first (a trend); ``limit`` keeps the newest ``limit``."""
        query = self._reports().order_by(reports_t.c.created_at.desc(), reports_t.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [self._report(r) for r in reversed(rows)]

    def score_points(self, limit: int | None = None) -> list[ScorePoint]:
        """Every report's overall and step scores, oldest first, from the score
        columns; ``limit`` keeps the newest ``limit``."""
        r = reports_t.c
        columns = [r[name] for name in STEP_SCORE_COLUMNS]
        query = (
            sa.select(r.created_at, r.overall_score, *columns)
            .join(sessions_t, sessions_t.c.id == r.session_id)
            .where(self._mine())
            .order_by(r.created_at.desc(), r.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            ScorePoint(
                created_at=row[0],
                overall_score=row[1],
                steps={n: v for n, v in enumerate(row[2:], start=1) if v is not None},
            )
            for row in reversed(rows)
        ]


def _read_only_reason() -> str:
    return "the store is read-only here (check the permissions of the data directory); nothing was changed"


def _reason(exc: Exception) -> str:
    """The driver's first line, without SQL, parameters or the URL."""
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0][:200]
