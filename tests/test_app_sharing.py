"""The app shared between windows and visitors (issue 10.2, 10.3), via AppTest."""

from __future__ import annotations

import re
from pathlib import Path

from apptest import new_app, ok
from fakeserver import FakeOpenAI
from streamlit.testing.v1 import AppTest

from interviewer import ownership
from interviewer.agent import Interviewer
from interviewer.framework import Framework
from interviewer.session import Session
from interviewer.store import Store
from interviewer.web.interview_page import ANOTHER_WINDOW


def run(**query: str) -> AppTest:
    return ok(new_app(**query).run())


def test_a_second_window_does_not_call_the_model_for_a_reply_being_written(
    scripted: FakeOpenAI, data_dir: Path, fw: Framework
) -> None:
    store = Store(data_dir)
    session = Session(problem=fw.problem("answer-engine"), model="openai/scripted", api_base=scripted.base_url)
    store.save(session)
    # Window 1 holds the lease while it streams the opening question.
    assert store.claim_reply(session.id, "window-1", 120)
    before = len(scripted.chat_requests)
    at = run(session=session.id)
    assert any(ANOTHER_WINDOW in re.sub(r"\\(.)", r"\1", w.value) for w in at.warning)
    assert len(scripted.chat_requests) == before
    assert store.load(session.id).turns == []
    # Once window 1 is done, this window produces the owed reply itself.
    store.release_reply(session.id, "window-1")
    scripted.script("Welcome. What does the system produce?")
    at.run()
    assert len(scripted.chat_requests) == before + 1
    assert [t.role for t in store.load(session.id).turns] == ["interviewer"]


def test_a_stale_tab_is_reloaded_with_the_message_and_keeps_the_text(data_dir: Path, fw: Framework) -> None:
    store = Store(data_dir)
    session = Session(problem=fw.problem("answer-engine"))
    Interviewer(fw, session, store=store).open().consume()
    at = run(session=session.id)
    # Meanwhile another window answers (and the interviewer replies there).
    other = Interviewer(fw, store.load(session.id), store=Store(data_dir))
    other.answer("From the other window: users are support agents.").consume()
    # This tab still shows the old state; its pending answer hits the newer version
    # only if it was loaded before; the page reloads each run, so it simply continues.
    at.chat_input(key="chat").set_value("From this window: latency under two seconds.").run()
    assert not at.exception
    texts = [t.text for t in store.load(session.id).turns if t.role == "candidate"]
    assert texts == [
        "From the other window: users are support agents.",
        "From this window: latency under two seconds.",
    ]


def test_a_corrupt_session_row_is_a_message_not_a_traceback(data_dir: Path, fw: Framework) -> None:
    import sqlite3

    store = Store(data_dir)
    session = Session(problem=fw.problem("answer-engine"))
    Interviewer(fw, session, store=store).open().consume()
    with sqlite3.connect(data_dir / "interviewer.db") as raw:
        raw.execute("UPDATE sessions SET data='{broken' WHERE id=?", (session.id,))
    for view in ({}, {"view": "report"}):
        at = run(session=session.id, **view)
        assert not at.exception
        errors = [e.value for e in at.error]
        assert errors == [f"Saved interview {session.id} is unreadable."], errors
        assert str(data_dir) not in " ".join(errors)
    # The start page and History still list and open the rest.
    assert not run().exception and not run(view="history").exception


def test_viewer_rules() -> None:
    admins = frozenset({"boss@example.com"})
    common = {"admins": admins, "require_login": False, "local": False, "tab_id": "t1"}
    assert ownership.viewer(auth_configured=True, email="Ann@Example.com", **common) == ownership.Viewer(
        owner="ann@example.com"
    )
    assert ownership.viewer(auth_configured=True, email="boss@example.com", **common).see_all
    refusal = ownership.viewer(auth_configured=True, email=None, **common)
    assert isinstance(refusal, ownership.Refusal) and refusal.sign_in
    guest = ownership.viewer(auth_configured=False, email=None, **common)
    assert isinstance(guest, ownership.Viewer) and guest.owner == "guest:t1" and guest.notice
    local = ownership.viewer(auth_configured=False, email=None, **{**common, "local": True})
    assert local == ownership.Viewer(owner="local")
    refused = ownership.viewer(auth_configured=False, email=None, **{**common, "require_login": True})
    assert isinstance(refused, ownership.Refusal) and not refused.sign_in


def test_local_means_loopback_and_a_local_host_header() -> None:
    assert ownership.is_local(None, "localhost:8501")
    assert ownership.is_local(None, "127.0.0.1:8501") and ownership.is_local(None, "[::1]:8501")
    # A reverse proxy on the same machine: the socket is local, the Host is not.
    assert not ownership.is_local(None, "interviews.example.com")
    assert not ownership.is_local("203.0.113.9", "localhost:8501")
