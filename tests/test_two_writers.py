"""Two interviewers on one stored session (two CLIs, a CLI and a tab): the
second writer is told and reloads; no answer disappears."""

from __future__ import annotations

import pytest
from helpers import new_session

from interviewer.agent import Interviewer
from interviewer.errors import ConflictError
from interviewer.store import Store


def test_second_writer_conflicts_then_continues_after_reload(tmp_path, fw) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path)
    session = new_session(fw)
    first = Interviewer(fw, session, store=store)
    first.open().consume()
    second = Interviewer(fw, store.load(session.id), store=Store(tmp_path))
    for i in range(4):
        first.answer(f"first window answer {i} about latency budgets and users").consume()
    with pytest.raises(ConflictError, match="another window"):
        second.answer("second window answer")
    second.session = second.store.load(session.id)
    second.answer("second window answer, after reloading").consume()
    texts = [t.text for t in store.load(session.id).turns if t.role == "candidate"]
    assert texts == [f"first window answer {i} about latency budgets and users" for i in range(4)] + [
        "second window answer, after reloading"
    ]
