"""Driving app.py through streamlit.testing: the helpers every AppTest file shares."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from interviewer.session import Session
from interviewer.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def new_app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def chats(at: AppTest) -> list[tuple[str, str]]:
    return [(cm.name, "\n".join(m.value for m in cm.markdown)) for cm in at.main.chat_message]


def only_session(data_dir: Path) -> Session:
    store = Store(data_dir)
    sessions = store.list_sessions()
    assert len(sessions) == 1
    return store.load(sessions[0].id)
